"""ape run dashboard: the regulator's read-only web page over a deployment or an association (SPEC 10)."""

import signal
from pathlib import Path

import click

from greenpoints.cli import Command, check_port, one_line_errors
from greenpoints.paths import check_file


@click.command(cls=Command, short_help="Serve the monitoring web page (read-only)")
@click.option("--deployment", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A deployment record [default: this network's, "
              "deployments/<ecosystem>-<network>-<provider>.json]")  # fmt: skip
@click.option("--association", help="An association's address or deployment record: every platform")
@click.option("--db", default=None,
              help="Database URL (sqlite:///FILE or postgresql+psycopg://...) or a file "
              "[default: results/dashboard.sqlite]")  # fmt: skip
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to serve on; beyond this machine (not 127.0.0.1, ::1 or localhost) the page "
              "asks for --token, or --public")  # fmt: skip
@click.option("--token", default=None, metavar="TOKEN",
              help="The token a reader must show (?token=... once, or Authorization: Bearer); "
              "default: $GREENPOINTS_DASHBOARD_TOKEN")  # fmt: skip
@click.option("--public", is_flag=True, help="Serve beyond this machine with no token, on purpose")
@click.option("--port", type=click.IntRange(1, 65_535), default=8000, show_default=True, help="Port")
@click.option("--poll", type=click.FloatRange(min=0.1), default=1.0, show_default=True,
              help="Seconds between looks at the node")  # fmt: skip
@click.option("--explorer", default=None, metavar="URL",
              help="A block explorer's address for a transaction, the hash appended "
              "(https://etherscan.io/tx/): alerts link their transaction there")  # fmt: skip
@one_line_errors
def cli(network, deployment, association, db, host, port, poll, explorer, token, public):
    import uvicorn
    from ape import chain

    from greenpoints.dashboard import Store, Supervisor, create_app
    from greenpoints.dashboard.access import AccessError, token_for
    from greenpoints.dashboard.store import StoreError, default_url
    from greenpoints.deploy import default_record_path, load_association, load_system

    if association and deployment:
        raise click.UsageError("--association shows every platform: no --deployment")
    if explorer is not None and not explorer.startswith(("https://", "http://")):
        raise click.BadParameter(f"{explorer!r} is not an http(s) address", param_hint="--explorer")
    try:
        token = token_for(host, token, public)
    except AccessError as err:
        raise click.UsageError(str(err)) from None
    check_port(host, port)
    if not (db and "://" in db):
        db = check_file(db or Path("results") / "dashboard.sqlite", "--db")
    url = db if isinstance(db, str) else default_url(db)
    try:
        store = Store(url)
    except StoreError as err:
        raise click.ClickException(str(err)) from err

    def say(line):
        click.echo(f"dashboard: {line}", err=True)

    web3 = chain.provider.web3
    if association:
        target = load_association(association)
        supervisor = Supervisor.for_association(
            target, web3, store, poll_interval=poll, status=say, explorer=explorer
        )
        what = f"association {target.address} ({len(target.platforms)} platforms)"
    else:
        system = load_system(deployment or default_record_path())
        supervisor = Supervisor.for_system(
            system, web3, store, poll_interval=poll, status=say, explorer=explorer
        )
        what = f"pool {system.pool.address}"
    say(f"{what}: {supervisor.start()}")
    app = create_app(supervisor, token=token)
    supervisor.run_in_background()
    access = (
        "open to anyone who can reach it (--public)"
        if public
        else "with a token"
        if token
        else "this machine only"
    )
    say(f"serving http://{host}:{port}/ ({access}; database {url}); Ctrl-C stops")
    # uvicorn stops on Ctrl-C or SIGTERM and then raises the signal again for the handler it found:
    # a no-op one here, so the page stops cleanly (exit 0) rather than as an interrupted command.
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: None)
    try:
        uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning")).run()
    finally:
        supervisor.stop()
    say("stopped")

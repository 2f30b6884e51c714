"""ape run monitor: follow a deployment's new blocks and report alerts as lines or JSON lines."""

import signal
from pathlib import Path

import click

from greenpoints.cli import Command, one_line_errors, resolve_account
from greenpoints.model import NEWCOMERS_PAY_MOST
from greenpoints.paths import check_file
from greenpoints.thresholds import DAY, QUEUE_EPOCHS, STUCK_AFTER


@click.command(cls=Command, short_help="Follow a deployment and report alerts")
@click.option("--deployment", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The deployment record [default: this network's, "
              "deployments/<ecosystem>-<network>-<provider>.json]")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="One JSON object per alert instead of a line")
@click.option("--state", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File keeping the last block read: resume, missing and repeating nothing")  # fmt: skip
@click.option("--from-block", type=click.IntRange(min=0), default=None,
              help="Report alerts from this block on [default: new blocks, or from the state]")  # fmt: skip
@click.option("--until-block", type=click.IntRange(min=0), default=None,
              help="Stop once this block is read [default: follow forever]")  # fmt: skip
@click.option("--once", is_flag=True, help="Read up to the current block, then stop")
@click.option("--poll", type=click.FloatRange(min=0), default=2.0, show_default=True,
              help="Seconds between looks at the node")  # fmt: skip
@click.option("--confirmations", type=click.IntRange(min=0), default=0, show_default=True,
              help="Read only blocks this deep under the head (reorg safety on public chains)")  # fmt: skip
@click.option("--circular-window", type=click.IntRange(min=0), default=DAY, show_default=True,
              help="Seconds after issuance in which spending at the issuer is a circular flow")  # fmt: skip
@click.option("--max-backoff", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              help="Longest wait, in seconds, between retries while the node is unreachable")  # fmt: skip
@click.option("--association", help="An association's address or deployment record: follow every platform, "
              "new ones included, with one state file")  # fmt: skip
@click.option("--newcomers-threshold", type=click.FloatRange(0, 1), default=NEWCOMERS_PAY_MOST,
              show_default=True, help="Warn (paid_by_newcomers) when more than this share of the last "
              "epochs' exit payouts was funded by later contributions")  # fmt: skip
@click.option("--queue-epochs", type=click.IntRange(min=1), default=QUEUE_EPOCHS, show_default=True,
              help="Warn (exit_queue_growing) when the exit queue would take more than this many epochs "
              "of exit budget to clear")  # fmt: skip
@click.option("--stuck-after", type=click.IntRange(min=1), default=STUCK_AFTER, show_default=True,
              help="Warn (exit_request_stuck) when the oldest waiting exit request is this many "
              "seconds old")  # fmt: skip
@click.option("--guardian-account", "guardian_alias", metavar="ALIAS",
              help="Opt-in: an account holding the guardian role (an Ape alias or TEST::N); the monitor "
              "pauses the pool with it when the asset is short, the token paused or the pool "
              "blacklisted, and alerts that it did")  # fmt: skip
@one_line_errors
def cli(network, deployment, as_json, state, from_block, until_block, once, poll, confirmations,
        circular_window, max_backoff, association, newcomers_threshold, queue_epochs, stuck_after,
        guardian_alias):  # fmt: skip
    from ape import chain

    from greenpoints.audit.monitor import AssociationMonitor, Monitor, MonitorError, MonitorSettings
    from greenpoints.deploy import default_record_path, load_association, load_system

    if association and deployment:
        raise click.UsageError("--association follows every platform: no --deployment")
    if association and guardian_alias:
        raise click.UsageError(
            "--guardian-account pauses one pool: an association is its platforms' guardian "
            "(follow one platform's record with --deployment)"
        )
    if state is not None:
        check_file(state, "--state")

    def emit(alert):
        click.echo(alert.to_json() if as_json else alert.line())

    def status(line):
        click.echo(f"monitor: {line}", err=True)

    if association:
        target = load_association(association)
        kind, what = AssociationMonitor, f"association {target.address}"
    else:
        target = load_system(deployment or default_record_path())
        kind, what = Monitor, f"pool {target.pool.address}"
    guardian = None
    if guardian_alias:
        guardian = resolve_account(guardian_alias, role="guardian-account", local_default=None)
        if not target.registry.hasRole(target.registry.GUARDIAN_ROLE(), guardian):
            raise click.ClickException(
                f"--guardian-account: {guardian.address} does not hold the guardian role of registry "
                f"{target.registry.address}"
            )
        status(
            f"guardian {guardian.address}: the pool is paused on a short asset, a token pause or a blacklist"
        )
    settings = MonitorSettings(
        state_path=state,
        from_block=from_block,
        confirmations=confirmations,
        circular_window=circular_window,
        poll_interval=poll,
        max_backoff=max_backoff,
        newcomers_threshold=newcomers_threshold,
        queue_epochs=queue_epochs,
        stuck_after=stuck_after,
    )
    monitor = kind(
        target,
        chain.provider.web3,
        emit=emit,
        status=status,
        settings=settings,
        **({"guardian": guardian} if guardian is not None else {}),  # one pool only (refused above)
    )
    # Ctrl-C or a service manager's SIGTERM: finish the page being folded, save the state, exit 0
    # (Ape's own SIGINT handler would exit 130 wherever the monitor happened to be).
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: monitor.stop())
    try:
        begun = monitor.start()
        status(f"{what}: history folded up to block {begun}; following new blocks")
        monitor.run(until_block=until_block, once=once)
    except MonitorError as err:
        raise click.ClickException(str(err)) from err
    counts = ", ".join(f"{kind} {n}" for kind, n in sorted(monitor.counts.items())) or "none"
    status(f"stopped after block {monitor.cursor}; alerts: {counts}")
    if monitor.critical:
        raise click.ClickException(f"{monitor.critical} critical alerts (rules broken)")

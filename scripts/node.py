"""ape run node start|stop|status: a local chain (anvil) that stays up between commands, state kept."""

import click

from greenpoints import node


def _fail(err: node.NodeError):
    raise click.ClickException(str(err)) from err


@click.group(short_help="A local chain that stays up: start, stop, status")
def cli():
    """A local anvil that stays up between commands, its chain saved in .node/ and reloaded."""


@cli.command(short_help="Start the node in the background (or say where it runs)")
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="Port [default: 8545, or GREENPOINTS_NODE_PORT]")  # fmt: skip
@click.option("--fresh", is_flag=True, help="Forget the saved chain and start from block 0")
def start(port, fresh):
    if not fresh and (end := node.unclean_end()) is not None:
        click.echo(f"note: {end.note()}", err=True)
    try:
        info, started = node.start(port=port, fresh=fresh)
    except node.NodeError as err:
        _fail(err)
    head = node.block_number(info.url)
    click.echo(
        f"node: anvil {'started' if started else 'already running'} at {info.url} (block {head}, "
        f"process {info.pid}); the chain is saved in {info.state}"
    )
    click.echo("  use it:  ape run deploy --network ethereum:local:foundry   (every script finds it)")
    click.echo("  stop it: make node-stop   (or ape run node stop; the chain is kept for the next start)")


@cli.command(short_help="Stop the node; its chain is saved for the next start")
def stop():
    if (end := node.unclean_end()) is not None:
        click.echo(f"note: {end.note()}", err=True)
    try:
        info = node.stop()
    except node.NodeError as err:
        _fail(err)
    if info is None:
        click.echo("node: not running")
    else:
        click.echo(f"node: stopped (was {info.url}); the chain is saved in {info.state}")


@cli.command(short_help="Say whether the node runs, where, and at which block")
def status():
    info = node.running()
    if info is None:
        if (end := node.unclean_end()) is not None:
            click.echo(f"note: {end.note()}", err=True)
        raise click.ClickException("node: not running (start it with `make node`)")
    click.echo(f"node: running at {info.url} (block {node.block_number(info.url)}, process {info.pid})")

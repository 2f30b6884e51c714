"""ape run demo: deploy on the embedded chain and play SPEC section 1's worked example."""

import click

from greenpoints.catalog import SAMPLE_CATALOG
from greenpoints.cli import Command, one_line_errors


@click.command(cls=Command, short_help="Deploy locally and play the worked example")
@click.option("--asset-decimals", type=click.IntRange(0, 18), default=18, show_default=True)
@one_line_errors
def cli(network, asset_decimals):
    from ape import accounts

    from greenpoints.demo import play_worked_example, render
    from greenpoints.deploy import deploy_system, is_local_network
    from greenpoints.formatting import deployment_summary

    if not is_local_network():
        raise click.ClickException("the demo uses test accounts and a mock asset: run it on a local network")
    test = accounts.test_accounts
    system = deploy_system(
        test[0],
        registrar=test[1],
        guardian=test[2],
        certifier=test[3],
        asset_decimals=asset_decimals,
        catalog=SAMPLE_CATALOG,
    )
    click.echo(deployment_summary(system))
    click.echo("")
    steps = play_worked_example(
        system,
        merchant=test[4],
        cafe=test[5],
        charity=test[6],
        consumer_a=test[7],
        consumer_b=test[8],
    )
    click.echo(render(steps, asset_decimals))

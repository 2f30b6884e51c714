"""ape run association launch|suspend|reinstate|list: an association's platforms (SPEC 9)."""

import click
from ape.cli import verbosity_option

from greenpoints.catalog import SAMPLE_CATALOG
from greenpoints.cli import Command, one_line_errors, resolve_account, resolve_role
from greenpoints.deploy import (
    DeployError,
    default_record_path,
    is_local_network,
    launch_platform,
    load_association,
)
from greenpoints.paths import check_file


def _association_option(func):
    func = verbosity_option()(func)  # `ape run` adds -v only to the group
    return click.option(
        "--association",
        "source",
        default=None,
        help="The association's address or deployment record "
        "[default: deployments/<ecosystem>-<network>-<provider>-association.json]",
    )(func)


def _admin_option(func):
    return click.option(
        "--account", "account_alias", help="The association admin's alias (local chain: as recorded)"
    )(func)


def _load(source, account_alias):
    association = load_association(source or default_record_path("association"))
    if account_alias:
        admin = resolve_account(account_alias, role="account", local_default=None)
        if str(admin.address) != str(association.contract.owner()):
            raise click.ClickException(f"--account {account_alias} is not the association admin")
        association.admin = admin
    return association


def _save(association, source) -> None:
    """Keep the record up to date when the association was named by its record."""
    if source is None or not str(source).startswith("0x"):
        path = association.save(source)
        click.echo(f"record: {path}")


@click.group(short_help="Launch, suspend and reinstate an association's platforms")
def cli():
    pass


@cli.command(cls=Command, short_help="Launch a platform")
@_association_option
@_admin_option
@click.option("--name", required=True, help="The platform's name (1 to 64 bytes)")
@click.option("--operator", help="Who proposes its rule changes (local chain: test account 0)")
@click.option("--asset", help="Settlement token address (local chain: a mock stablecoin is deployed)")
@click.option(
    "--asset-decimals", type=click.IntRange(0, 18), default=18, show_default=True, help="Mock decimals"
)
@click.option("--registrar", help="Registrar address or alias (local chain: test account 1)")
@click.option("--certifier", help="Certifier address or alias (local chain: test account 3)")
@click.option(
    "--timelock-delay", type=click.IntRange(min=0), help="Governor delay in seconds (default 2 days)"
)
@click.option("--sample-catalog/--no-sample-catalog", default=None,
              help="Certify the sample green catalog (default: on a local chain only)")  # fmt: skip
@one_line_errors
def launch(network, source, account_alias, name, operator, asset, asset_decimals, registrar, certifier,
           timelock_delay, sample_catalog):  # fmt: skip
    if source is None or not str(source).startswith("0x"):  # its record is updated afterwards
        check_file(source or default_record_path("association"), "--association")
    association = _load(source, account_alias)
    if sample_catalog is None:
        sample_catalog = is_local_network()
    system = launch_platform(
        association,
        operator=resolve_role(operator, role="operator", local_default=0),
        asset=asset,
        registrar=resolve_role(registrar, role="registrar", local_default=1),
        certifier=resolve_role(certifier, role="certifier", local_default=3),
        timelock_delay=timelock_delay,
        name=name,
        catalog=SAMPLE_CATALOG if sample_catalog else (),
        asset_decimals=asset_decimals,
    )
    click.echo(f"platform {system.platform_id} ({system.name}) launched: pool {system.pool.address}, "
               f"registry {system.registry.address}, governor {system.governor.address}")  # fmt: skip
    _save(association, source)


def _platform(association, platform_id: int):
    if platform_id >= len(association.platforms):
        raise DeployError(f"no platform {platform_id}: the association has {len(association.platforms)}")
    return association.platforms[platform_id]


@cli.command(cls=Command, short_help="Suspend a platform (pause its pool)")
@_association_option
@_admin_option
@click.argument("platform_id", type=click.IntRange(min=0))
@click.option("--reason", required=True, help="Why, for the record (1 to 100 bytes)")
@one_line_errors
def suspend(network, source, account_alias, platform_id, reason):
    association = _load(source, account_alias)
    system = _platform(association, platform_id)
    if not 0 < len(reason.encode()) <= 100:
        raise DeployError("--reason must have 1 to 100 bytes")
    if association.status_of(platform_id) != "active":
        raise DeployError(f"platform {platform_id} is not active")
    association.contract.suspend_platform(platform_id, reason, sender=_signer(association))
    click.echo(f"platform {platform_id} ({system.name}) suspended; its pool is paused")


@cli.command(cls=Command, short_help="Reinstate a suspended platform")
@_association_option
@_admin_option
@click.argument("platform_id", type=click.IntRange(min=0))
@one_line_errors
def reinstate(network, source, account_alias, platform_id):
    association = _load(source, account_alias)
    system = _platform(association, platform_id)
    if association.status_of(platform_id) != "suspended":
        raise DeployError(f"platform {platform_id} is not suspended")
    association.contract.reinstate_platform(platform_id, sender=_signer(association))
    click.echo(f"platform {platform_id} ({system.name}) reinstated; unpausing its pool is its governor's")


@cli.command(name="list", cls=Command, short_help="List the platforms")
@_association_option
@one_line_errors
def list_(network, source):
    association = _load(source, None)
    click.echo(f"association {association.address}: {len(association.platforms)} platforms")
    for system in association.platforms:
        click.echo(
            f"  {system.platform_id:>3}  {system.name:<28} {association.status_of(system.platform_id):<9} "
            f"pool {system.pool.address}  from block {system.deployment_block}"
        )


def _signer(association):
    if isinstance(association.admin, str):
        raise DeployError("the association admin is not an account we hold: pass --account ALIAS")
    return association.admin

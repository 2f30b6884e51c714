"""ape run deploy --network ... --account ...: deploy the system and write deployments/<network>.json."""

import click

from greenpoints.catalog import SAMPLE_CATALOG
from greenpoints.cli import Command, one_line_errors, resolve_account, resolve_role
from greenpoints.node import EMBEDDED
from greenpoints.paths import check_file


def _rule(ctx, param, values):
    rules = {}
    for item in values:
        name, sep, number = item.partition("=")
        if not sep or not number.strip().isdigit():
            raise click.BadParameter(f"{item!r} is not NAME=INTEGER", ctx=ctx, param=param)
        rules[name.strip()] = int(number)
    return rules


@click.command(cls=Command, short_help="Deploy the greenpoints system")
@click.option("--account", "account_alias", help="Deployer account alias (local chain: test account 0)")
@click.option("--asset", help="Settlement token address (local chain: a mock stablecoin is deployed)")
@click.option(
    "--asset-decimals",
    type=click.IntRange(0, 18),
    default=18,
    show_default=True,
    help="Mock decimals",
)
@click.option("--registrar", help="Registrar address or alias (local chain: test account 1)")
@click.option("--guardian", help="Guardian address or alias (local chain: test account 2)")
@click.option("--certifier", help="Certifier address or alias (local chain: test account 3)")
@click.option(
    "--sample-catalog/--no-sample-catalog",
    default=None,
    help="Certify the sample green catalog (default: on a local chain only; needs a certifier account)",
)
@click.option("--proposer", help="Who may schedule governor operations (default: the deployer)")
@click.option(
    "--timelock-delay",
    type=click.IntRange(min=0),
    help="Governor delay in seconds (default 2 days)",
)
@click.option("--rule", "rules", multiple=True, callback=_rule, help="Rule override NAME=VALUE (repeatable)")
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    help="Record path [default: deployments/<ecosystem>-<network>-<provider>[-association].json]",
)
@click.option("--association", "as_association", is_flag=True,
              help="Deploy an association (SPEC 9), not one system; platforms with --platforms")  # fmt: skip
@click.option("--admin", help="Association admin address or alias (default: the deployer)")
@click.option("--platforms", type=click.IntRange(0, 100), default=0, show_default=True,
              help="With --association: launch this many platforms right away")  # fmt: skip
@click.option("--operator", help="With --association: the platforms' operator (default: the deployer)")
@click.option(
    "--min-timelock-delay",
    type=click.IntRange(min=0),
    help="With --association: least governor delay of a platform (default 2 days, 0 locally)",
)
@one_line_errors
def cli(
    network,
    account_alias,
    asset,
    asset_decimals,
    registrar,
    guardian,
    certifier,
    sample_catalog,
    proposer,
    timelock_delay,
    rules,
    out,
    as_association,
    admin,
    platforms,
    operator,
    min_timelock_delay,
):
    from greenpoints.deploy import (
        default_record_path,
        deploy_association,
        deploy_system,
        is_local_network,
        launch_platform,
    )
    from greenpoints.formatting import association_summary, deployment_summary
    from greenpoints.qualifications import qualify_sample_people

    # Where the record goes, checked before the first transaction (on a real network, paid for).
    record = check_file(out or default_record_path("association" if as_association else "system"), "--out")
    deployer = resolve_account(account_alias, role="account", local_default=0)
    if sample_catalog is None:
        sample_catalog = is_local_network()
    if not as_association:
        given = [name for name, value in (("--admin", admin), ("--operator", operator),
                 ("--min-timelock-delay", min_timelock_delay)) if value is not None]  # fmt: skip
        if platforms:
            given.append("--platforms")
        if given:
            raise click.UsageError(f"{', '.join(given)} need --association")
    else:
        if rules or guardian or proposer:
            raise click.UsageError(
                "an association launches platforms with the default rules and is their guardian; "
                "their operator proposes (--operator): no --rule, --guardian or --proposer"
            )
        association = deploy_association(
            deployer,
            admin=resolve_role(admin, role="admin", local_default=0) if admin else deployer,
            min_timelock_delay=min_timelock_delay,
        )
        the_operator = resolve_role(operator, role="operator", local_default=0) if operator else deployer
        the_registrar = resolve_role(registrar, role="registrar", local_default=1)
        the_certifier = resolve_role(certifier, role="certifier", local_default=3)
        # On a local chain a sample trainer qualifies the accounts named here (SPEC 12), so that
        # platforms launch now and with `ape run association launch` later; elsewhere a trainer does.
        qualified = (
            qualify_sample_people(
                association, operator=the_operator, registrar=the_registrar, certifier=the_certifier
            )  # fmt: skip
            if is_local_network()
            else []
        )
        for number in range(platforms):
            launch_platform(
                association,
                operator=the_operator,
                registrar=the_registrar,
                certifier=the_certifier,
                asset=asset,
                timelock_delay=timelock_delay,
                name=f"platform {number}",
                catalog=SAMPLE_CATALOG if sample_catalog else (),
                asset_decimals=asset_decimals,
            )
        path = association.save(record)
        click.echo(association_summary(association))
        for line in qualified:
            click.echo(f"  {line}")
        _record_written(path)
        return
    system = deploy_system(
        deployer,
        asset=asset,
        rules=rules or None,
        timelock_delay=timelock_delay,
        registrar=resolve_role(registrar, role="registrar", local_default=1),
        guardian=resolve_role(guardian, role="guardian", local_default=2),
        certifier=resolve_role(certifier, role="certifier", local_default=3),
        catalog=SAMPLE_CATALOG if sample_catalog else (),
        proposer=resolve_role(proposer, role="proposer", local_default=0) if proposer else deployer,
        asset_decimals=asset_decimals,
    )
    path = system.save(record)
    click.echo(deployment_summary(system))
    if sample_catalog:
        click.echo(
            "  catalog    the sample catalog certified: "
            + ", ".join(f"{c.class_id} {c.label}" for c in SAMPLE_CATALOG)
        )
    _record_written(path)


def _record_written(path):
    from ape import chain

    click.echo(f"record: {path}")
    if chain.provider.name == "test":
        click.echo(EMBEDDED, err=True)

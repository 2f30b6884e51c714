"""ape run association launch|suspend|reinstate|list: an association's platforms (SPEC 9);
accredit-trainer|revoke-trainer|qualify|disqualify|people: its qualified practitioners (SPEC 12)."""

from datetime import UTC, datetime
from pathlib import Path

import click
from ape.cli import verbosity_option

from greenpoints.catalog import SAMPLE_CATALOG
from greenpoints.cli import Command, one_line_errors, resolve_account, resolve_role
from greenpoints.errors import DeployError
from greenpoints.paths import check_file
from greenpoints.statuses import ROLE_IDS


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
    from greenpoints.deploy import default_record_path, load_association

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


@click.group(short_help="An association's platforms and its qualified practitioners")
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
    from greenpoints.deploy import default_record_path, is_local_network, launch_platform

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


# ---------------------------------------------------------------- qualified practitioners (SPEC 12)


def _date(timestamp) -> str:
    return datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _holder(value: str, what: str):
    """An address (0x...) or an account alias (TEST::N on a local chain)."""
    return resolve_role(value, role=what, local_default=0)


_role_option = click.option(
    "--role", required=True, type=click.Choice(list(ROLE_IDS)), help="The role the qualification is for"
)


@cli.command(name="accredit-trainer", cls=Command, short_help="Accredit a compliance trainer (admin)")
@_association_option
@_admin_option
@click.argument("trainer")
@click.option("--name", required=True, help="The trainer's name (1 to 64 bytes)")
@one_line_errors
def accredit_trainer_(network, source, account_alias, trainer, name):
    from greenpoints.qualifications import accredit_trainer

    association = _load(source, account_alias)
    address = _holder(trainer, "trainer")
    accredit_trainer(association, address, name)
    click.echo(f"trainer {getattr(address, 'address', address)} accredited: {name}")


@cli.command(name="revoke-trainer", cls=Command, short_help="Revoke a trainer's accreditation (admin)")
@_association_option
@_admin_option
@click.argument("trainer")
@click.option("--reason", required=True, help="Why, for the record (1 to 100 bytes)")
@one_line_errors
def revoke_trainer_(network, source, account_alias, trainer, reason):
    from greenpoints.qualifications import revoke_trainer

    association = _load(source, account_alias)
    address = _holder(trainer, "trainer")
    revoke_trainer(association, address, reason)
    click.echo(
        f"trainer {getattr(address, 'address', address)} revoked; what it issued stays until "
        "it expires (the admin disqualifies where needed)"
    )


@cli.command(name="qualify", cls=Command, short_help="Qualify a practitioner for a role (a trainer)")
@_association_option
@click.argument("holder")
@_role_option
@click.option(
    "--trainer", "trainer_alias", help="The accredited trainer's alias (local chain: the sample trainer)"
)
@click.option(
    "--days",
    type=click.IntRange(1, 1_095),
    default=365,
    show_default=True,
    help="How long it is valid from the next block",
)
@click.option(
    "--certificate",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The certificate's file: its keccak-256 is recorded",
)
@click.option("--certificate-hash", help="The certificate's hash (0x and 64 hex digits), instead of its file")
@one_line_errors
def qualify_(network, source, holder, role, trainer_alias, days, certificate, certificate_hash):
    from greenpoints.qualifications import SAMPLE_TRAINER, qualify

    association = _load(source, None)
    trainer = resolve_account(trainer_alias, role="trainer", local_default=SAMPLE_TRAINER)
    address = _holder(holder, "holder")
    receipt = qualify(
        association,
        trainer,
        address,
        role,
        days=days,
        certificate=certificate.read_bytes() if certificate else None,
        certificate_hash=certificate_hash,
    )
    event = receipt.decode_logs(association.contract.Qualified)[0]
    click.echo(
        f"{event.holder} qualified as {role} by {event.trainer} until {_date(event.valid_until)}, "
        f"certificate 0x{bytes(event.certificate_hash).hex()}"
    )


@cli.command(name="disqualify", cls=Command, short_help="Disqualify a practitioner (admin or its trainer)")
@_association_option
@_admin_option
@click.argument("holder")
@_role_option
@click.option("--reason", required=True, help="Why, for the record (1 to 100 bytes)")
@click.option("--trainer", "trainer_alias", help="Sign as the trainer that issued it (default: the admin)")
@one_line_errors
def disqualify_(network, source, account_alias, holder, role, reason, trainer_alias):
    from greenpoints.qualifications import disqualify

    association = _load(source, account_alias)
    sender = resolve_account(trainer_alias, role="trainer", local_default=None) if trainer_alias else None
    address = _holder(holder, "holder")
    disqualify(association, address, role, reason, sender=sender)
    click.echo(f"{getattr(address, 'address', address)} disqualified as {role}: {reason}")


@cli.command(name="people", cls=Command, short_help="Trainers, and each platform's role holders")
@_association_option
@one_line_errors
def people_(network, source):
    from greenpoints.qualifications import read_people

    association = _load(source, None)
    people = read_people(association)
    from ape import chain

    now = int(chain.blocks.head.timestamp)
    trainers = people.trainer_rows()
    click.echo(f"association {association.address}: {len(trainers)} trainers")
    for t in trainers:
        click.echo(
            f"  trainer {t['trainer']}  {t['name'][:40]:<40} {t['status']:<10} "
            f"{t['qualifications']} issued" + (f"  revoked: {t['reason']}" if t["reason"] else "")
        )
    names = {p.platform_id: p.name for p in association.platforms}
    rows = people.rows(now, names)
    unqualified = sum(1 for r in rows if r["status"] not in ("valid", "expiring"))
    click.echo(
        f"{len(rows)} role holders on {len(association.platforms)} platforms, {unqualified} not qualified"
    )
    for r in rows:
        until = _date(r["valid_until"]) if r["valid_until"] else "-"
        click.echo(
            f"  {r['platform']:>3} {r['platform_name'][:24]:<24} {r['role']:<9} {r['holder']}  "
            f"{r['status']:<12} until {until}  trainer {r['trainer_name'] or r['trainer'] or '-'}"
            + (f"  certificate {r['certificate_hash']}" if r["certificate_hash"] else "")
        )

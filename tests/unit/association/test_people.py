"""Supervising the people (SPEC 12): the audit lists every platform's role holders with their
qualification and fails a launch that was not qualified at its block; the monitor alerts
`unqualified_role_holder` and `qualification_expiring`."""

import dataclasses

import pytest
from ape import chain

from greenpoints.audit.association import audit_association
from greenpoints.audit.events import fetch
from greenpoints.audit.monitor import AssociationMonitor, MonitorSettings
from greenpoints.deploy import load_association
from greenpoints.governance import schedule, wait_and_execute
from greenpoints.qualifications import (
    EXPIRING_NOTICE,
    People,
    disqualify,
    people_sources,
    read_people,
    revoke_trainer,
)
from tests.altered import outcomes
from tests.mocks.broken_pools import ASSOCIATION_VARIANTS, broken_association
from tests.unit.association.conftest import CERTIFICATE

# Who holds which role, with which qualification, does not depend on the asset's decimals: these
# tests run once, on the session's association at 18 decimals (test_supervision.py, whose figures
# do, runs at both; docs/testing.md, "The suite's time").
ONE_DECIMALS = 18

DAY = 86_400


@pytest.fixture
def newcomer(accounts):
    """An account no trainer has qualified (test account 6)."""
    return accounts[6]


def _grant(platform, role_name, account):
    """The platform's governor grants a registry role (through its timelock)."""
    registry = platform.registry
    wait_and_execute(platform, schedule(platform, "grantRole", getattr(registry, role_name)(), account))


def test_audit_association__qualified_launch__passes_and_lists_people(
    platform, association, operator, registrar, certifier, trainer
):
    report = audit_association(load_association(association.address))
    assert report.ok, report.failures
    assert report.launches_checked == 1
    rows = {(r["role"], r["holder"]): r for r in report.people}
    assert set(rows) == {
        ("registrar", registrar.address.lower()),
        ("certifier", certifier.address.lower()),
        ("operator", operator.address.lower()),
    }  # the association's own guardian role is no person's
    for row in rows.values():
        assert row["status"] == "valid" and row["trainer"] == trainer.address.lower()
        assert row["trainer_name"] == "Guangdong compliance academy"
        assert row["certificate_hash"] == "0x" + CERTIFICATE.hex()
    assert [t["name"] for t in report.trainers] == ["Guangdong compliance academy"]
    assert (
        "people: 1 trainers, 1 launches checked ok, 3 role holders, 0 not qualified now" in report.describe()
    )


def test_audit_association__governor_grants_unqualified__listed_not_failed(platform, association, newcomer):
    _grant(platform, "REGISTRAR_ROLE", newcomer)
    report = audit_association(load_association(association.address))
    assert report.ok, report.failures  # the association cannot stop it: shown, not failed
    row = next(r for r in report.people if r["holder"] == newcomer.address.lower())
    assert (row["role"], row["status"], row["trainer"]) == ("registrar", "unqualified", "")
    assert report.unqualified_holders == 1


def test_read_people__role_revoked__holder_gone(platform, association, registrar):
    wait_and_execute(
        platform, schedule(platform, "revokeRole", platform.registry.REGISTRAR_ROLE(), registrar.address)
    )
    people = read_people(load_association(association.address))
    assert ("registrar", registrar.address.lower()) not in {(r["role"], r["holder"]) for r in people.rows(0)}


def test_audit_association__broken_association_launches_unqualified__people_check_fails(
    platform, association, association_admin, deployer, trainer, operator, registrar, newcomer, chain
):
    bp = association.blueprints
    contract = broken_association("launches_unqualified").deploy(
        association_admin, bp["ValuePool"], bp["Registry"], bp["Governor"], 3_600, sender=deployer
    )
    contract.accredit_trainer(trainer, "Guangdong compliance academy", sender=association_admin)
    for role, holder in ((1, operator), (2, registrar)):
        contract.qualify(holder, role, chain.pending_timestamp + 30 * DAY, CERTIFICATE, sender=trainer)
    receipt = contract.launch_platform(
        "Foshan", platform.asset, operator, registrar, newcomer, 3_600, sender=association_admin
    )
    report = audit_association(load_association(contract.address))
    assert not report.ok
    assert (
        f"[people] platform 0 (Foshan) was launched at block {receipt.block_number} with its certifier "
        f"{newcomer.address.lower()} unqualified for the role"
    ) in report.failures
    assert any("does not run this release's Association code" in f for f in report.failures)
    assert report.to_dict()["people"]["failures"]


def test_broken_associations__every_variant__has_a_test():
    assert set(ASSOCIATION_VARIANTS) == {"launches_unqualified"}


# ---------------------------------------------------------------- the monitor


def _monitor(association, chain, alerts):
    monitor = AssociationMonitor(
        load_association(association.address),
        chain.provider.web3,
        emit=alerts.append,
        settings=MonitorSettings(page=1),
    )
    monitor.start()
    return monitor


def test_association_monitor__governor_grants_unqualified__alert_within_one_poll(
    platform, association, newcomer, chain
):
    alerts = []
    monitor = _monitor(association, chain, alerts)
    _grant(platform, "CERTIFIER_ROLE", newcomer)
    granted = chain.blocks.head.number
    monitor.run(once=True)
    found = [a for a in alerts if a.kind == "unqualified_role_holder"]
    assert [(a.block, a.details["holder"], a.details["role"], a.details["platform"]) for a in found] == [
        (granted, newcomer.address.lower(), "certifier", 0)
    ]
    assert found[0].severity == "warning" and "unqualified" in found[0].message
    monitor.run(once=True)
    assert len([a for a in alerts if a.kind == "unqualified_role_holder"]) == 1  # said once


def test_association_monitor__clock_across_expiry__expiring_then_unqualified_at_their_blocks(
    platform, association, association_admin, trainer, newcomer, chain
):
    until = chain.pending_timestamp + 40 * DAY
    association.contract.qualify(newcomer, 2, until, CERTIFICATE, sender=trainer)
    _grant(platform, "REGISTRAR_ROLE", newcomer)
    alerts = []
    monitor = _monitor(association, chain, alerts)
    monitor.run(once=True)
    assert [a.kind for a in alerts if a.kind in ("unqualified_role_holder", "qualification_expiring")] == []
    chain.mine(timestamp=until - EXPIRING_NOTICE - 1)  # a second before the notice
    chain.mine(timestamp=until - EXPIRING_NOTICE)
    notice_block = chain.blocks.head.number
    chain.mine(timestamp=until)  # its last valid second
    chain.mine(timestamp=until + 1)
    expired_block = chain.blocks.head.number
    chain.mine(timestamp=until + 2)
    monitor.run(once=True)
    said = [
        (a.kind, a.block) for a in alerts if a.kind in ("unqualified_role_holder", "qualification_expiring")
    ]
    assert said == [("qualification_expiring", notice_block), ("unqualified_role_holder", expired_block)]
    expired = next(a for a in alerts if a.kind == "unqualified_role_holder")
    assert expired.details["status"] == "expired" and expired.details["valid_until"] == until


# ---------------------------------------------------------------- the page


def test_supervisor__association_people__panel_csv_and_resume_from_store(
    platform, association, newcomer, trainer, chain, tmp_path
):
    from greenpoints.dashboard import Store, Supervisor
    from greenpoints.dashboard.store import default_url

    url = default_url(tmp_path / "dashboard.sqlite")
    page = Supervisor.for_association(load_association(association.address), chain.provider.web3, Store(url))
    page.start()
    assert {r["status"] for r in page.people(0)} == {"valid"} and len(page.people(0)) == 3
    _grant(platform, "REGISTRAR_ROLE", newcomer)
    page.poll()
    row = next(r for r in page.people(0) if r["holder"] == newcomer.address.lower())
    assert (row["role"], row["status"], row["trainer"]) == ("registrar", "unqualified", "")
    assert [a["kind"] for a in page.every_alert(0) if a["kind"] == "unqualified_role_holder"] == [
        "unqualified_role_holder"
    ]
    assert page.platform(0)["people"] == page.people(0)
    lines = page.people_csv(0).splitlines()
    assert lines[0].startswith("platform,platform_name,role,holder,status,valid_until")
    assert any(newcomer.address.lower() in line and ",unqualified," in line for line in lines)
    assert page.trainers()[0]["name"] == "Guangdong compliance academy"
    assert "Guangdong compliance academy" in page.trainers_csv()
    page.stop()

    again = Supervisor.for_association(load_association(association.address), chain.provider.web3, Store(url))
    assert "resumed from the store" in again.start()
    assert again.people(0) == page.people(0)
    chain.mine()
    again.poll()
    said = [a for a in again.every_alert(0) if a["kind"] == "unqualified_role_holder"]
    assert len(said) == 1  # not said again after the restart


def test_people_apply__every_event_dropped_twice_or_altered__listed_never_an_error(
    platform, association, trainer, certifier
):
    """What a broken association could log, one change at a time (tests/altered.py): the people folded
    and listed, never an exception (a role number the release does not know once raised KeyError)."""
    loaded = load_association(association.address)
    disqualify(loaded, certifier, "certifier", "lapsed")
    revoke_trainer(loaded, trainer, "closed")
    web3 = chain.provider.web3
    events, _ = fetch(web3, people_sources(loaded), loaded.deployment_block, chain.blocks.head.number)
    times = {e.block: chain.blocks[e.block].timestamp for e in events}
    now = times[events[-1].block]

    def listed(altered) -> People:
        people = People(association=loaded.address.lower(), time_of=times.__getitem__)
        for event in altered:
            people.apply(event)
        people.rows(now), people.trainer_rows(), people.launch_failures()
        return people

    assert {"Qualified", "Disqualified", "TrainerAccredited", "TrainerRevoked", "PlatformLaunched"} <= {
        e.name for e in events
    }
    assert listed(events).launch_failures() == []
    errors, results = outcomes(events, lambda altered: bool(listed(altered).launch_failures()))
    assert errors == []
    # a launch whose people's qualifications are dropped or changed fails
    assert sum(failed for _, failed in results) > 0
    unknown = next(e for e in events if e.name == "Qualified")
    people = listed([dataclasses.replace(unknown, args={**unknown.args, "role": 9})])
    assert [q.role for q in people.qualifications.values()] == ["unknown role 9"]

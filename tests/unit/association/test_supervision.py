"""The audit and the monitor over an association (SPEC 9): every platform, new ones included."""

import pytest
from eth_utils import keccak

from greenpoints.audit.association import audit_association, check_release
from greenpoints.audit.monitor import AssociationMonitor, MonitorError, MonitorSettings
from greenpoints.catalog import SAMPLE_CATALOG
from greenpoints.deploy import deploy_association, launch_platform, load_association
from greenpoints.governance import schedule, wait_and_execute
from tests.conftest import GREEN, order
from tests.monitoring import open_line, points_for_budgets

DAY = 86_400


@pytest.fixture
def trade(registrar, merchant, consumer, decimals):
    """Admit `merchant` on a platform, fund it and record one purchase by `consumer`."""

    def _trade(system, units=100, oid="p1"):
        unit = 10**decimals
        system.registry.admit(merchant, 3_000, 10**6 * unit, keccak(text="licence"), 1, sender=registrar)
        system.asset.mint(merchant, 10**6 * unit, sender=merchant)
        system.asset.approve(system.pool, 2**256 - 1, sender=merchant)
        return system.pool.record_purchase(consumer, units * unit, order(oid), GREEN, sender=merchant)

    return _trade


def test_audit_association__two_platforms_with_trade__passes_with_release(
    platform, association, operator, registrar, certifier, trade
):
    second = launch_platform(association, operator=operator, registrar=registrar, certifier=certifier,
                             timelock_delay=3_600, name="Hangzhou", catalog=SAMPLE_CATALOG)  # fmt: skip
    trade(platform)
    trade(second, 50)
    report = audit_association(load_association(association.address))
    assert report.ok, report.failures
    assert [entry["name"] for entry, _ in report.platforms] == ["Shenzhen settlement centre", "Hangzhou"]
    assert all(r.stats["events"] > 0 for _, r in report.platforms)
    assert report.release_checked == 1 + 3 + 3 * 2  # the association, its blueprints, each platform's 3


def test_check_release__platform_code_not_the_release__fails(platform, association, project, deployer, chain):
    # A look-alike recorded as platform 0's registry: a mock token, not the release's Registry.
    loaded = load_association(association.address)
    loaded.platforms[0].registry = project.MockStablecoin.deploy(18, sender=deployer)
    checked, failures = check_release(loaded, chain.provider.web3)
    assert "platform 0: its Registry does not run this release's code" in failures
    assert "platform 0: its pool names another registry" in failures


def test_audit_association__guardian_revoked__fails(platform, association):
    registry = platform.registry
    wait_and_execute(
        platform, schedule(platform, "revokeRole", registry.GUARDIAN_ROLE(), association.address)
    )
    report = audit_association(load_association(association.address))
    assert not report.ok
    assert "[release] platform 0: the association is no longer its guardian" in report.failures


def test_association_monitor__launch_trade_suspend__alerts_tagged_by_platform(
    platform, association, association_admin, operator, registrar, certifier, trade, chain, tmp_path
):
    alerts = []
    state = tmp_path / "state.json"
    web3 = chain.provider.web3
    monitor = AssociationMonitor(
        load_association(association.address),
        web3,
        emit=alerts.append,
        settings=MonitorSettings(state_path=state),
    )
    monitor.start()
    second = launch_platform(association, operator=operator, registrar=registrar, certifier=certifier,
                             timelock_delay=3_600, name="Hangzhou", catalog=SAMPLE_CATALOG)  # fmt: skip
    trade(second)
    association.contract.suspend_platform(1, "escrow statement overdue", sender=association_admin)
    monitor.run(once=True)
    kinds = [(a.kind, a.details.get("platform")) for a in alerts]
    assert ("platform_launched", 1) in kinds
    assert ("platform_suspended", 1) in kinds
    assert ("paused", 1) in kinds
    assert sorted(monitor.monitors) == [0, 1]
    # One state file; a second monitor resumes from it and repeats nothing.
    again = []
    resumed = AssociationMonitor(
        load_association(association.address),
        web3,
        emit=again.append,
        settings=MonitorSettings(state_path=state),
    )
    resumed.start()
    resumed.run(once=True)
    assert again == []
    assert sorted(resumed.monitors) == [0, 1]


def test_association_monitor__state_of_another_association__refused(
    platform, association, deployer, chain, tmp_path
):
    path = tmp_path / "state.json"
    first = AssociationMonitor(
        load_association(association.address),
        chain.provider.web3,
        emit=print,
        settings=MonitorSettings(state_path=path),
    )
    first.start()
    other = deploy_association(deployer)
    with pytest.raises(MonitorError, match="is for association"):
        AssociationMonitor(
            other, chain.provider.web3, emit=print, settings=MonitorSettings(state_path=path)
        ).start()


def test_association_monitor__newcomers_threshold__given_to_every_platform(platform, association, chain):
    monitor = AssociationMonitor(
        load_association(association.address),
        chain.provider.web3,
        emit=print,
        settings=MonitorSettings(newcomers_threshold=0.9),
    )
    monitor.start()
    assert monitor.monitors and all(m.watcher.newcomers_threshold == 0.9 for m in monitor.monitors.values())
    default = AssociationMonitor(load_association(association.address), chain.provider.web3, emit=print)
    default.start()
    assert all(m.watcher.newcomers_threshold == 0.5 for m in default.monitors.values())


def test_association_monitor__exit_queue__growing_and_stuck_tagged_by_platform_with_the_settings(
    platform, association, trade, merchant, consumer, other_consumer, decimals, chain
):
    trade(platform)
    open_line(platform, merchant, consumer, other_consumer, 10**decimals)
    alerts = []
    settings = MonitorSettings(queue_epochs=2, stuck_after=3 * DAY)
    monitor = AssociationMonitor(load_association(association.address), chain.provider.web3,
                                 emit=alerts.append, settings=settings)  # fmt: skip
    monitor.start()
    assert (monitor.monitors[0].watcher.queue_epochs, monitor.monitors[0].watcher.stuck_after) == (2, 3 * DAY)
    queue = platform.exit_queue
    queue.request_exit(points_for_budgets(platform, 1.5), sender=other_consumer)  # 2 epochs: within
    monitor.run(once=True)
    assert [a for a in alerts if a.kind.startswith("exit_")] == []
    grown = queue.request_exit(points_for_budgets(platform, 1), sender=other_consumer)  # 3 epochs
    monitor.run(once=True)
    (growing,) = [a for a in alerts if a.kind.startswith("exit_")]
    assert (growing.kind, growing.block) == ("exit_queue_growing", grown.block_number)
    assert growing.details["platform"] == 0 and growing.details["epochs_to_clear"] == 3
    assert growing.message.startswith("[Shenzhen settlement centre] ")
    requested_at = queue.exit_request(0)[5]
    chain.mine(timestamp=requested_at + 3 * DAY - 1)
    monitor.run(once=True)
    assert [a.kind for a in alerts if a.kind.startswith("exit_")] == ["exit_queue_growing"]
    chain.mine(timestamp=requested_at + 3 * DAY)
    monitor.run(once=True)
    stuck = alerts[-1]
    assert (stuck.kind, stuck.block, stuck.details["platform"], stuck.details["id"]) == (
        "exit_request_stuck", chain.blocks.head.number, 0, 0,
    )  # fmt: skip
    assert stuck.details["age"] == 3 * DAY and stuck.details["account"] == str(other_consumer.address).lower()

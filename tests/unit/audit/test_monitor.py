"""The monitor follows new blocks, raises each alert once, survives a node that goes away, resumes."""

import json

import pytest
import requests

from greenpoints import governance
from greenpoints.audit.monitor import SEVERITY, Monitor, MonitorError, MonitorSettings
from tests.conftest import ACTION_CLASS, GREEN, GREEN_FACTOR, order

POINT = 10**18
DAY = 86_400


def kinds(alerts) -> list[str]:
    return [a.kind for a in alerts]


def test_poll__history_before_start__silent_then_new_blocks_alerted_once(
    registry, live, watch, pool, guardian, buy, merchant, consumer
):
    buy(merchant, consumer, 100)
    registry.pause(sender=guardian)  # before the monitor starts: not reported
    monitor = watch(live)
    assert monitor.got == []
    governance.unpause(live)
    alerts = monitor.poll()
    assert kinds(alerts) == ["rule_change_scheduled", "unpaused"]
    assert monitor.poll() == []  # nothing new, nothing repeated
    assert monitor.got == alerts
    assert alerts[1].block > alerts[0].block and alerts[1].severity == "notice"


def test_poll__merchant_passes_80_percent_of_cap__alerted_once_per_epoch(
    deploy_with, watch, merchant, consumer, unit, next_epoch
):
    system = deploy_with(daily_cap=300)  # 300 units of contribution a day = 1,000 units of sales
    monitor = watch(system)
    system.pool.record_purchase(consumer, 700 * unit, order(1), GREEN, sender=merchant)  # 70%
    assert monitor.poll() == []
    system.pool.record_purchase(consumer, 150 * unit, order(2), GREEN, sender=merchant)  # 85%
    system.pool.record_purchase(consumer, 100 * unit, order(3), GREEN, sender=merchant)  # 95%: same epoch
    alerts = monitor.poll()
    assert kinds(alerts) == ["merchant_near_cap"]
    assert alerts[0].details["used"] == 255 * unit and alerts[0].details["cap"] == 300 * unit
    assert "85% of its daily cap" in alerts[0].message
    next_epoch()
    system.pool.record_purchase(consumer, 900 * unit, order(4), GREEN, sender=merchant)
    assert kinds(monitor.poll()) == ["merchant_near_cap"]  # a new epoch alerts again


def test_poll__sponsor_passes_80_percent_of_cap__alerted_once_per_epoch(
    registry, live, watch, pool, admit_sponsor, sponsor, consumer, unit
):
    admit_sponsor(sponsor, daily_cap=10 * unit)  # 1 unit per kg: 10 kg a day
    monitor = watch(live)
    pool.record_action(consumer, ACTION_CLASS, 40, order("ride-1"), sender=sponsor)  # 6 kg: 60%
    assert monitor.poll() == []
    pool.record_action(consumer, ACTION_CLASS, 20, order("ride-2"), sender=sponsor)  # 9 kg: 90%
    pool.record_action(consumer, ACTION_CLASS, 2, order("ride-3"), sender=sponsor)  # 9.3 kg
    alerts = monitor.poll()
    assert kinds(alerts) == ["sponsor_near_cap"]
    assert alerts[0].details["used"] == 9 * unit and alerts[0].details["cap"] == 10 * unit
    assert "90% of its daily cap" in alerts[0].message


def test_poll__class_certified_again_and_withdrawn__alerted(registry, live, watch, certifier):
    monitor = watch(live)
    standard = order("standard")
    registry.certify_class(9, 2, 40, standard, "bike commute (per km)", sender=certifier)
    registry.certify_class(GREEN, 1, 280, standard, "appliances (revised)", sender=certifier)
    registry.withdraw_class(9, "method under review", sender=certifier)
    alerts = monitor.poll()
    assert kinds(alerts) == ["class_certified", "class_recertified", "class_withdrawn"]
    assert [a.severity for a in alerts] == ["notice", "warning", "warning"]
    assert alerts[1].details == {**alerts[1].details, "old_co2e_per_unit": GREEN_FACTOR, "co2e_per_unit": 280}
    assert "300 -> 280 g" in alerts[1].message
    assert "bike commute (per km)" in alerts[2].message and "method under review" in alerts[2].message


def test_poll__exits_pass_80_percent_of_epoch_limit__alerted(deploy_with, watch, merchant, consumer,
                                                             other_consumer, unit, chain):  # fmt: skip
    rules = {"exit_trigger_bps": 10_000, "lock_period": 3_600, "epoch_exit_limit_bps": 10}
    system = deploy_with(rules=rules)
    pool = system.pool
    pool.record_purchase(consumer, 1_000 * unit, order(1), GREEN, sender=merchant)
    pool.record_purchase(other_consumer, 100_000 * unit, order(2), GREEN, sender=merchant)
    # the next day, an hour in: past the 1-hour lock whatever the time of day the purchases were at
    chain.pending_timestamp = (chain.pending_timestamp // DAY + 1) * DAY + 3_601
    monitor = watch(system)
    pool.exit(pool.max_exit(consumer) // 10, sender=consumer)  # ~10% of the epoch's budget
    assert monitor.poll() == []
    pool.exit(pool.max_exit(consumer), sender=consumer)  # the rest of it
    alerts = monitor.poll()
    assert kinds(alerts) == ["exit_budget"]
    limit = alerts[0].details["limit"]
    assert limit == pool.epoch_start_assets() * 10 // 10_000
    assert alerts[0].details["used"] * 100 >= 80 * limit and alerts[0].severity == "warning"


def test_poll__spend_at_the_issuing_merchant__circular_flow(live, watch, pool, buy, merchant, other_merchant,
                                                            consumer, chain):  # fmt: skip
    buy(merchant, consumer, 1_000, order("c-1"))
    points = pool.balanceOf(consumer)
    monitor = watch(live)
    pool.spend(other_merchant, points // 4, order("till-1"), sender=consumer)  # elsewhere: fine
    assert monitor.poll() == []
    pool.spend(merchant, points // 4, order("till-2"), sender=consumer)  # back to the issuer
    alerts = monitor.poll()
    assert kinds(alerts) == ["circular_flow"]
    assert alerts[0].details["points"] == points // 4 and alerts[0].details["orders"] == [order("c-1")]
    chain.pending_timestamp = chain.pending_timestamp + 2 * DAY  # outside the window
    pool.spend(merchant, points // 4, order("till-3"), sender=consumer)
    assert monitor.poll() == []


def test_poll__rule_change_scheduled__alert_says_when_it_takes_effect(live, watch):
    monitor = watch(live)
    op = governance.propose_rule(live, "issue_bps", 6_500)
    alerts = monitor.poll()
    assert kinds(alerts) == ["rule_change_scheduled"]
    assert alerts[0].details["ready_at"] == op.ready_at
    assert alerts[0].details["call"] == "set_rule('issue_bps', 6500)"
    governance.wait_and_execute(live, op)
    changed = monitor.poll()
    assert kinds(changed) == ["rule_changed"]
    assert changed[0].details == {"rule": "issue_bps", "old": 7_000, "new": 6_500}


def test_poll__pause_and_shutdown__alerted(registry, live, watch, pool, guardian):
    monitor = watch(live)
    registry.pause(sender=guardian)
    assert kinds(monitor.poll()) == ["paused"]
    governance.shutdown(live)
    assert kinds(monitor.poll()) == ["rule_change_scheduled", "shutdown"]


@pytest.mark.parametrize(
    "variant, expected",
    [("value_per_point_falls", "value_per_point_fell"), ("diverts_escrow", "solvency_breach")],
)
def test_poll__pool_breaks_a_rule__critical_alert(variant, expected, deploy_with, watch, merchant, consumer,
                                                  other_consumer, attacker, unit):  # fmt: skip
    system = deploy_with(variant)
    monitor = watch(system, pool_type=system.pool.contract_type)
    system.pool.record_purchase(consumer, 100 * unit, order(1), GREEN, sender=merchant)
    assert expected not in kinds(monitor.poll())
    if variant == "diverts_escrow":
        system.pool.withdraw(attacker, 10 * unit, sender=attacker)
    system.pool.record_purchase(other_consumer, 100 * unit, order(2), GREEN, sender=merchant)
    alerts = monitor.poll()
    assert expected in kinds(alerts)
    assert all(a.severity == "critical" for a in alerts if a.kind == expected)
    assert monitor.critical >= 1


def test_poll__honest_history__no_critical_alert(live, watch, pool, buy, merchant, other_merchant, charity,
                                                 consumer):  # fmt: skip
    monitor = watch(live)
    buy(merchant, consumer, 1_000)
    pool.spend(other_merchant, POINT, order("t"), sender=consumer)
    pool.donate(charity, POINT, sender=consumer)
    pool.settle(POINT, sender=other_merchant)
    monitor.poll()
    assert monitor.critical == 0 and monitor.ledger.events > 5


class FlakyWeb3:
    """A web3 whose node (its `eth` calls, and the embedded chain behind its provider) fails with
    connection refused at the chosen call numbers."""

    def __init__(self, web3, failing: set[int]):
        self.web3, self.failing, self.calls = web3, failing, 0
        self.eth = _Flaky(self, web3.eth)
        self.provider = _Flaky(self, web3.provider)

    def tick(self) -> None:
        self.calls += 1
        if self.calls in self.failing:
            raise requests.exceptions.ConnectionError("connection refused (node away)")


class _Flaky:
    def __init__(self, owner, inner):
        self.owner, self.inner = owner, inner

    def __getattr__(self, name):
        self.owner.tick()
        return getattr(self.inner, name)


@pytest.mark.parametrize("failing", [{1}, {2, 3}, {4, 5, 6, 7}, set(range(3, 16, 3))])
def test_run__node_goes_away_and_comes_back__same_alerts_none_repeated(
    registry, failing, live, pool, guardian, buy, merchant, consumer, chain
):
    start = chain.blocks.head.number
    buy(merchant, consumer, 1_000, order("r-1"))
    pool.spend(merchant, POINT, order("r-2"), sender=consumer)
    registry.pause(sender=guardian)
    governance.unpause(live)
    end = chain.blocks.head.number
    reference = []
    steady = Monitor(
        live,
        chain.provider.web3,
        emit=reference.append,
        settings=MonitorSettings(from_block=start + 1, page=1),
    )
    steady.start()  # the deployment's history (its catalog's certifications included) stays silent
    steady.run(until_block=end)
    assert kinds(reference) == ["circular_flow", "paused", "rule_change_scheduled", "unpaused"]
    got, news, waits = [], [], []
    settings = MonitorSettings(from_block=start + 1, page=1, poll_interval=0.5, max_backoff=4)
    monitor = Monitor(live, chain.provider.web3, emit=got.append, status=news.append, sleep=waits.append,
                      settings=settings)  # fmt: skip
    monitor.start()
    monitor.web3 = monitor.times.web3 = FlakyWeb3(chain.provider.web3, failing)
    monitor.run(until_block=end)
    assert got == reference
    assert monitor.node_errors == len(failing) and any("node unreachable" in n for n in news)
    assert news[-1].startswith("node back")
    assert max(waits) <= 4 and waits[0] == 0.5


def test_start__state_file__resumes_without_missing_or_repeating(
    registry, live, pool, guardian, buy, merchant, consumer, chain, tmp_path
):
    state = tmp_path / "monitor.json"
    first = []
    monitor = Monitor(
        live, chain.provider.web3, emit=first.append, settings=MonitorSettings(state_path=state)
    )
    monitor.start()
    registry.pause(sender=guardian)
    monitor.poll()
    assert kinds(first) == ["paused"]
    saved = json.loads(state.read_text())
    assert saved["cursor"] == chain.blocks.head.number
    # the monitor stops; blocks go on; a new monitor resumes from the file
    governance.unpause(live)
    buy(merchant, consumer, 100)
    pool.spend(merchant, POINT, order("s-1"), sender=consumer)
    second = []
    resumed = Monitor(
        live, chain.provider.web3, emit=second.append, settings=MonitorSettings(state_path=state)
    )
    assert resumed.start() == saved["cursor"] and second == []
    resumed.poll()
    assert kinds(second) == ["rule_change_scheduled", "unpaused", "circular_flow"]
    assert resumed.ledger.balances[str(consumer.address).lower()] == pool.balanceOf(consumer)


def test_start__state_of_another_pool_or_chain__refused(live, chain, tmp_path):
    state = tmp_path / "monitor.json"
    Monitor(live, chain.provider.web3, emit=print, settings=MonitorSettings(state_path=state)).start()
    saved = json.loads(state.read_text())
    state.write_text(json.dumps({**saved, "pool": "0x" + "11" * 20}))
    with pytest.raises(MonitorError, match="is for pool 0x1111"):
        Monitor(live, chain.provider.web3, emit=print, settings=MonitorSettings(state_path=state)).start()
    state.write_text(json.dumps({**saved, "cursor_hash": "0x" + "00" * 32}))
    with pytest.raises(MonitorError, match="reorg or a restarted node"):
        Monitor(live, chain.provider.web3, emit=print, settings=MonitorSettings(state_path=state)).start()
    state.write_text("{}")
    with pytest.raises(MonitorError, match="not a monitor state"):
        Monitor(live, chain.provider.web3, emit=print, settings=MonitorSettings(state_path=state)).start()


def test_alert__line_and_json__carry_block_kind_and_details(registry, live, watch, pool, guardian):
    monitor = watch(live)
    registry.pause(sender=guardian)
    (alert,) = monitor.poll()
    assert f"block {alert.block} WARNING  paused: the pool was paused" in alert.line()
    data = json.loads(alert.to_json())
    assert data["kind"] == "paused" and data["block"] == alert.block and data["tx"] == alert.tx
    assert set(SEVERITY.values()) == {"critical", "warning", "notice"}


@pytest.fixture
def issuer_system(deployer, registrar, guardian, certifier, merchant, consumer, decimals):
    """A pool over a token whose issuer can blacklist and destroy balances, with one purchase."""
    from ape import project

    from greenpoints.catalog import SAMPLE_CATALOG
    from greenpoints.deploy import deploy_system
    from tests.conftest import LICENSE

    token = project.IssuerToken.deploy(decimals, sender=deployer)
    system = deploy_system(deployer, asset=token, registrar=registrar, guardian=guardian,
                           certifier=certifier, catalog=SAMPLE_CATALOG)  # fmt: skip
    unit = 10**decimals
    system.registry.admit(merchant, 3_000, 10**6 * unit, LICENSE, 1, sender=registrar)
    token.mint(merchant, 10**6 * unit, sender=merchant)
    token.approve(system.pool, 2**256 - 1, sender=merchant)
    system.pool.record_purchase(consumer, 1_000 * unit, order("wiped"), GREEN, sender=merchant)
    return system, token


def test_poll__token_issuer_destroys_the_pools_balance__critical_then_restored_notice(
    deployer, issuer_system, watch, chain
):
    """A blacklist with balance destruction emits no Transfer: only the token's balance shows it."""
    system, token = issuer_system
    monitor = watch(system)
    owed = system.pool.total_assets()
    assert monitor.poll() == []  # whole: nothing to say

    token.addBlackList(system.pool, sender=deployer)
    token.destroyBlackFunds(system.pool, sender=deployer)
    blacklisted, destroyed, alert = monitor.poll()
    assert (blacklisted.kind, destroyed.kind) == ("pool_blacklisted", "pool_funds_destroyed")
    assert (alert.kind, alert.severity) == ("asset_balance_short", "critical")
    assert alert.details == {"asset_balance": 0, "total_assets": owed, "shortfall": owed}
    assert monitor.poll() == []  # still short, not repeated

    token.mint(system.pool, owed, sender=deployer)  # the issuer makes it good
    chain.mine()
    (restored,) = monitor.poll()
    assert (restored.kind, restored.severity) == ("asset_balance_restored", "notice")


def test_poll__pruned_node_lost_the_pages_state__balance_checked_at_a_later_page_not_an_error(
    deployer, issuer_system, watch, chain, monkeypatch
):
    # A pruned node (anvil --prune-history, a full geth node past 128 blocks) answers at its head
    # only: the page's balance is left unchecked, and the next page the node can answer checks it.
    from web3.exceptions import Web3RPCError

    system, token = issuer_system
    monitor = watch(system)
    eth, answer = monitor.web3.eth, monitor.web3.eth.call

    def pruned(call, block="latest"):
        if block != "latest":
            raise Web3RPCError(
                "{'code': -32602, 'message': 'BlockOutOfRangeError: block height is 9 but requested was 8'}"
            )
        return answer(call, block)

    token.addBlackList(system.pool, sender=deployer)
    token.destroyBlackFunds(system.pool, sender=deployer)
    monkeypatch.setattr(eth, "call", pruned)
    kinds = [alert.kind for alert in monitor.poll()]
    assert kinds == ["pool_blacklisted", "pool_funds_destroyed"] and monitor.balance_unchecked == 1
    monkeypatch.setattr(eth, "call", answer)  # the node answers for the next page's last block
    chain.mine()
    (alert,) = monitor.poll()
    assert (alert.kind, alert.details["asset_balance"]) == ("asset_balance_short", 0)


def test_poll__node_refuses_every_balance_call__error_and_the_page_not_folded(
    issuer_system, watch, monkeypatch
):
    from web3.exceptions import Web3RPCError

    system, _ = issuer_system
    monitor = watch(system)
    cursor = monitor.cursor

    def refused(call, block="latest"):
        raise Web3RPCError("{'code': -32000, 'message': 'internal error'}")

    monkeypatch.setattr(monitor.web3.eth, "call", refused)
    monitor.web3.provider.make_request("evm_mine", [])
    with pytest.raises(Web3RPCError, match="internal error"):
        monitor.poll()
    assert monitor.cursor == cursor and monitor.balance_unchecked == 0


@pytest.fixture
def early_holders(live, buy, merchant, other_merchant, other_consumer, deployer, accounts, registry, chain):
    """A consumer bought early; a large later purchase lifted its holding over the trigger (2.4x); the
    lock is over: it may exit, and over a third of each exit's payout is above the points' basis."""
    holders = [accounts.generate_test_account()]
    deployer.transfer(holders[0], 10**17)  # gas for its exits
    buy(merchant, holders[0], 1_000, order("early"))
    buy(other_merchant, other_consumer, 1_000_000, order("late"))
    chain.pending_timestamp = chain.pending_timestamp + registry.lock_period() + 1
    return holders


def _exit(pool, holders, times):
    """`times` exits of one point each, the holders taking turns."""
    for n in range(times):
        who = holders[n % len(holders)]
        pool.exit(min(POINT, pool.max_exit(who)), sender=who)


def test_poll__five_exits_mostly_paid_by_a_later_purchase__paid_by_newcomers_once(
    live, watch, pool, early_holders
):
    monitor = watch(live, newcomers_threshold=0.3)
    _exit(pool, early_holders, 4)
    assert "paid_by_newcomers" not in kinds(monitor.poll())  # four exits: too few to say
    _exit(pool, early_holders, 1)
    (alert,) = [a for a in monitor.poll() if a.kind == "paid_by_newcomers"]
    assert alert.severity == "warning" and alert.details["exits"] == 5
    assert 0.3 < alert.details["share"] < 0.5
    assert alert.details["paid_by_newcomers"] < alert.details["exit_payouts"]
    _exit(pool, early_holders, 1)
    assert "paid_by_newcomers" not in kinds(monitor.poll())  # still above: said once


def test_poll__newcomers_threshold_one__no_warning(live, watch, pool, early_holders):
    monitor = watch(live, newcomers_threshold=1.0)
    _exit(pool, early_holders, 6)
    assert "paid_by_newcomers" not in kinds(monitor.poll())

"""Rules through the timelock (SPEC 4.6), pause and shutdown (SPEC 4.7)."""

import ape
import pytest

from greenpoints import governance
from greenpoints.model import pool_math as pm
from greenpoints.model.rules import BOUNDS, DEFAULT_RULES, RULE_NAMES
from tests.conftest import GREEN, order

POINT = 10**18
EMPTY = b"\x00" * 32


# ---------------------------------------------------------------- rules


def test_rules__deployed__defaults_and_one_event_each(registry, system, pool, chain):
    for name in RULE_NAMES:
        assert getattr(registry, name)() == getattr(DEFAULT_RULES, name)
    logs = list(registry.RuleChanged.range(system.deployment_block, chain.blocks.head.number + 1))
    assert [(log.rule, log.old_value, log.new_value) for log in logs] == [
        (name, 0, getattr(DEFAULT_RULES, name))
        for name in RULE_NAMES
        if name not in ("min_contribution_bps", "max_contribution_bps")
    ] + [("max_contribution_bps", 0, 5_000), ("min_contribution_bps", 0, 100)]


def test_set_rule__after_delay__applies_and_logs_old_and_new(registry, system, pool, governor):
    operation = governance.propose_rule(system, "issue_bps", 6_000)
    tx = governance.wait_and_execute(system, operation)
    assert tx.events.filter(registry.RuleChanged) == [
        registry.RuleChanged(rule="issue_bps", old_value=7_000, new_value=6_000)
    ]
    assert registry.issue_bps() == 6_000


def test_set_rule__too_early__reverts(registry, system, pool, chain):
    operation = governance.propose_rule(system, "issue_bps", 6_000)
    chain.pending_timestamp = operation.ready_at - 10
    with ape.reverts("timelock_controller: operation is not ready"):
        governance.execute(system, operation)
    assert registry.issue_bps() == 7_000


def test_set_rule__applied_twice__reverts(system, pool):
    operation = governance.propose_rule(system, "lock_period", 86_400)
    governance.wait_and_execute(system, operation)
    with ape.reverts("timelock_controller: operation is not ready"):
        governance.execute(system, operation)


def test_schedule__shorter_than_minimum_delay__reverts(system):
    with ape.reverts("timelock_controller: insufficient delay"):
        governance.schedule(system, "set_rule", "issue_bps", 6_000, delay=system.timelock_delay - 1)


def test_schedule__by_stranger__reverts(registry, system, pool, stranger):
    payload = registry.set_rule.encode_input("issue_bps", 6_000)
    with ape.reverts("access_control: account is missing role"):
        system.governor.schedule(pool, 0, payload, EMPTY, EMPTY, system.timelock_delay, sender=stranger)


@pytest.mark.parametrize("name", RULE_NAMES)
def test_set_rule__out_of_bounds__reverts_through_timelock(registry, system, pool, name):
    lo, hi = BOUNDS[name]
    operation = governance.schedule(system, "set_rule", name, hi + 1)
    with ape.reverts("rules: value out of bounds"):
        governance.wait_and_execute(system, operation)
    if lo > 0:
        operation = governance.schedule(system, "set_rule", name, lo - 1)
        with ape.reverts("rules: value out of bounds"):
            governance.wait_and_execute(system, operation)
    assert getattr(registry, name)() == getattr(DEFAULT_RULES, name)


def test_set_rule__unknown_rule__reverts(system):
    operation = governance.schedule(system, "set_rule", "free_money_bps", 1)
    with ape.reverts("rules: unknown rule"):
        governance.wait_and_execute(system, operation)


def test_set_rule__min_contribution_above_max__reverts(system):
    governance.change_rule(system, "max_contribution_bps", 1_000)
    operation = governance.schedule(system, "set_rule", "min_contribution_bps", 2_000)
    with ape.reverts("rules: min contribution above max"):
        governance.wait_and_execute(system, operation)


def test_set_rule__max_contribution_below_min__reverts(system, registry):
    governance.change_rule(system, "min_contribution_bps", 1_000)
    operation = governance.schedule(system, "set_rule", "max_contribution_bps", 999)
    with ape.reverts("rules: max contribution below min"):
        governance.wait_and_execute(system, operation)
    assert registry.max_contribution_bps() == DEFAULT_RULES.max_contribution_bps


def test_set_rule__min_and_max_contribution_made_equal__accepted_either_way(system, registry):
    """SPEC 4.6: min_contribution_bps <= max_contribution_bps, equality allowed, whichever moves."""
    governance.change_rule(system, "max_contribution_bps", 1_000)
    governance.change_rule(system, "min_contribution_bps", 1_000)  # the min up to the max
    assert (registry.min_contribution_bps(), registry.max_contribution_bps()) == (1_000, 1_000)
    governance.change_rule(system, "min_contribution_bps", 500)
    governance.change_rule(system, "max_contribution_bps", 500)  # the max down to the min
    assert (registry.min_contribution_bps(), registry.max_contribution_bps()) == (500, 500)


@pytest.mark.parametrize("role", ["registrar", "guardian", "stranger", "proposer"])
def test_set_rule__direct_call_by_any_role__reverts(
    registry, pool, registrar, guardian, stranger, proposer, role
):
    sender = {
        "registrar": registrar,
        "guardian": guardian,
        "stranger": stranger,
        "proposer": proposer,
    }[role]
    with ape.reverts("pool: caller is not the governor"):
        registry.set_rule("issue_bps", 6_000, sender=sender)


def test_propose_rule__out_of_bounds__python_refuses_before_sending(system):
    with pytest.raises(ValueError, match="outside its hard bounds"):
        governance.propose_rule(system, "exit_payout_bps", 9_500)


# ---------------------------------------------------------------- pause / unpause


def test_pause__by_guardian__stops_purchases_and_spend_only(
    registry,
    live,
    pool,
    guardian,
    merchant,
    other_merchant,
    consumer,
    other_consumer,
    charity,
    unit,
    record_of,
):
    pool.record_purchase(consumer, 1_000 * unit, order(1), GREEN, sender=merchant)
    pool.record_purchase(other_consumer, 1_000 * unit, order(9), GREEN, sender=merchant)
    pool.spend(other_merchant, POINT, EMPTY, sender=consumer)
    tx = registry.pause(sender=guardian)
    assert tx.events == [registry.Paused(account=guardian)]
    with ape.reverts("pausable: contract is paused"):
        pool.record_purchase(consumer, 1_000 * unit, order(2), GREEN, sender=merchant)
    with ape.reverts("pausable: contract is paused"):
        pool.record_purchases(
            [consumer], [1_000 * unit], [order(2)], [GREEN] * len([consumer]), sender=merchant
        )
    with ape.reverts("pausable: contract is paused"):
        pool.spend(other_merchant, POINT, EMPTY, sender=consumer)
    # settlements, donations and reversals go on
    pool.settle(POINT, sender=other_merchant)
    pool.donate(charity, POINT, sender=consumer)
    pool.reverse_purchase(order(9), record_of(merchant, order(9)), sender=merchant)
    assert pool.balanceOf(other_consumer) == 0


def test_pause__by_stranger_or_registrar__reverts(registry, pool, stranger, registrar):
    for sender in (stranger, registrar):
        with ape.reverts("pool: caller is not the guardian or governor"):
            registry.pause(sender=sender)


def test_pause__twice__reverts(registry, pool, guardian):
    registry.pause(sender=guardian)
    with ape.reverts("pausable: contract is paused"):
        registry.pause(sender=guardian)


def test_unpause__through_timelock__purchases_resume(
    registry, live, system, pool, guardian, merchant, consumer, unit
):
    registry.pause(sender=guardian)
    tx = governance.unpause(system)
    assert tx.events.filter(registry.Unpaused) == [registry.Unpaused(account=system.governor)]
    pool.record_purchase(consumer, 1_000 * unit, order(1), GREEN, sender=merchant)
    assert pool.balanceOf(consumer) == 210 * POINT


def test_unpause__by_guardian__reverts(registry, pool, guardian):
    registry.pause(sender=guardian)
    with ape.reverts("pool: caller is not the governor"):
        registry.unpause(sender=guardian)


def test_pause__through_timelock__governor_may_pause(system, pool):
    governance.wait_and_execute(system, governance.schedule(system, "pause"))
    assert pool.paused()


# ---------------------------------------------------------------- shutdown


def test_shutdown__by_non_governor__reverts(registry, pool, guardian, registrar, stranger):
    for sender in (guardian, registrar, stranger):
        with ape.reverts("pool: caller is not the governor"):
            registry.shutdown(sender=sender)


def test_shutdown__twice__reverts(system):
    governance.shutdown(system)
    with ape.reverts("pool: already shut down"):
        governance.shutdown(system)


def test_shutdown__every_holder_exits_at_full_value__pool_empty_but_dust(
    registry,
    live,
    system,
    pool,
    asset,
    merchant,
    other_merchant,
    consumer,
    other_consumer,
    charity,
    decimals,
    unit,
):
    pool.record_purchase(consumer, 1_000 * unit, order(1), GREEN, sender=merchant)
    pool.record_purchase(other_consumer, 1_234_567, order(2), GREEN, sender=merchant)
    pool.record_purchase(consumer, 777 * unit, order(3), GREEN, sender=other_merchant)
    pool.spend(other_merchant, 13 * POINT, EMPTY, sender=consumer)
    pool.donate(charity, 7 * POINT, sender=consumer)
    tx = governance.shutdown(system)
    assets, supply = pool.total_assets(), pool.totalSupply()
    assert tx.events.filter(registry.PoolShutDown) == [
        registry.PoolShutDown(governor=system.governor, total_assets=assets, total_supply=supply)
    ]
    with ape.reverts("pool: shut down"):
        pool.record_purchase(consumer, unit, order(4), GREEN, sender=merchant)
    holders = [consumer, other_consumer, other_merchant, charity]
    paid = {}
    for done, holder in enumerate(holders):  # no trigger, lock, cap, haircut or epoch limit
        points = pool.balanceOf(holder)
        assert pool.max_exit(holder) == points
        expected = pm.to_assets(points, pool.total_assets(), pool.totalSupply(), decimals)
        tx = pool.exit(points, sender=holder)
        paid[holder] = tx.events.filter(pool.PointsExited)[0].payout
        assert paid[holder] == expected
        # nobody is paid more than their share of the pool at shutdown, plus the
        # sub-wei rounding dust each earlier exit left behind
        assert paid[holder] <= points * assets // supply + done
    assert pool.totalSupply() == 0
    assert pool.total_assets() == assets - sum(paid.values())
    assert pool.total_assets() <= len(holders)  # rounding dust only
    assert asset.balanceOf(pool) == pool.total_assets()

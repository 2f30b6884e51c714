"""The capped exit (SPEC 4.5): trigger, lock, return cap, epoch limit, max_exit, exit_budget_left."""

import ape
import pytest

from greenpoints import governance
from greenpoints.model import ZERO
from greenpoints.model import pool_math as pm
from tests.chain_states import built_once
from tests.conftest import GREEN, order

POINT = 10**18


@pytest.fixture
@built_once
def grown(live, pool, merchant, consumer, other_consumer, unit):
    """consumer bought first (210 points, basis 210); a large later purchase by other_consumer
    raised the value per point so that consumer's holding is worth over 2x its basis."""
    pool.record_purchase(consumer, 1_000 * unit, order(1), GREEN, sender=merchant)
    pool.record_purchase(other_consumer, 1_000_000 * unit, order(2), GREEN, sender=merchant)
    assert pool.value_of(consumer) * 10_000 >= pool.basis_of(consumer) * 20_000
    assert pool.value_of(other_consumer) * 10_000 < pool.basis_of(other_consumer) * 20_000
    return live


def _figures(pool):
    return pool.total_assets(), pool.totalSupply()


def _exit_exactly(pool, consumer, payout, decimals, refusal):
    """The most points paying at most `payout` pay exactly `payout` (max_exit says the same), and one
    point more is refused with `refusal`."""
    assets, supply = _figures(pool)
    points = pm.max_points_for_payout(payout, assets, supply, 8_000)
    assert pm.exit_payout(pm.to_assets(points, assets, supply, decimals), 8_000) == payout
    assert pool.max_exit(consumer) == points
    with ape.reverts(refusal):
        pool.exit(points + 1, sender=consumer)
    tx = pool.exit(points, sender=consumer)
    assert [e.payout for e in tx.events.filter(pool.PointsExited)] == [payout]


def test_exit__all_conditions_met__pays_80_percent_and_raises_value(
    grown, pool, asset, consumer, decimals, lock_over
):
    lock_over()
    assets, supply = _figures(pool)
    price_before = pool.price_per_point()
    value = pm.to_assets(210 * POINT, assets, supply, decimals)
    payout = pm.exit_payout(value, 8_000)
    tx = pool.exit(210 * POINT, sender=consumer)
    assert tx.events.filter(pool.PointsExited) == [
        pool.PointsExited(account=consumer, points=210 * POINT, payout=payout, retained=value - payout)
    ]
    assert tx.events.filter(asset.Transfer) == [asset.Transfer(sender=pool, receiver=consumer, value=payout)]
    assert tx.events.filter(pool.Transfer) == [
        pool.Transfer(sender=consumer, receiver=ZERO, value=210 * POINT)
    ]
    assert pool.total_assets() == assets - payout
    assert pool.paid_out_of(consumer) == payout
    assert pool.basis_of(consumer) == 0
    assert pool.price_per_point() > price_before
    assert pool.epoch_exited() == payout


def test_exit__not_triggered__reverts(grown, pool, other_consumer, lock_over):
    lock_over()
    with ape.reverts("exit_rule: holding not worth the exit trigger"):
        pool.exit(POINT, sender=other_consumer)


# other_consumer's purchase (in asset base units) after consumer's 1,000 that leaves consumer's 210
# points worth exactly twice their basis of 210 (found by bisection with greenpoints.model.pool_math).
EXACT_TRIGGER = {6: 19_999_999_947, 18: 19_999_999_999_999_999_999_680}


@pytest.mark.parametrize("short", [0, 1], ids=["exactly_2x", "one_base_unit_less"])
def test_exit__holding_worth_exactly_the_trigger__pays_and_one_unit_less_reverts(
    live, pool, registry, merchant, consumer, other_consumer, unit, decimals, lock_over, short
):
    """SPEC 4.5: the exit opens when value >= basis x exit_trigger_bps / 10,000, equality included."""
    pool.record_purchase(consumer, 1_000 * unit, order(1), GREEN, sender=merchant)
    pool.record_purchase(other_consumer, EXACT_TRIGGER[decimals] - short, order(2), GREEN, sender=merchant)
    value, trigger = pool.value_of(consumer) * 10_000, pool.basis_of(consumer) * registry.exit_trigger_bps()
    assert (value == trigger) if not short else (value < trigger)
    lock_over()
    if short:
        with ape.reverts("exit_rule: holding not worth the exit trigger"):
            pool.exit(POINT, sender=consumer)
        assert pool.max_exit(consumer) == 0
        return
    assert pool.max_exit(consumer) > 0
    tx = pool.exit(POINT, sender=consumer)
    assert [e.points for e in tx.events.filter(pool.PointsExited)] == [POINT]


def test_exit__inside_lock__reverts(grown, pool, consumer):
    with ape.reverts("exit_rule: points still locked"):
        pool.exit(POINT, sender=consumer)
    assert pool.max_exit(consumer) == 0


def test_exit__last_locked_second_then_the_unlock_second__reverts_then_pays(
    grown, pool, registry, chain, consumer
):
    """SPEC 4.5: points are locked for lock_period after the last issuance, and free at its end
    (block.timestamp >= last_issued_at + lock_period), to the second."""
    unlocks = pool.last_issued_at(consumer) + registry.lock_period()
    chain.pending_timestamp = unlocks - 1
    with ape.reverts("exit_rule: points still locked"):
        pool.exit(POINT, sender=consumer)
    chain.pending_timestamp = unlocks
    tx = pool.exit(POINT, sender=consumer)
    assert tx.timestamp == unlocks
    assert [e.points for e in tx.events.filter(pool.PointsExited)] == [POINT]


def test_exit__new_issuance__restarts_lock(grown, pool, merchant, consumer, lock_over, unit):
    lock_over()
    pool.record_purchase(consumer, 10 * unit, order(3), GREEN, sender=merchant)
    with ape.reverts("exit_rule: points still locked"):
        pool.exit(POINT, sender=consumer)


def test_exit__over_return_cap__reverts_and_max_exit_fits_cap(grown, system, pool, consumer, decimals, unit):
    governance.change_rule(system, "return_cap_bps", 10_000)  # lifetime payouts at most 1x issued value
    governance.change_rule(system, "lock_period", 3_600)
    with ape.reverts("exit_rule: return cap reached"):
        pool.exit(210 * POINT, sender=consumer)
    points = pool.max_exit(consumer)
    assets, supply = _figures(pool)
    assert points == pm.max_points_for_payout(210 * unit, assets, supply, 8_000)
    pool.exit(points, sender=consumer)
    assert pool.paid_out_of(consumer) <= 210 * unit
    with ape.reverts("exit_rule: return cap reached"):
        pool.exit(POINT // 10**6, sender=consumer)


def test_exit__payout_exactly_the_return_cap__pays_and_one_more_point_reverts(
    live, system, pool, merchant, consumer, other_consumer, unit, decimals
):
    """SPEC 4.5: paid_out + payout <= earned x return_cap_bps / 10,000, rounded down, equality
    allowed. Earned is 210 units and 1 base unit, so with a cap of 100.01% the cap is not whole."""
    pool.record_purchase(consumer, 1_000 * unit + 7, order(1), GREEN, sender=merchant)
    pool.record_purchase(other_consumer, 1_000_000 * unit, order(2), GREEN, sender=merchant)
    governance.change_rule(system, "return_cap_bps", 10_001)
    governance.change_rule(system, "lock_period", 3_600)
    earned = pool.earned_of(consumer)
    assert earned == 210 * unit + 1
    cap = earned * 10_001 // 10_000
    _exit_exactly(pool, consumer, cap, decimals, "exit_rule: return cap reached")
    assert pool.paid_out_of(consumer) == cap
    assets, supply = _figures(pool)  # the cap is used up: what max_exit still allows pays nothing
    assert pm.exit_payout(pm.to_assets(pool.max_exit(consumer), assets, supply, decimals), 8_000) == 0


def test_exit__past_epoch_limit__reverts_then_next_epoch_allows(grown, system, pool, consumer, next_epoch):
    governance.change_rule(system, "epoch_exit_limit_bps", 10)  # 0.1% of the pool per epoch
    governance.change_rule(system, "lock_period", 3_600)
    next_epoch()
    budget = pool.exit_budget_left()
    assert budget == pool.total_assets() * 10 // 10_000
    with ape.reverts("exit_rule: epoch exit limit reached"):
        pool.exit(210 * POINT, sender=consumer)
    points = pool.max_exit(consumer)
    assert 0 < points < 210 * POINT
    tx = pool.exit(points, sender=consumer)
    assert tx.events.filter(pool.EpochStarted) == [
        pool.EpochStarted(epoch=pool.current_epoch(), start_assets=pool.epoch_start_assets())
    ]
    assert pool.exit_budget_left() == budget - tx.events.filter(pool.PointsExited)[0].payout
    with ape.reverts("exit_rule: epoch exit limit reached"):
        pool.exit(pool.balanceOf(consumer), sender=consumer)
    next_epoch()
    again = pool.max_exit(consumer)
    assert again > 0
    pool.exit(again, sender=consumer)


def test_exit__payout_exactly_the_epoch_budget__pays_and_one_more_point_reverts(
    live, system, pool, merchant, consumer, other_consumer, unit, decimals, next_epoch
):
    """SPEC 4.5: the epoch's exits <= start assets x epoch_exit_limit_bps / 10,000, rounded down,
    equality allowed. The pool holds 300,300 units and 2 base units: at 0.1% the limit is not whole."""
    pool.record_purchase(consumer, 1_000 * unit + 7, order(1), GREEN, sender=merchant)
    pool.record_purchase(other_consumer, 1_000_000 * unit, order(2), GREEN, sender=merchant)
    governance.change_rule(system, "epoch_exit_limit_bps", 10)
    governance.change_rule(system, "lock_period", 3_600)
    next_epoch()
    assets = pool.total_assets()
    assert assets == 300_300 * unit + 2
    budget = assets * 10 // 10_000
    assert pool.exit_budget_left() == budget
    _exit_exactly(pool, consumer, budget, decimals, "exit_rule: epoch exit limit reached")
    assert (pool.epoch_exited(), pool.exit_budget_left()) == (budget, 0)


def test_max_exit__exact_boundary__one_more_point_reverts(grown, system, pool, consumer):
    governance.change_rule(system, "return_cap_bps", 10_000)
    governance.change_rule(system, "lock_period", 3_600)
    points = pool.max_exit(consumer)
    with ape.reverts("exit_rule: return cap reached"):
        pool.exit(points + 1, sender=consumer)
    pool.exit(points, sender=consumer)


def test_exit__merchant__reverts_settle_instead(grown, pool, merchant, other_merchant, consumer, lock_over):
    pool.spend(other_merchant, POINT, b"\x00" * 32, sender=consumer)
    lock_over()
    with ape.reverts("exit_rule: merchants and charities settle instead"):
        pool.exit(POINT, sender=other_merchant)
    assert pool.max_exit(other_merchant) == 0


def test_exit__zero_or_over_balance__reverts(grown, pool, consumer, lock_over):
    lock_over()
    with ape.reverts("exit_rule: points is zero"):
        pool.exit(0, sender=consumer)
    with ape.reverts("exit_rule: amount exceeds balance"):
        pool.exit(211 * POINT, sender=consumer)


def test_exit__one_wei_point__rounds_down_or_reverts_pays_nothing(grown, pool, consumer, decimals, lock_over):
    lock_over()
    assets, supply = _figures(pool)
    value = pm.to_assets(1, assets, supply, decimals)
    payout = pm.exit_payout(value, 8_000)
    if payout == 0:  # 6 decimals: a wei-point is worth nothing
        with ape.reverts("exit_rule: exit pays nothing"):
            pool.exit(1, sender=consumer)
    else:  # 18 decimals: a wei-point is worth 2 wei, 80% of which rounds down to 1
        tx = pool.exit(1, sender=consumer)
        assert tx.events.filter(pool.PointsExited)[0].payout == payout == 1
        assert pool.total_assets() * supply >= assets * (supply - 1)


def test_exit_budget_left__fresh_epoch__ten_percent_of_assets(grown, pool, next_epoch):
    next_epoch()
    assert pool.exit_budget_left() == pool.total_assets() * 1_000 // 10_000

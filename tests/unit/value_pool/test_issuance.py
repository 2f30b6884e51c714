"""Issuance (SPEC 4.3): record_purchase, record_purchases, reverse_purchase."""

import ape
import pytest

from greenpoints.model import ZERO, Purchase
from greenpoints.model import pool_math as pm
from tests.conftest import GREEN, order

POINT = 10**18


def _expected_points(registry, pool, decimals, amount, contribution_bps=3_000):
    contribution = pm.contribution_of(amount, contribution_bps)
    issued = pm.issued_value_of(contribution, registry.issue_bps())
    return (
        pm.to_points(issued, pool.total_assets(), pool.totalSupply(), decimals),
        contribution,
        issued,
    )


# ---------------------------------------------------------------- the value of points before any exist


@pytest.mark.parametrize("over", [-1, 0, 1], ids=["under_a_unit", "one_unit", "over_a_unit"])
def test_convert_to_assets__no_points_yet__par_value_rounded_down(live, pool, decimals, over):
    """With no points, a point is worth par: 10**(18 - decimals) points a smallest unit (1 at 18
    decimals), a part of a unit rounded down, as the model's conversion does."""
    par = 10 ** (18 - decimals)
    assert pool.totalSupply() == 0
    points = par + over
    worth = pool.convert_to_assets(points)
    assert worth == pm.to_assets(points, 0, 0, decimals) == points // par
    assert worth == ({-1: 0, 0: 1, 1: 1}[over] if par > 1 else points)  # at 18 decimals, nothing to round
    assert pool.price_per_point() == POINT // par


# ---------------------------------------------------------------- record_purchase


def test_record_purchase__returning_consumer__priced_at_value_before(
    registry, live, pool, buy, merchant, consumer, decimals, unit
):
    buy(merchant, consumer, 1_000)
    expected, contribution, issued = _expected_points(registry, pool, decimals, 333 * unit)
    before = pool.balanceOf(consumer)
    pool.record_purchase(consumer, 333 * unit, order("x"), GREEN, sender=merchant)
    assert pool.balanceOf(consumer) - before == expected
    assert pool.basis_of(consumer) == 210 * unit + issued
    assert pool.earned_of(consumer) == 210 * unit + issued
    assert registry.merchants(merchant).epoch_contribution == 300 * unit + contribution


def test_record_purchase__not_a_merchant__reverts(live, pool, attacker, consumer, unit):
    with ape.reverts("registry: caller not an active merchant"):
        pool.record_purchase(consumer, 1_000 * unit, order(1), GREEN, sender=attacker)


def test_record_purchase__suspended_merchant__reverts(
    registry, live, pool, registrar, merchant, consumer, unit
):
    registry.suspend(merchant, "x", sender=registrar)
    with ape.reverts("registry: caller not an active merchant"):
        pool.record_purchase(consumer, 1_000 * unit, order(1), GREEN, sender=merchant)


@pytest.mark.parametrize(
    "who, reason",
    [
        ("zero", "pool: consumer is the zero address"),
        ("pool", "pool: consumer is the pool"),
        ("merchant", "pool: consumer is a merchant"),
        ("charity", "pool: consumer is a charity"),
    ],
)
def test_record_purchase__bad_consumer__reverts(
    live, pool, merchant, other_merchant, charity, unit, who, reason
):
    target = {"zero": ZERO, "pool": pool.address, "merchant": other_merchant, "charity": charity}[who]
    with ape.reverts(reason):
        pool.record_purchase(target, 1_000 * unit, order(1), GREEN, sender=merchant)


def test_record_purchase__zero_amount__reverts(live, pool, merchant, consumer):
    with ape.reverts("pool: amount is zero"):
        pool.record_purchase(consumer, 0, order(1), GREEN, sender=merchant)


def test_record_purchase__dust_amount__reverts_no_points(live, pool, merchant, consumer):
    # 3 units * 30% = 0 contribution: nothing to issue
    with ape.reverts("pool: purchase issues no points"):
        pool.record_purchase(consumer, 3, order(1), GREEN, sender=merchant)


def test_record_purchase__huge_amount__reverts(live, pool, merchant, consumer):
    with ape.reverts("pool: amount too large"):
        pool.record_purchase(consumer, 2**256 - 1, order(1), GREEN, sender=merchant)


def test_record_purchase__order_id_reused__reverts(live, pool, merchant, other_merchant, consumer, unit):
    pool.record_purchase(consumer, 100 * unit, order(1), GREEN, sender=merchant)
    with ape.reverts("pool: order id already recorded"):
        pool.record_purchase(consumer, 100 * unit, order(1), GREEN, sender=merchant)
    # the same id at another merchant is another order
    pool.record_purchase(consumer, 100 * unit, order(1), GREEN, sender=other_merchant)
    assert pool.order_word(other_merchant, order(1)) != 0


def test_record_purchase__daily_cap__exceeded_reverts_then_resets_next_epoch(
    registry, live, pool, registrar, merchant, consumer, chain, unit
):
    registry.update_terms(merchant, 3_000, 300 * unit, sender=registrar)
    pool.record_purchase(consumer, 1_000 * unit, order(1), GREEN, sender=merchant)  # 300 of 300 used
    with ape.reverts("registry: daily cap exceeded"):
        pool.record_purchase(consumer, 10 * unit, order(2), GREEN, sender=merchant)
    epoch = registry.epoch_length()
    chain.pending_timestamp = (chain.pending_timestamp // epoch + 1) * epoch
    pool.record_purchase(consumer, 10 * unit, order(2), GREEN, sender=merchant)
    assert registry.merchants(merchant).epoch_contribution == 3 * unit


def test_record_purchase__no_allowance__reverts(live, pool, asset, merchant, consumer, unit):
    asset.approve(pool, 0, sender=merchant)
    with ape.reverts("pool: merchant allowance too low"):
        pool.record_purchase(consumer, 1_000 * unit, order(1), GREEN, sender=merchant)


def test_record_purchase__merchant_out_of_funds__reverts(live, pool, asset, merchant, consumer, unit):
    asset.transfer(consumer, asset.balanceOf(merchant), sender=merchant)
    with ape.reverts("pool: merchant balance too low"):
        pool.record_purchase(consumer, 1_000 * unit, order(1), GREEN, sender=merchant)


def test_explain_pull__allowance_and_balance_enough__asset_transfer_failed(live, registry, merchant, unit):
    """Called by the pool after the token refused: with allowance and balance both enough, the
    token refused for a reason of its own (pause, blacklist)."""
    with ape.reverts("pool: asset transfer failed"):
        registry.explain_pull.call(merchant, 1_000 * unit)


def test_explain_pull__allowance_short__merchant_allowance_too_low(
    live, registry, asset, pool, merchant, unit
):
    asset.approve(pool, 999 * unit, sender=merchant)
    with ape.reverts("pool: merchant allowance too low"):
        registry.explain_pull.call(merchant, 1_000 * unit)


# ---------------------------------------------------------------- record_purchases


def test_record_purchases__batch__same_as_singles_with_one_transfer(
    live, pool, asset, merchant, consumer, other_consumer, decimals, unit, chain
):
    consumers = [consumer, other_consumer, consumer]
    amounts = [1_000 * unit, 1_000 * unit, 7 * unit]
    ids = [order(1), order(2), order(3)]
    snap = chain.snapshot()
    try:
        for c, a, i in zip(consumers, amounts, ids, strict=True):
            pool.record_purchase(c, a, i, GREEN, sender=merchant)
        singles = (
            pool.balanceOf(consumer),
            pool.balanceOf(other_consumer),
            pool.total_assets(),
            pool.totalSupply(),
        )
    finally:
        chain.restore(snap)
    tx = pool.record_purchases(consumers, amounts, ids, [GREEN] * len(consumers), sender=merchant)
    batch = (
        pool.balanceOf(consumer),
        pool.balanceOf(other_consumer),
        pool.total_assets(),
        pool.totalSupply(),
    )
    assert batch == singles
    assert batch[0] == 210 * POINT + pm.to_points(
        pm.issued_value_of(pm.contribution_of(7 * unit, 3_000), 7_000),
        600 * unit,
        357 * POINT,
        decimals,
    )
    recorded = tx.events.filter(pool.PurchaseRecorded)
    assert [e.order_id for e in recorded] == ids
    assert [e.points for e in recorded[:2]] == [210 * POINT, 147 * POINT]
    total = 300 * unit + 300 * unit + pm.contribution_of(7 * unit, 3_000)
    assert tx.events.filter(asset.Transfer) == [asset.Transfer(sender=merchant, receiver=pool, value=total)]


def test_record_purchases__lengths_differ__reverts(live, pool, merchant, consumer, unit):
    with ape.reverts("pool: batch lengths differ"):
        pool.record_purchases(
            [consumer], [unit, unit], [order(1)], [GREEN] * len([consumer]), sender=merchant
        )


def test_record_purchases__empty__reverts(live, pool, merchant):
    with ape.reverts("pool: batch is empty"):
        pool.record_purchases([], [], [], [GREEN] * len([]), sender=merchant)


def test_record_purchases__101_purchases__reverts_too_large(live, pool, merchant, consumer, unit):
    with ape.reverts("pool: batch too large"):
        pool.record_purchases(
            [consumer] * 101,
            [unit] * 101,
            [order(i) for i in range(101)],
            [GREEN] * len([consumer] * 101),
            sender=merchant,
        )


def test_record_purchases__100_purchases__all_recorded(live, pool, merchant, consumer, unit):
    pool.record_purchases(
        [consumer] * 100,
        [10 * unit] * 100,
        [order(i) for i in range(100)],
        [GREEN] * len([consumer] * 100),
        sender=merchant,
    )
    assert pool.total_assets() == 100 * 3 * unit
    assert pool.order_word(merchant, order(99)) != 0


def test_record_purchases__duplicate_in_batch__reverts_all(
    live, pool, merchant, consumer, other_consumer, unit
):
    with ape.reverts("pool: order id already recorded"):
        pool.record_purchases(
            [consumer, other_consumer],
            [unit, unit],
            [order(1), order(1)],
            [GREEN] * len([consumer, other_consumer]),
            sender=merchant,
        )
    assert pool.totalSupply() == 0
    assert pool.order_word(merchant, order(1)) == 0


def test_record_purchases__one_bad_consumer__reverts_all(live, pool, merchant, consumer, charity, unit):
    with ape.reverts("pool: consumer is a charity"):
        pool.record_purchases(
            [consumer, charity],
            [unit, unit],
            [order(1), order(2)],
            [GREEN] * len([consumer, charity]),
            sender=merchant,
        )
    assert pool.totalSupply() == 0


def test_record_purchases__cap_on_total__reverts(registry, live, pool, registrar, merchant, consumer, unit):
    registry.update_terms(merchant, 3_000, 5 * unit, sender=registrar)
    with ape.reverts("registry: daily cap exceeded"):
        pool.record_purchases(
            [consumer, consumer],
            [10 * unit, 10 * unit],
            [order(1), order(2)],
            [GREEN] * len([consumer, consumer]),
            sender=merchant,
        )


def test_record_purchases__not_a_merchant__reverts(live, pool, attacker, consumer, unit):
    with ape.reverts("registry: caller not an active merchant"):
        pool.record_purchases([consumer], [unit], [order(1)], [GREEN] * len([consumer]), sender=attacker)


# ---------------------------------------------------------------- reverse_purchase


def test_reverse_purchase__within_lock__burns_and_refunds_current_value(
    live, pool, asset, merchant, consumer, other_consumer, decimals, unit, record_of
):
    pool.record_purchase(consumer, 1_000 * unit, order(1), GREEN, sender=merchant)
    pool.record_purchase(other_consumer, 1_000 * unit, order(2), GREEN, sender=merchant)
    balance_before = asset.balanceOf(merchant)
    # the 147 points are worth 147 * 600/357 = 247.05..., less than the 300 contributed
    value = pm.to_assets(147 * POINT, 600 * unit, 357 * POINT, decimals)
    refund = min(300 * unit, value)
    assert refund == value
    word = pool.order_word(merchant, order(2))
    tx = pool.reverse_purchase(order(2), record_of(merchant, order(2)), sender=merchant)
    assert tx.events == [
        pool.Transfer(sender=other_consumer, receiver=ZERO, value=147 * POINT),
        pool.PurchaseReversed(
            merchant=merchant,
            consumer=other_consumer,
            order_id=order(2),
            points=147 * POINT,
            refund=refund,
            total_assets=600 * unit - refund,
            total_supply=210 * POINT,
        ),
        asset.Transfer(sender=pool, receiver=merchant, value=refund),
    ]
    assert asset.balanceOf(merchant) == balance_before + refund
    assert pool.basis_of(other_consumer) == 0
    assert pool.earned_of(other_consumer) == 0
    assert pool.order_word(merchant, order(2)) == word | 1  # the same word, marked reversed
    # value per point did not fall: (600 - refund)/210 >= 600/357
    assert (600 * unit - refund) * 357 >= 600 * unit * 210


def test_reverse_purchase__unknown_order__reverts(live, pool, merchant, consumer, unit, chain):
    record = (consumer, GREEN, 1_000 * unit, 300 * unit, 210 * POINT, 0, chain.blocks.head.timestamp)
    with ape.reverts("pool: unknown order"):
        pool.reverse_purchase(order(1), record, sender=merchant)


def test_reverse_purchase__other_merchant__reverts(
    live, pool, merchant, other_merchant, consumer, unit, record_of
):
    pool.record_purchase(consumer, 1_000 * unit, order(1), GREEN, sender=merchant)
    with ape.reverts("pool: unknown order"):
        pool.reverse_purchase(order(1), record_of(merchant, order(1)), sender=other_merchant)


@pytest.mark.parametrize(
    "field, change",
    [("consumer", None)] + [(f, d) for f in Purchase._fields[1:] for d in (-1, 1)],
)
def test_reverse_purchase__record_with_one_field_changed__reverts_and_order_stays(
    live, pool, merchant, consumer, other_consumer, unit, record_of, field, change
):
    pool.record_purchase(consumer, 1_000 * unit, order(1), GREEN, sender=merchant)
    true = record_of(merchant, order(1))
    word = pool.order_word(merchant, order(1))
    forged = str(other_consumer) if change is None else true[Purchase._fields.index(field)] + change
    with ape.reverts("orders: record does not match"):
        pool.reverse_purchase(order(1), record_of(merchant, order(1), **{field: forged}), sender=merchant)
    assert pool.order_word(merchant, order(1)) == word
    # the true record still reverses it
    pool.reverse_purchase(order(1), true, sender=merchant)
    assert pool.balanceOf(consumer) == 0


def test_reverse_purchase__twice__reverts_and_id_stays_used(live, pool, merchant, consumer, unit, record_of):
    pool.record_purchase(consumer, 1_000 * unit, order(1), GREEN, sender=merchant)
    pool.reverse_purchase(order(1), record_of(merchant, order(1)), sender=merchant)
    with ape.reverts("pool: order already reversed"):
        pool.reverse_purchase(order(1), record_of(merchant, order(1)), sender=merchant)
    with ape.reverts("pool: order id already recorded"):
        pool.record_purchase(consumer, 1_000 * unit, order(1), GREEN, sender=merchant)


def test_reverse_purchase__after_lock_period__reverts(
    live, pool, merchant, consumer, unit, lock_over, record_of
):
    pool.record_purchase(consumer, 1_000 * unit, order(1), GREEN, sender=merchant)
    lock_over()
    with ape.reverts("pool: reversal window over"):
        pool.reverse_purchase(order(1), record_of(merchant, order(1)), sender=merchant)


def test_reverse_purchase__last_second_of_the_window_then_its_end__refunds_then_refused(
    live, pool, registry, chain, merchant, consumer, unit, record_of
):
    """A purchase may be reversed while block.timestamp < recorded_at + lock_period, to the second:
    two orders of one batch, one reversed at the window's last second, the other at its end."""
    tx = pool.record_purchases(
        [consumer, consumer],
        [1_000 * unit, 1_000 * unit],
        [order(1), order(2)],
        [GREEN, GREEN],
        sender=merchant,
    )
    ends = tx.timestamp + registry.lock_period()
    chain.pending_timestamp = ends - 1
    reversed_ = pool.reverse_purchase(order(1), record_of(merchant, order(1)), sender=merchant)
    assert reversed_.timestamp == ends - 1
    assert [e.order_id for e in reversed_.events.filter(pool.PurchaseReversed)] == [order(1)]
    chain.pending_timestamp = ends
    with ape.reverts("pool: reversal window over"):
        pool.reverse_purchase(order(2), record_of(merchant, order(2)), sender=merchant)


def test_reverse_purchase__issued_value_rounded_down__earnings_back_to_before(
    live, pool, merchant, consumer, unit, record_of
):
    """11 base units pay 3 in and issue 2 (2.1 rounded down): the reversal takes those 2 back out of
    the consumer's lifetime earnings, not the 3 of a rounding up."""
    pool.record_purchase(consumer, 1_000 * unit, order(1), GREEN, sender=merchant)
    earned = pool.earned_of(consumer)
    tx = pool.record_purchase(consumer, 11, order(2), GREEN, sender=merchant)
    assert tx.events.filter(pool.PurchaseRecorded)[0].contribution == 3
    assert pool.earned_of(consumer) == earned + 2
    pool.reverse_purchase(order(2), record_of(merchant, order(2)), sender=merchant)
    assert pool.earned_of(consumer) == earned


def test_reverse_purchase__points_already_spent__reverts(
    live, pool, merchant, other_merchant, consumer, unit, record_of
):
    pool.record_purchase(consumer, 1_000 * unit, order(1), GREEN, sender=merchant)
    pool.spend(other_merchant, 1, order("till"), sender=consumer)
    with ape.reverts("pool: consumer no longer holds the points"):
        pool.reverse_purchase(order(1), record_of(merchant, order(1)), sender=merchant)


def test_reverse_purchase__last_points__refund_capped_at_contribution(
    live, pool, asset, merchant, consumer, unit, record_of
):
    pool.record_purchase(consumer, 1_000 * unit, order(1), GREEN, sender=merchant)
    # the only holder: 210 points are worth all 300, so the refund is the contribution
    tx = pool.reverse_purchase(order(1), record_of(merchant, order(1)), sender=merchant)
    assert tx.events.filter(pool.PurchaseReversed)[0].refund == 300 * unit
    assert pool.totalSupply() == 0
    assert pool.total_assets() == 0
    assert asset.balanceOf(pool) == 0

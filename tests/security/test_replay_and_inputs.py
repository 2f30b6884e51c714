"""Replayed order ids, extreme amounts, and addresses that are not consumers."""

import pytest
from eth_utils import keccak, to_checksum_address

from greenpoints.model import Purchase
from tests.conftest import GREEN, order

from .conftest import POINT

ZERO = "0x" + "00" * 20


def test_record_purchases__order_id_twice_in_one_batch__whole_batch_refused(
    live, pool, merchant, consumer, other_consumer, unit
):
    with pytest.raises(Exception, match="pool: order id already recorded"):
        pool.record_purchases(
            [consumer, other_consumer],
            [10 * unit] * 2,
            [order(1), order(1)],
            [GREEN] * len([consumer, other_consumer]),
            sender=merchant,
        )
    assert pool.totalSupply() == 0 and pool.total_assets() == 0


def test_record_purchases__order_id_of_an_earlier_batch__refused(live, pool, merchant, consumer, unit):
    pool.record_purchases([consumer], [10 * unit], [order(1)], [GREEN] * len([consumer]), sender=merchant)
    supply = pool.totalSupply()
    with pytest.raises(Exception, match="pool: order id already recorded"):
        pool.record_purchases([consumer], [10 * unit], [order(1)], [GREEN] * len([consumer]), sender=merchant)
    with pytest.raises(Exception, match="pool: order id already recorded"):
        pool.record_purchase(consumer, 10 * unit, order(1), GREEN, sender=merchant)
    assert pool.totalSupply() == supply


def test_record_purchase__order_id_after_its_reversal__refused_for_good(
    live, pool, merchant, consumer, unit, record_of
):
    pool.record_purchase(consumer, 10 * unit, order(1), GREEN, sender=merchant)
    record = record_of(merchant, order(1))
    pool.reverse_purchase(order(1), record, sender=merchant)
    with pytest.raises(Exception, match="pool: order id already recorded"):
        pool.record_purchase(consumer, 10 * unit, order(1), GREEN, sender=merchant)
    with pytest.raises(Exception, match="pool: order already reversed"):
        pool.reverse_purchase(order(1), record, sender=merchant)
    assert pool.totalSupply() == 0


def test_record_purchase__same_order_id_at_another_merchant__its_own_order(
    live, pool, merchant, other_merchant, consumer, unit, record_of
):
    pool.record_purchase(consumer, 10 * unit, order(1), GREEN, sender=merchant)
    pool.record_purchase(consumer, 10 * unit, order(1), GREEN, sender=other_merchant)  # ids are per merchant
    with pytest.raises(Exception, match="pool: unknown order"):
        pool.reverse_purchase(order(2), record_of(merchant, order(1)), sender=other_merchant)


@pytest.mark.parametrize(
    "amount, reason",
    [
        (0, "pool: amount is zero"),
        (2**256 - 1, "pool: amount too large"),
        (2**128, "pool: amount too large"),
    ],
)
def test_record_purchase__extreme_amount__refused(live, pool, merchant, consumer, amount, reason):
    with pytest.raises(Exception, match=reason):
        pool.record_purchase(consumer, amount, order(1), GREEN, sender=merchant)


def test_record_purchase__largest_amount__within_its_bound_refused_by_the_next(
    live, pool, merchant, consumer, decimals
):
    """2**128 - 1 is within the amount's bound (2**128 is not). What refuses it is the next bound its
    figures pass: on 18 decimals its issued value (over 88 bits); on 6, its points (over 2**128, a
    point being 10**-12 of a base unit at par), which names the amount again."""
    reason = "ledger: issued value too large" if decimals == 18 else "pool: amount too large"
    with pytest.raises(Exception, match=reason):
        pool.record_purchase(consumer, 2**128 - 1, order(1), GREEN, sender=merchant)
    assert pool.totalSupply() == 0
    assert pool.totalSupply() == 0


def test_record_purchase__one_unit__issues_nothing_so_refused(live, pool, merchant, consumer):
    # 1 unit at 30% contributes 0: a purchase that pays nothing into the pool issues nothing
    with pytest.raises(Exception, match="pool: purchase issues no points"):
        pool.record_purchase(consumer, 1, order(1), GREEN, sender=merchant)


@pytest.mark.parametrize(
    "call, amount, reason",
    [
        ("spend", 0, "pool: points is zero"),
        ("spend", 2**256 - 1, "ledger: amount exceeds balance"),
        ("donate", 0, "pool: points is zero"),
        ("donate", 2**256 - 1, "ledger: amount exceeds balance"),
        ("exit", 0, "exit_rule: points is zero"),
        ("exit", 2**256 - 1, "exit_rule: amount exceeds balance"),
        ("settle", 0, "pool: points is zero"),
        ("settle", 2**256 - 1, "pool: amount exceeds balance"),
    ],
)
def test_points_operation__zero_or_max_points__refused_naming_the_rule(
    live, pool, buy, merchant, charity, consumer, call, amount, reason
):
    buy(merchant, consumer, 100)
    pool.spend(merchant, POINT, order("s"), sender=consumer)
    args = {
        "spend": ((merchant, amount, order("s2")), consumer),
        "donate": ((charity, amount), consumer),
        "exit": ((amount,), consumer),
        "settle": ((amount,), merchant),
    }[call]
    held = (pool.balanceOf(consumer), pool.balanceOf(merchant))
    with pytest.raises(Exception, match=reason):
        getattr(pool, call)(*args[0], sender=args[1])
    assert (pool.balanceOf(consumer), pool.balanceOf(merchant)) == held


@pytest.mark.parametrize(
    "who, reason",
    [("zero", "pool: consumer is the zero address"), ("pool", "pool: consumer is the pool"),
     ("merchant", "pool: consumer is a merchant"), ("charity", "pool: consumer is a charity")],
)  # fmt: skip
def test_record_purchase__not_a_consumer__refused(
    live, pool, merchant, other_merchant, charity, who, reason, unit
):
    address = {"zero": ZERO, "pool": pool.address, "merchant": other_merchant, "charity": charity}[who]
    with pytest.raises(Exception, match=reason):
        pool.record_purchase(address, 10 * unit, order(1), GREEN, sender=merchant)


def test_record_purchase__a_contract_as_consumer__holds_points_but_cannot_resell(
    live, pool, merchant, governor, asset, consumer, unit
):
    """A contract (here the asset token's address, which cannot act) may be a consumer; its points can
    only go to merchants and charities, like anyone's."""
    pool.record_purchase(asset.address, 10 * unit, order(1), GREEN, sender=merchant)
    assert pool.balanceOf(asset.address) > 0
    fresh = to_checksum_address(keccak(text="fresh")[-20:])
    pool.record_purchase(consumer, 10 * unit, order(2), GREEN, sender=merchant)
    with pytest.raises(Exception, match="pool: points go only to an active merchant or a registered charity"):
        pool.transfer(fresh, 1, sender=consumer)


# ---------------------------------------------------------------- a reversal's record (SPEC 4.3)


@pytest.mark.parametrize("field", Purchase._fields)
def test_reverse_purchase__forged_record__refused_and_nothing_moves(
    live, pool, asset, merchant, consumer, other_consumer, unit, record_of, field
):
    """A merchant cannot reverse with a record of its own making: more points burned from another
    consumer, a larger refund, carbon or a later time (to reopen the window), each refused."""
    pool.record_purchase(consumer, 1_000 * unit, order(1), GREEN, sender=merchant)
    pool.record_purchase(other_consumer, 1_000 * unit, order(2), GREEN, sender=merchant)
    true = record_of(merchant, order(1))
    i = Purchase._fields.index(field)
    forged = record_of(merchant, order(1), **{field: str(other_consumer) if i == 0 else true[i] * 2 + 1})
    books = (
        pool.totalSupply(),
        pool.total_assets(),
        asset.balanceOf(merchant),
        pool.order_word(merchant, order(1)),
    )
    with pytest.raises(Exception, match="orders: record does not match"):
        pool.reverse_purchase(order(1), forged, sender=merchant)
    assert (
        pool.totalSupply(),
        pool.total_assets(),
        asset.balanceOf(merchant),
        pool.order_word(merchant, order(1)),
    ) == books


def test_reverse_purchase__another_orders_record__refused(
    live, pool, merchant, consumer, other_consumer, unit, record_of
):
    """The record of the merchant's order 2 does not reverse order 1 (the word binds the record to its id
    through the key it is stored under)."""
    pool.record_purchase(consumer, 1_000 * unit, order(1), GREEN, sender=merchant)
    pool.record_purchase(other_consumer, 500 * unit, order(2), GREEN, sender=merchant)
    with pytest.raises(Exception, match="orders: record does not match"):
        pool.reverse_purchase(order(1), record_of(merchant, order(2)), sender=merchant)
    pool.reverse_purchase(order(1), record_of(merchant, order(1)), sender=merchant)
    assert pool.balanceOf(consumer) == 0

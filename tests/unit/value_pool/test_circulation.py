"""Circulation (SPEC 4.1, 4.4): spend, donate, transfer, transferFrom, settle, and the cost basis."""

import ape
import pytest

from greenpoints.model import ZERO
from greenpoints.model import pool_math as pm
from tests.chain_states import built_once
from tests.conftest import GREEN, order

POINT = 10**18
EMPTY = b"\x00" * 32


@pytest.fixture
@built_once
def holding(live, pool, merchant, consumer, other_consumer, unit):
    """consumer holds 210 points (basis 210), other_consumer 147 (basis 210); pool 600."""
    pool.record_purchase(consumer, 1_000 * unit, order(1), GREEN, sender=merchant)
    pool.record_purchase(other_consumer, 1_000 * unit, order(2), GREEN, sender=merchant)
    return live


# ---------------------------------------------------------------- spend


def test_spend__active_merchant__points_move_and_basis_falls_pro_rata(
    holding, pool, other_merchant, consumer, unit
):
    tx = pool.spend(other_merchant, 70 * POINT, order("till-1"), sender=consumer)
    assert tx.events == [
        pool.Transfer(sender=consumer, receiver=other_merchant, value=70 * POINT),
        pool.PointsSpent(
            consumer=consumer, merchant=other_merchant, points=70 * POINT, order_id=order("till-1")
        ),
    ]
    assert pool.balanceOf(consumer) == 140 * POINT
    assert pool.balanceOf(other_merchant) == 70 * POINT
    assert (
        pool.basis_of(consumer) == pm.basis_after_outflow(210 * unit, 210 * POINT, 70 * POINT) == 140 * unit
    )
    assert pool.earned_of(consumer) == 210 * unit
    assert pool.total_assets() == 600 * unit


def test_spend__all_points__basis_zero(holding, pool, other_merchant, consumer):
    pool.spend(other_merchant, 210 * POINT, EMPTY, sender=consumer)
    assert pool.basis_of(consumer) == 0


def test_spend__suspended_merchant__reverts(registry, holding, pool, registrar, other_merchant, consumer):
    registry.suspend(other_merchant, "x", sender=registrar)
    with ape.reverts("pool: merchant not active"):
        pool.spend(other_merchant, POINT, EMPTY, sender=consumer)


def test_spend__to_consumer__reverts(holding, pool, consumer, other_consumer):
    with ape.reverts("pool: merchant not active"):
        pool.spend(other_consumer, POINT, EMPTY, sender=consumer)


def test_spend__by_merchant__reverts(holding, pool, merchant, other_merchant, consumer):
    pool.spend(merchant, POINT, EMPTY, sender=consumer)
    with ape.reverts("pool: only consumers move points"):
        pool.spend(other_merchant, POINT, EMPTY, sender=merchant)


def test_spend__zero_points__reverts(holding, pool, other_merchant, consumer):
    with ape.reverts("pool: points is zero"):
        pool.spend(other_merchant, 0, EMPTY, sender=consumer)


def test_spend__more_than_balance__reverts(holding, pool, other_merchant, consumer):
    with ape.reverts("ledger: amount exceeds balance"):
        pool.spend(other_merchant, 211 * POINT, EMPTY, sender=consumer)


def test_spend__paused__reverts(registry, holding, pool, guardian, other_merchant, consumer):
    registry.pause(sender=guardian)
    with ape.reverts("pausable: contract is paused"):
        pool.spend(other_merchant, POINT, EMPTY, sender=consumer)


# ---------------------------------------------------------------- donate


def test_donate__registered_charity__points_move(holding, pool, charity, consumer, unit):
    tx = pool.donate(charity, 21 * POINT, sender=consumer)
    assert tx.events == [
        pool.Transfer(sender=consumer, receiver=charity, value=21 * POINT),
        pool.PointsDonated(consumer=consumer, charity=charity, points=21 * POINT),
    ]
    assert pool.balanceOf(charity) == 21 * POINT
    assert pool.basis_of(consumer) == 189 * unit


def test_donate__while_paused__allowed(registry, holding, pool, guardian, charity, consumer):
    registry.pause(sender=guardian)
    pool.donate(charity, POINT, sender=consumer)
    assert pool.balanceOf(charity) == POINT


def test_donate__removed_charity__reverts(registry, holding, pool, registrar, charity, consumer):
    registry.remove_charity(charity, "x", sender=registrar)
    with ape.reverts("pool: charity not registered"):
        pool.donate(charity, POINT, sender=consumer)


def test_donate__by_charity__reverts(registry, holding, pool, charity, consumer, registrar, stranger):
    pool.donate(charity, POINT, sender=consumer)
    registry.register_charity(stranger, b"\x01" * 32, sender=registrar)
    with ape.reverts("pool: only consumers move points"):
        pool.donate(stranger, POINT, sender=charity)


# ---------------------------------------------------------------- transfer / transferFrom


def test_transfer__to_active_merchant__counts_as_spend(holding, pool, other_merchant, consumer):
    tx = pool.transfer(other_merchant, POINT, sender=consumer)
    assert tx.events == [
        pool.Transfer(sender=consumer, receiver=other_merchant, value=POINT),
        pool.PointsSpent(consumer=consumer, merchant=other_merchant, points=POINT, order_id=EMPTY),
    ]


def test_transfer__to_charity__counts_as_donation(holding, pool, charity, consumer):
    tx = pool.transfer(charity, POINT, sender=consumer)
    assert tx.events == [
        pool.Transfer(sender=consumer, receiver=charity, value=POINT),
        pool.PointsDonated(consumer=consumer, charity=charity, points=POINT),
    ]


def test_transfer__to_consumer__reverts_no_resale(holding, pool, consumer, other_consumer):
    with ape.reverts("pool: points go only to an active merchant or a registered charity"):
        pool.transfer(other_consumer, POINT, sender=consumer)


def test_transfer__to_merchant_while_paused__reverts(
    registry, holding, pool, guardian, other_merchant, consumer
):
    registry.pause(sender=guardian)
    with ape.reverts("pausable: contract is paused"):
        pool.transfer(other_merchant, POINT, sender=consumer)


def test_transfer__merchant_to_merchant__reverts(holding, pool, merchant, other_merchant, consumer):
    pool.transfer(merchant, POINT, sender=consumer)
    with ape.reverts("pool: only consumers move points"):
        pool.transfer(other_merchant, POINT, sender=merchant)


def test_transfer_from__approved_merchant_pulls__spend(holding, pool, other_merchant, consumer):
    pool.approve(other_merchant, 5 * POINT, sender=consumer)
    tx = pool.transferFrom(consumer, other_merchant, 2 * POINT, sender=other_merchant)
    assert tx.events.filter(pool.PointsSpent) == [
        pool.PointsSpent(consumer=consumer, merchant=other_merchant, points=2 * POINT, order_id=EMPTY)
    ]
    assert pool.allowance(consumer, other_merchant) == 3 * POINT


def test_transfer_from__no_allowance__reverts(holding, pool, other_merchant, consumer):
    with ape.reverts("erc20: insufficient allowance"):
        pool.transferFrom(consumer, other_merchant, POINT, sender=other_merchant)


def test_transfer_from__to_consumer__reverts(holding, pool, consumer, other_consumer):
    pool.approve(other_consumer, POINT, sender=consumer)
    with ape.reverts("pool: points go only to an active merchant or a registered charity"):
        pool.transferFrom(consumer, other_consumer, POINT, sender=other_consumer)


# ---------------------------------------------------------------- settle


def test_settle__merchant__paid_value_minus_fee(
    holding, pool, asset, other_merchant, consumer, decimals, unit
):
    pool.spend(other_merchant, 100 * POINT, EMPTY, sender=consumer)
    value = pm.to_assets(100 * POINT, 600 * unit, 357 * POINT, decimals)
    paid, fee = pm.settlement(value, 100)
    tx = pool.settle(100 * POINT, sender=other_merchant)
    assert tx.events == [
        pool.Transfer(sender=other_merchant, receiver=ZERO, value=100 * POINT),
        pool.PointsSettled(account=other_merchant, points=100 * POINT, assets=paid, fee=fee),
        asset.Transfer(sender=pool, receiver=other_merchant, value=paid),
    ]
    assert pool.total_assets() == 600 * unit - paid
    assert pool.totalSupply() == 257 * POINT
    assert fee > 0


def test_settle__revoked_merchant__still_paid(registry, holding, pool, registrar, other_merchant, consumer):
    pool.spend(other_merchant, 10 * POINT, EMPTY, sender=consumer)
    registry.revoke(other_merchant, "closed", sender=registrar)
    pool.settle(10 * POINT, sender=other_merchant)
    assert pool.balanceOf(other_merchant) == 0


def test_settle__removed_charity__still_paid(registry, holding, pool, registrar, charity, consumer):
    pool.donate(charity, 10 * POINT, sender=consumer)
    registry.remove_charity(charity, "x", sender=registrar)
    pool.settle(10 * POINT, sender=charity)
    assert pool.balanceOf(charity) == 0


def test_settle__while_paused__allowed(registry, holding, pool, guardian, other_merchant, consumer):
    pool.spend(other_merchant, 10 * POINT, EMPTY, sender=consumer)
    registry.pause(sender=guardian)
    pool.settle(10 * POINT, sender=other_merchant)
    assert pool.balanceOf(other_merchant) == 0


def test_settle__consumer__reverts(holding, pool, consumer):
    with ape.reverts("pool: only merchants and charities settle"):
        pool.settle(POINT, sender=consumer)


def test_settle__zero_points__reverts(holding, pool, merchant):
    with ape.reverts("pool: points is zero"):
        pool.settle(0, sender=merchant)


def test_settle__dust__reverts_pays_nothing(holding, pool, other_merchant, consumer):
    pool.spend(other_merchant, 10, EMPTY, sender=consumer)
    with ape.reverts("pool: settlement pays nothing"):
        pool.settle(1, sender=other_merchant)


def test_settle__more_than_balance__reverts(holding, pool, other_merchant, consumer):
    pool.spend(other_merchant, POINT, EMPTY, sender=consumer)
    with ape.reverts("pool: amount exceeds balance"):
        pool.settle(2 * POINT, sender=other_merchant)

"""A merchant suspended or revoked in the middle of a day: it cannot issue, points cannot be spent
there, it still settles what it was paid; its daily cap is not reset by a reinstatement."""

import pytest

from tests.conftest import GREEN, order

from .conftest import POINT


def test_suspended_mid_day__cannot_issue_nor_receive__still_settles(
    registry, live, pool, buy, registrar, merchant, consumer, unit
):
    buy(merchant, consumer, 1_000)
    pool.spend(merchant, 10 * POINT, order("till"), sender=consumer)
    registry.suspend(merchant, "inspection", sender=registrar)
    with pytest.raises(Exception, match="registry: caller not an active merchant"):
        buy(merchant, consumer, 100)
    with pytest.raises(Exception, match="registry: caller not an active merchant"):
        pool.record_purchases(
            [consumer], [100 * unit], [order("b")], [GREEN] * len([consumer]), sender=merchant
        )
    with pytest.raises(Exception, match="pool: merchant not active"):
        pool.spend(merchant, POINT, order("till-2"), sender=consumer)
    with pytest.raises(Exception, match="pool: points go only to an active merchant or a registered charity"):
        pool.transfer(merchant, POINT, sender=consumer)
    settled = pool.settle(10 * POINT, sender=merchant)
    assert settled.events.filter(pool.PointsSettled)[0].assets > 0 and pool.balanceOf(merchant) == 0


def test_reinstated_same_day__daily_cap_already_used_still_counts(
    registry, live, pool, registrar, merchant, consumer, admit, other_merchant, unit
):
    cap = registry.merchants(merchant).daily_cap
    contribution_bps = registry.merchants(merchant).contribution_bps
    most = cap * 10_000 // contribution_bps
    pool.record_purchase(consumer, most, order(1), GREEN, sender=merchant)
    registry.suspend(merchant, "inspection", sender=registrar)
    registry.reinstate(merchant, sender=registrar)
    with pytest.raises(Exception, match="registry: daily cap exceeded"):
        pool.record_purchase(consumer, 100 * unit, order(2), GREEN, sender=merchant)


def test_revoked__cannot_come_back__still_settles(registry, live, pool, buy, registrar, merchant, consumer):
    buy(merchant, consumer, 1_000)
    pool.spend(merchant, 5 * POINT, order("till"), sender=consumer)
    registry.revoke(merchant, "fake receipts", sender=registrar)
    with pytest.raises(Exception, match="registry: caller not an active merchant"):
        buy(merchant, consumer, 100)
    with pytest.raises(Exception, match="registry: merchant not suspended"):
        registry.reinstate(merchant, sender=registrar)
    with pytest.raises(Exception, match="registry: merchant revoked for good"):
        registry.admit(merchant, 3_000, 10**24, b"\x01" * 32, 1, sender=registrar)
    pool.settle(5 * POINT, sender=merchant)
    assert pool.balanceOf(merchant) == 0


def test_suspended__reverses_its_own_purchase_within_the_window(
    registry, live, pool, buy, registrar, merchant, consumer, record_of
):
    """A suspended merchant can still undo a purchase (a refund to a genuine customer is not issuance)."""
    buy(merchant, consumer, 100, order("refund-me"))
    registry.suspend(merchant, "inspection", sender=registrar)
    pool.reverse_purchase(order("refund-me"), record_of(merchant, order("refund-me")), sender=merchant)
    assert pool.balanceOf(consumer) == 0 and pool.total_assets() == 0

"""SPEC section 1's worked example, exactly, for asset decimals 6 and 18."""

from greenpoints.model import ZERO
from tests.conftest import GREEN, an_hour_into_the_next_day, order

POINT = 10**18


def test_record_purchase__worked_example__210_then_147_points(
    live, pool, asset, merchant, consumer, other_consumer, unit, chain
):
    # A new day whatever the hour: the first purchase opens its epoch (the clock other tests moved
    # is not rewound with the chain, so the deployment's day is not always today's).
    an_hour_into_the_next_day(chain)
    tx = pool.record_purchase(consumer, 1_000 * unit, order(1), GREEN, sender=merchant)
    assert tx.events == [
        pool.EpochStarted(epoch=chain.blocks.head.timestamp // 86_400, start_assets=0),
        pool.Transfer(sender=ZERO, receiver=consumer, value=210 * POINT),
        pool.PurchaseRecorded(
            merchant=merchant,
            consumer=consumer,
            order_id=order(1),
            amount=1_000 * unit,
            contribution=300 * unit,
            points=210 * POINT,
            total_assets=300 * unit,
            total_supply=210 * POINT,
        ),
        asset.Transfer(sender=merchant, receiver=pool, value=300 * unit),
    ]
    assert pool.balanceOf(consumer) == 210 * POINT
    assert pool.total_assets() == 300 * unit
    assert asset.balanceOf(pool) == 300 * unit
    # one point is worth 300/210 = 1.428571..., rounded down at the asset's precision
    assert pool.price_per_point() == 300 * unit * POINT // (210 * POINT)
    assert pool.basis_of(consumer) == 210 * unit
    assert pool.earned_of(consumer) == 210 * unit

    pool.record_purchase(other_consumer, 1_000 * unit, order(2), GREEN, sender=merchant)
    assert pool.balanceOf(other_consumer) == 147 * POINT
    assert pool.total_assets() == 600 * unit
    assert pool.totalSupply() == 357 * POINT
    assert asset.balanceOf(pool) == 600 * unit
    assert pool.basis_of(other_consumer) == 210 * unit

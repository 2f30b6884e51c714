"""Attempts to make points worth more than the money behind them: assets sent to the pool directly,
a manipulated first purchase, dust purchases and dust exits."""

from eth_utils import keccak, to_checksum_address

from greenpoints.model import pool_math as pm
from tests.conftest import GREEN, order

from .conftest import POINT


def _sybils(n):
    return [to_checksum_address(keccak(text=f"sybil-{i}")[-20:]) for i in range(n)]


def test_asset_sent_directly__value_per_point_and_issuance_unchanged(
    live, pool, asset, buy, merchant, attacker, consumer, other_consumer, unit
):
    buy(merchant, consumer, 100)
    price, assets = pool.price_per_point(), pool.total_assets()
    asset.mint(attacker, 10**6 * unit, sender=attacker)
    asset.transfer(pool, 10**6 * unit, sender=attacker)  # a "donation" to inflate the points
    assert pool.price_per_point() == price and pool.total_assets() == assets
    issued = pm.issued_value_of(pm.contribution_of(100 * unit, 3_000), 7_000)
    expected = pm.to_points(issued, assets, pool.totalSupply(), asset.decimals())
    buy(merchant, other_consumer, 100)
    assert pool.balanceOf(other_consumer) == expected  # issued as if nothing had been sent
    assert pool.value_of(consumer) < 100 * unit  # the gift is not anyone's to take


def test_first_purchase__dust_then_donation__later_buyer_not_diluted(
    live, pool, asset, merchant, attacker, other_consumer, unit
):
    """The ERC-4626 inflation attack: the first holder buys 1 point-wei's worth, then sends a fortune to
    the pool so that the next purchase rounds down to nothing. total_assets ignores what is sent."""
    smallest = 1
    while True:  # the smallest purchase that issues points
        try:
            pool.record_purchase(attacker, smallest, order("dust"), GREEN, sender=merchant)
            break
        except Exception:  # noqa: BLE001 (amount too small: "purchase issues no points")
            smallest *= 10
    asset.mint(attacker, 10**9 * unit, sender=attacker)
    asset.transfer(pool, 10**9 * unit, sender=attacker)
    pool.record_purchase(other_consumer, 100 * unit, order("victim"), GREEN, sender=merchant)
    victim_value = pool.value_of(other_consumer)
    issued_value = pm.issued_value_of(pm.contribution_of(100 * unit, 3_000), 7_000)
    assert issued_value - 1 <= victim_value <= pool.total_assets()
    assert pool.value_of(attacker) < smallest  # the attacker's dust is still dust


def test_record_purchase__many_dust_purchases__value_never_falls_nor_exceeds_contributions(
    live, pool, merchant, unit
):
    sybils = _sybils(50)
    amount = 4  # smallest that contributes (30%): 1 unit of contribution each
    pool.record_purchase(sybils[0], 100 * unit, order("seed"), GREEN, sender=merchant)
    price = pool.price_per_point()
    ids = [order(f"dust-{i}") for i in range(50)]
    try:
        pool.record_purchases(sybils, [amount] * 50, ids, [GREEN] * len(sybils), sender=merchant)
    except Exception as err:  # noqa: BLE001 (with 18 decimals 1 unit issues no points)
        assert "purchase issues no points" in str(err)
    assert pool.price_per_point() >= price
    held = sum(pool.value_of(s) for s in sybils)
    assert held <= pool.total_assets()


def test_exit__one_point_wei_at_a_time__pays_nothing_or_rounds_for_the_pool(exit_ready, pool, consumer):
    price = pool.price_per_point()
    paid = 0
    for _ in range(5):
        try:
            tx = pool.exit(1, sender=consumer)
            paid += tx.events.filter(pool.PointsExited)[0].payout
        except Exception as err:  # noqa: BLE001
            assert "exit_rule: exit pays nothing" in str(err)
    assert paid <= 5 * price // POINT + 1
    assert pool.price_per_point() >= price

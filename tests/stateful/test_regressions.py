"""Sequences the stateful machine found, kept as deterministic tests on the chain."""

import ape

from greenpoints import governance
from greenpoints.catalog import SAMPLE_CATALOG
from greenpoints.deploy import deploy_system
from tests.conftest import GREEN, LICENSE, order


def test_shutdown__dust_holder_refused_first__exits_after_others_pool_empty(accounts):
    """`deep` profile, 6 decimals: after shutdown a merchant holding 1 wei-point was refused
    ("exit pays nothing"); once every other holder had exited, their rounding dust made that point
    worth 1 unit, and a second pass must let it out so the pool winds down to the last unit."""
    deployer, registrar, guardian, merchant, cafe, consumer, other = (
        accounts[i] for i in (0, 1, 2, 4, 5, 7, 8)
    )
    system = deploy_system(
        deployer, registrar=registrar, guardian=guardian, asset_decimals=6, catalog=SAMPLE_CATALOG
    )
    pool, asset = system.pool, system.asset
    for m in (merchant, cafe):
        system.registry.admit(m, 3_000, 10**15, LICENSE, 1, sender=registrar)
    asset.mint(merchant, 10**15, sender=merchant)
    asset.approve(pool, 2**256 - 1, sender=merchant)
    pool.record_purchases(
        [consumer, other],
        [1_000_000, 47_000_000],
        [order(1), order(2)],
        [GREEN] * len([consumer, other]),
        sender=merchant,
    )
    pool.spend(cafe, 1, b"\x00" * 32, sender=consumer)  # the cafe holds 1 wei-point
    governance.shutdown(system)
    with ape.reverts("exit_rule: exit pays nothing"):
        pool.exit(1, sender=cafe)
    pool.exit(pool.balanceOf(consumer), sender=consumer)
    pool.exit(pool.balanceOf(other), sender=other)
    assert pool.totalSupply() == 1
    dust = pool.total_assets()
    assert dust >= 1  # the others' rounding left at least a unit behind
    tx = pool.exit(1, sender=cafe)
    assert tx.events.filter(pool.PointsExited)[0].payout == dust
    assert (pool.totalSupply(), pool.total_assets(), asset.balanceOf(pool)) == (0, 0, 0)

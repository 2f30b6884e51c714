"""Exits over the cap, inside the lock, past the epoch limit; a bank run; shutdown and wind-down."""

import pytest

from greenpoints import governance
from greenpoints.catalog import SAMPLE_CATALOG
from greenpoints.deploy import deploy_system
from tests.conftest import CONTRIBUTION_BPS, GREEN, LICENSE, order

from .conftest import POINT


def test_exit__over_the_return_cap__refused_then_max_exit_fits(
    deployer, registrar, guardian, proposer, decimals, merchant, consumer, other_consumer, chain
):
    """With a 1x lifetime cap, a holding worth 2x cannot be cashed out whole."""
    rules = {"return_cap_bps": 10_000, "lock_period": 3_600}
    system = deploy_system(
        deployer,
        registrar=registrar,
        guardian=guardian,
        proposer=proposer,
        asset_decimals=decimals,
        rules=rules,
        catalog=SAMPLE_CATALOG,
    )
    pool, asset, unit = system.pool, system.asset, 10**decimals
    system.registry.admit(merchant, CONTRIBUTION_BPS, 10**12 * unit, LICENSE, 1, sender=registrar)
    asset.mint(merchant, 10**12 * unit, sender=merchant)
    asset.approve(pool, 2**256 - 1, sender=merchant)
    pool.record_purchase(consumer, 1_000 * unit, order("early"), GREEN, sender=merchant)
    pool.record_purchase(other_consumer, 1_000_000 * unit, order("big"), GREEN, sender=merchant)
    chain.pending_timestamp = (chain.pending_timestamp // 86_400 + 1) * 86_400 + 3_601  # next day: new budget
    pool.record_purchase(other_consumer, 10 * unit, order("opens-the-day"), GREEN, sender=merchant)
    most, held = pool.max_exit(consumer), pool.balanceOf(consumer)
    assert 0 < most < held
    with pytest.raises(Exception, match="exit_rule: return cap reached"):
        pool.exit(held, sender=consumer)
    pool.exit(most, sender=consumer)
    assert pool.paid_out_of(consumer) <= pool.earned_of(consumer)
    with pytest.raises(Exception, match="exit_rule: return cap reached"):
        pool.exit(POINT, sender=consumer)


def test_exit__inside_the_lock__refused(live, pool, buy, merchant, consumer, other_consumer):
    buy(merchant, consumer, 1_000)
    buy(merchant, other_consumer, 1_000_000)
    with pytest.raises(Exception, match="exit_rule: points still locked"):
        pool.exit(POINT, sender=consumer)


def test_exit__new_purchase_just_before__lock_restarts(exit_ready, pool, buy, merchant, consumer):
    buy(merchant, consumer, 10)  # a fresh issuance restarts the lock for the whole holding
    with pytest.raises(Exception, match="exit_rule: points still locked"):
        pool.exit(POINT, sender=consumer)


def test_exit__bank_run_of_many_consumers__epoch_limit_holds(
    deployer, registrar, guardian, proposer, decimals, merchant, accounts, chain
):
    """Twelve consumers whose holdings all passed the trigger try to exit everything in one epoch:
    payouts stop at the epoch's limit, the value per point never falls, the pool stays solvent."""
    rules = {"exit_trigger_bps": 10_000, "lock_period": 3_600, "epoch_exit_limit_bps": 1_000}
    system = deploy_system(deployer, registrar=registrar, guardian=guardian, proposer=proposer,
                           asset_decimals=decimals, rules=rules, catalog=SAMPLE_CATALOG)  # fmt: skip
    pool, asset, unit = system.pool, system.asset, 10**decimals
    system.registry.admit(merchant, CONTRIBUTION_BPS, 10**12 * unit, LICENSE, 1, sender=registrar)
    asset.mint(merchant, 10**12 * unit, sender=merchant)
    asset.approve(pool, 2**256 - 1, sender=merchant)
    runners = [accounts.generate_test_account() for _ in range(12)]
    for i, who in enumerate(runners):
        accounts[0].transfer(who, 10**17)
        pool.record_purchase(who, 1_000 * unit, order(f"run-{i}"), GREEN, sender=merchant)
    chain.pending_timestamp = (chain.pending_timestamp // 86_400 + 1) * 86_400 + 7_200  # a fresh day
    pool.record_purchase(accounts[9], 10 * unit, order("day"), GREEN, sender=merchant)  # opens it
    start_assets, limit = pool.epoch_start_assets(), pool.exit_budget_left()
    assert limit == start_assets * 1_000 // 10_000
    paid, refused, price = 0, 0, pool.price_per_point()
    for who in runners:
        points = pool.balanceOf(who)
        try:
            tx = pool.exit(points, sender=who)
            paid += tx.events.filter(pool.PointsExited)[0].payout
        except Exception as err:  # noqa: BLE001
            assert "exit_rule: epoch exit limit reached" in str(err) or "return cap" in str(err)
            refused += 1
        assert pool.price_per_point() >= price
        price = pool.price_per_point()
    assert paid <= limit and refused > 0
    assert asset.balanceOf(pool) >= pool.total_assets() >= start_assets - limit


def test_shutdown__every_holder_exits__pool_ends_with_dust_and_nobody_paid_over_their_share(
    live, system, pool, asset, buy, merchant, other_merchant, charity, accounts
):
    holders = [accounts.generate_test_account() for _ in range(8)]
    for i, who in enumerate(holders):
        accounts[0].transfer(who, 10**17)
        buy(merchant if i % 2 else other_merchant, who, 100 + 37 * i)
    pool.spend(merchant, pool.balanceOf(holders[0]) // 3, order("till"), sender=holders[0])
    pool.donate(charity, pool.balanceOf(holders[1]) // 2, sender=holders[1])
    governance.shutdown(system)
    everyone = [*holders, merchant, charity]
    assets0, supply0 = pool.total_assets(), pool.totalSupply()
    paid = {}
    for n, who in enumerate(everyone):
        points = pool.balanceOf(who)
        if points == 0:
            continue
        before = asset.balanceOf(who)
        pool.exit(points, sender=who)
        paid[who] = asset.balanceOf(who) - before
        share = points * assets0 // supply0
        assert share <= paid[who] <= share + n  # at most the dust earlier exits left behind
    assert pool.totalSupply() == 0
    assert pool.total_assets() <= len(everyone)  # dust only
    assert sum(paid.values()) + pool.total_assets() == assets0
    assert asset.balanceOf(pool) >= pool.total_assets()
    with pytest.raises(Exception, match="pool: shut down"):
        buy(merchant, holders[2], 100)


def test_shutdown__twice__refused(live, system, pool):
    governance.shutdown(system)
    with pytest.raises(Exception, match="pool: already shut down"):
        governance.shutdown(system)

"""The pool's two hooks (what the registry decides reaches the pool's packed storage) and the bounds
the packing adds (each refused with a reason that names it)."""

import ape
import pytest

from greenpoints import governance
from greenpoints.model import MAX_DAILY_CAP, MAX_EARNED
from greenpoints.statuses import Standing
from tests.conftest import GREEN, LICENSE, order

POINT = 10**18


# ---------------------------------------------------------------- update_member


def test_update_member__admit_suspend_reinstate_revoke__standing_follows(
    registry, pool, registrar, merchant, unit
):
    registry.admit(merchant, 2_500, 700 * unit, LICENSE, 3, sender=registrar)
    assert pool.standing_of(merchant) == Standing.MERCHANT | Standing.ACTIVE
    terms = pool.merchant_terms(merchant)
    assert (terms.contribution_bps, terms.daily_cap, terms.epoch, terms.epoch_contribution) == (
        2_500,
        700 * unit,
        0,
        0,
    )
    registry.suspend(merchant, "audit", sender=registrar)
    assert pool.standing_of(merchant) == Standing.MERCHANT
    registry.reinstate(merchant, sender=registrar)
    assert pool.standing_of(merchant) == Standing.MERCHANT | Standing.ACTIVE
    registry.revoke(merchant, "fraud", sender=registrar)
    assert pool.standing_of(merchant) == Standing.MERCHANT
    assert pool.merchant_terms(merchant).contribution_bps == 2_500  # the terms stay on record


def test_update_member__charity_registered_then_removed__standing_follows(registry, pool, registrar, charity):
    registry.register_charity(charity, LICENSE, sender=registrar)
    assert pool.standing_of(charity) == Standing.CHARITY | Standing.ACTIVE
    registry.remove_charity(charity, "closed", sender=registrar)
    assert pool.standing_of(charity) == Standing.CHARITY
    assert pool.merchant_terms(charity).daily_cap == 0  # a charity has no terms


def test_update_member__terms_changed_midday__running_total_kept(
    registry, live, pool, buy, registrar, merchant, consumer, unit
):
    buy(merchant, consumer, 1_000)
    before = pool.merchant_terms(merchant)
    registry.update_terms(merchant, 1_000, 500 * unit, sender=registrar)
    after = pool.merchant_terms(merchant)
    assert (after.contribution_bps, after.daily_cap) == (1_000, 500 * unit)
    assert before.epoch_contribution == 300 * unit
    assert (after.epoch, after.epoch_contribution) == (before.epoch, before.epoch_contribution)


def test_update_member__called_by_anyone_but_the_registry__refused(pool, attacker, merchant):
    with ape.reverts("pool: caller is not the registry"):
        pool.update_member(attacker, int(Standing.MERCHANT | Standing.ACTIVE), 5_000, 10**30, sender=attacker)
    with ape.reverts("pool: caller is not the registry"):
        pool.update_member(merchant, int(Standing.MERCHANT | Standing.ACTIVE), 5_000, 10**30, sender=merchant)
    assert pool.standing_of(attacker) == 0


# ---------------------------------------------------------------- set_config


def test_set_config__pause_through_registry__pool_stops_purchases(
    registry, live, pool, guardian, merchant, consumer, unit
):
    registry.pause(sender=guardian)
    assert pool.paused() and registry.paused()
    with ape.reverts("pausable: contract is paused"):
        pool.record_purchase(consumer, 10 * unit, order("p"), GREEN, sender=merchant)


def test_set_config__rule_change__pool_issues_at_the_new_rate(
    registry, system, live, pool, merchant, consumer, unit
):
    governance.change_rule(system, "issue_bps", 5_000)
    assert registry.issue_bps() == 5_000
    tx = pool.record_purchase(consumer, 1_000 * unit, order("new-rate"), GREEN, sender=merchant)
    assert tx.events.filter(pool.PurchaseRecorded)[0].points == 150 * POINT  # 50% of 300 at par


def test_set_config__pause_on_a_new_day__pool_snapshots_the_epoch_first(
    registry, live, pool, buy, guardian, merchant, consumer, chain, unit
):
    buy(merchant, consumer, 1_000)
    day = registry.epoch_length()
    chain.pending_timestamp = (chain.pending_timestamp // day + 1) * day + 10
    tx = registry.pause(sender=guardian)
    assert tx.events.filter(pool.EpochStarted) == [
        pool.EpochStarted(epoch=chain.blocks.head.timestamp // day, start_assets=300 * unit)
    ]
    assert pool.current_epoch() == chain.blocks.head.timestamp // day


def test_set_config__called_by_anyone_but_the_registry__refused(pool, attacker, guardian):
    for caller in (attacker, guardian):
        with ape.reverts("pool: caller is not the registry"):
            pool.set_config(0, sender=caller)
    assert pool.is_shutdown() is False and pool.paused() is False


# ---------------------------------------------------------------- bounds of the packed storage


def test_admit__daily_cap_over_100_bits__refused(registry, registrar, merchant):
    with ape.reverts("registry: daily cap too large"):
        registry.admit(merchant, 3_000, MAX_DAILY_CAP + 1, LICENSE, 1, sender=registrar)
    registry.admit(merchant, 3_000, MAX_DAILY_CAP, LICENSE, 1, sender=registrar)
    assert registry.merchants(merchant).daily_cap == MAX_DAILY_CAP


def test_admit__consumer_who_spent_all_points__refused_it_was_issued_points(
    registry, live, pool, buy, registrar, merchant, consumer
):
    buy(merchant, consumer, 100)
    pool.spend(merchant, pool.balanceOf(consumer), order("all"), sender=consumer)
    assert pool.balanceOf(consumer) == 0
    with ape.reverts("registry: address was issued points"):
        registry.admit(consumer, 3_000, 10**24, LICENSE, 1, sender=registrar)
    with ape.reverts("registry: address was issued points"):
        registry.register_charity(consumer, LICENSE, sender=registrar)


def test_record_purchase__points_over_128_bits_at_six_decimals__refused_by_the_points_bound(
    admit, pool, merchant, consumer, decimals
):
    """On 6 decimals a point is worth 10**-12 of a base unit at par, so an issued value over
    2**128 / 10**12 (about 3.4 x 10**26 base units, more than the 88 bits of a lifetime's issued
    value) gives more than 2**128 points: the points bound refuses it first, naming the amount."""
    if decimals == 18:
        pytest.skip("on 18 decimals a point is a base unit at par: points never pass the amount's 2**128")
    admit(merchant, contribution_bps=3_000, daily_cap=MAX_DAILY_CAP, fund=0)
    issued = 2**128 // 10**12 + 1  # base units
    amount = issued * 10_000 // 2_100 + 10_000  # 30% contribution, 70% of it issued
    assert amount < 2**128 and issued > MAX_EARNED
    with ape.reverts("pool: amount too large"):
        pool.record_purchase(consumer, amount, order("huge"), GREEN, sender=merchant)
    assert pool.earned_of(consumer) == pool.totalSupply() == 0


def test_record_purchase__lifetime_issued_value_over_88_bits__refused(admit, pool, merchant, consumer):
    """A consumer's basis and lifetime issued value take 88 bits of its slot (its carbon takes the
    36 above them); at either decimals the bound is met before the 2**128 bound on points."""
    admit(merchant, contribution_bps=3_000, daily_cap=MAX_DAILY_CAP, fund=0)
    amount = (MAX_EARNED + 1) * 10_000 // 2_100 + 10_000  # 30% contribution, 70% of it issued
    with ape.reverts("ledger: issued value too large"):
        pool.record_purchase(consumer, amount, order("huge"), GREEN, sender=merchant)
    assert pool.earned_of(consumer) == 0

"""The lens's previews (contracts/Lens.vy): each equals what its action then records, and refuses with
the action's reason, for each reason it can give."""

import ape
import pytest

from greenpoints import governance
from greenpoints.statuses import Standing
from tests.chain_states import built_once
from tests.conftest import ACTION_CLASS, GREEN, LICENSE, order

POINT = 10**18
UNCERTIFIED = 999
"""A class id the sample catalog never certified."""


def _action_id(n) -> bytes:
    return order(f"action-{n}")


@pytest.fixture
@built_once
def sponsoring(live, admit_sponsor, sponsor):
    """The live system with a sponsor paying 1 whole asset unit per kg of CO2e."""
    admit_sponsor(sponsor)
    return live


@pytest.fixture
@built_once
def grown(live, pool, merchant, consumer, other_consumer, unit):
    """consumer bought first; a large later purchase by other_consumer raised the value per point, so
    consumer's holding is worth over 2x its basis (tests/unit/value_pool/test_exit.py)."""
    pool.record_purchase(consumer, 1_000 * unit, order(1), GREEN, sender=merchant)
    pool.record_purchase(other_consumer, 1_000_000 * unit, order(2), GREEN, sender=merchant)
    return live


# ---------------------------------------------------------------- the lens itself


def test_lens__deployed__names_its_pool_and_registry(system, lens):
    assert lens.pool() == system.pool.address
    assert lens.registry() == system.registry.address


def test_lens__not_a_contract__reverts(deployer, stranger, project):
    with ape.reverts("lens: pool is not a contract"):
        project.Lens.deploy(stranger, sender=deployer)


# ---------------------------------------------------------------- preview_purchase


@pytest.mark.parametrize("units", [1_000, 7], ids=["at_par", "after_growth"])
def test_preview_purchase__active_merchant__equals_the_recorded_purchase(
    live, pool, lens, merchant, consumer, other_consumer, unit, units
):
    if units == 7:
        pool.record_purchase(other_consumer, 1_000 * unit, order("first"), GREEN, sender=merchant)
    preview = tuple(lens.preview_purchase(merchant, units * unit, GREEN))
    tx = pool.record_purchase(consumer, units * unit, order(1), GREEN, sender=merchant)
    event = tx.events.filter(pool.PurchaseRecorded)[0]
    assert preview == (event.contribution, event.points, event.co2e)


def test_preview_purchase__points_per_asset_not_a_whole_ratio__equals_the_recorded_purchase(
    live, pool, lens, merchant, consumer, other_consumer, decimals
):
    """The points a purchase buys rounded down where the pool's points per asset unit are not a
    whole number: 10 base units paid 3 in and issued 2 base units' worth, so a later issuance of 2
    base units buys 4/3 of their par points."""
    par = 10 ** (18 - decimals)
    pool.record_purchase(other_consumer, 10, order("first"), GREEN, sender=merchant)
    assert (pool.totalSupply(), pool.total_assets()) == (2 * par, 3)
    preview = tuple(lens.preview_purchase(merchant, 11, GREEN))  # 3 paid in, 2 issued
    tx = pool.record_purchase(consumer, 11, order(1), GREEN, sender=merchant)
    event = tx.events.filter(pool.PurchaseRecorded)[0]
    assert preview == (event.contribution, event.points, event.co2e)
    assert event.points == 2 * 2 * par // 3


def test_preview_purchase__paused__reverts(
    live, registry, pool, lens, guardian, merchant, consumer, unit, refused_alike
):
    registry.pause(sender=guardian)
    refused_alike(
        "pausable: contract is paused",
        lambda: lens.preview_purchase(merchant, unit, GREEN),
        lambda: pool.record_purchase(consumer, unit, order(1), GREEN, sender=merchant),
    )


def test_preview_purchase__shut_down__reverts(
    live, system, pool, lens, merchant, consumer, unit, refused_alike
):
    governance.shutdown(system)
    refused_alike(
        "pool: shut down",
        lambda: lens.preview_purchase(merchant, unit, GREEN),
        lambda: pool.record_purchase(consumer, unit, order(1), GREEN, sender=merchant),
    )


@pytest.mark.parametrize("who", ["stranger", "suspended", "sponsor"])
def test_preview_purchase__not_an_active_merchant__reverts(
    sponsoring,
    registry,
    pool,
    lens,
    registrar,
    merchant,
    sponsor,
    stranger,
    consumer,
    unit,
    refused_alike,
    who,
):
    caller = {"stranger": stranger, "suspended": merchant, "sponsor": sponsor}[who]
    if who == "suspended":
        registry.suspend(merchant, "inspection", sender=registrar)
    refused_alike(
        "registry: caller not an active merchant",
        lambda: lens.preview_purchase(caller, unit, GREEN),
        lambda: pool.record_purchase(consumer, unit, order(1), GREEN, sender=caller),
    )


@pytest.mark.parametrize(
    "amount, class_id, reason",
    [
        (0, GREEN, "pool: amount is zero"),
        (2**128, GREEN, "pool: amount too large"),
        (10**6, UNCERTIFIED, "catalog: class not certified"),
        (10**6, ACTION_CLASS, "catalog: not a product class"),
        (1, GREEN, "pool: purchase issues no points"),
    ],
    ids=["amount_zero", "amount_too_large", "class_not_certified", "action_class", "no_points"],
)
def test_preview_purchase__bad_purchase__reverts_with_the_purchase_reason(
    live, pool, lens, merchant, consumer, refused_alike, amount, class_id, reason
):
    refused_alike(
        reason,
        lambda: lens.preview_purchase(merchant, amount, class_id),
        lambda: pool.record_purchase(consumer, amount, order(1), class_id, sender=merchant),
    )


def test_preview_purchase__over_daily_cap__reverts(
    system, admit, pool, lens, merchant, consumer, unit, refused_alike
):
    admit(merchant, daily_cap=300 * unit)  # 30% of 1,000 fills the day
    pool.record_purchase(consumer, 1_000 * unit, order(1), GREEN, sender=merchant)
    refused_alike(
        "registry: daily cap exceeded",
        lambda: lens.preview_purchase(merchant, 10 * unit, GREEN),
        lambda: pool.record_purchase(consumer, 10 * unit, order(2), GREEN, sender=merchant),
    )


def test_preview_purchase__new_epoch_not_synced__daily_total_restarts(
    system, admit, pool, lens, merchant, consumer, unit, next_epoch
):
    admit(merchant, daily_cap=300 * unit)
    pool.record_purchase(consumer, 1_000 * unit, order(1), GREEN, sender=merchant)
    next_epoch()  # no operation has synced the new epoch: the merchant's terms still show the old day
    assert pool.merchant_terms(merchant).epoch_contribution == 300 * unit
    preview = tuple(lens.preview_purchase(merchant, 1_000 * unit, GREEN))
    tx = pool.record_purchase(consumer, 1_000 * unit, order(2), GREEN, sender=merchant)
    event = tx.events.filter(pool.PurchaseRecorded)[0]
    assert preview == (event.contribution, event.points, event.co2e) == (300 * unit, event.points, 300_000)


# ---------------------------------------------------------------- preview_action


def test_preview_action__active_sponsor__equals_the_recorded_action(
    sponsoring, pool, lens, merchant, sponsor, consumer, other_consumer, unit
):
    pool.record_purchase(other_consumer, 1_000 * unit, order(1), GREEN, sender=merchant)
    preview = tuple(lens.preview_action(sponsor, ACTION_CLASS, 12))
    tx = pool.record_action(consumer, ACTION_CLASS, 12, _action_id(1), sender=sponsor)
    event = tx.events.filter(pool.ActionRecorded)[0]
    assert preview == (event.contribution, event.points, event.co2e) and event.co2e == 1_800


def test_preview_action__paused__reverts(
    sponsoring, registry, pool, lens, guardian, sponsor, consumer, refused_alike
):
    registry.pause(sender=guardian)
    refused_alike(
        "pausable: contract is paused",
        lambda: lens.preview_action(sponsor, ACTION_CLASS, 1),
        lambda: pool.record_action(consumer, ACTION_CLASS, 1, _action_id(1), sender=sponsor),
    )


def test_preview_action__shut_down__reverts(sponsoring, system, pool, lens, sponsor, consumer, refused_alike):
    governance.shutdown(system)
    refused_alike(
        "pool: shut down",
        lambda: lens.preview_action(sponsor, ACTION_CLASS, 1),
        lambda: pool.record_action(consumer, ACTION_CLASS, 1, _action_id(1), sender=sponsor),
    )


def test_preview_action__merchant_not_sponsor__reverts(
    sponsoring, pool, lens, merchant, consumer, refused_alike
):
    refused_alike(
        "registry: sponsor not active",
        lambda: lens.preview_action(merchant, ACTION_CLASS, 1),
        lambda: pool.record_action(consumer, ACTION_CLASS, 1, _action_id(1), sender=merchant),
    )


@pytest.mark.parametrize(
    "quantity, class_id, reason",
    [
        (0, ACTION_CLASS, "pool: quantity is zero"),
        (2**128, ACTION_CLASS, "pool: quantity too large"),
        (1, UNCERTIFIED, "catalog: class not certified"),
        (1, GREEN, "catalog: not an action class"),
        (2**36 // 150 + 1, ACTION_CLASS, "ledger: carbon too large"),
    ],
    ids=["quantity_zero", "quantity_too_large", "class_not_certified", "product_class", "carbon_too_large"],
)
def test_preview_action__bad_action__reverts_with_the_action_reason(
    sponsoring, pool, lens, sponsor, consumer, refused_alike, quantity, class_id, reason
):
    refused_alike(
        reason,
        lambda: lens.preview_action(sponsor, class_id, quantity),
        lambda: pool.record_action(consumer, class_id, quantity, _action_id(1), sender=sponsor),
    )


def test_preview_action__reward_rounds_to_nothing__reverts(
    live, registry, pool, lens, registrar, sponsor, consumer, refused_alike, unit
):
    registry.admit_sponsor(sponsor, 1, unit, LICENSE, sender=registrar)  # 1 base unit per kg
    refused_alike(
        "pool: action issues no points",
        lambda: lens.preview_action(sponsor, ACTION_CLASS, 1),  # 150 g: 0 base units
        lambda: pool.record_action(consumer, ACTION_CLASS, 1, _action_id(1), sender=sponsor),
    )


def test_preview_action__over_daily_cap__reverts(
    live, admit_sponsor, pool, lens, sponsor, consumer, refused_alike, unit
):
    admit_sponsor(sponsor, daily_cap=unit)  # one kg a day
    refused_alike(
        "registry: sponsor daily cap exceeded",
        lambda: lens.preview_action(sponsor, ACTION_CLASS, 7),  # 1,050 g
        lambda: pool.record_action(consumer, ACTION_CLASS, 7, _action_id(1), sender=sponsor),
    )


# ---------------------------------------------------------------- preview_exit


def test_preview_exit__all_conditions_met__equals_the_exit(grown, pool, lens, consumer, lock_over):
    lock_over()
    preview = tuple(lens.preview_exit(consumer, 210 * POINT))
    tx = pool.exit(210 * POINT, sender=consumer)
    event = tx.events.filter(pool.PointsExited)[0]
    assert preview == (event.payout, event.retained)


def test_preview_exit__new_epoch_not_synced__uses_the_new_snapshot(
    grown, system, pool, lens, consumer, next_epoch
):
    governance.change_rule(system, "epoch_exit_limit_bps", 10)  # 0.1% of the pool per epoch
    governance.change_rule(system, "lock_period", 3_600)
    pool.exit(pool.max_exit(consumer), sender=consumer)  # the epoch's budget is spent
    with ape.reverts("exit_rule: epoch exit limit reached"):
        lens.preview_exit(consumer, POINT)
    next_epoch()  # a new epoch, not yet snapshotted: the pool's epoch figures are the old ones
    assert pool.epoch_exited() > 0
    preview = tuple(lens.preview_exit(consumer, POINT))
    tx = pool.exit(POINT, sender=consumer)
    event = tx.events.filter(pool.PointsExited)[0]
    assert tx.events.filter(pool.EpochStarted)
    assert preview == (event.payout, event.retained)


@pytest.mark.parametrize("holder", ["consumer", "other_merchant"])
def test_preview_exit__shut_down__full_value_nothing_retained(
    grown, system, pool, lens, consumer, other_merchant, holder
):
    pool.spend(other_merchant, 10 * POINT, b"\x00" * 32, sender=consumer)
    governance.shutdown(system)
    account = {"consumer": consumer, "other_merchant": other_merchant}[holder]
    points = pool.balanceOf(account)
    payout, retained = lens.preview_exit(account, points)
    assert (payout, retained) == (pool.convert_to_assets(points), 0)
    tx = pool.exit(points, sender=account)
    assert tx.events.filter(pool.PointsExited)[0].payout == payout


def test_preview_exit__points_zero__reverts(grown, pool, lens, consumer, refused_alike):
    refused_alike(
        "exit_rule: points is zero",
        lambda: lens.preview_exit(consumer, 0),
        lambda: pool.exit(0, sender=consumer),
    )


def test_preview_exit__over_balance__reverts(grown, pool, lens, consumer, refused_alike):
    refused_alike(
        "exit_rule: amount exceeds balance",
        lambda: lens.preview_exit(consumer, 211 * POINT),
        lambda: pool.exit(211 * POINT, sender=consumer),
    )


def test_preview_exit__merchant__reverts_settle_instead(
    grown, pool, lens, other_merchant, consumer, lock_over, refused_alike
):
    pool.spend(other_merchant, POINT, b"\x00" * 32, sender=consumer)
    lock_over()
    refused_alike(
        "exit_rule: merchants and charities settle instead",
        lambda: lens.preview_exit(other_merchant, POINT),
        lambda: pool.exit(POINT, sender=other_merchant),
    )


def test_preview_exit__not_triggered__reverts(grown, pool, lens, other_consumer, lock_over, refused_alike):
    lock_over()
    refused_alike(
        "exit_rule: holding not worth the exit trigger",
        lambda: lens.preview_exit(other_consumer, POINT),
        lambda: pool.exit(POINT, sender=other_consumer),
    )


def test_preview_exit__inside_lock__reverts(grown, pool, lens, consumer, refused_alike):
    refused_alike(
        "exit_rule: points still locked",
        lambda: lens.preview_exit(consumer, POINT),
        lambda: pool.exit(POINT, sender=consumer),
    )


def test_preview_exit__over_return_cap__reverts(grown, system, pool, lens, consumer, refused_alike):
    governance.change_rule(system, "return_cap_bps", 10_000)
    governance.change_rule(system, "lock_period", 3_600)
    refused_alike(
        "exit_rule: return cap reached",
        lambda: lens.preview_exit(consumer, 210 * POINT),
        lambda: pool.exit(210 * POINT, sender=consumer),
    )


def test_preview_exit__over_epoch_limit__reverts(
    grown, system, pool, lens, consumer, next_epoch, refused_alike
):
    governance.change_rule(system, "epoch_exit_limit_bps", 10)
    governance.change_rule(system, "lock_period", 3_600)
    next_epoch()
    refused_alike(
        "exit_rule: epoch exit limit reached",
        lambda: lens.preview_exit(consumer, 210 * POINT),
        lambda: pool.exit(210 * POINT, sender=consumer),
    )


def test_preview_exit__one_wei_point_on_six_decimals__reverts_pays_nothing(
    grown, pool, lens, consumer, decimals, lock_over, refused_alike
):
    if decimals != 6:
        pytest.skip("on 18 decimals a wei-point pays 1 wei")
    lock_over()
    refused_alike(
        "exit_rule: exit pays nothing",
        lambda: lens.preview_exit(consumer, 1),
        lambda: pool.exit(1, sender=consumer),
    )


# ---------------------------------------------------------------- preview_settle


@pytest.mark.parametrize("payee", ["other_merchant", "charity"])
def test_preview_settle__merchant_or_charity__equals_the_settlement(
    grown, registry, pool, lens, registrar, consumer, other_merchant, charity, payee
):
    account = {"other_merchant": other_merchant, "charity": charity}[payee]
    if payee == "charity":
        pool.donate(charity, 100 * POINT, sender=consumer)
        registry.remove_charity(charity, "closed", sender=registrar)  # still paid what it holds
    else:
        pool.spend(other_merchant, 100 * POINT, b"\x00" * 32, sender=consumer)
    preview = tuple(lens.preview_settle(account, 100 * POINT))
    tx = pool.settle(100 * POINT, sender=account)
    event = tx.events.filter(pool.PointsSettled)[0]
    assert preview == (event.assets, event.fee)


@pytest.mark.parametrize("who", ["consumer", "sponsor"])
def test_preview_settle__not_merchant_or_charity__reverts(
    grown, admit_sponsor, pool, lens, consumer, sponsor, refused_alike, who
):
    admit_sponsor(sponsor)
    account = {"consumer": consumer, "sponsor": sponsor}[who]
    assert Standing(pool.standing_of(account)) & (Standing.MERCHANT | Standing.CHARITY) == 0
    refused_alike(
        "pool: only merchants and charities settle",
        lambda: lens.preview_settle(account, POINT),
        lambda: pool.settle(POINT, sender=account),
    )


@pytest.mark.parametrize(
    "points, reason",
    [(0, "pool: points is zero"), (11 * POINT, "pool: amount exceeds balance")],
    ids=["points_zero", "over_balance"],
)
def test_preview_settle__bad_points__reverts(
    grown, pool, lens, consumer, other_merchant, refused_alike, points, reason
):
    pool.spend(other_merchant, 10 * POINT, b"\x00" * 32, sender=consumer)
    refused_alike(
        reason,
        lambda: lens.preview_settle(other_merchant, points),
        lambda: pool.settle(points, sender=other_merchant),
    )


def test_preview_settle__one_wei_point_on_six_decimals__reverts_pays_nothing(
    grown, pool, lens, consumer, other_merchant, decimals, refused_alike
):
    if decimals != 6:
        pytest.skip("on 18 decimals a wei-point pays 1 wei")
    pool.spend(other_merchant, 10 * POINT, b"\x00" * 32, sender=consumer)
    refused_alike(
        "pool: settlement pays nothing",
        lambda: lens.preview_settle(other_merchant, 1),
        lambda: pool.settle(1, sender=other_merchant),
    )


def test_preview_settle__only_point_in_the_pool_worth_two_wei__equals_the_settlement(
    live, pool, lens, merchant, consumer, charity, decimals
):
    """The value of points while exactly one wei-point exists (the conversion's `supply == 0`
    branch is for no points at all, not for one)."""
    if decimals != 18:
        pytest.skip("on 6 decimals a wei-point is 10**-12 of the smallest unit: no purchase issues one")
    pool.record_purchase(consumer, 7, order("tiny"), GREEN, sender=merchant)  # 30%: 2 wei paid in, 1 issued
    assert (pool.totalSupply(), pool.total_assets()) == (1, 2)
    pool.donate(charity, 1, sender=consumer)
    preview = tuple(lens.preview_settle(charity, 1))
    tx = pool.settle(1, sender=charity)
    event = tx.events.filter(pool.PointsSettled)[0]
    assert preview == (event.assets, event.fee)
    assert event.assets + event.fee == 2  # the wei-point is worth both wei

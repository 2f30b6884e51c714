"""The green scope (SPEC 8): the catalog, purchases that name their class, sponsors and their green
actions, the carbon ledger."""

import ape
import pytest
from eth_utils import keccak

from greenpoints import governance
from greenpoints.model import MAX_CARBON, MAX_DAILY_CAP, MAX_FACTOR, Purchase, order_word
from greenpoints.model import pool_math as pm
from greenpoints.statuses import MerchantStatus, Standing
from tests.chain_states import built_once
from tests.conftest import ACTION_CLASS, ACTION_FACTOR, GREEN, GREEN_FACTOR, LICENSE, order

STANDARD = keccak(text="a green standard")
NEW_CLASS = 7


def action(n):
    return keccak(text=f"action-{n}")


@pytest.fixture
@built_once
def sponsored(live, admit_sponsor, sponsor):
    """The live system with a sponsor paying 1 whole asset unit per kg of CO2e."""
    admit_sponsor(sponsor)
    return live


# ---------------------------------------------------------------- the catalog


def test_certify_class__new_class__certified_and_logged(registry, pool, certifier):
    tx = registry.certify_class(NEW_CLASS, 1, 120, STANDARD, "LED lamps", sender=certifier)
    assert registry.green_class(NEW_CLASS) == (1, True, 120, STANDARD)
    assert registry.is_certified(NEW_CLASS)
    [event] = tx.decode_logs(registry.ClassCertified)
    assert (event.class_id, event.kind, event.old_co2e_per_unit, event.co2e_per_unit) == (
        NEW_CLASS,
        1,
        0,
        120,
    )
    assert (event.standard_hash, event.label) == (STANDARD, "LED lamps")


def test_certify_class__again__new_factor_logged_with_old(registry, certifier):
    tx = registry.certify_class(GREEN, 1, 250, STANDARD, "appliances, revised", sender=certifier)
    [event] = tx.decode_logs(registry.ClassCertified)
    assert (event.old_co2e_per_unit, event.co2e_per_unit) == (GREEN_FACTOR, 250)
    assert registry.green_class(GREEN) == (1, True, 250, STANDARD)


def test_certify_class__not_the_certifier__refused(registry, registrar, attacker):
    for who in (registrar, attacker):
        with ape.reverts("access_control: account is missing role"):
            registry.certify_class(NEW_CLASS, 1, 120, STANDARD, "x", sender=who)
    assert not registry.is_certified(NEW_CLASS)


@pytest.mark.parametrize(
    "class_id, kind, factor, standard, reason",
    [
        (0, 1, 120, STANDARD, "registry: class id is zero"),
        (NEW_CLASS, 0, 120, STANDARD, "registry: unknown class kind"),
        (NEW_CLASS, 3, 120, STANDARD, "registry: unknown class kind"),
        (NEW_CLASS, 1, MAX_FACTOR + 1, STANDARD, "registry: factor too large"),
        (NEW_CLASS, 1, 120, b"\x00" * 32, "registry: standard hash is empty"),
        (GREEN, 2, 120, STANDARD, "registry: class kind cannot change"),
    ],
)
def test_certify_class__bad_input__refused(registry, certifier, class_id, kind, factor, standard, reason):
    with ape.reverts(reason):
        registry.certify_class(class_id, kind, factor, standard, "x", sender=certifier)


def test_certify_class__largest_factor__accepted(registry, certifier):
    registry.certify_class(NEW_CLASS, 2, MAX_FACTOR, STANDARD, "x", sender=certifier)
    assert registry.green_class(NEW_CLASS)[2] == MAX_FACTOR


def test_withdraw_class__certified__purchases_refused_until_certified_again(
    registry, live, pool, buy, certifier, merchant, consumer
):
    tx = registry.withdraw_class(GREEN, "standard revoked", sender=certifier)
    [event] = tx.decode_logs(registry.ClassWithdrawn)
    assert (event.class_id, event.reason) == (GREEN, "standard revoked")
    assert not registry.is_certified(GREEN)
    assert registry.green_class(GREEN)[:3] == (1, False, GREEN_FACTOR)
    with ape.reverts("catalog: class not certified"):
        buy(merchant, consumer, 100)
    registry.certify_class(GREEN, 1, GREEN_FACTOR, STANDARD, "back", sender=certifier)
    buy(merchant, consumer, 100)
    assert pool.balanceOf(consumer) > 0


def test_withdraw_class__not_certified_or_not_the_certifier__refused(registry, certifier, attacker):
    with ape.reverts("registry: class not certified"):
        registry.withdraw_class(NEW_CLASS, "never was", sender=certifier)
    with ape.reverts("access_control: account is missing role"):
        registry.withdraw_class(GREEN, "hostile", sender=attacker)
    assert registry.is_certified(GREEN)


def test_set_class__called_by_anyone_but_the_registry__refused(pool, attacker):
    with ape.reverts("pool: caller is not the registry"):
        pool.set_class(NEW_CLASS, 1 | (1 << 8) | (10**6 << 16), sender=attacker)


def test_certifier__rotated_by_the_governor__new_certifier_acts(registry, system, certifier, stranger):
    role = registry.CERTIFIER_ROLE()
    governance.wait_and_execute(system, governance.schedule(system, "grantRole", role, stranger.address))
    governance.wait_and_execute(system, governance.schedule(system, "revokeRole", role, certifier.address))
    registry.certify_class(NEW_CLASS, 1, 5, STANDARD, "x", sender=stranger)
    with ape.reverts("access_control: account is missing role"):
        registry.certify_class(NEW_CLASS, 1, 6, STANDARD, "x", sender=certifier)


# ---------------------------------------------------------------- purchases name their class


def test_record_purchase__product_class__co2e_booked(registry, live, pool, merchant, consumer, unit):
    amount = 1_000 * unit + 1  # 300 g per whole unit, rounded down
    tx = pool.record_purchase(consumer, amount, order(1), GREEN, sender=merchant)
    co2e = amount * GREEN_FACTOR // unit
    assert co2e == 300_000
    [event] = tx.decode_logs(pool.PurchaseRecorded)
    assert (event.class_id, event.co2e) == (GREEN, co2e)
    assert pool.carbon_of(consumer) == pool.total_carbon() == co2e
    # the order's word commits to the record with that co2e
    assert pool.order_word(merchant, order(1)) == order_word(
        Purchase.of(event, tx.timestamp), registry.issue_bps()
    )


@pytest.mark.parametrize(
    "class_id, reason",
    [
        (ACTION_CLASS, "catalog: not a product class"),
        (NEW_CLASS, "catalog: class not certified"),
        (0, "catalog: class not certified"),
    ],
)
def test_record_purchase__not_a_certified_product_class__refused(
    live, pool, merchant, consumer, unit, class_id, reason
):
    with ape.reverts(reason):
        pool.record_purchase(consumer, 100 * unit, order(1), class_id, sender=merchant)
    assert pool.total_carbon() == 0


def test_record_purchases__classes_per_purchase__co2e_summed(
    live, pool, registry, certifier, merchant, consumer, other_consumer, unit
):
    registry.certify_class(NEW_CLASS, 1, 1_000, STANDARD, "x", sender=certifier)
    pool.record_purchases(
        [consumer, other_consumer],
        [10 * unit, 20 * unit],
        [order(1), order(2)],
        [GREEN, NEW_CLASS],
        sender=merchant,
    )
    assert pool.carbon_of(consumer) == 10 * GREEN_FACTOR
    assert pool.carbon_of(other_consumer) == 20 * 1_000
    assert pool.total_carbon() == 10 * GREEN_FACTOR + 20_000


def test_record_purchases__one_class_withdrawn__all_refused(
    live, pool, registry, certifier, merchant, consumer, other_consumer, unit
):
    registry.certify_class(NEW_CLASS, 1, 1_000, STANDARD, "x", sender=certifier)
    registry.withdraw_class(NEW_CLASS, "x", sender=certifier)
    with ape.reverts("catalog: class not certified"):
        pool.record_purchases(
            [consumer, other_consumer],
            [unit, unit],
            [order(1), order(2)],
            [GREEN, NEW_CLASS],
            sender=merchant,
        )
    assert pool.balanceOf(consumer) == 0


def test_record_purchases__class_ids_length_differs__refused(live, pool, merchant, consumer, unit):
    with ape.reverts("pool: batch lengths differ"):
        pool.record_purchases([consumer], [unit], [order(1)], [GREEN, GREEN], sender=merchant)


def test_record_purchase__carbon_over_36_bits__refused(admit, pool, merchant, consumer, unit):
    admit(merchant, contribution_bps=100, daily_cap=MAX_DAILY_CAP, fund=0)
    amount = (MAX_CARBON // GREEN_FACTOR + 1) * unit
    with ape.reverts("ledger: carbon too large"):
        pool.record_purchase(consumer, amount, order(1), GREEN, sender=merchant)


def test_reverse_purchase__co2e_taken_back(live, pool, buy, merchant, consumer, other_consumer, record_of):
    buy(merchant, consumer, 100, order("kept"))
    buy(merchant, other_consumer, 100, order("undone"))
    tx = pool.reverse_purchase(order("undone"), record_of(merchant, order("undone")), sender=merchant)
    [event] = tx.decode_logs(pool.PurchaseReversed)
    assert event.co2e == 100 * GREEN_FACTOR
    assert pool.carbon_of(other_consumer) == 0
    assert pool.total_carbon() == pool.carbon_of(consumer) == 100 * GREEN_FACTOR


def test_carbon__spend_donate_settle_exit__does_not_move(live, pool, buy, merchant, charity, consumer):
    buy(merchant, consumer, 1_000)
    held = pool.balanceOf(consumer)
    pool.spend(merchant, held // 2, order("pay"), sender=consumer)
    pool.donate(charity, held // 4, sender=consumer)
    pool.settle(pool.balanceOf(merchant), sender=merchant)
    assert pool.carbon_of(consumer) == pool.total_carbon() == 1_000 * GREEN_FACTOR
    assert pool.carbon_of(merchant) == pool.carbon_of(charity) == 0


# ---------------------------------------------------------------- sponsors


def test_admit_sponsor__new__admitted_and_logged(registry, pool, registrar, sponsor, unit):
    tx = registry.admit_sponsor(sponsor, 2 * unit, 500 * unit, LICENSE, sender=registrar)
    [event] = tx.decode_logs(registry.SponsorAdmitted)
    assert (event.sponsor, event.reward_per_kg, event.daily_cap) == (sponsor.address, 2 * unit, 500 * unit)
    record = registry.sponsors(sponsor)
    assert (record.status, record.reward_per_kg, record.daily_cap) == (
        MerchantStatus.ACTIVE,
        2 * unit,
        500 * unit,
    )
    assert registry.is_sponsor(sponsor)
    assert not registry.is_active(sponsor) and not registry.is_merchant(sponsor)
    assert not registry.is_consumer(sponsor)
    assert pool.standing_of(sponsor) == Standing.SPONSOR | Standing.ACTIVE
    assert pool.reward_per_kg(sponsor) == 2 * unit


@pytest.mark.parametrize(
    "reward, cap, license_hash, reason",
    [
        (0, 1, LICENSE, "registry: reward is zero"),
        (MAX_DAILY_CAP + 1, 1, LICENSE, "registry: reward too large"),
        (1, 0, LICENSE, "registry: daily cap is zero"),
        (1, MAX_DAILY_CAP + 1, LICENSE, "registry: daily cap too large"),
        (1, 1, b"\x00" * 32, "registry: license hash is empty"),
    ],
)
def test_admit_sponsor__bad_terms__refused(registry, registrar, sponsor, reward, cap, license_hash, reason):
    with ape.reverts(reason):
        registry.admit_sponsor(sponsor, reward, cap, license_hash, sender=registrar)
    assert not registry.is_sponsor(sponsor)


def test_admit_sponsor__not_the_registrar__refused(registry, certifier, sponsor):
    with ape.reverts("access_control: account is missing role"):
        registry.admit_sponsor(sponsor, 1, 1, LICENSE, sender=certifier)


def test_admit_sponsor__address_already_something__refused(
    registry, live, pool, buy, registrar, sponsor, merchant, charity, consumer
):
    registry.admit_sponsor(sponsor, 1, 1, LICENSE, sender=registrar)
    buy(merchant, consumer, 10)
    cases = [
        ("0x0000000000000000000000000000000000000000", "registry: sponsor is the zero address"),
        (pool.address, "registry: sponsor is the pool"),
        (sponsor.address, "registry: sponsor already admitted"),
        (merchant.address, "registry: address is a merchant"),
        (charity.address, "registry: address is a charity"),
        (consumer.address, "registry: address holds points"),
    ]
    for who, reason in cases:
        with ape.reverts(reason):
            registry.admit_sponsor(who, 1, 1, LICENSE, sender=registrar)


def test_admit_and_register__address_is_a_sponsor__refused(registry, registrar, sponsor):
    registry.admit_sponsor(sponsor, 1, 1, LICENSE, sender=registrar)
    with ape.reverts("registry: address is a sponsor"):
        registry.admit(sponsor, 3_000, 1, LICENSE, 1, sender=registrar)
    with ape.reverts("registry: address is a sponsor"):
        registry.register_charity(sponsor, LICENSE, sender=registrar)
    with ape.reverts("registry: address is a sponsor"):
        registry.update_terms(sponsor, 3_000, 1, sender=registrar)


def test_sponsor__suspend_reinstate_revoke__with_the_merchants_functions(
    registry, sponsored, pool, registrar, sponsor, consumer
):
    registry.suspend(sponsor, "attested wrongly", sender=registrar)
    assert pool.standing_of(sponsor) == Standing.SPONSOR
    assert registry.sponsors(sponsor).status == MerchantStatus.SUSPENDED
    with ape.reverts("registry: sponsor not active"):
        pool.record_action(consumer, ACTION_CLASS, 10, action(1), sender=sponsor)
    registry.reinstate(sponsor, sender=registrar)
    pool.record_action(consumer, ACTION_CLASS, 10, action(1), sender=sponsor)
    registry.revoke(sponsor, "fraud", sender=registrar)
    assert registry.sponsors(sponsor).status == MerchantStatus.REVOKED
    assert registry.sponsors(sponsor).reward_per_kg > 0  # the terms stay on record
    with ape.reverts("registry: sponsor revoked for good"):
        registry.admit_sponsor(sponsor, 1, 1, LICENSE, sender=registrar)


def test_update_sponsor_terms__current_sponsor__logged_running_total_kept(
    registry, sponsored, pool, registrar, sponsor, consumer, unit
):
    pool.record_action(consumer, ACTION_CLASS, 10, action(1), sender=sponsor)
    used = registry.sponsors(sponsor).epoch_contribution
    tx = registry.update_sponsor_terms(sponsor, 3 * unit, 7 * unit, sender=registrar)
    [event] = tx.decode_logs(registry.SponsorTermsUpdated)
    assert (event.old_reward_per_kg, event.new_reward_per_kg) == (unit, 3 * unit)
    assert event.new_daily_cap == 7 * unit
    record = registry.sponsors(sponsor)
    assert (record.reward_per_kg, record.daily_cap, record.epoch_contribution) == (3 * unit, 7 * unit, used)


def test_update_sponsor_terms__not_a_current_sponsor__refused(
    registry, sponsored, registrar, sponsor, merchant
):
    with ape.reverts("registry: not a current sponsor"):
        registry.update_sponsor_terms(merchant, 1, 1, sender=registrar)
    registry.revoke(sponsor, "gone", sender=registrar)
    with ape.reverts("registry: not a current sponsor"):
        registry.update_sponsor_terms(sponsor, 1, 1, sender=registrar)


# ---------------------------------------------------------------- green actions


def test_record_action__active_sponsor__points_and_carbon(
    registry, sponsored, pool, asset, sponsor, consumer, decimals, unit
):
    before = asset.balanceOf(sponsor)
    tx = pool.record_action(consumer, ACTION_CLASS, 12, action(1), sender=sponsor)
    co2e = 12 * ACTION_FACTOR  # 1,800 g
    contribution = co2e * unit // 1_000  # 1 unit per kg
    issued = pm.issued_value_of(contribution, registry.issue_bps())
    points = pm.to_points(issued, 0, 0, decimals)
    [event] = tx.decode_logs(pool.ActionRecorded)
    assert (event.sponsor, event.consumer, event.class_id, event.action_id) == (
        sponsor.address,
        consumer.address,
        ACTION_CLASS,
        action(1),
    )
    assert (event.quantity, event.co2e, event.contribution, event.points) == (12, co2e, contribution, points)
    assert (event.total_assets, event.total_supply) == (contribution, points)
    assert pool.balanceOf(consumer) == points and pool.balanceOf(sponsor) == 0
    assert pool.carbon_of(consumer) == pool.total_carbon() == co2e
    assert pool.basis_of(consumer) == pool.earned_of(consumer) == issued
    assert before - asset.balanceOf(sponsor) == contribution
    assert pool.action_recorded(sponsor, action(1))
    assert registry.sponsors(sponsor).epoch_contribution == contribution


def test_record_action__same_action_id_twice__refused(sponsored, pool, sponsor, consumer, other_consumer):
    pool.record_action(consumer, ACTION_CLASS, 1, action(1), sender=sponsor)
    with ape.reverts("pool: action id already recorded"):
        pool.record_action(other_consumer, ACTION_CLASS, 1, action(1), sender=sponsor)


def test_record_action__over_the_daily_cap__refused(
    registry, sponsored, pool, registrar, sponsor, consumer, unit
):
    registry.update_sponsor_terms(sponsor, unit, 2 * unit, sender=registrar)  # 2 kg a day
    pool.record_action(consumer, ACTION_CLASS, 10, action(1), sender=sponsor)  # 1.5 kg
    with ape.reverts("registry: sponsor daily cap exceeded"):
        pool.record_action(consumer, ACTION_CLASS, 4, action(2), sender=sponsor)  # 0.6 kg more


# A sponsor's slot keeps a lower bound of its daily cap (9 significant bits, members.vy), the exact cap
# a slot of its own: 150,150 base units (18 bits) has the bound 293 << 9 = 150,016. A reward of 1,000
# base units per kg makes each action's contribution its grams: 150 per unit of the action class.
ODD_CAP = 150_150
ODD_CAP_HINT = (ODD_CAP >> 9) << 9


def test_record_action__cap_above_its_hint__exact_at_the_cap(
    registry, sponsored, pool, registrar, sponsor, consumer, other_consumer
):
    assert ODD_CAP_HINT == 150_016 < ODD_CAP
    registry.update_sponsor_terms(sponsor, 1_000, ODD_CAP, sender=registrar)
    pool.record_action(consumer, ACTION_CLASS, 1_000, action(1), sender=sponsor)  # 150,000: under the hint
    pool.record_action(other_consumer, ACTION_CLASS, 1, action(2), sender=sponsor)  # 150,150: the cap itself
    assert pool.merchant_terms(sponsor).epoch_contribution == ODD_CAP
    with ape.reverts("registry: sponsor daily cap exceeded"):
        pool.record_action(consumer, ACTION_CLASS, 1, action(3), sender=sponsor)  # 150,300


def test_record_action__cap_lowered_between_hint_and_total__refused(
    registry, sponsored, pool, registrar, sponsor, consumer
):
    registry.update_sponsor_terms(sponsor, 1_000, ODD_CAP, sender=registrar)
    pool.record_action(consumer, ACTION_CLASS, 1_000, action(1), sender=sponsor)  # 150,000
    registry.update_sponsor_terms(sponsor, 1_000, 150_100, sender=registrar)  # hint 150,016
    with ape.reverts("registry: sponsor daily cap exceeded"):
        pool.record_action(consumer, ACTION_CLASS, 1, action(2), sender=sponsor)  # 150,150


def test_reward_per_kg__a_merchant_and_a_consumer__zero(live, pool, buy, merchant, consumer):
    """A merchant's daily cap and a consumer's book sit where a sponsor's reward does in the slot."""
    buy(merchant, consumer, 100)
    assert pool.merchant_terms(merchant).daily_cap > 0 and pool.balanceOf(consumer) > 0
    assert (pool.reward_per_kg(merchant), pool.reward_per_kg(consumer)) == (0, 0)


@pytest.mark.parametrize("reward, cap", [(1, 1), (1_000, 511), (1_000, 512), (MAX_DAILY_CAP, MAX_DAILY_CAP)])
def test_update_sponsor_terms__extreme_terms__pool_reads_them_back_exactly(
    registry, sponsored, pool, registrar, sponsor, reward, cap
):
    registry.update_sponsor_terms(sponsor, reward, cap, sender=registrar)
    terms = pool.merchant_terms(sponsor)
    assert (pool.reward_per_kg(sponsor), terms.daily_cap, terms.contribution_bps) == (reward, cap, 0)


@pytest.mark.parametrize(
    "class_id, quantity, reason",
    [
        (GREEN, 1, "catalog: not an action class"),
        (NEW_CLASS, 1, "catalog: class not certified"),
        (ACTION_CLASS, 0, "pool: quantity is zero"),
        (ACTION_CLASS, 2**128, "pool: quantity too large"),
        (ACTION_CLASS, MAX_CARBON // ACTION_FACTOR + 1, "ledger: carbon too large"),
    ],
)
def test_record_action__bad_class_or_quantity__refused(
    sponsored, pool, sponsor, consumer, class_id, quantity, reason
):
    with ape.reverts(reason):
        pool.record_action(consumer, class_id, quantity, action(1), sender=sponsor)
    assert pool.total_carbon() == 0


def test_record_action__co2e_exactly_36_bits__booked_then_one_gram_more_refused(
    registry, sponsored, pool, certifier, registrar, sponsor, consumer
):
    """SPEC 8.3: an action's CO2e and a consumer's carbon may reach MAX_CARBON (2**36 - 1 g) and not
    pass it. 2**36 - 1 = 135 x 509,033,161: a class of 135 g per unit reaches it exactly. The second
    action (135 kg, 135 base units at 1 base unit per kg) would issue points, so only the carbon
    refuses it."""
    registry.certify_class(NEW_CLASS, 2, 135, STANDARD, "x", sender=certifier)
    registry.update_sponsor_terms(sponsor, 1, registry.sponsors(sponsor).daily_cap, sender=registrar)
    tx = pool.record_action(consumer, NEW_CLASS, MAX_CARBON // 135, action(1), sender=sponsor)
    [event] = tx.decode_logs(pool.ActionRecorded)
    assert MAX_CARBON % 135 == 0 and event.co2e == MAX_CARBON
    assert pool.carbon_of(consumer) == pool.total_carbon() == MAX_CARBON
    with ape.reverts("ledger: carbon too large"):
        pool.record_action(consumer, NEW_CLASS, 1_000, action(2), sender=sponsor)
    assert pool.carbon_of(consumer) == MAX_CARBON


def test_record_action__reward_with_a_fraction_of_a_base_unit__contribution_rounded_down(
    registry, sponsored, pool, asset, registrar, sponsor, consumer, unit
):
    """SPEC 8.3: 150 g at 1 unit and 1 base unit per kg is 0.15 units and 0.15 of a base unit; the
    sponsor pays the 0.15 units, the fraction of a base unit rounded down."""
    registry.update_sponsor_terms(sponsor, unit + 1, registry.sponsors(sponsor).daily_cap, sender=registrar)
    before = asset.balanceOf(sponsor)
    tx = pool.record_action(consumer, ACTION_CLASS, 1, action(1), sender=sponsor)
    [event] = tx.decode_logs(pool.ActionRecorded)
    assert event.co2e == ACTION_FACTOR
    assert (
        event.contribution == pm.action_contribution(ACTION_FACTOR, unit + 1) == ACTION_FACTOR * unit // 1_000
    )
    assert before - asset.balanceOf(sponsor) == event.contribution


def test_record_action__rewards_nothing__refused(registry, sponsored, pool, registrar, sponsor, consumer):
    registry.update_sponsor_terms(sponsor, 1, 10**6, sender=registrar)  # 1 base unit per kg
    with ape.reverts("pool: action issues no points"):
        pool.record_action(consumer, ACTION_CLASS, 1, action(1), sender=sponsor)  # 150 g: pays 0


def test_record_action__not_an_active_sponsor__refused(sponsored, pool, merchant, consumer, attacker):
    for who in (merchant, attacker):
        with ape.reverts("registry: sponsor not active"):
            pool.record_action(consumer, ACTION_CLASS, 1, action(1), sender=who)


def test_record_action__consumer_is_a_member__refused(sponsored, pool, sponsor, merchant, charity):
    cases = [
        ("0x0000000000000000000000000000000000000000", "pool: consumer is the zero address"),
        (pool.address, "pool: consumer is the pool"),
        (merchant.address, "pool: consumer is a merchant"),
        (charity.address, "pool: consumer is a charity"),
        (sponsor.address, "pool: consumer is a sponsor"),
    ]
    for who, reason in cases:
        with ape.reverts(reason):
            pool.record_action(who, ACTION_CLASS, 1, action(1), sender=sponsor)


def test_record_action__paused_or_shut_down__refused(
    registry, system, sponsored, pool, guardian, sponsor, consumer
):
    registry.pause(sender=guardian)
    with ape.reverts("pausable: contract is paused"):
        pool.record_action(consumer, ACTION_CLASS, 1, action(1), sender=sponsor)
    governance.unpause(system)
    governance.shutdown(system)
    with ape.reverts("pool: shut down"):
        pool.record_action(consumer, ACTION_CLASS, 1, action(1), sender=sponsor)


def test_record_purchase__consumer_is_a_sponsor__refused(sponsored, pool, merchant, sponsor, unit):
    with ape.reverts("pool: consumer is a sponsor"):
        pool.record_purchase(sponsor, 10 * unit, order(1), GREEN, sender=merchant)


def test_sponsor__holds_no_points__transfer_and_settle_refused(
    sponsored, pool, buy, merchant, sponsor, consumer
):
    buy(merchant, consumer, 100)
    with ape.reverts("pool: points go only to an active merchant or a registered charity"):
        pool.transfer(sponsor, 1, sender=consumer)
    with ape.reverts("pool: only merchants and charities settle"):
        pool.settle(1, sender=sponsor)


def test_record_action__issues_points__restarts_the_lock(sponsored, pool, sponsor, consumer, chain):
    tx = pool.record_action(consumer, ACTION_CLASS, 1, action(1), sender=sponsor)
    assert pool.last_issued_at(consumer) == chain.blocks[tx.block_number].timestamp

"""Points for no real green consumption (SPEC 8): the first abuse the schemes' guidance names. Each
attack is a test that fails if it works; every refusal names its rule and changes nothing."""

import ape
import pytest
from eth_utils import keccak

from greenpoints.model import MAX_CARBON
from tests.chain_states import built_once
from tests.conftest import ACTION_CLASS, GREEN, LICENSE, order

METRO = ACTION_CLASS


def action(n):
    return keccak(text=f"attack-action-{n}")


@pytest.fixture
@built_once
def sponsored(live, admit_sponsor, sponsor):
    admit_sponsor(sponsor)
    return live


def _figures(pool):
    return pool.total_assets(), pool.totalSupply(), pool.total_carbon()


def test_record_purchase__action_class_or_withdrawn_class__refused_nothing_issued(
    registry, live, pool, merchant, consumer, certifier, unit
):
    """A merchant rings up an ordinary sale as a metro ride, or as a class the certifier withdrew."""
    before = _figures(pool)
    with ape.reverts("catalog: not a product class"):
        pool.record_purchase(consumer, 100 * unit, order(1), METRO, sender=merchant)
    registry.withdraw_class(GREEN, "certification suspended", sender=certifier)
    with ape.reverts("catalog: class not certified"):
        pool.record_purchase(consumer, 100 * unit, order(2), GREEN, sender=merchant)
    with ape.reverts("catalog: class not certified"):
        pool.record_purchases([consumer], [100 * unit], [order(3)], [GREEN], sender=merchant)
    assert _figures(pool) == before


def test_record_action__merchant_or_stranger_attests__refused(sponsored, pool, merchant, attacker, consumer):
    """Only an admitted sponsor pays for actions: a merchant or anyone else cannot attest one."""
    before = _figures(pool)
    for who in (merchant, attacker):
        with ape.reverts("registry: sponsor not active"):
            pool.record_action(consumer, METRO, 10, action(1), sender=who)
    assert _figures(pool) == before


def test_record_action__sponsor_pays_itself__refused(sponsored, pool, sponsor, merchant, charity):
    """A sponsor cannot attest actions of its own address, a merchant's or a charity's."""
    for who, reason in (
        (sponsor, "pool: consumer is a sponsor"),
        (merchant, "pool: consumer is a merchant"),
        (charity, "pool: consumer is a charity"),
    ):
        with ape.reverts(reason):
            pool.record_action(who, METRO, 10, action(1), sender=sponsor)
    assert pool.balanceOf(sponsor) == 0


def test_record_action__attestation_replayed__refused_once_for_ever(
    sponsored, registry, pool, registrar, sponsor, consumer, other_consumer
):
    """The same attestation cannot be paid twice, to the same or another consumer, even after the
    sponsor is suspended and reinstated."""
    pool.record_action(consumer, METRO, 10, action(1), sender=sponsor)
    registry.suspend(sponsor, "review", sender=registrar)
    registry.reinstate(sponsor, sender=registrar)
    for who in (consumer, other_consumer):
        with ape.reverts("pool: action id already recorded"):
            pool.record_action(who, METRO, 10, action(1), sender=sponsor)


def test_record_action__many_small_actions__daily_cap_holds(
    sponsored, registry, pool, registrar, sponsor, consumer, unit
):
    """A sponsor (or a compromised sponsor key) splits issuance into many small actions: its daily
    cap bounds the day's total."""
    registry.update_sponsor_terms(sponsor, unit, 3 * unit, sender=registrar)  # 3 kg a day
    paid = 0
    for n in range(20):  # 1.5 kg each
        try:
            tx = pool.record_action(consumer, METRO, 10, action(n), sender=sponsor)
        except ape.exceptions.ContractLogicError as err:
            assert "registry: sponsor daily cap exceeded" in str(err)
            break
        paid += tx.decode_logs(pool.ActionRecorded)[0].contribution
    else:
        pytest.fail("twenty actions of 1.5 kg never reached a 3 kg daily cap")
    assert paid <= 3 * unit
    assert registry.sponsors(sponsor).epoch_contribution == paid


def test_record_action__overflowing_quantity__refused_with_a_reason(sponsored, pool, sponsor, consumer):
    """Quantities that would overflow the factor or the reward are refused by name, never a bare revert."""
    for quantity, reason in (
        (2**256 - 1, "pool: quantity too large"),
        (2**128, "pool: quantity too large"),
        (MAX_CARBON // 150 + 1, "ledger: carbon too large"),
    ):
        with ape.reverts(reason):
            pool.record_action(consumer, METRO, quantity, action(1), sender=sponsor)


def test_certify_class__huge_factor__carbon_grows_but_points_do_not(
    registry, live, pool, buy, certifier, merchant, consumer, other_consumer
):
    """A certifier that inflates a factor books more carbon (the monitor warns of it), but cannot
    issue a single point more: points come only from money paid into the pool."""
    buy(merchant, consumer, 100, order("honest"))
    honest = pool.balanceOf(consumer)
    registry.certify_class(GREEN, 1, 300_000, LICENSE, "inflated", sender=certifier)
    buy(merchant, other_consumer, 100, order("inflated"))
    assert pool.carbon_of(other_consumer) == 1_000 * pool.carbon_of(consumer)
    # the second purchase is priced at the value per point after the first: never more points
    assert pool.balanceOf(other_consumer) <= honest


def test_certifier__cannot_admit_pay_or_move(registry, live, pool, certifier, consumer, unit):
    """The certifier's role is the catalog only."""
    with ape.reverts("access_control: account is missing role"):
        registry.admit_sponsor(certifier, unit, unit, LICENSE, sender=certifier)
    with ape.reverts("registry: sponsor not active"):
        pool.record_action(consumer, METRO, 1, action(1), sender=certifier)
    with ape.reverts("pool: caller is not the registry"):
        pool.set_class(GREEN, 0, sender=certifier)

"""Merchant and charity registry (SPEC 4.2): every registrar function, positive and negative."""

import ape
import pytest
from eth_utils import keccak

from greenpoints.model import ZERO
from greenpoints.model.rules import DEFAULT_RULES
from greenpoints.statuses import MerchantStatus
from tests.conftest import GREEN, LICENSE, order

EMPTY = b"\x00" * 32
CAP = 10**24


# ---------------------------------------------------------------- admit


def test_admit__by_registrar__merchant_active_with_terms(registry, pool, registrar, merchant):
    tx = registry.admit(merchant, 3_000, CAP, LICENSE, 7, sender=registrar)
    assert tx.events == [
        registry.MerchantAdmitted(
            merchant=merchant,
            contribution_bps=3_000,
            daily_cap=CAP,
            license_hash=LICENSE,
            category=7,
            registrar=registrar,
        )
    ]
    assert registry.is_active(merchant)
    assert registry.is_merchant(merchant)
    assert not registry.is_consumer(merchant)
    terms = registry.merchants(merchant)
    assert (
        terms.status,
        terms.category,
        terms.contribution_bps,
        terms.daily_cap,
        terms.license_hash,
    ) == (
        1,
        7,
        3_000,
        CAP,
        LICENSE,
    )


def test_admit__by_stranger__reverts(registry, pool, stranger, merchant):
    with ape.reverts("access_control: account is missing role"):
        registry.admit(merchant, 3_000, CAP, LICENSE, 1, sender=stranger)


@pytest.mark.parametrize(
    "bps, cap, license_hash, reason",
    [
        (99, CAP, LICENSE, "registry: contribution below bounds"),
        (5_001, CAP, LICENSE, "registry: contribution above bounds"),
        (3_000, 0, LICENSE, "registry: daily cap is zero"),
        (3_000, CAP, EMPTY, "registry: license hash is empty"),
    ],
)
def test_admit__bad_terms__reverts(registry, pool, registrar, merchant, bps, cap, license_hash, reason):
    with ape.reverts(reason):
        registry.admit(merchant, bps, cap, license_hash, 1, sender=registrar)


@pytest.mark.parametrize(
    "bps", [DEFAULT_RULES.min_contribution_bps, DEFAULT_RULES.max_contribution_bps], ids=["min", "max"]
)
def test_admit__contribution_at_a_bound__admitted_then_updated_at_the_other(
    registry, pool, registrar, merchant, bps
):
    """SPEC 4.2, 4.6: the contribution bounds are inclusive, at admission and at an update."""
    registry.admit(merchant, bps, CAP, LICENSE, 1, sender=registrar)
    assert registry.merchants(merchant).contribution_bps == bps
    other = DEFAULT_RULES.min_contribution_bps + DEFAULT_RULES.max_contribution_bps - bps
    registry.update_terms(merchant, other, CAP, sender=registrar)
    assert registry.merchants(merchant).contribution_bps == other


def test_admit__daily_cap_of_one_base_unit__admitted_and_a_purchase_over_it_refused(
    registry, pool, asset, registrar, merchant, consumer, unit
):
    """The smallest daily cap, 1 base unit, is accepted and holds: a purchase contributing 2 base
    units (20 at 10%) is refused. (1 base unit at the 70% issue rate would issue no points.)"""
    registry.admit(merchant, 1_000, 1, LICENSE, 1, sender=registrar)
    assert registry.merchants(merchant).daily_cap == pool.merchant_terms(merchant).daily_cap == 1
    asset.mint(merchant, unit, sender=merchant)
    asset.approve(pool, 2**256 - 1, sender=merchant)
    with ape.reverts("registry: daily cap exceeded"):
        pool.record_purchase(consumer, 20, order(1), GREEN, sender=merchant)


def test_admit__zero_address__reverts(registry, pool, registrar):
    with ape.reverts("registry: merchant is the zero address"):
        registry.admit(ZERO, 3_000, CAP, LICENSE, 1, sender=registrar)


def test_admit__pool_itself__reverts(registry, pool, registrar):
    with ape.reverts("registry: merchant is the pool"):
        registry.admit(pool, 3_000, CAP, LICENSE, 1, sender=registrar)


def test_admit__twice__reverts(registry, live, pool, registrar, merchant):
    with ape.reverts("registry: merchant already admitted"):
        registry.admit(merchant, 3_000, CAP, LICENSE, 1, sender=registrar)


def test_admit__revoked_merchant__reverts(registry, live, pool, registrar, merchant):
    registry.revoke(merchant, "fraud", sender=registrar)
    with ape.reverts("registry: merchant revoked for good"):
        registry.admit(merchant, 3_000, CAP, LICENSE, 1, sender=registrar)


def test_admit__charity__reverts(registry, live, pool, registrar, charity):
    with ape.reverts("registry: address is a charity"):
        registry.admit(charity, 3_000, CAP, LICENSE, 1, sender=registrar)


def test_admit__consumer_holding_points__reverts(registry, live, pool, registrar, buy, merchant, consumer):
    buy(merchant, consumer, 100)
    with ape.reverts("registry: address holds points"):
        registry.admit(consumer, 3_000, CAP, LICENSE, 1, sender=registrar)


# ---------------------------------------------------------------- update_terms


def test_update_terms__by_registrar__terms_changed(registry, live, pool, registrar, merchant, unit):
    old_cap = registry.merchants(merchant).daily_cap
    tx = registry.update_terms(merchant, 2_000, 5 * unit, sender=registrar)
    assert tx.events == [
        registry.MerchantTermsUpdated(
            merchant=merchant,
            old_contribution_bps=3_000,
            new_contribution_bps=2_000,
            old_daily_cap=old_cap,
            new_daily_cap=5 * unit,
            registrar=registrar,
        )
    ]
    assert registry.merchants(merchant).contribution_bps == 2_000
    assert registry.merchants(merchant).daily_cap == 5 * unit


def test_update_terms__unknown_merchant__reverts(registry, pool, registrar, stranger):
    with ape.reverts("registry: not a current merchant"):
        registry.update_terms(stranger, 2_000, CAP, sender=registrar)


def test_update_terms__out_of_bounds__reverts(registry, live, pool, registrar, merchant):
    with ape.reverts("registry: contribution above bounds"):
        registry.update_terms(merchant, 9_000, CAP, sender=registrar)


def test_update_terms__by_stranger__reverts(registry, live, pool, stranger, merchant):
    with ape.reverts("access_control: account is missing role"):
        registry.update_terms(merchant, 2_000, CAP, sender=stranger)


# ---------------------------------------------------------------- suspend / reinstate / revoke


def test_suspend__active_merchant__not_active(registry, live, pool, registrar, merchant):
    tx = registry.suspend(merchant, "complaints", sender=registrar)
    assert tx.events == [
        registry.MerchantSuspended(merchant=merchant, reason="complaints", registrar=registrar)
    ]
    assert not registry.is_active(merchant)
    assert registry.is_merchant(merchant)


def test_suspend__not_active__reverts(registry, live, pool, registrar, merchant, stranger):
    with ape.reverts("registry: merchant not active"):
        registry.suspend(stranger, "x", sender=registrar)
    registry.suspend(merchant, "x", sender=registrar)
    with ape.reverts("registry: merchant not active"):
        registry.suspend(merchant, "again", sender=registrar)


def test_suspend__by_stranger__reverts(registry, live, pool, stranger, merchant):
    with ape.reverts("access_control: account is missing role"):
        registry.suspend(merchant, "x", sender=stranger)


def test_reinstate__suspended_merchant__active_again(registry, live, pool, registrar, merchant):
    registry.suspend(merchant, "x", sender=registrar)
    tx = registry.reinstate(merchant, sender=registrar)
    assert tx.events == [registry.MerchantReinstated(merchant=merchant, registrar=registrar)]
    assert registry.is_active(merchant)


def test_reinstate__active_merchant__reverts(registry, live, pool, registrar, merchant):
    with ape.reverts("registry: merchant not suspended"):
        registry.reinstate(merchant, sender=registrar)


def test_reinstate__by_stranger__reverts(registry, live, pool, registrar, stranger, merchant):
    registry.suspend(merchant, "x", sender=registrar)
    with ape.reverts("access_control: account is missing role"):
        registry.reinstate(merchant, sender=stranger)


def test_revoke__suspended_merchant__revoked_for_good(registry, live, pool, registrar, merchant):
    registry.suspend(merchant, "x", sender=registrar)
    tx = registry.revoke(merchant, "licence withdrawn", sender=registrar)
    assert tx.events == [
        registry.MerchantRevoked(merchant=merchant, reason="licence withdrawn", registrar=registrar)
    ]
    assert registry.merchants(merchant).status == MerchantStatus.REVOKED
    with ape.reverts("registry: merchant not suspended"):
        registry.reinstate(merchant, sender=registrar)


def test_revoke__unknown_or_revoked__reverts(registry, live, pool, registrar, merchant, stranger):
    with ape.reverts("registry: not a current merchant"):
        registry.revoke(stranger, "x", sender=registrar)
    registry.revoke(merchant, "x", sender=registrar)
    with ape.reverts("registry: not a current merchant"):
        registry.revoke(merchant, "x", sender=registrar)


def test_revoke__by_stranger__reverts(registry, live, pool, stranger, merchant):
    with ape.reverts("access_control: account is missing role"):
        registry.revoke(merchant, "x", sender=stranger)


# ---------------------------------------------------------------- charities


def test_register_charity__by_registrar__registered(registry, pool, registrar, charity):
    tx = registry.register_charity(charity, LICENSE, sender=registrar)
    assert tx.events == [
        registry.CharityRegistered(charity=charity, license_hash=LICENSE, registrar=registrar)
    ]
    assert registry.is_charity(charity)
    assert not registry.is_consumer(charity)


@pytest.mark.parametrize(
    "who, reason",
    [
        ("zero", "registry: charity is the zero address"),
        ("pool", "registry: charity is the pool"),
        ("merchant", "registry: address is a merchant"),
        ("charity", "registry: charity already registered"),
    ],
)
def test_register_charity__bad_address__reverts(
    registry, live, pool, registrar, merchant, charity, who, reason
):
    target = {"zero": ZERO, "pool": pool.address, "merchant": merchant, "charity": charity}[who]
    with ape.reverts(reason):
        registry.register_charity(target, LICENSE, sender=registrar)


def test_register_charity__empty_license__reverts(registry, pool, registrar, charity):
    with ape.reverts("registry: license hash is empty"):
        registry.register_charity(charity, EMPTY, sender=registrar)


def test_register_charity__consumer_holding_points__reverts(
    registry, live, pool, registrar, buy, merchant, consumer
):
    buy(merchant, consumer, 100)
    with ape.reverts("registry: address holds points"):
        registry.register_charity(consumer, LICENSE, sender=registrar)


def test_register_charity__by_stranger__reverts(registry, pool, stranger, charity):
    with ape.reverts("access_control: account is missing role"):
        registry.register_charity(charity, LICENSE, sender=stranger)


def test_remove_charity__registered__removed_then_registrable_again(registry, live, pool, registrar, charity):
    tx = registry.remove_charity(charity, "audit failed", sender=registrar)
    assert tx.events == [registry.CharityRemoved(charity=charity, reason="audit failed", registrar=registrar)]
    assert not registry.is_charity(charity)
    assert not registry.is_consumer(charity)
    new_license = keccak(text="renewed")
    registry.register_charity(charity, new_license, sender=registrar)
    assert registry.is_charity(charity)
    assert registry.charities(charity).license_hash == new_license


def test_remove_charity__not_registered__reverts(registry, pool, registrar, stranger):
    with ape.reverts("registry: charity not registered"):
        registry.remove_charity(stranger, "x", sender=registrar)


def test_remove_charity__by_stranger__reverts(registry, live, pool, stranger, charity):
    with ape.reverts("access_control: account is missing role"):
        registry.remove_charity(charity, "x", sender=stranger)


def test_registry__views__pool_and_registry_name_each_other(registry, pool, system):
    assert pool.registry() == registry.address == system.registry.address
    assert registry.pool() == pool.address == system.points.address
    assert registry.governor() == pool.governor() == system.governor.address
    assert pool.asset() == system.asset.address


# ---------------------------------------------------------------- who is who

# (is_sponsor, is_active, is_charity, is_merchant, is_consumer) for each standing an address can have
# (SPEC 4.2, 8.3): a merchant stays a merchant once admitted; only an active one is active; a
# sponsor, a charity, the pool and the zero address are never consumers.
STANDINGS = {
    "zero address": (False, False, False, False, False),
    "the pool": (False, False, False, False, False),
    "consumer": (False, False, False, False, True),
    "active merchant": (False, True, False, True, False),
    "suspended merchant": (False, False, False, True, False),
    "revoked merchant": (False, False, False, True, False),
    "active sponsor": (True, False, False, False, False),
    "suspended sponsor": (False, False, False, False, False),
    "revoked sponsor": (False, False, False, False, False),
    "registered charity": (False, False, True, False, False),
    "removed charity": (False, False, False, False, False),
}


def _bring(standing, registry, pool, registrar, stranger):
    """`stranger` (or the pool, or the zero address) brought to `standing`; the address."""
    if standing in ("zero address", "the pool"):
        return ZERO if standing == "zero address" else pool.address
    if standing.endswith("merchant"):
        registry.admit(stranger, 3_000, CAP, LICENSE, 1, sender=registrar)
    elif standing.endswith("sponsor"):
        registry.admit_sponsor(stranger, 10**6, CAP, LICENSE, sender=registrar)
    elif standing.endswith("charity"):
        registry.register_charity(stranger, LICENSE, sender=registrar)
    if standing.startswith("suspended"):
        registry.suspend(stranger, "check", sender=registrar)
    elif standing.startswith("revoked"):
        registry.revoke(stranger, "fraud", sender=registrar)
    elif standing.startswith("removed"):
        registry.remove_charity(stranger, "closed", sender=registrar)
    return stranger


@pytest.mark.parametrize("standing", list(STANDINGS))
def test_registry_views__each_standing__name_it_alone(registry, pool, registrar, stranger, standing):
    account = _bring(standing, registry, pool, registrar, stranger)
    views = (
        registry.is_sponsor,
        registry.is_active,
        registry.is_charity,
        registry.is_merchant,
        registry.is_consumer,
    )
    assert tuple(view(account) for view in views) == STANDINGS[standing]

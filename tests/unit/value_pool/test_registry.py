"""Merchant and charity registry (SPEC 4.2): every registrar function, positive and negative."""

import ape
import pytest
from eth_utils import keccak

from greenpoints.model import ZERO
from tests.conftest import LICENSE

EMPTY = b"\x00" * 32
CAP = 10**24


# ---------------------------------------------------------------- admit


def test_admit__by_registrar__merchant_active_with_terms(pool, registrar, merchant):
    tx = pool.admit(merchant, 3_000, CAP, LICENSE, 7, sender=registrar)
    assert tx.events == [
        pool.MerchantAdmitted(
            merchant=merchant,
            contribution_bps=3_000,
            daily_cap=CAP,
            license_hash=LICENSE,
            category=7,
            registrar=registrar,
        )
    ]
    assert pool.is_active(merchant)
    assert pool.is_merchant(merchant)
    assert not pool.is_consumer(merchant)
    terms = pool.merchants(merchant)
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


def test_admit__by_stranger__reverts(pool, stranger, merchant):
    with ape.reverts("access_control: account is missing role"):
        pool.admit(merchant, 3_000, CAP, LICENSE, 1, sender=stranger)


@pytest.mark.parametrize(
    "bps, cap, license_hash, reason",
    [
        (99, CAP, LICENSE, "registry: contribution below bounds"),
        (5_001, CAP, LICENSE, "registry: contribution above bounds"),
        (3_000, 0, LICENSE, "registry: daily cap is zero"),
        (3_000, CAP, EMPTY, "registry: license hash is empty"),
    ],
)
def test_admit__bad_terms__reverts(pool, registrar, merchant, bps, cap, license_hash, reason):
    with ape.reverts(reason):
        pool.admit(merchant, bps, cap, license_hash, 1, sender=registrar)


def test_admit__zero_address__reverts(pool, registrar):
    with ape.reverts("registry: merchant is the zero address"):
        pool.admit(ZERO, 3_000, CAP, LICENSE, 1, sender=registrar)


def test_admit__pool_itself__reverts(pool, registrar):
    with ape.reverts("registry: merchant is the pool"):
        pool.admit(pool, 3_000, CAP, LICENSE, 1, sender=registrar)


def test_admit__twice__reverts(live, pool, registrar, merchant):
    with ape.reverts("registry: merchant already admitted"):
        pool.admit(merchant, 3_000, CAP, LICENSE, 1, sender=registrar)


def test_admit__revoked_merchant__reverts(live, pool, registrar, merchant):
    pool.revoke(merchant, "fraud", sender=registrar)
    with ape.reverts("registry: merchant revoked for good"):
        pool.admit(merchant, 3_000, CAP, LICENSE, 1, sender=registrar)


def test_admit__charity__reverts(live, pool, registrar, charity):
    with ape.reverts("registry: address is a charity"):
        pool.admit(charity, 3_000, CAP, LICENSE, 1, sender=registrar)


def test_admit__consumer_holding_points__reverts(live, pool, registrar, buy, merchant, consumer):
    buy(merchant, consumer, 100)
    with ape.reverts("registry: address holds points"):
        pool.admit(consumer, 3_000, CAP, LICENSE, 1, sender=registrar)


# ---------------------------------------------------------------- update_terms


def test_update_terms__by_registrar__terms_changed(live, pool, registrar, merchant, unit):
    old_cap = pool.merchants(merchant).daily_cap
    tx = pool.update_terms(merchant, 2_000, 5 * unit, sender=registrar)
    assert tx.events == [
        pool.MerchantTermsUpdated(
            merchant=merchant,
            old_contribution_bps=3_000,
            new_contribution_bps=2_000,
            old_daily_cap=old_cap,
            new_daily_cap=5 * unit,
            registrar=registrar,
        )
    ]
    assert pool.merchants(merchant).contribution_bps == 2_000
    assert pool.merchants(merchant).daily_cap == 5 * unit


def test_update_terms__unknown_merchant__reverts(pool, registrar, stranger):
    with ape.reverts("registry: not a current merchant"):
        pool.update_terms(stranger, 2_000, CAP, sender=registrar)


def test_update_terms__out_of_bounds__reverts(live, pool, registrar, merchant):
    with ape.reverts("registry: contribution above bounds"):
        pool.update_terms(merchant, 9_000, CAP, sender=registrar)


def test_update_terms__by_stranger__reverts(live, pool, stranger, merchant):
    with ape.reverts("access_control: account is missing role"):
        pool.update_terms(merchant, 2_000, CAP, sender=stranger)


# ---------------------------------------------------------------- suspend / reinstate / revoke


def test_suspend__active_merchant__not_active(live, pool, registrar, merchant):
    tx = pool.suspend(merchant, "complaints", sender=registrar)
    assert tx.events == [pool.MerchantSuspended(merchant=merchant, reason="complaints", registrar=registrar)]
    assert not pool.is_active(merchant)
    assert pool.is_merchant(merchant)


def test_suspend__not_active__reverts(live, pool, registrar, merchant, stranger):
    with ape.reverts("registry: merchant not active"):
        pool.suspend(stranger, "x", sender=registrar)
    pool.suspend(merchant, "x", sender=registrar)
    with ape.reverts("registry: merchant not active"):
        pool.suspend(merchant, "again", sender=registrar)


def test_suspend__by_stranger__reverts(live, pool, stranger, merchant):
    with ape.reverts("access_control: account is missing role"):
        pool.suspend(merchant, "x", sender=stranger)


def test_reinstate__suspended_merchant__active_again(live, pool, registrar, merchant):
    pool.suspend(merchant, "x", sender=registrar)
    tx = pool.reinstate(merchant, sender=registrar)
    assert tx.events == [pool.MerchantReinstated(merchant=merchant, registrar=registrar)]
    assert pool.is_active(merchant)


def test_reinstate__active_merchant__reverts(live, pool, registrar, merchant):
    with ape.reverts("registry: merchant not suspended"):
        pool.reinstate(merchant, sender=registrar)


def test_reinstate__by_stranger__reverts(live, pool, registrar, stranger, merchant):
    pool.suspend(merchant, "x", sender=registrar)
    with ape.reverts("access_control: account is missing role"):
        pool.reinstate(merchant, sender=stranger)


def test_revoke__suspended_merchant__revoked_for_good(live, pool, registrar, merchant):
    pool.suspend(merchant, "x", sender=registrar)
    tx = pool.revoke(merchant, "licence withdrawn", sender=registrar)
    assert tx.events == [
        pool.MerchantRevoked(merchant=merchant, reason="licence withdrawn", registrar=registrar)
    ]
    assert pool.merchants(merchant).status == 3
    with ape.reverts("registry: merchant not suspended"):
        pool.reinstate(merchant, sender=registrar)


def test_revoke__unknown_or_revoked__reverts(live, pool, registrar, merchant, stranger):
    with ape.reverts("registry: not a current merchant"):
        pool.revoke(stranger, "x", sender=registrar)
    pool.revoke(merchant, "x", sender=registrar)
    with ape.reverts("registry: not a current merchant"):
        pool.revoke(merchant, "x", sender=registrar)


def test_revoke__by_stranger__reverts(live, pool, stranger, merchant):
    with ape.reverts("access_control: account is missing role"):
        pool.revoke(merchant, "x", sender=stranger)


# ---------------------------------------------------------------- charities


def test_register_charity__by_registrar__registered(pool, registrar, charity):
    tx = pool.register_charity(charity, LICENSE, sender=registrar)
    assert tx.events == [pool.CharityRegistered(charity=charity, license_hash=LICENSE, registrar=registrar)]
    assert pool.is_charity(charity)
    assert not pool.is_consumer(charity)


@pytest.mark.parametrize(
    "who, reason",
    [
        ("zero", "registry: charity is the zero address"),
        ("pool", "registry: charity is the pool"),
        ("merchant", "registry: address is a merchant"),
        ("charity", "registry: charity already registered"),
    ],
)
def test_register_charity__bad_address__reverts(live, pool, registrar, merchant, charity, who, reason):
    target = {"zero": ZERO, "pool": pool.address, "merchant": merchant, "charity": charity}[who]
    with ape.reverts(reason):
        pool.register_charity(target, LICENSE, sender=registrar)


def test_register_charity__empty_license__reverts(pool, registrar, charity):
    with ape.reverts("registry: license hash is empty"):
        pool.register_charity(charity, EMPTY, sender=registrar)


def test_register_charity__consumer_holding_points__reverts(live, pool, registrar, buy, merchant, consumer):
    buy(merchant, consumer, 100)
    with ape.reverts("registry: address holds points"):
        pool.register_charity(consumer, LICENSE, sender=registrar)


def test_register_charity__by_stranger__reverts(pool, stranger, charity):
    with ape.reverts("access_control: account is missing role"):
        pool.register_charity(charity, LICENSE, sender=stranger)


def test_remove_charity__registered__removed_then_registrable_again(live, pool, registrar, charity):
    tx = pool.remove_charity(charity, "audit failed", sender=registrar)
    assert tx.events == [pool.CharityRemoved(charity=charity, reason="audit failed", registrar=registrar)]
    assert not pool.is_charity(charity)
    assert not pool.is_consumer(charity)
    new_license = keccak(text="renewed")
    pool.register_charity(charity, new_license, sender=registrar)
    assert pool.is_charity(charity)
    assert pool.charities(charity).license_hash == new_license


def test_remove_charity__not_registered__reverts(pool, registrar, stranger):
    with ape.reverts("registry: charity not registered"):
        pool.remove_charity(stranger, "x", sender=registrar)


def test_remove_charity__by_stranger__reverts(live, pool, stranger, charity):
    with ape.reverts("access_control: account is missing role"):
        pool.remove_charity(charity, "x", sender=stranger)


def test_registry__views__pool_serves_as_registry(pool, system):
    assert pool.registry() == pool.address
    assert system.registry.address == pool.address == system.points.address
    assert pool.asset() == system.asset.address

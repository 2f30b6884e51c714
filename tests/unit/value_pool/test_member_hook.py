"""The pool's own checks of its member hook (`members._update`), reached through a registry with a
bug: contracts/mocks/HookRegistry.vy forwards any terms unchecked. The real registry refuses the same
input first with its own reasons (test_registry.py, test_green.py), so these checks are the pool's
second line; without this registry no test could reach them (the mutation run's survivors
`members:97`, `members:103`)."""

import ape
import pytest

from greenpoints.deploy import deploy_blueprint
from greenpoints.model.rules import DEFAULT_RULES
from tests.conftest import GREEN, order

MERCHANT, SPONSOR, ACTIVE = 1, 4, 8  # accounts.Standing
MASK16 = 2**16 - 1
MAX_DAILY_CAP = 2**100 - 1  # members.MAX_DAILY_CAP
PRODUCT = 1  # catalog.PRODUCT


@pytest.fixture
def hooked(project, deployer, asset, governor, registrar, guardian, certifier):
    """A pool created from the unchecking registry's blueprint, and that registry."""
    blueprint = deploy_blueprint(project.HookRegistry, deployer)
    pool = project.ValuePool.deploy(
        asset, governor, registrar, guardian, certifier, DEFAULT_RULES.as_tuple(), blueprint, sender=deployer
    )
    return pool, project.HookRegistry.at(pool.registry())


def test_update_member__address_was_issued_points__refused_by_the_pool(
    hooked, asset, deployer, merchant, consumer, unit
):
    pool, registry = hooked
    registry.certify_class(GREEN, PRODUCT, 1_000, sender=deployer)
    registry.update_member(merchant, MERCHANT | ACTIVE, 3_000, 10**6 * unit, sender=deployer)
    asset.mint(merchant, 1_000 * unit, sender=merchant)
    asset.approve(pool, 1_000 * unit, sender=merchant)
    pool.record_purchase(consumer, 1_000 * unit, order(1), GREEN, sender=merchant)
    assert pool.balanceOf(consumer) > 0
    with ape.reverts("members: address was issued points"):
        registry.update_member(consumer, MERCHANT | ACTIVE, 3_000, 10**6 * unit, sender=deployer)
    pool.spend(merchant, pool.balanceOf(consumer), order(2), sender=consumer)
    with ape.reverts("members: address was issued points"):  # its slot keeps its history at zero points
        registry.update_member(consumer, SPONSOR | ACTIVE, unit, unit, sender=deployer)


@pytest.mark.parametrize(
    "standing, rate, cap, refused",
    [
        (MERCHANT, MASK16, MAX_DAILY_CAP, False),
        (MERCHANT, MASK16 + 1, 1, True),
        (MERCHANT, 3_000, MAX_DAILY_CAP + 1, True),
        (SPONSOR, MAX_DAILY_CAP, MAX_DAILY_CAP, False),
        (SPONSOR, MAX_DAILY_CAP + 1, 1, True),
        (SPONSOR, 1, MAX_DAILY_CAP + 1, True),
    ],
    ids=["merchant_at_both_bounds", "merchant_rate_over", "merchant_cap_over", "sponsor_at_both_bounds",
         "sponsor_reward_over", "sponsor_cap_over"],
)  # fmt: skip
def test_update_member__terms_at_and_past_the_packed_bounds__kept_or_refused_by_the_pool(
    hooked, deployer, merchant, sponsor, standing, rate, cap, refused
):
    pool, registry = hooked
    member = merchant if standing == MERCHANT else sponsor
    if refused:
        with ape.reverts("members: terms out of range"):
            registry.update_member(member, standing | ACTIVE, rate, cap, sender=deployer)
        assert pool.standing_of(member) == 0
        return
    registry.update_member(member, standing | ACTIVE, rate, cap, sender=deployer)
    terms = pool.merchant_terms(member)
    if standing == MERCHANT:
        assert (terms.contribution_bps, terms.daily_cap) == (rate, cap)
    else:
        assert (pool.reward_per_kg(member), terms.daily_cap) == (rate, cap)

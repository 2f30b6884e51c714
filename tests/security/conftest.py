"""Attacks on the system: each test fails if its attack works (docs/security.md maps them to the
rules they defend). The shared fixtures of tests/conftest.py apply: role-named accounts, a deployed
system for asset decimals 6 and 18, `live` (two merchants and a charity admitted), `buy`."""

import pytest
from ape import project

from greenpoints.catalog import SAMPLE_CATALOG
from greenpoints.deploy import deploy_system
from tests.chain_states import built_once
from tests.conftest import CONTRIBUTION_BPS, DAILY_CAP_UNITS, GREEN, LICENSE, order

POINT = 10**18


def system_on(token, deployer, registrar, guardian, proposer):
    """A system whose settlement token is `token` (an hour's timelock, the sample catalog)."""
    return deploy_system(
        deployer,
        asset=token,
        registrar=registrar,
        guardian=guardian,
        proposer=proposer,
        timelock_delay=3_600,
        catalog=SAMPLE_CATALOG,
    )


@pytest.fixture
def hostile_system(deployer, registrar, guardian, proposer, decimals, merchant, other_merchant, charity):
    """A system whose settlement token attacks it (contracts/mocks/HostileToken.vy), with two merchants
    funded in it and a charity."""
    token = project.HostileToken.deploy(decimals, sender=deployer)
    system = system_on(token, deployer, registrar, guardian, proposer)
    unit = 10**decimals
    for who in (merchant, other_merchant):
        system.registry.admit(who, CONTRIBUTION_BPS, DAILY_CAP_UNITS * unit, LICENSE, 1, sender=registrar)
        token.mint(who, 10**9 * unit, sender=who)
        token.approve(system.pool, 2**256 - 1, sender=who)
    system.registry.register_charity(charity, LICENSE, sender=registrar)
    return system


@pytest.fixture
@built_once
def exit_ready(registry, live, pool, merchant, consumer, other_consumer, unit, chain):
    """consumer bought first; a large later purchase by other_consumer made consumer's holding worth
    over 2x its basis; the lock is over. consumer may exit (within the cap and the epoch limit)."""
    pool.record_purchase(consumer, 1_000 * unit, order("early"), GREEN, sender=merchant)
    pool.record_purchase(other_consumer, 1_000_000 * unit, order("big"), GREEN, sender=merchant)
    chain.pending_timestamp = chain.pending_timestamp + registry.lock_period() + 1
    assert pool.max_exit(consumer) > 0
    return live

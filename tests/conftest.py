"""Shared fixtures: role-named accounts, a deployed system per asset decimals, builder functions.

Ape's pytest plugin snapshots the chain around every fixture scope and test, so each test
starts from the session's deployed system with nothing carried over.
"""

from __future__ import annotations

import os

import pytest
from eth_utils import keccak
from hypothesis import HealthCheck, settings

from greenpoints.catalog import SAMPLE_CATALOG
from greenpoints.client import Client
from greenpoints.deploy import deploy_system
from tests.chain_states import built_once, cheaper_embedded_chain

# Hypothesis profiles for the stateful machine (tests/stateful, docs/testing.md): `ci` runs it on
# anvil in `make test`, `deep` in `make fuzz`; `smoke` is titanoboa's and Ape's short run in `make test`.
_COMMON = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    "print_blob": True,
}
# `ci` and `smoke` are derandomized: every CI run explores the same sequences (stable and
# reproducible); `deep` draws new ones each run.
settings.register_profile(
    "ci", max_examples=125, stateful_step_count=50, derandomize=True, database=None, **_COMMON
)
settings.register_profile(
    "smoke", max_examples=3, stateful_step_count=20, derandomize=True, database=None, **_COMMON
)
settings.register_profile("deep", max_examples=2_500, stateful_step_count=50, **_COMMON)
settings.register_profile("dev", max_examples=4, stateful_step_count=20, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# A revert that does not execute the snapshot's block again, no debug-log trace of every
# transaction, web3's default sender read once (tests/chain_states.py says why each is safe).
cheaper_embedded_chain()

LICENSE = keccak(text="licence documents")
CONTRIBUTION_BPS = 3_000
DAILY_CAP_UNITS = 1_000_000  # whole asset units of contribution per day
# The sample catalog (greenpoints.catalog) is certified in every test system:
GREEN = 1
"""A certified product class (energy-efficient appliances, 300 g of CO2e per whole asset unit)."""
GREEN_FACTOR = 300
ACTION_CLASS = 101
"""A certified action class (a kilometre by metro instead of by car, 150 g per km)."""
ACTION_FACTOR = 150


def order(n: int | str) -> bytes:
    """A merchant order id."""
    return keccak(text=f"order-{n}")


@pytest.fixture(scope="session")
def deployer(accounts):
    return accounts[0]


@pytest.fixture(scope="session")
def registrar(accounts):
    return accounts[1]


@pytest.fixture(scope="session")
def guardian(accounts):
    return accounts[2]


@pytest.fixture(scope="session")
def proposer(accounts):
    return accounts[3]


@pytest.fixture(scope="session")
def merchant(accounts):
    return accounts[4]


@pytest.fixture(scope="session")
def other_merchant(accounts):
    return accounts[5]


@pytest.fixture(scope="session")
def charity(accounts):
    return accounts[6]


@pytest.fixture(scope="session")
def certifier(accounts):
    return accounts[11]


@pytest.fixture(scope="session")
def sponsor(accounts):
    return accounts[12]


@pytest.fixture(scope="session")
def consumer(accounts):
    return accounts[7]


@pytest.fixture(scope="session")
def other_consumer(accounts):
    return accounts[8]


@pytest.fixture(scope="session")
def attacker(accounts):
    return accounts[9]


@pytest.fixture(scope="session")
def stranger(accounts):
    return accounts[10]


@pytest.fixture(scope="session", params=[6, 18], ids=["dec6", "dec18"])
def decimals(request):
    return request.param


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc):
    """A test module whose subject does not depend on the asset's decimals says so with
    `ONE_DECIMALS = 18`: its tests that reach the chain run once, at those decimals, on the session's
    system (tests that do not touch the chain are left alone). Marked before pytest's own hooks
    parametrize the `decimals` fixture, which then defer to the mark (docs/testing.md, "The suite's
    time")."""
    only = getattr(metafunc.module, "ONE_DECIMALS", None)
    if only is not None and "decimals" in metafunc.fixturenames:
        metafunc.definition.add_marker(
            pytest.mark.parametrize("decimals", [only], indirect=True, ids=[f"dec{only}"], scope="session")
        )


@pytest.fixture(scope="session")
def unit(decimals):
    """One whole asset unit in the asset's smallest units."""
    return 10**decimals


def an_hour_into_the_next_day(chain) -> None:
    """Move the clock to 01:00 UTC of the next day: what a test does then stays inside one day (one
    epoch) whatever the hour it runs at (at 23:59 a purchase would open a new epoch mid-test)."""
    chain.pending_timestamp = (chain.pending_timestamp // 86_400 + 1) * 86_400 + 3_600


@pytest.fixture(scope="session")
def system(deployer, registrar, guardian, certifier, proposer, decimals, chain):
    an_hour_into_the_next_day(chain)
    return deploy_system(
        deployer,
        registrar=registrar,
        guardian=guardian,
        certifier=certifier,
        proposer=proposer,
        asset_decimals=decimals,
        catalog=SAMPLE_CATALOG,
    )


@pytest.fixture(scope="session")
def pool(system):
    return system.pool


@pytest.fixture(scope="session")
def registry(system):
    return system.registry


@pytest.fixture(scope="session")
def asset(system):
    return system.asset


@pytest.fixture(scope="session")
def governor(system):
    return system.governor


@pytest.fixture(scope="session")
def admit(registry, pool, registrar, asset, unit):
    """Admit a merchant, fund it from the faucet and approve the pool."""

    def _admit(who, contribution_bps=CONTRIBUTION_BPS, daily_cap=None, fund=10**9):
        cap = DAILY_CAP_UNITS * unit if daily_cap is None else daily_cap
        tx = registry.admit(who, contribution_bps, cap, LICENSE, 1, sender=registrar)
        asset.mint(who, fund * unit, sender=who)
        asset.approve(pool, 2**256 - 1, sender=who)
        return tx

    return _admit


@pytest.fixture(scope="session")
def admit_sponsor(registry, pool, registrar, asset, unit):
    """Admit a sponsor paying `reward_units` whole asset units per kg of CO2e, fund it, approve the pool."""

    def _admit(who, reward_units=1, daily_cap=None, fund=10**9):
        cap = DAILY_CAP_UNITS * unit if daily_cap is None else daily_cap
        tx = registry.admit_sponsor(who, reward_units * unit, cap, LICENSE, sender=registrar)
        asset.mint(who, fund * unit, sender=who)
        asset.approve(pool, 2**256 - 1, sender=who)
        return tx

    return _admit


@pytest.fixture(scope="session")
def register_charity(registry, pool, registrar):
    def _register(who):
        return registry.register_charity(who, LICENSE, sender=registrar)

    return _register


@pytest.fixture
@built_once
def live(system, admit, register_charity, merchant, other_merchant, charity):
    """The session system with two merchants (30%) and one charity admitted."""
    admit(merchant)
    admit(other_merchant)
    register_charity(charity)
    return system


@pytest.fixture(scope="session")
def buy(pool, unit):
    """Record a purchase of `units` whole asset units."""
    counter = {"n": 0}

    def _buy(merchant, consumer, units, order_id=None):
        counter["n"] += 1
        oid = order_id if order_id is not None else order(f"auto-{counter['n']}")
        return pool.record_purchase(consumer, units * unit, oid, GREEN, sender=merchant)

    return _buy


@pytest.fixture
def record_of(system):
    """The record `reverse_purchase` takes back for a merchant's order, built as a merchant's system
    builds it: from the order's `PurchaseRecorded` event and its block (`Client.purchase_record`);
    keyword arguments change fields of it (a forged record)."""
    return lambda merchant, order_id, **changed: record_in(system, merchant, order_id, **changed)


def record_in(system, merchant, order_id: bytes, **changed) -> tuple:
    """`record_of` for any system (a hostile token's, a platform's): the order's record from its
    `PurchaseRecorded` event and block, with `changed` fields."""
    return tuple(Client(system).purchase_record(merchant, order_id)._replace(**changed))


@pytest.fixture
def next_epoch(registry, chain, pool):
    """Mine a block at the start of the next epoch (views then see the new epoch)."""

    def _next_epoch():
        length = registry.epoch_length()
        chain.mine(timestamp=(chain.pending_timestamp // length + 1) * length)

    return _next_epoch


@pytest.fixture
def lock_over(registry, chain, pool):
    def _lock_over():
        chain.pending_timestamp = chain.pending_timestamp + registry.lock_period() + 1

    return _lock_over

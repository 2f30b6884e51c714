"""Deployments for the audit and monitor tests: broken pools, honest ones with chosen rules, and a
history with every kind of operation once (`history`)."""

import pytest
from eth_utils import keccak

from greenpoints import governance
from greenpoints.audit.monitor import Monitor
from greenpoints.catalog import SAMPLE_CATALOG
from greenpoints.deploy import deploy_system
from tests.chain_states import built_once
from tests.conftest import ACTION_CLASS, GREEN, LICENSE, order
from tests.mocks.broken_pools import broken_pool, is_registry_variant
from tests.monitoring import split


@pytest.fixture
def deploy_with(deployer, registrar, guardian, certifier, proposer, unit, merchant, asset):
    """Deploy a pool (a broken variant by name, or the honest one) on the session's asset with
    `rules`, admit `merchant` (30%, funded, approved) with `daily_cap` asset units, return the system."""

    def _deploy(variant=None, rules=None, daily_cap=10**9):
        container = broken_pool(variant) if variant else None
        registry_variant = variant is not None and is_registry_variant(variant)
        system = deploy_system(
            deployer, registrar=registrar, guardian=guardian, certifier=certifier, proposer=proposer,
            asset=asset.address, rules=rules, catalog=SAMPLE_CATALOG,
            pool_contract=None if registry_variant else container,
            registry_contract=container if registry_variant else None,
        )  # fmt: skip
        system.registry.admit(merchant, 3_000, daily_cap * unit, LICENSE, 1, sender=registrar)
        asset.mint(merchant, 10**9 * unit, sender=merchant)
        asset.approve(system.pool, 2**256 - 1, sender=merchant)
        return system

    return _deploy


@pytest.fixture
def broken(deploy_with):
    """Deploy the broken variant `name` (tests/mocks/broken_pools.py) with a funded merchant."""

    def _deploy(name, rules=None):
        return deploy_with(name, rules)

    return _deploy


def failed_checks(report) -> set[str]:
    return {f.split("]")[0].lstrip("[") for f in report.failures}


@pytest.fixture
def watch(chain):
    """Start a monitor on `system` (history folded silently); returns it with its alert list."""

    def _watch(system, **options):
        got = []
        monitor = Monitor(
            system, chain.provider.web3, emit=got.append, sleep=lambda s: None, **split(options)
        )
        monitor.start()
        monitor.got = got
        return monitor

    return _watch


POINT = 10**18
NEW_CLASS_OF_HISTORY = 2
"""The sample catalog's organic food: withdrawn and certified again in the history."""


@pytest.fixture
@built_once
def history(registry, live, buy, pool, asset, merchant, other_merchant, charity, consumer, other_consumer,
            guardian, registrar, certifier, sponsor, admit_sponsor,
            unit, lock_over, chain, record_of):  # fmt: skip
    """Every kind of operation once: purchases, a reversal, spend, donation, settlement, a direct
    asset transfer, a rule change, pause and unpause, an exit; a sponsor's green actions, its terms
    changed, a class certified again with a new factor, withdrawn and certified again; an exit
    request filled and claimed, another cancelled."""
    admit_sponsor(sponsor)
    pool.record_action(consumer, ACTION_CLASS, 20, order("ride-1"), sender=sponsor)
    registry.update_sponsor_terms(sponsor, 2 * unit, 10**6 * unit, sender=registrar)
    registry.suspend(sponsor, "review", sender=registrar)
    registry.reinstate(sponsor, sender=registrar)
    pool.record_action(other_consumer, ACTION_CLASS, 5, order("ride-2"), sender=sponsor)
    registry.certify_class(GREEN, 1, 280, keccak(text="revised"), "appliances (revised)", sender=certifier)
    registry.withdraw_class(NEW_CLASS_OF_HISTORY, "standard expired", sender=certifier)
    registry.certify_class(
        NEW_CLASS_OF_HISTORY, 1, 65, keccak(text="renewed"), "organic food", sender=certifier
    )
    buy(merchant, consumer, 1_000, order("a-1"))
    buy(merchant, consumer, 500, order("a-2"))
    buy(other_merchant, other_consumer, 20, order("b-1"))
    pool.reverse_purchase(order("b-1"), record_of(other_merchant, order("b-1")), sender=other_merchant)
    pool.spend(other_merchant, 10 * POINT, order("till-1"), sender=consumer)
    pool.donate(charity, 5 * POINT, sender=consumer)
    pool.settle(10 * POINT, sender=other_merchant)
    asset.mint(other_consumer, 5 * unit, sender=other_consumer)
    asset.transfer(pool, 5 * unit, sender=other_consumer)  # sent directly: does not count
    governance.change_rule(live, "settlement_fee_bps", 200)
    registry.pause(sender=guardian)
    governance.unpause(live)
    buy(other_merchant, other_consumer, 100_000, order("b-2"))  # makes the consumer's points worth 2x+
    lock_over()
    pool.exit(pool.max_exit(consumer) // 2, sender=consumer)
    queue = live.exit_queue  # the exit queue (SPEC 11): a request filled and claimed, one cancelled
    queue.request_exit(POINT, sender=consumer)
    queue.process_exits(5, sender=other_consumer)
    queue.claim_exit(0, sender=consumer)
    queue.request_exit(POINT, sender=consumer)
    queue.cancel_exit(1, sender=consumer)
    return live

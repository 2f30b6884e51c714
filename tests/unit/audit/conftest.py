"""Deployments for the audit and monitor tests: broken pools, and honest ones with chosen rules."""

import pytest

from greenpoints.audit.monitor import Monitor
from greenpoints.catalog import SAMPLE_CATALOG
from greenpoints.deploy import deploy_system
from tests.conftest import LICENSE
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

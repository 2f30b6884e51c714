"""An association (SPEC 9) over this release's blueprints, with role-named accounts."""

import pytest

from greenpoints.catalog import SAMPLE_CATALOG
from greenpoints.deploy import deploy_association, launch_platform
from tests.conftest import an_hour_into_the_next_day


@pytest.fixture(scope="session")
def association_admin(accounts):
    return accounts[13]


@pytest.fixture(scope="session")
def operator(accounts):
    return accounts[14]


@pytest.fixture(scope="session")
def association(deployer, association_admin, decimals, chain):
    # One association per asset-decimals run, so platform ids start at 0 in each.
    an_hour_into_the_next_day(chain)
    return deploy_association(deployer, admin=association_admin, min_timelock_delay=3_600)


@pytest.fixture
def platform(association, operator, registrar, certifier, decimals):
    """Platform 0 of the association, launched with a one-hour governor delay."""
    return launch_platform(
        association,
        operator=operator,
        registrar=registrar,
        certifier=certifier,
        timelock_delay=3_600,
        name="Shenzhen settlement centre",
        asset_decimals=decimals,
        catalog=SAMPLE_CATALOG,
    )

"""An association (SPEC 9) over this release's blueprints, with role-named accounts."""

import pytest
from eth_utils import keccak

from greenpoints.catalog import SAMPLE_CATALOG
from greenpoints.deploy import deploy_association, launch_platform
from tests.chain_states import built_once
from tests.conftest import an_hour_into_the_next_day


@pytest.fixture(scope="session")
def association_admin(accounts):
    return accounts[13]


@pytest.fixture(scope="session")
def operator(accounts):
    return accounts[14]


@pytest.fixture(scope="session")
def trainer(accounts):
    """A compliance trainer the association accredits (SPEC 12)."""
    return accounts[15]


CERTIFICATE = keccak(text="certificate no. 2026-0001")
LONGEST = 1_095 * 86_400


@pytest.fixture(scope="session")
def association(deployer, association_admin, trainer, operator, registrar, certifier, decimals, chain):
    # One association per asset-decimals run, so platform ids start at 0 in each. Its trainer has
    # qualified the operator, registrar and certifier for the longest a qualification may run.
    an_hour_into_the_next_day(chain)
    association = deploy_association(deployer, admin=association_admin, min_timelock_delay=3_600)
    contract = association.contract
    contract.accredit_trainer(trainer, "Guangdong compliance academy", sender=association_admin)
    for role, holder in ((1, operator), (2, registrar), (3, certifier)):
        contract.qualify(holder, role, chain.pending_timestamp + LONGEST, CERTIFICATE, sender=trainer)
    return association


@pytest.fixture
@built_once
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

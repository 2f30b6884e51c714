"""The association (SPEC 9): launches platforms from the release's blueprints, suspends and
reinstates them, and holds no power over their rules or funds."""

import ape
import pytest
from eth_utils import keccak

from greenpoints.catalog import SAMPLE_CATALOG
from greenpoints.deploy import (
    DeployError,
    deploy_association,
    launch_platform,
    load_association,
)
from greenpoints.governance import change_rule, schedule, unpause, wait_and_execute
from greenpoints.model.rules import DEFAULT_RULES, RULE_NAMES
from tests.conftest import GREEN, order

# Launching, suspending and reinstating platforms, and who may, do not depend on the asset's
# decimals: these tests run once, on the session's association at 18 decimals (test_supervision.py,
# whose figures do, runs at both; docs/testing.md, "The suite's time").
ONE_DECIMALS = 18

ACTIVE, SUSPENDED = 1, 2


def _blueprint_initcode(chain, address) -> bytes:
    code = bytes(chain.provider.get_code(str(address)))
    assert code[:3] == b"\xfe\x71\x00", "not an EIP-5202 blueprint"
    return code[3:]


# ---------------------------------------------------------------- deploy


def test_deploy_association__admin_given__admin_owns_and_blueprints_hashed(
    association, association_admin, chain
):
    contract = association.contract
    assert contract.owner() == association_admin
    assert contract.platform_count() == 0
    assert contract.min_timelock_delay() == 3_600
    for name, getter in (("ValuePool", "pool"), ("Registry", "registry"), ("Governor", "governor")):
        address = getattr(contract, f"{getter}_blueprint")()
        assert address == association.blueprints[name]
        code = bytes(chain.provider.get_code(address))
        assert bytes(getattr(contract, f"{getter}_blueprint_codehash")()) == keccak(code)


def test_deploy_association__blueprints__hold_this_release_initcode(association, chain, project):
    for name in ("ValuePool", "Registry", "Governor"):
        initcode = _blueprint_initcode(chain, association.blueprints[name])
        compiled = bytes(getattr(project, name).contract_type.deployment_bytecode.to_bytes())
        assert initcode == compiled, name


def test_deploy_association__no_admin_given__deployer_is_admin(deployer):
    association = deploy_association(deployer)
    assert association.contract.owner() == deployer
    assert association.min_timelock_delay == 0  # local chain default


def test_deploy_association__negative_delay__refused(deployer):
    with pytest.raises(DeployError, match="cannot be negative"):
        deploy_association(deployer, min_timelock_delay=-1)


def test_constructor__zero_admin__reverts(deployer, association, project):
    bp = association.blueprints
    with ape.reverts("association: admin is the zero address"):
        project.Association.deploy(
            "0x" + "00" * 20, bp["ValuePool"], bp["Registry"], bp["Governor"], 0, sender=deployer
        )


def test_constructor__blueprint_not_a_contract__reverts(deployer, association, project, stranger):
    bp = association.blueprints
    with ape.reverts("association: pool blueprint is not a contract"):
        project.Association.deploy(stranger, stranger, bp["Registry"], bp["Governor"], 0, sender=deployer)


# ---------------------------------------------------------------- launch


def test_launch_platform__by_admin__platform_runs_release_with_defaults(
    platform, association, operator, registrar, certifier, chain, project
):
    contract = association.contract
    assert contract.platform_count() == 1
    record = contract.platforms(0)
    assert (record.pool, record.registry, record.governor) == (
        platform.pool.address, platform.registry.address, platform.governor.address
    )  # fmt: skip
    assert (record.operator, record.asset, record.name) == (
        operator, platform.asset.address, "Shenzhen settlement centre"
    )  # fmt: skip
    assert record.status == ACTIVE
    assert record.launched_block == platform.deployment_block
    # Same code as the release: runtime prefixes (the pool's immutables follow its code).
    for handle, name in (
        (platform.pool, "ValuePool"),
        (platform.registry, "Registry"),
        (platform.governor, "Governor"),
    ):
        deployed = bytes(chain.provider.get_code(handle.address))
        runtime = bytes(getattr(project, name).contract_type.runtime_bytecode.to_bytes())
        assert deployed.startswith(runtime), name
    registry = platform.registry
    assert {n: getattr(registry, n)() for n in RULE_NAMES} == DEFAULT_RULES.as_dict()
    assert registry.hasRole(registry.GUARDIAN_ROLE(), contract)
    assert registry.hasRole(registry.REGISTRAR_ROLE(), registrar)
    assert registry.hasRole(registry.CERTIFIER_ROLE(), certifier)
    assert registry.hasRole(registry.DEFAULT_ADMIN_ROLE(), platform.governor)
    governor = platform.governor
    assert governor.get_minimum_delay() == 3_600
    assert governor.hasRole(governor.PROPOSER_ROLE(), operator)
    assert governor.hasRole(governor.EXECUTOR_ROLE(), "0x" + "00" * 20)
    assert not governor.hasRole(governor.DEFAULT_ADMIN_ROLE(), contract)
    assert platform.pool.governor() == governor.address


def test_launch_platform__event__names_every_contract(association, operator, registrar, certifier):
    system = launch_platform(
        association, operator=operator, registrar=registrar, certifier=certifier, timelock_delay=3_600
    )
    events = list(
        association.contract.PlatformLaunched.range(system.deployment_block, system.deployment_block + 1)
    )
    assert [e.event_arguments for e in events] == [
        {
            "id": 0,
            "pool": system.pool.address,
            "registry": system.registry.address,
            "governor": system.governor.address,
            "operator": operator.address,
            "asset": system.asset.address,
            "name": "platform 0",
        }
    ]


def test_launch_platform__second__ids_count_in_order(platform, association, operator, registrar, certifier):
    second = launch_platform(
        association, operator=operator, registrar=registrar, certifier=certifier, timelock_delay=7_200,
        name="Hangzhou", catalog=SAMPLE_CATALOG,
    )  # fmt: skip
    assert second.platform_id == 1
    assert association.contract.platform_count() == 2
    assert association.contract.platforms(1).name == "Hangzhou"
    assert second.pool.address != platform.pool.address
    assert second.registry.is_certified(SAMPLE_CATALOG[0].class_id)


def test_launch_platform__by_stranger__reverts(
    association, stranger, operator, registrar, certifier, platform
):
    with ape.reverts("association: caller is not the admin"):
        association.contract.launch_platform(
            "rogue", platform.asset, operator, registrar, certifier, 3_600, sender=stranger
        )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"name": ""}, "association: name is empty"),
        ({"operator": "0x" + "00" * 20}, "association: operator is the zero address"),
        ({"certifier": "registrar"}, "association: registrar and certifier must differ"),
        ({"operator": "association"}, "association: a platform role cannot be the association"),
        ({"delay": 3_599}, "association: timelock delay below the minimum"),
        ({"registrar": "0x" + "00" * 20}, "association: registrar is not qualified"),
        ({"asset": "operator"}, "pool: asset is not a contract"),
    ],
)
def test_launch_platform__bad_input__reverts_with_reason(
    association, association_admin, operator, registrar, certifier, platform, change, reason
):
    args = {
        "name": "x", "asset": platform.asset.address, "operator": operator.address,
        "registrar": registrar.address, "certifier": certifier.address, "delay": 3_600,
    }  # fmt: skip
    named = {"registrar": registrar.address, "association": association.address, "operator": operator.address}
    args.update({k: named.get(v, v) if isinstance(v, str) else v for k, v in change.items()})
    with ape.reverts(reason):
        association.contract.launch_platform(*args.values(), sender=association_admin)


def test_launch_platform__python_checks__refuse_before_sending(association, operator, registrar, certifier):
    with pytest.raises(DeployError, match="below the association's minimum"):
        launch_platform(
            association, operator=operator, registrar=registrar, certifier=certifier, timelock_delay=60
        )
    with pytest.raises(DeployError, match="distinct"):
        launch_platform(association, operator=operator, registrar=registrar, certifier=registrar)
    with pytest.raises(DeployError, match="1 to 64 bytes"):
        launch_platform(
            association, operator=operator, registrar=registrar, certifier=certifier, name="x" * 65
        )


# ---------------------------------------------------------------- suspend / reinstate


def test_suspend_platform__active__pauses_pool_and_marks_suspended(platform, association, association_admin):
    tx = association.contract.suspend_platform(0, "escrow statement overdue", sender=association_admin)
    assert platform.registry.paused()
    assert association.contract.platforms(0).status == SUSPENDED
    assert association.status_of(0) == "suspended"
    assert tx.events.filter(association.contract.PlatformSuspended) == [
        association.contract.PlatformSuspended(id=0, reason="escrow statement overdue")
    ]


def test_suspend_platform__governor_paused_already__marks_suspended(
    platform, association, association_admin, operator
):
    wait_and_execute(platform, schedule(platform, "pause", description="pause"))
    assert platform.registry.paused()
    association.contract.suspend_platform(0, "already paused", sender=association_admin)
    assert association.contract.platforms(0).status == SUSPENDED


def test_suspend_platform__stops_purchases_exits_go_on(
    platform, association, association_admin, registrar, merchant, consumer, unit
):
    registry, pool, asset = platform.registry, platform.pool, platform.asset
    registry.admit(merchant, 3_000, 10**6 * unit, keccak(text="licence"), 1, sender=registrar)
    asset.mint(merchant, 10**6 * unit, sender=merchant)
    asset.approve(pool, 2**256 - 1, sender=merchant)
    association.contract.suspend_platform(0, "audit", sender=association_admin)
    with ape.reverts():
        pool.record_purchase(consumer, 100 * unit, order(1), GREEN, sender=merchant)


def test_suspend_platform__by_stranger__reverts(platform, association, stranger):
    with ape.reverts("association: caller is not the admin"):
        association.contract.suspend_platform(0, "x", sender=stranger)


def test_suspend_platform__unknown_id__reverts(platform, association, association_admin):
    with ape.reverts("association: unknown platform"):
        association.contract.suspend_platform(1, "x", sender=association_admin)


def test_suspend_platform__empty_reason__reverts(platform, association, association_admin):
    with ape.reverts("association: reason is empty"):
        association.contract.suspend_platform(0, "", sender=association_admin)


def test_suspend_platform__suspended__reverts(platform, association, association_admin):
    association.contract.suspend_platform(0, "x", sender=association_admin)
    with ape.reverts("association: platform is not active"):
        association.contract.suspend_platform(0, "again", sender=association_admin)


def test_reinstate_platform__suspended__active_again_pool_stays_paused(
    platform, association, association_admin
):
    association.contract.suspend_platform(0, "x", sender=association_admin)
    tx = association.contract.reinstate_platform(0, sender=association_admin)
    assert association.contract.platforms(0).status == ACTIVE
    assert platform.registry.paused()  # unpausing is the platform governor's (SPEC 4.7)
    assert tx.events.filter(association.contract.PlatformReinstated) == [
        association.contract.PlatformReinstated(id=0)
    ]
    unpause(platform)
    assert not platform.registry.paused()


def test_reinstate_platform__active__reverts(platform, association, association_admin):
    with ape.reverts("association: platform is not suspended"):
        association.contract.reinstate_platform(0, sender=association_admin)


def test_reinstate_platform__by_stranger__reverts(platform, association, association_admin, stranger):
    association.contract.suspend_platform(0, "x", sender=association_admin)
    with ape.reverts("association: caller is not the admin"):
        association.contract.reinstate_platform(0, sender=stranger)


def test_platforms__unknown_id__reverts(association):
    with ape.reverts("association: unknown platform"):
        association.contract.platforms(0)


# ---------------------------------------------------------------- no power over rules or funds


def test_association__abi__only_supervision_people_and_admin_handover(association):
    functions = {abi.name for abi in association.contract.contract_type.abi if abi.type == "function"}
    assert functions == {
        "launch_platform", "suspend_platform", "reinstate_platform", "platforms", "platform_count",
        "accredit_trainer", "revoke_trainer", "qualify", "disqualify", "qualification", "is_qualified",
        "is_trainer",
        "pool_blueprint", "registry_blueprint", "governor_blueprint", "pool_blueprint_codehash",
        "registry_blueprint_codehash", "governor_blueprint_codehash", "min_timelock_delay",
        "owner", "pending_owner", "transfer_ownership", "accept_ownership",
    }  # fmt: skip


def test_association__admin__holds_no_platform_role(platform, association, association_admin):
    registry, governor = platform.registry, platform.governor
    for role in ("DEFAULT_ADMIN_ROLE", "REGISTRAR_ROLE", "CERTIFIER_ROLE", "GUARDIAN_ROLE"):
        assert not registry.hasRole(getattr(registry, role)(), association_admin), role
    for role in ("DEFAULT_ADMIN_ROLE", "PROPOSER_ROLE", "CANCELLER_ROLE"):
        assert not governor.hasRole(getattr(governor, role)(), association_admin), role
        assert not governor.hasRole(getattr(governor, role)(), association.contract), role


def test_association__admin__cannot_change_rules_or_unpause(platform, association, association_admin):
    registry = platform.registry
    with ape.reverts("pool: caller is not the governor"):
        registry.set_rule("issue_bps", 5_000, sender=association_admin)
    association.contract.suspend_platform(0, "x", sender=association_admin)
    with ape.reverts("pool: caller is not the governor"):
        registry.unpause(sender=association_admin)
    with ape.reverts("pool: caller is not the governor"):
        registry.shutdown(sender=association_admin)


def test_association__operator_rule_change__goes_through_platform_governor(platform, association):
    change_rule(platform, "settlement_fee_bps", 200)
    assert platform.registry.settlement_fee_bps() == 200


# ---------------------------------------------------------------- load


def test_load_association__by_address__every_platform_with_roles(
    platform, association, registrar, certifier, operator
):
    loaded = load_association(association.address)
    assert [p.pool.address for p in loaded.platforms] == [platform.pool.address]
    first = loaded.platforms[0]
    assert (first.registrar, first.certifier, first.proposer) == (registrar, certifier, operator)
    assert first.timelock_delay == 3_600 and first.rules == DEFAULT_RULES
    assert first.name == "Shenzhen settlement centre" and first.guardian == association.address


def test_load_association__by_record__includes_platforms_launched_since(
    platform, association, operator, registrar, certifier, tmp_path
):
    path = association.save(tmp_path / "association.json")
    launch_platform(
        association, operator=operator, registrar=registrar, certifier=certifier, timelock_delay=3_600
    )
    loaded = load_association(path)
    assert len(loaded.platforms) == 2


def test_load_association__not_an_association__refused(platform):
    with pytest.raises(DeployError, match="is not an association"):
        load_association(platform.registry.address)


def test_load_association__no_contract__refused(stranger):
    with pytest.raises(DeployError, match="no contract"):
        load_association(stranger.address)

"""greenpoints.deploy: deploy_system, the deployment record, the pool's constructor checks."""

import json

import ape
import pytest

from greenpoints.catalog import SAMPLE_CATALOG
from greenpoints.deploy import (
    DeployError,
    RecordError,
    default_record_path,
    deploy_system,
    load_system,
    parse_address,
    write_record,
)
from greenpoints.model import ZERO
from greenpoints.model.rules import DEFAULT_RULES, RULE_NAMES, Rules


def test_deploy_system__defaults__roles_rules_and_delay(
    registry, system, pool, governor, deployer, registrar, guardian, certifier, proposer
):
    assert system.points.address == pool.address != registry.address
    assert pool.registry() == registry.address and registry.pool() == pool.address
    assert pool.governor() == registry.governor() == governor.address
    assert registry.hasRole(registry.DEFAULT_ADMIN_ROLE(), governor)
    assert registry.hasRole(registry.REGISTRAR_ROLE(), registrar)
    assert registry.hasRole(registry.GUARDIAN_ROLE(), guardian)
    assert registry.hasRole(registry.CERTIFIER_ROLE(), certifier)
    assert system.certifier == certifier
    # the deployer keeps no role anywhere
    roles = (registry.DEFAULT_ADMIN_ROLE(), registry.REGISTRAR_ROLE(), registry.GUARDIAN_ROLE())
    for role in (*roles, registry.CERTIFIER_ROLE()):
        assert not registry.hasRole(role, deployer)
    # the catalog given to the deployment is certified
    for green_class in SAMPLE_CATALOG:
        assert registry.green_class(green_class.class_id) == (
            green_class.kind,
            True,
            green_class.co2e_per_unit,
            green_class.standard_hash,
        )
    assert not governor.hasRole(governor.DEFAULT_ADMIN_ROLE(), deployer)
    assert governor.hasRole(governor.PROPOSER_ROLE(), proposer)
    assert governor.hasRole(governor.EXECUTOR_ROLE(), ZERO)  # anyone may execute a ready change
    assert governor.get_minimum_delay() == 2 * 86_400 == system.timelock_delay
    assert (pool.name(), pool.symbol(), pool.decimals()) == ("Green Consumption Points", "GCP", 18)
    assert system.rules == DEFAULT_RULES


def test_deploy_system__rule_overrides__applied(deployer, registrar, guardian):
    system = deploy_system(deployer, registrar=registrar, guardian=guardian, rules={"issue_bps": 6_500})
    assert system.registry.issue_bps() == 6_500
    assert system.rules == Rules(issue_bps=6_500)


def test_deploy_system__short_delay_on_local_chain__allowed(deployer, registrar, guardian):
    system = deploy_system(deployer, registrar=registrar, guardian=guardian, timelock_delay=60)
    assert system.governor.get_minimum_delay() == 60


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"rules": {"issue_bps": 9_999}}, "issue_bps=9999 is outside its hard bounds"),
        ({"rules": {"bonus_bps": 1}}, "unknown rule"),
        ({"timelock_delay": -1}, "cannot be negative"),
    ],
)
def test_deploy_system__bad_request__deploy_error(deployer, registrar, guardian, kwargs, message):
    with pytest.raises(DeployError, match=message):
        deploy_system(deployer, registrar=registrar, guardian=guardian, **kwargs)


def test_deploy_system__same_registrar_and_guardian__deploy_error(deployer, registrar, guardian):
    with pytest.raises(DeployError, match="distinct"):
        deploy_system(deployer, registrar=registrar, guardian=registrar)
    with pytest.raises(DeployError, match="distinct"):
        deploy_system(deployer, registrar=registrar, guardian=guardian, certifier=guardian)


def test_deploy_system__catalog_without_a_certifier_account__deploy_error(
    deployer, registrar, guardian, stranger
):
    with pytest.raises(DeployError, match="certifier account"):
        deploy_system(
            deployer,
            registrar=registrar,
            guardian=guardian,
            certifier=str(stranger.address),
            catalog=SAMPLE_CATALOG,
        )


def test_deploy_system__asset_not_a_contract__deploy_error(deployer, registrar, guardian, stranger):
    with pytest.raises(DeployError, match="no contract"):
        deploy_system(deployer, registrar=registrar, guardian=guardian, asset=str(stranger.address))


def test_record__saved_then_loaded__same_system(system, tmp_path):
    path = system.save(tmp_path / "local.json")
    record = json.loads(path.read_text())
    assert record["contracts"]["pool"] == record["contracts"]["points"] == str(system.pool.address)
    assert record["rules"] == DEFAULT_RULES.as_dict()
    loaded = load_system(path)
    assert loaded.pool.address == system.pool.address
    assert loaded.registrar.address == system.registrar.address
    assert loaded.certifier.address == system.certifier.address
    assert loaded.deployment_block == system.deployment_block


def test_load_system__missing_or_wrong_chain__deploy_error(system, tmp_path):
    with pytest.raises(DeployError, match="no deployment record"):
        load_system(tmp_path / "absent.json")
    record = system.record()
    record["chain_id"] = 999_999
    path = tmp_path / "other.json"
    path.write_text(json.dumps(record))
    with pytest.raises(DeployError, match="was written on chain 999999"):
        load_system(path)


@pytest.mark.parametrize(
    "value, message",
    [("0x1234", "is not an address"), (ZERO, "zero address"), ("0x" + "aB" * 20, "bad checksum")],
)
def test_parse_address__bad_input__deploy_error(value, message):
    with pytest.raises(DeployError, match=message):
        parse_address(value, "registrar")


def test_constructor__zero_role__reverts(
    project, system, deployer, asset, governor, registrar, guardian, certifier
):
    rules, blueprint = DEFAULT_RULES.as_tuple(), system.registry_blueprint
    roles = (governor, registrar, guardian, certifier)
    names = ("governor", "registrar", "guardian", "certifier")
    for i, name in enumerate(names):
        args = [ZERO if j == i else role for j, role in enumerate(roles)]
        with ape.reverts(f"pool: {name} is the zero address"):
            project.ValuePool.deploy(asset, *args, rules, blueprint, sender=deployer)


def test_constructor__asset_not_a_contract__reverts(
    project, system, deployer, governor, registrar, guardian, certifier
):
    with ape.reverts("pool: asset is not a contract"):
        project.ValuePool.deploy(
            registrar, governor, registrar, guardian, certifier, DEFAULT_RULES.as_tuple(),
            system.registry_blueprint, sender=deployer,
        )  # fmt: skip


def test_constructor__asset_with_19_decimals__reverts_and_18_deploys(
    project, system, deployer, governor, registrar, guardian, certifier
):
    """SPEC 2: a settlement asset has at most 18 decimals (par is 10**(18 - decimals) points per unit)."""
    args = (governor, registrar, guardian, certifier, DEFAULT_RULES.as_tuple(), system.registry_blueprint)
    nineteen = project.MockStablecoin.deploy(19, sender=deployer)
    with ape.reverts("ledger: asset has more than 18 decimals"):
        project.ValuePool.deploy(nineteen, *args, sender=deployer)
    eighteen = project.MockStablecoin.deploy(18, sender=deployer)
    pool = project.ValuePool.deploy(eighteen, *args, sender=deployer)
    assert pool.asset() == eighteen.address and pool.convert_to_points(1) == 1


def test_constructor__rule_out_of_bounds__reverts(
    project, system, deployer, asset, governor, registrar, guardian, certifier
):
    bad = list(DEFAULT_RULES.as_tuple())
    bad[RULE_NAMES.index("settlement_fee_bps")] = 501  # the bound is 500
    with ape.reverts("rules: value out of bounds"):
        project.ValuePool.deploy(
            asset,
            governor,
            registrar,
            guardian,
            certifier,
            tuple(bad),
            system.registry_blueprint,
            sender=deployer,
        )


def test_deploy_blueprint__registry__holds_initcode_not_a_contract(system, chain):
    """The blueprint is EIP-5202 (0xFE7100 then the initcode): calling it cannot run the registry."""
    code = bytes(chain.provider.get_code(system.registry_blueprint))
    assert code[:3] == bytes.fromhex("fe7100")


def test_default_record_path__per_network_and_kind__never_shared():
    assert str(default_record_path()) == "deployments/ethereum-local-test.json"
    assert str(default_record_path("association")) == "deployments/ethereum-local-test-association.json"


def test_write_record__another_deployment_there__previous_kept_beside(system, tmp_path):
    path = tmp_path / "record.json"
    earlier = system.record() | {"contracts": {"pool": "0x" + "ab" * 20}, "deployment_block": 7}
    path.write_text(json.dumps(earlier))
    assert write_record(system.record(), path) == path
    assert json.loads(path.read_text())["contracts"]["pool"] == str(system.pool.address)
    assert json.loads((tmp_path / "record-block-7.json").read_text()) == earlier


def test_write_record__same_deployment_again__overwritten_in_place(system, tmp_path):
    path = system.save(tmp_path / "record.json")
    system.save(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["record.json"]


def test_write_record__path_not_writable__fallback_written_and_named(system, tmp_path):
    (tmp_path / "blocked").write_text("a file where the folder should be")  # fails even as root
    with pytest.raises(RecordError, match="could not write the deployment record") as caught:
        write_record(system.record(), tmp_path / "blocked" / "record.json")
    fallback = caught.value.fallback
    assert str(fallback) in str(caught.value)
    assert json.loads(fallback.read_text()) == system.record()
    fallback.unlink()

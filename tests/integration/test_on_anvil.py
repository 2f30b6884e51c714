"""Deploy, a short simulation and the audit on anvil through ape-foundry, in this process.

One module-scoped node: the tests build on each other's chain (deploy, then simulate on a fresh
deployment, then audit that history), as a developer's session on a real node would.
"""

import dataclasses

import pytest
from ape import accounts, chain, networks

from greenpoints import governance
from greenpoints.audit import audit
from greenpoints.audit.monitor import Monitor
from greenpoints.catalog import SAMPLE_CATALOG
from greenpoints.deploy import DeployError, deploy_system, load_system
from greenpoints.sim import load_scenario, run_simulation
from greenpoints.sim.scenario import Adversaries

NOISY = Adversaries(
    replayed_orders_per_day=1, outsider_issues_per_day=1, trades_per_day=1, over_cap_exits_per_day=1
)


@pytest.fixture(scope="module")
def foundry(anvil_module):
    with networks.parse_network_choice("ethereum:local:foundry") as provider:
        yield provider


@pytest.fixture(scope="module")
def anvil_module():
    import os

    from greenpoints.anvil import anvil_node
    from tests.cli import BIN

    os.environ["PATH"] = f"{BIN}:{os.environ.get('PATH', '')}"
    with anvil_node() as url:
        yield url


@pytest.fixture(scope="module")
def simulated(foundry):
    scenario = load_scenario("baseline").with_overrides(days=4, consumers=25, merchants=4)
    scenario = dataclasses.replace(
        scenario, adversaries=NOISY, return_rate=0.2, settle_propensity=0.8, spend_propensity=0.3
    )
    return run_simulation(scenario, seed=5, backend="chain")


def test_deploy_system__anvil__contracts_roles_and_rules_on_chain(foundry, tmp_path):
    assert chain.chain_id == 31337 and foundry.name == "foundry"
    t = accounts.test_accounts
    system = deploy_system(t[0], registrar=t[1], guardian=t[2], asset_decimals=6, catalog=SAMPLE_CATALOG)
    for contract in (system.asset, system.pool, system.registry, system.governor):
        assert len(chain.provider.get_code(contract.address)) > 0
    assert system.pool.governor() == system.registry.governor() == system.governor.address
    assert system.pool.registry() == system.registry.address and system.registry.pool() == system.pool.address
    assert system.registry.issue_bps() == 7_000 and system.pool.asset() == system.asset.address
    again = load_system(system.save(tmp_path / "local.json"))
    assert again.pool.address == system.pool.address and again.deployment_block == system.deployment_block


def test_deploy_system__anvil_rule_out_of_bounds__refused(foundry):
    t = accounts.test_accounts
    with pytest.raises(DeployError, match="outside its hard bounds"):
        deploy_system(t[0], registrar=t[1], guardian=t[2], rules={"issue_bps": 9_999})


def test_run_simulation__anvil_ape_transactions__chain_ends_in_the_model_state(simulated):
    assert simulated.network == "ethereum:local:foundry"
    assert simulated.cross_check["equal"], simulated.cross_check["differences"]
    summary = simulated.summary()
    assert summary["totals"]["purchases"] > 10 and summary["totals"]["settlements"] > 0
    assert summary["totals"]["attempts"] > 0 and summary["attempts_not_refused"] == []


def test_audit__simulated_history_on_anvil__every_check_passes(simulated):
    system = simulated.runner.backend.system
    report = audit(system, start_block=system.deployment_block)
    assert report.ok, report.failures
    checks = report.checks()
    for name in ("1 solvency", "2 value per point", "3 supply", "4 purchases", "7 movements"):
        assert checks[name]["checked"] > 0 and checks[name]["failed"] == 0, name
    assert report.stats["log_requests"] >= 4  # paged eth_getLogs, one per source per page
    merchant, order_id = next(iter(report.ledger.orders))
    fates = report.trace(merchant, order_id)
    assert sum(f["points"] for f in fates) == report.ledger.orders[(merchant, order_id)]["points"]


def test_audit__rule_changed_through_the_governor_on_anvil__in_the_rule_history(simulated):
    system = simulated.runner.backend.system
    governance.change_rule(system, "settlement_fee_bps", 150)
    report = audit(system, start_block=system.deployment_block)
    assert report.ok, report.failures
    assert report.ledger.rules["settlement_fee_bps"] == 150
    assert {"rule": "settlement_fee_bps", "old": 100, "new": 150} in [
        {k: r[k] for k in ("rule", "old", "new")} for r in report.ledger.rule_history
    ]


def test_monitor__anvil_pause_after_history__one_alert(simulated):
    system = simulated.runner.backend.system
    alerts = []
    monitor = Monitor(system, chain.provider.web3, emit=alerts.append)
    monitor.start()
    system.registry.pause(sender=system.guardian)
    monitor.poll()
    assert [a.kind for a in alerts] == ["paused"]
    assert alerts[0].block == chain.blocks.head.number
    governance.unpause(system)
    monitor.poll()
    assert [a.kind for a in alerts][-2:] == ["rule_change_scheduled", "unpaused"]

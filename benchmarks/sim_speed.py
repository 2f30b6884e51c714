"""Purchases per second of the simulation on each backend and chain.

Run: .venv/bin/python -m benchmarks.sim_speed   (anvil on PATH; `make bench` does both)
Prints a markdown table; benchmarks/results.md holds the last `make bench` run, docs/simulation.md
explains it.

Two workloads:
- "baseline mix": scenarios/baseline.yaml for 15 days (purchases in small daily batches per
  merchant, plus spends, donations, exits, settlements and refused attempts, each its own action);
- "tills": 2,000 consumers at 6 merchants for 6 days, nothing but purchases (batches of ~100):
  what the chain can take when merchants batch their day's receipts.
"""

from __future__ import annotations

import dataclasses
import platform
import sys
import time

from ape import networks

from benchmarks import require_anvil
from greenpoints.anvil import anvil_node
from greenpoints.sim import load_scenario, run_simulation
from greenpoints.sim.scenario import Adversaries

EMBEDDED = "ethereum:local:test"
ANVIL = "ethereum:local:foundry"


def tills(baseline):
    """The "tills" workload: `baseline` with nothing but purchases (no spends, donations, exits,
    settlements, returns, adversaries or sponsored actions, and every sale of a certified class: one
    per category), so that merchants' batches fill the chain."""
    return dataclasses.replace(
        baseline,
        name="tills",
        product_classes=(),
        sponsors=(),
        action_classes=(),
        spend_propensity=0.0,
        donate_propensity=0.0,
        exit_propensity=0.0,
        settle_propensity=0.0,
        return_rate=0.0,
        adversaries=Adversaries(),
    )


def workloads():
    baseline = load_scenario("baseline")
    shopping = tills(baseline).with_overrides(consumers=2_000, merchants=6, days=6)
    return {"baseline mix": baseline.with_overrides(days=15), "tills": shopping}


def measure(scenario, backend: str) -> tuple[int, float, int]:
    """Purchases, seconds over the simulated days (deployment and admissions left out), actions."""
    result = run_simulation(scenario, seed=1, backend=backend, cross_check=False)
    purchases = sum(row["purchases"] for row in result.rows)
    return purchases, result.runner.elapsed - result.runner.setup_seconds, result.runner.actions


def run(model_only: bool = False) -> str:
    """The table (markdown) of one run."""
    rows = []
    loads = workloads()
    t0 = time.perf_counter()
    # The model runs are scaled up (a run of well under a second cannot be timed reliably).
    big = load_scenario("baseline").with_overrides(consumers=5_000, merchants=30, days=30)
    rows.append(("model", "-", "baseline mix x25 (5,000 consumers, 30 days)", *measure(big, "model")))
    many_tills = loads["tills"].with_overrides(consumers=40_000, merchants=120)
    rows.append(("model", "-", "tills x20 (40,000 consumers, 120 merchants)", *measure(many_tills, "model")))
    if model_only:
        plans = []
    else:
        plans = [(EMBEDDED, "embedded (eth-tester)", None)]
        plans += [(ANVIL, "anvil (started by ape-foundry)", None), (ANVIL, "anvil (anvil.anvil_node)", "own")]
    for choice, label, own in plans:
        for backend in ("fast", "chain"):
            for name, scenario in loads.items():
                if backend == "chain" and name == "baseline mix":
                    scenario = scenario.with_overrides(days=5)
                if own:
                    with anvil_node(), networks.parse_network_choice(choice, disconnect_after=True):
                        rows.append((backend, label, name, *measure(scenario, backend)))
                else:
                    with networks.parse_network_choice(choice, disconnect_after=True):
                        rows.append((backend, label, name, *measure(scenario, backend)))
    took = time.perf_counter() - t0
    lines = [f"Command: .venv/bin/python -m benchmarks.sim_speed ({took:.0f} s). Seconds are over the",
             "simulated days; deployment and admissions are left out.\n",
             "| backend | chain | workload | purchases | seconds | purchases/s | actions/s |",
             "|---|---|---|---:|---:|---:|---:|"]  # fmt: skip
    for backend, chain_label, name, purchases, seconds, actions in rows:
        lines.append(
            f"| {backend} | {chain_label} | {name} | {purchases:,} | {seconds:.1f} | "
            f"{purchases / seconds:,.0f} | {actions / seconds:,.0f} |"
        )
    return "\n".join(lines)


def main() -> int:
    if "--model-only" not in sys.argv:
        require_anvil("sim_speed")
    print(f"Machine: {platform.machine()}, Python {platform.python_version()}, {platform.platform()}\n")
    print(run(model_only="--model-only" in sys.argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())

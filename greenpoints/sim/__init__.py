"""Simulation of consumers, merchants, charities and adversaries over many days.

    result = run_simulation(load_scenario("baseline"), seed=1, backend="model")
    result.write(Path("out/baseline"))

`backend` is `model` (the Python model alone), `chain` (Ape transactions on the connected local
network) or `fast` (the same contracts and network, raw JSON-RPC transactions). After a chain run
the same scenario and seed are run on the model and the two end states compared figure by figure.
"""

from __future__ import annotations

from .results import SimResult, compare
from .runner import Divergence, Runner
from .scenario import Scenario, ScenarioError, known_scenarios, load_scenario


def run_simulation(
    scenario: Scenario,
    *,
    seed: int,
    backend: str = "model",
    start: int | None = None,
    on_day=None,
    cross_check: bool = True,
    launch=None,
    stop=None,
    on_cross_check_day=None,
) -> SimResult:
    """Run `scenario` with `seed` on `backend`; chain runs are cross-checked against the model.
    `launch` (chain backends): run on the platform it returns (`greenpoints.sim.backends.ChainBackend`).
    `stop` (a `greenpoints.progress.StopFlag`): when it turns true the run ends after the day in play
    and the result holds the days done (`result.partial`; a stopped run is not cross-checked)."""
    # Imported here, not above: `ape run simulate` defines its options from this package, and needs
    # neither Ape's chain nor the chain backends (eth-tester, web3) to refuse a bad one.
    from ape import networks

    from .backends import make_backend

    runner = Runner(scenario, seed, make_backend(backend, launch=launch), start=start)
    runner.run(on_day=on_day, stop=stop)
    network = "python model"
    if backend != "model":
        provider = networks.active_provider
        network = f"{provider.network.ecosystem.name}:{provider.network.name}:{provider.name}"
    final = runner.backend.read_final_state(runner.agents.holders())
    result = SimResult(runner, backend, network, final if final is not None else runner.final_state())
    if backend != "model" and cross_check and not runner.partial:
        twin = Runner(scenario, seed, make_backend("model"), start=runner.start)
        twin.run(on_day=on_cross_check_day, stop=stop)
        if twin.partial:
            return result
        twin_result = SimResult(twin, "model", "python model", twin.final_state())
        result.cross_check = compare(result.final_state, runner.rows, twin_result)
    return result


__all__ = [
    "Divergence",
    "Runner",
    "Scenario",
    "ScenarioError",
    "SimResult",
    "known_scenarios",
    "load_scenario",
    "run_simulation",
]

"""The sustainability outcomes of one run (greenpoints.sim.outcomes): each figure from the run's own
books, the fast "could exit" bookkeeping equal to asking the model for every consumer every day, and
simulate's summary.json carrying them."""

import pytest

from greenpoints.sim import load_scenario, run_simulation
from greenpoints.sim.backends import ModelBackend
from greenpoints.sim.outcomes import (
    OUTCOMES,
    holds_through_stall,
    median_exits_within_year,
    newcomers_pay_most,
)
from greenpoints.sim.runner import Runner


def _run(name="baseline", seed=1, **overrides):
    scenario = load_scenario(name).with_overrides(**{"days": 40, "consumers": 80, **overrides})
    return run_simulation(scenario, seed=seed, backend="model")


class BruteForceRunner(Runner):
    """Asks the model about every consumer not yet marked, every day: what the estimate must equal."""

    def _note_exitable(self):
        for consumer in self.agents.consumers:
            if consumer not in self.first_exitable and self.model.own_exit_limit(consumer, self.now):
                self.first_exitable[consumer] = self.day


@pytest.mark.parametrize("rules", [{}, {"exit_trigger_bps": 11_000}, {"issue_bps": 5_000}])
def test_note_exitable__estimate_first__same_days_as_asking_the_model_every_day(rules):
    scenario = load_scenario("baseline").with_overrides(days=40, consumers=80)
    scenario = scenario.with_overrides(rules={**scenario.rules, **rules})
    fast, brute = Runner(scenario, 3, ModelBackend()), BruteForceRunner(scenario, 3, ModelBackend())
    fast.run()
    brute.run()
    assert fast.first_exitable == brute.first_exitable
    assert fast.first_exitable  # the case is not empty: some consumers could exit


def test_outcomes__baseline_run__figures_from_the_runs_books():
    result = _run()
    figures = result.summary()["outcomes"]
    assert list(figures) == list(OUTCOMES)
    rows, runner = result.rows, result.runner
    unit = 10**runner.scenario.asset_decimals
    assert figures["exits"] == sum(r["exits"] for r in rows) > 0
    assert figures["exit_payouts"] == sum(r["exit_payouts"] for r in rows) / unit
    assert figures["could_exit_share"] == len(runner.first_exitable) / len(runner.agents.consumers)
    assert 0 < figures["paid_by_newcomers_share"] <= 1
    assert figures["value_fell_days"] == 0
    assert figures["carbon_kg"] == rows[-1]["total_carbon_g"] / 1_000
    assert figures["rogue_net"] is None  # no rogue in the baseline
    assert figures["pool_assets_end"] == rows[-1]["total_assets"] / unit


def test_outcomes__paid_by_newcomers__exit_payouts_above_the_exited_basis():
    """Recomputed from the model: every exit's payout against the basis its points carried."""
    result = _run(seed=2)
    by_newcomers = sum(r["exit_paid_by_newcomers"] for r in result.rows)
    paid = sum(r["exit_payouts"] for r in result.rows)
    assert 0 < by_newcomers < paid
    assert result.summary()["outcomes"]["paid_by_newcomers_share"] == by_newcomers / paid


def test_outcomes__rogue_scenario__rogue_net_is_its_sybils_gain_minus_what_it_paid():
    result = _run("rogue-merchant", days=30)
    rogue = result.summary()["rogue"]
    unit = 10**result.runner.scenario.asset_decimals
    assert result.summary()["outcomes"]["rogue_net"] == pytest.approx(rogue["net"] / unit)


def test_outcomes__median_days_to_exit__lower_median_or_none_when_fewer_than_half():
    result = _run(days=60, rules={"exit_trigger_bps": 10_000})  # 1x: nearly everyone, soon
    figures = result.summary()["outcomes"]
    runner = result.runner
    joined = dict(zip(runner.agents.consumers, runner.agents.joined, strict=True))
    waits = sorted(day - joined[c] for c, day in runner.first_exitable.items())
    assert figures["could_exit_share"] > 0.5
    assert figures["median_days_to_exit"] == waits[(len(runner.agents.consumers) - 1) // 2]
    strict = _run(days=10, rules={"exit_trigger_bps": 50_000}).summary()["outcomes"]  # 5x in 10 days: none
    assert strict["could_exit_share"] < 0.5 and strict["median_days_to_exit"] is None


def test_verdict_conditions__rows__each_condition_true_and_false():
    row = {
        "value_fell_days": 0,
        "pool_drawdown": 0.1,
        "median_days_to_exit": 200,
        "paid_by_newcomers_share": 0.7,
    }
    assert holds_through_stall(row) and median_exits_within_year(row) and newcomers_pay_most(row)
    worse = {**row, "pool_drawdown": 0.3, "median_days_to_exit": None, "paid_by_newcomers_share": 0.2}
    assert not holds_through_stall(worse)
    assert not median_exits_within_year(worse) and not newcomers_pay_most(worse)
    assert not median_exits_within_year({**row, "median_days_to_exit": float("nan")})  # empty CSV cell

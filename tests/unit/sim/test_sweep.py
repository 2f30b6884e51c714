"""Policy sweeps (greenpoints.sim.sweep) on a Dask cluster: the grid checked before any run, the same
rows whatever the number of workers, a failed run reported without taking the sweep down, a stopped
sweep resumed, the files a reader gets."""

import json
import signal
import sys

import pandas as pd
import pytest

from greenpoints.sim.outcomes import OUTCOMES
from greenpoints.sim.sweep import Sweep, SweepError, SweepSpec
from greenpoints.sim.sweep_worker import IgnoreCtrlC


def small_spec(seeds=2):
    return SweepSpec.parse(
        "baseline", ["issue_bps=6000,8000", "exit_trigger_bps=12000"], seeds, days=8, consumers=30
    )


@pytest.mark.parametrize(
    "grids, message",
    [
        (["issue_bps"], "expected NAME=V1,V2"),
        (["fee=1,2"], "fee: not a rule"),
        (["issue_bps=6000,x"], "values must be integers"),
        (["issue_bps=6000,6000"], "a value is repeated"),
        (["issue_bps=6000", "issue_bps=7000"], "given twice"),
        (["issue_bps=500,6000"], "rule set issue_bps=500: issue_bps"),
        ([], "at least one --grid"),
    ],
)
def test_parse__bad_grid__one_line_error_before_any_run(grids, message):
    with pytest.raises(SweepError, match=message):
        SweepSpec.parse("baseline", grids, 2)


def test_parse__unknown_scenario__error():
    with pytest.raises(SweepError, match="no-such"):
        SweepSpec.parse("no-such", ["issue_bps=6000"], 1)


def test_parse__exit_request_share__overrides_the_scenario_and_is_part_of_the_spec():
    spec = SweepSpec.parse("growth-then-stall", ["issue_bps=6000"], 1, exit_request_share=0.0)
    assert spec.base().exit_request_share == 0.0
    assert spec.as_dict()["exit_request_share"] == 0.0
    plain = SweepSpec.parse("growth-then-stall", ["issue_bps=6000"], 1)
    assert plain.base().exit_request_share == 0.9  # the scenario's own
    assert "exit_request_share" not in plain.as_dict()  # a spec.json from before the option matches


def test_parse__exit_request_share_out_of_range__one_line_error():
    with pytest.raises(SweepError, match="exit_request_share: must be between 0 and 1, got 1.5"):
        SweepSpec.parse("baseline", ["issue_bps=6000"], 1, exit_request_share=1.5)


def test_parse__grid__every_rule_set_times_every_seed():
    spec = SweepSpec.parse("baseline", ["issue_bps=6000,7000,8000", "exit_trigger_bps=15000,20000"], 5)
    assert len(spec.points()) == 6 and len(spec.tasks()) == 30
    assert spec.tasks()[0] == ({"issue_bps": 6000, "exit_trigger_bps": 15000}, 1)


def test_run__one_worker_and_two__same_rows(tmp_path):
    rows = {}
    for workers in (1, 2):
        result = Sweep(small_spec(), tmp_path / f"w{workers}", workers=workers).run()
        assert result.complete and not result.failures
        rows[workers] = result.frame().drop(columns=["seconds"])
    pd.testing.assert_frame_equal(rows[1], rows[2])
    assert len(rows[1]) == 4 and set(OUTCOMES) <= set(rows[1].columns)


def test_client__worker_processes_after_ape_is_imported__ctrl_c_still_ignored(tmp_path):
    # A terminal's Ctrl-C reaches the workers too; Ape's import puts its exit-130 handler back, and a
    # worker exited inside one of Dask's network tasks printed a traceback under the sweep's clean stop.
    client, cluster = Sweep(small_spec(seeds=1), tmp_path, workers=1)._client()
    try:
        imported = client.submit(lambda: __import__("ape").__name__, pure=False).result()
        ignored = client.run(lambda: signal.getsignal(signal.SIGINT) is signal.SIG_IGN)
    finally:
        client.close()
        cluster.close()

    assert imported == "ape"
    assert list(ignored.values()) == [True]


def test_ignore_ctrl_c__setup__ape_imported_first_then_sigint_ignored():
    previous = signal.getsignal(signal.SIGINT)
    try:
        IgnoreCtrlC().setup(worker=None)
        assert "ape" in sys.modules
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)


def test_run__a_run_fails__reported_with_its_parameters_and_the_rest_done(tmp_path, monkeypatch):
    from greenpoints.sim import runner

    real = runner.Runner.run

    def failing(self, *args, **kwargs):
        if self.seed == 2 and self.rules.issue_bps == 8000:
            raise ZeroDivisionError("broken on purpose")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(runner.Runner, "run", failing)
    result = Sweep(small_spec(), tmp_path, workers=1, processes=False).run()  # threads: the patch applies
    (failure,) = result.failures
    assert (failure["issue_bps"], failure["exit_trigger_bps"], failure["seed"]) == (8000, 12000, 2)
    assert "ZeroDivisionError: broken on purpose" in failure["error"]
    assert len(result.ok_rows) == 3 and not result.complete
    written = result.write()
    assert (tmp_path / "failures.csv") in written
    assert "broken on purpose" in (tmp_path / "summary.md").read_text()
    assert len(pd.read_csv(tmp_path / "sweep.csv")) == 3


def test_sweep__same_sweep_finished_in_out__nothing_to_run_and_nothing_rewritten(tmp_path):
    Sweep(small_spec(seeds=1), tmp_path, workers=1, processes=False).run()
    runs = (tmp_path / "runs.jsonl").read_text()
    again = Sweep(small_spec(seeds=1), tmp_path, workers=1)  # the same command a second time
    assert again.pending() == [] and len(again.done) == 2
    assert (tmp_path / "runs.jsonl").read_text() == runs


def test_sweep__same_sweep_unfinished_or_another_in_out__refused_without_resume(tmp_path):
    Sweep(small_spec(seeds=1), tmp_path, workers=1, processes=False).run()
    runs = tmp_path / "runs.jsonl"
    runs.write_text(runs.read_text().splitlines()[0] + "\n")  # as if stopped after one run
    with pytest.raises(
        SweepError, match=r"holds this sweep, not finished \(1 of 2 runs\): --resume to finish"
    ):
        Sweep(small_spec(seeds=1), tmp_path, workers=1)
    for resume in (False, True):
        with pytest.raises(SweepError, match="a sweep of another spec"):
            Sweep(small_spec(seeds=2), tmp_path, workers=1, resume=resume)


def test_sweep__resume__runs_only_what_is_missing_and_ends_as_one_whole_run(tmp_path):
    whole = Sweep(small_spec(), tmp_path / "whole", workers=1, processes=False).run()
    runs = tmp_path / "part" / "runs.jsonl"
    part = Sweep(small_spec(), tmp_path / "part", workers=1, processes=False).run()
    kept = runs.read_text().splitlines()[:2]  # as if stopped after two runs
    runs.write_text("\n".join(kept) + "\n")
    again = Sweep(small_spec(), tmp_path / "part", workers=1, processes=False, resume=True)
    assert len(again.pending()) == 2
    resumed = again.run()
    assert resumed.ran == 2 and resumed.complete and len(part.rows) == 4
    cols = lambda r: r.frame().drop(columns=["seconds"])  # noqa: E731
    pd.testing.assert_frame_equal(cols(resumed), cols(whole))


def test_write__finished_sweep__csv_summary_verdict_and_heatmaps(tmp_path):
    result = Sweep(small_spec(), tmp_path, workers=1, processes=False).run()
    written = result.write()
    frame = pd.read_csv(tmp_path / "sweep.csv")
    assert list(frame.columns[:3]) == ["issue_bps", "exit_trigger_bps", "seed"]
    assert list(frame.columns[3 : 3 + len(OUTCOMES)]) == list(OUTCOMES)
    summary = (tmp_path / "summary.md").read_text()
    assert "## Verdict" in summary and "| 6000 | 12000 |" in summary
    heatmaps = [p for p in written if p.suffix == ".png"]
    assert (tmp_path / "heatmap_value_per_point_growth.png") in heatmaps
    assert all(p.stat().st_size > 1_000 for p in heatmaps)
    drawn = {p.stem.removeprefix("heatmap_") for p in heatmaps}
    assert "rogue_net" not in drawn and "paid_by_newcomers_share" not in drawn  # no rogue, no exit in 8 days
    grid = json.loads((tmp_path / "spec.json").read_text())["grid"]
    assert grid == {"issue_bps": [6000, 8000], "exit_trigger_bps": [12000]}


def test_write__growth_then_stall__queue_outcomes_are_columns_and_heatmaps(tmp_path):
    from greenpoints.sim import load_scenario, run_simulation

    spec = SweepSpec.parse("growth-then-stall", ["epoch_exit_limit_bps=100,1000"], 1, days=60)
    written = Sweep(spec, tmp_path, workers=1, processes=False).run().write()
    frame = pd.read_csv(tmp_path / "sweep.csv").set_index("epoch_exit_limit_bps")
    queue = ["queue_share", "median_queue_days", "max_queue_days"]
    assert set(queue) <= set(frame.columns)
    # each row is the run's own outcomes (the same run played here), and the figures it gave
    for limit in (100, 1000):
        scenario = load_scenario("growth-then-stall").with_overrides(days=60)
        scenario = scenario.with_overrides(rules={**scenario.rules, "epoch_exit_limit_bps": limit})
        figures = run_simulation(scenario, seed=1, backend="model").summary()["outcomes"]
        assert [frame.loc[limit, c] for c in queue] == pytest.approx([figures[c] for c in queue])
    assert frame.loc[100, ["median_queue_days", "max_queue_days"]].tolist() == [17, 27]
    assert frame.loc[1000, ["median_queue_days", "max_queue_days"]].tolist() == [2, 6]
    # a tighter limit sends almost every exit through the line
    assert frame.loc[100, "queue_share"] > 0.99 > 0.5 > frame.loc[1000, "queue_share"] > 0.1
    drawn = {p.stem.removeprefix("heatmap_") for p in written if p.suffix == ".png"}
    assert set(queue) <= drawn
    assert "| queue_share | median_queue_days | max_queue_days |" in (tmp_path / "summary.md").read_text()

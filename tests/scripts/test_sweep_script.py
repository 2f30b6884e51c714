"""`ape run sweep` as a user runs it: a small sweep end to end on a local Dask cluster of two worker
processes, bad grids in one line, Ctrl-C keeping the finished runs and saying how to resume."""

import json
import os
import signal
import subprocess
import time

import pandas as pd

from tests.cli import APE, ROOT, run


def test_sweep_script__small_grid_two_workers__files_verdict_and_no_noise(tmp_path):
    out = tmp_path / "sweep"
    grid = ["--grid", "issue_bps=6000,8000", "--grid", "exit_trigger_bps=15000,20000"]
    size = ["--seeds", "2", "--days", "10", "--consumers", "40"]
    result = run("sweep", *grid, *size, "--workers", "2", "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "8 of 8 runs finished" in result.stdout
    assert "newcomers pay most of the exits:" in result.stdout
    assert "Traceback" not in result.stderr and "distributed" not in result.stderr, result.stderr
    frame = pd.read_csv(out / "sweep.csv")
    assert len(frame) == 8 and set(frame["seed"]) == {1, 2}
    assert (out / "summary.md").read_text().startswith("# Sweep: baseline")
    assert len(list(out.glob("heatmap_*.png"))) >= 10


def test_sweep_script__growth_then_stall__queue_outcomes_from_this_checkout(tmp_path):
    # The workers are processes of their own: they must run this checkout's package (with the exit
    # queue in the simulation), not another copy a shared virtualenv names.
    out = tmp_path / "stall"
    args = ["--scenario", "growth-then-stall", "--grid", "epoch_exit_limit_bps=100,1000", "--seeds", "1"]
    result = run("sweep", *args, "--days", "60", "--workers", "2", "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    frame = pd.read_csv(out / "sweep.csv").set_index("epoch_exit_limit_bps")
    assert frame.loc[100, ["median_queue_days", "max_queue_days"]].tolist() == [17, 27]
    assert frame.loc[1000, ["median_queue_days", "max_queue_days"]].tolist() == [2, 6]
    assert frame.loc[100, "queue_share"] > 0.99 and 0.18 < frame.loc[1000, "queue_share"] < 0.19
    for outcome in ("queue_share", "median_queue_days", "max_queue_days"):
        assert (out / f"heatmap_{outcome}.png").is_file()


def test_sweep_script__exit_request_share_out_of_range__one_line_error(tmp_path):
    share = ["--exit-request-share", "2"]
    result = run("sweep", "--grid", "issue_bps=6000", *share, "--out", str(tmp_path / "s"))
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "Traceback" not in output
    assert "Invalid value for '--exit-request-share': 2.0 is not in the range 0<=x<=1." in output
    assert not (tmp_path / "s").exists()


def test_sweep_script__bad_grid__one_line_error(tmp_path):
    result = run("sweep", "--grid", "issue_bps=100,6000", "--out", str(tmp_path / "s"))
    output = result.stdout + result.stderr
    assert result.returncode == 1 and "Traceback" not in output
    assert [line for line in output.splitlines() if line.startswith("Error")] == [
        "Error: rule set issue_bps=100: issue_bps=100 is outside its hard bounds [1000, 9000]"
    ]
    assert not (tmp_path / "s").exists()  # refused before anything was written


def test_sweep_script__ctrl_c_as_a_terminal_sends_it__no_fake_failure_and_resume_finishes(tmp_path):
    out = tmp_path / "sweep"
    args = ["sweep", "--grid", "issue_bps=7000", "--seeds", "40", "--days", "60", "--consumers", "300",
            "--workers", "2", "--out", str(out)]  # fmt: skip
    process = subprocess.Popen(
        [APE, "run", *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    runs = out / "runs.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (runs.exists() and len(runs.read_text().splitlines()) >= 2):
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGINT)  # a terminal's Ctrl-C: to every process of the command
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stdout + stderr
    assert "Traceback" not in stderr, stderr
    assert "failed:" not in stderr and "Cancelled" not in stderr, stderr  # a cancelled run is no failure
    assert "; 0 failed" in stdout and not (out / "failures.csv").exists()
    kept = len(pd.read_csv(out / "sweep.csv"))
    assert 2 <= kept < 40
    assert f"this session: {kept} runs in" in (out / "summary.md").read_text()  # not the 40 planned
    (resume,) = [line for line in stderr.splitlines() if "resume with: ape run sweep" in line]
    again = resume.split("resume with: ape run ", 1)[1].split()
    finished = run(*again)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert f"({kept} done before)" in finished.stderr
    frame = pd.read_csv(out / "sweep.csv")
    assert sorted(frame["seed"]) == list(range(1, 41))
    assert json.loads((out / "spec.json").read_text())["seeds"] == 40

    again = run(*args)  # the first command a second time: the sweep is there, finished
    assert again.returncode == 0, again.stdout + again.stderr
    assert (
        f"sweep: {out} holds this sweep, finished (40 runs): the results are {out / 'sweep.csv'}"
        in again.stdout
    )

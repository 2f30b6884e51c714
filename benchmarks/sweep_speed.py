"""Sweep speed: runs per second of `greenpoints.sim.sweep` on a local Dask cluster.

Run alone: .venv/bin/python -m benchmarks.sweep_speed [--runs N]   (default 1,000: about 5 minutes)

The workload is the issue's: `baseline` at 60 days and 2,000 consumers on day 0, each run one rule
set of a 5 x 4 grid (issue_bps x exit_trigger_bps) and one seed. Measured:

- runs/s with 1 worker process and with 2 (the same 40 runs each), and the speed-up;
- the wall time of N runs on 2 workers (cluster start and the files written included), against the
  target of 1,000 runs in at most 5 minutes on this machine's 2 cores;
- the model's purchases per second over whole runs (every purchase of a run over its seconds, set-up
  and the day's other actions included), from the same runs.

Nothing is asserted here: the figures go to benchmarks/results.md and docs/sweeps.md.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from greenpoints.sim.sweep import Sweep, SweepSpec

GRID = ["issue_bps=5000,6000,7000,8000,9000", "exit_trigger_bps=12000,15000,20000,25000"]
DAYS, CONSUMERS = 60, 2_000


def _spec(runs: int) -> SweepSpec:
    """The grid's 20 rule sets with enough seeds for `runs` (rounded up to a multiple of 20)."""
    seeds = max(1, -(-runs // 20))
    return SweepSpec.parse("baseline", GRID, seeds, days=DAYS, consumers=CONSUMERS)


def measure(runs: int, workers: int) -> tuple[int, float, float, float]:
    """(runs done, wall seconds including the cluster's start and the files, runs/s of the runs
    themselves, model purchases per second over whole runs)."""
    spec = _spec(runs)
    with tempfile.TemporaryDirectory() as folder:
        began = time.perf_counter()
        result = Sweep(spec, Path(folder), workers=workers).run()
        result.write()
        wall = time.perf_counter() - began
    rows = result.ok_rows
    purchases = sum(r["purchases"] for r in rows)
    seconds = sum(r["seconds"] for r in rows)
    return len(rows), wall, len(rows) / result.seconds, purchases / seconds


def run(runs: int = 1_000) -> str:
    lines = [
        f"Workload: `baseline`, {DAYS} days, {CONSUMERS:,} consumers on day 0; grid {' x '.join(GRID)}; "
        "one model run per (rule set, seed) on a Dask LocalCluster of worker processes "
        "(`.venv/bin/python -m benchmarks.sweep_speed`).",
        "",
        "| workers | runs | wall (s) | runs/s | model purchases/s (whole runs) |",
        "|---:|---:|---:|---:|---:|",
    ]
    rates = {}
    for workers in (1, 2):
        done, wall, rate, purchases = measure(40, workers)
        rates[workers] = rate
        lines.append(f"| {workers} | {done} | {wall:.1f} | {rate:.2f} | {purchases:,.0f} |")
    done, wall, rate, purchases = measure(runs, 2)
    lines.append(f"| 2 | {done:,} | {wall:.1f} | {rate:.2f} | {purchases:,.0f} |")
    verdict = "met" if wall <= 300 else "NOT met"
    lines += [
        "",
        f"Speed-up from 1 to 2 workers: {rates[2] / rates[1]:.2f}x. {done:,} runs on 2 workers: "
        f"{wall:.0f} s wall, cluster start and files included (target: 1,000 runs in at most 300 s: "
        f"{verdict}).",
    ]
    return "\n".join(lines)


def main() -> int:
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 1_000
    print(run(runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

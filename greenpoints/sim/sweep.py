"""Policy sweeps: Monte Carlo over rule sets, every (rule set, seed) one model run, on Dask.

    spec = SweepSpec.parse("baseline", ["issue_bps=6000,7000", "exit_trigger_bps=15000,20000"], seeds=5)
    sweep = Sweep(spec, Path("results/sweep"), workers=2)        # or scheduler="tcp://host:8786"
    done = sweep.run()                                            # runs.jsonl as runs finish
    done.write()                                                  # sweep.csv, summary.md, heatmaps

Every run is independent and deterministic: the scenario, its rules with the grid point applied, and
the seed fix it (the model backend, the simulation's fixed start day), so the same spec gives the
same rows whatever the number of workers or their order. Runs go to a Dask cluster: a `LocalCluster`
of worker processes on this machine (`workers`), or the scheduler of a cluster (`scheduler`), whose
workers need this package installed. Why Dask rather than Ray: docs/sweeps.md.

Each finished run is appended to `runs.jsonl` in the output folder at once, so a stopped sweep
(Ctrl-C, a crash, a lost cluster) keeps what it did and `--resume` runs only the rest; a run cancelled
that way is not a failure. A run that fails is a row with its parameters, seed and error in
`failures.csv`; the sweep goes on. The same spec on a folder that holds it finished runs nothing.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging
import math
import signal
import sys
import textwrap
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

from ..model.rules import DEFAULT_RULES, RULE_NAMES
from .outcomes import OUTCOMES, holds_through_stall, median_exits_within_year, newcomers_pay_most

MAX_RUNS = 100_000
"""Most runs in one sweep (grid points times seeds)."""
VERDICT_SHARE = 0.8
"""A rule set is named in the verdict when at least this share of its seeds meet the condition."""
RUNS_FILE = "runs.jsonl"
SPEC_FILE = "spec.json"


class SweepError(ValueError):
    """Bad input for a sweep: one line for the user."""


@dataclasses.dataclass(frozen=True)
class SweepSpec:
    """What a sweep runs: a scenario, a grid of rule values, seeds 1..seeds, optional size overrides."""

    scenario: str
    grid: tuple[tuple[str, tuple[int, ...]], ...]
    seeds: int
    days: int | None = None
    consumers: int | None = None
    exit_request_share: float | None = None
    """Overrides the scenario's share of refused consumers who request an exit (None: the scenario's)."""

    @classmethod
    def parse(
        cls, scenario: str, grids: list[str], seeds: int, days=None, consumers=None, exit_request_share=None
    ) -> SweepSpec:
        """From `--grid NAME=V1,V2,...` strings; every name a rule, every value within its bounds."""
        from .scenario import ScenarioError, load_scenario

        try:
            base = load_scenario(scenario)
        except (ScenarioError, FileNotFoundError) as err:
            raise SweepError(str(err)) from err
        axes: list[tuple[str, tuple[int, ...]]] = []
        for text in grids:
            name, sep, values = text.partition("=")
            name = name.strip()
            if not sep or not values.strip():
                raise SweepError(f"--grid {text!r}: expected NAME=V1,V2,... (a rule and its values)")
            if name not in RULE_NAMES:
                raise SweepError(f"--grid {name}: not a rule; rules: {', '.join(RULE_NAMES)}")
            if name in dict(axes):
                raise SweepError(f"--grid {name}: given twice")
            try:
                numbers = tuple(int(v) for v in values.split(","))
            except ValueError as err:
                raise SweepError(f"--grid {name}: values must be integers ({values})") from err
            if len(set(numbers)) != len(numbers):
                raise SweepError(f"--grid {name}: a value is repeated ({values})")
            axes.append((name, numbers))
        if not axes:
            raise SweepError("at least one --grid NAME=V1,V2,... is needed")
        if seeds < 1:
            raise SweepError("--seeds must be at least 1")
        spec = cls(scenario, tuple(axes), seeds, days, consumers, exit_request_share)
        try:
            spec.base()
        except (ScenarioError, FileNotFoundError) as err:
            raise SweepError(str(err)) from err
        if len(spec.points()) * seeds > MAX_RUNS:
            raise SweepError(f"{len(spec.points()) * seeds:,} runs: at most {MAX_RUNS:,} in one sweep")
        for point in spec.points():  # every rule set within the hard bounds, before any run
            try:
                DEFAULT_RULES.with_overrides({**base.rules, **point})
            except ValueError as err:
                raise SweepError(f"rule set {_label(point)}: {err}") from err
        return spec

    def base(self):
        """The scenario every run starts from: the named one (or file) with the sweep's sizes."""
        from .scenario import load_scenario

        return load_scenario(self.scenario).with_overrides(
            days=self.days, consumers=self.consumers, exit_request_share=self.exit_request_share
        )

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.grid]

    def points(self) -> list[dict[str, int]]:
        """Every rule set of the grid, in grid order."""
        names = self.names
        return [
            dict(zip(names, values, strict=True)) for values in itertools.product(*(v for _, v in self.grid))
        ]

    def tasks(self) -> list[tuple[dict[str, int], int]]:
        """Every (rule set, seed), seeds 1..seeds."""
        return [(point, seed) for point in self.points() for seed in range(1, self.seeds + 1)]

    def as_dict(self) -> dict:
        spec = {
            "scenario": self.scenario,
            "grid": {name: list(values) for name, values in self.grid},
            "seeds": self.seeds,
            "days": self.days,
            "consumers": self.consumers,
        }
        if self.exit_request_share is not None:  # only when given: an older spec.json still matches
            spec["exit_request_share"] = self.exit_request_share
        return spec


def _label(point: dict[str, int]) -> str:
    return " ".join(f"{k}={v}" for k, v in point.items())


def run_one(base, point: dict[str, int], seed: int) -> dict:
    """One run on the model backend: `base` (a Scenario, sizes applied) with the grid point's rules over
    its own, one seed. Returns its row (parameters, seed, outcomes, seconds), or the same with `error`
    when the run failed. Runs in a Dask worker, which needs this package but no scenario file: the
    scenario travels with the task."""
    began = time.perf_counter()
    row: dict = {**point, "seed": seed}
    try:
        from .backends import ModelBackend
        from .outcomes import outcomes
        from .runner import Runner

        runner = Runner(base.with_overrides(rules={**base.rules, **point}), seed, ModelBackend())
        runner.run()
        row.update(outcomes(runner))
        row["purchases"] = sum(r["purchases"] for r in runner.rows)
    except Exception as err:  # reported with its parameters and seed; the sweep goes on
        last = traceback.extract_tb(err.__traceback__)[-1]
        row["error"] = f"{type(err).__name__}: {err} (at {Path(last.filename).name}:{last.lineno})"
    row["seconds"] = round(time.perf_counter() - began, 3)
    return row


class Sweep:
    """Runs a spec's tasks on a Dask cluster, appending each finished run to `out/runs.jsonl`."""

    def __init__(
        self,
        spec: SweepSpec,
        out: Path,
        *,
        workers: int | None = None,
        scheduler: str | None = None,
        resume: bool = False,
        processes: bool = True,
    ):
        self.spec, self.out = spec, Path(out)
        self.workers, self.scheduler, self.processes = workers, scheduler, processes
        self.done: list[dict] = []
        self.runs_path = self.out / RUNS_FILE
        saved = self.out / SPEC_FILE
        if self.runs_path.exists() and self.runs_path.stat().st_size:
            try:
                previous = json.loads(saved.read_text())
            except (OSError, ValueError) as err:
                raise SweepError(f"{saved}: cannot read the spec of the sweep in {self.out} ({err})") from err
            if previous != spec.as_dict():
                raise SweepError(
                    f"{self.out} holds a sweep of another spec ({_describe(previous)}): the same options to "
                    "resume it, or another --out"
                )
            rows = [json.loads(line) for line in self.runs_path.read_text().splitlines() if line.strip()]
            # a failed run is run again on resume
            self.done = [row for row in rows if "error" not in row]
            if not resume and self.pending():
                raise SweepError(
                    f"{self.out} holds this sweep, not finished ({len(self.done):,} of {len(spec.tasks()):,} "
                    "runs): --resume to finish it, or another --out"
                )
            # the same sweep, finished: nothing to run (`pending()` is empty), nothing rewritten
        self.out.mkdir(parents=True, exist_ok=True)
        saved.write_text(json.dumps(spec.as_dict(), indent=1) + "\n")
        if resume:  # keep only the finished runs: the failures are tried again
            self.runs_path.write_text("".join(json.dumps(row) + "\n" for row in self.done))
        self.seconds = 0.0
        self.stopped = False
        self.engine = ""

    def pending(self) -> list[tuple[dict[str, int], int]]:
        finished = {(tuple(row[n] for n in self.spec.names), row["seed"]) for row in self.done}
        return [
            (point, seed)
            for point, seed in self.spec.tasks()
            if (tuple(point.values()), seed) not in finished
        ]

    def _client(self):
        """A Dask client: on the given scheduler, or on a LocalCluster of `workers` processes."""
        from dask.distributed import Client, LocalCluster

        if self.scheduler:
            try:
                client = Client(self.scheduler, timeout="10s")
            except (OSError, TimeoutError) as err:
                raise SweepError(f"no Dask scheduler answers at {self.scheduler} ({err})") from err
            n = len(client.scheduler_info().get("workers", {}))
            self.engine = f"Dask scheduler {self.scheduler} ({n} workers)"
            return client, None
        # The workers start with this process's sys.path (multiprocessing's spawn copies it, whatever
        # PYTHONPATH says): put the checkout this package was imported from first, or a worker may
        # import another copy of it (`ape run` drops PYTHONPATH's entries from sys.path, and a shared
        # virtualenv's editable install names one checkout only), and run that copy's rules.
        _checkout_first_on_path()
        # The workers ignore Ctrl-C (inherited at their start): the sweep's own handler stops it
        # cleanly, and the workers go when the cluster is closed.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            cluster = LocalCluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=self.processes,
                dashboard_address=None,
                silence_logs=logging.CRITICAL,
            )
        finally:
            signal.signal(signal.SIGINT, previous)
        self.engine = f"Dask LocalCluster, {len(cluster.workers)} worker processes"
        client = Client(cluster)
        if self.processes:  # threads share this process's handler: the sweep's own
            from .sweep_worker import IgnoreCtrlC

            client.register_plugin(IgnoreCtrlC())
        return client, cluster

    def run(self, *, stop=None, on_run: Callable[[dict], None] | None = None) -> SweepResult:
        """Run every pending task; `stop` (a StopFlag) ends it after the runs in flight are dropped.
        `on_run(row)` is told of each finished run (the progress bar)."""
        from dask.distributed import as_completed

        todo = self.pending()
        done_before = len(self.done)
        began = time.perf_counter()
        if todo:
            client, cluster = self._client()
            try:
                base = client.scatter(self.spec.base(), broadcast=True)  # sent to each worker once
                futures = client.map(
                    run_one, [base] * len(todo), [p for p, _ in todo], [seed for _, seed in todo], pure=False
                )
                task_of = {future.key: task for future, task in zip(futures, todo, strict=True)}
                with self.runs_path.open("a") as runs:
                    for future in _completed(as_completed(futures), stop):
                        if future.cancelled():  # dropped by Ctrl-C or a lost cluster: not a failure,
                            continue  # not finished either (`--resume` runs it)
                        row = _row_of(future, *task_of[future.key])
                        runs.write(json.dumps(row) + "\n")
                        runs.flush()
                        self.done.append(row)
                        if on_run is not None:
                            on_run(row)
                self.stopped = bool(stop)
                if self.stopped:
                    client.cancel(futures)
            finally:
                client.close()
                if cluster is not None:
                    cluster.close()
        self.seconds = time.perf_counter() - began
        ran = len(self.done) - done_before
        return SweepResult(self.spec, self.out, self.done, self.seconds, self.stopped, self.engine, ran)


def _checkout_first_on_path() -> None:
    """The folder holding this `greenpoints` package first on sys.path (once)."""
    root = str(Path(__file__).resolve().parents[2])
    if not sys.path or sys.path[0] != root:
        sys.path.insert(0, root)


def _completed(futures, stop) -> Iterator:
    for future in futures:
        yield future
        if stop:
            return


def _row_of(future, point: dict[str, int], seed: int) -> dict:
    """A finished future's row; a worker lost under the run (KilledWorker) is a failure like any other."""
    try:
        return future.result()
    except Exception as err:
        return {**point, "seed": seed, "error": f"{type(err).__name__}: {err}", "seconds": 0.0}


def _describe(spec: dict) -> str:
    grid = "; ".join(f"{k}={','.join(map(str, v))}" for k, v in spec.get("grid", {}).items())
    return f"{spec.get('scenario')}, {grid}, {spec.get('seeds')} seeds"


@dataclasses.dataclass
class SweepResult:
    """The runs of a sweep (finished ones, from this session and any it resumed) and what to write."""

    spec: SweepSpec
    out: Path
    rows: list[dict]
    seconds: float
    stopped: bool
    engine: str
    ran: int
    """Runs finished in this session (a stopped sweep drops the runs in flight)."""

    @property
    def ok_rows(self) -> list[dict]:
        return [row for row in self.rows if "error" not in row]

    @property
    def failures(self) -> list[dict]:
        return [row for row in self.rows if "error" in row]

    @property
    def complete(self) -> bool:
        return len(self.ok_rows) == len(self.spec.tasks())

    def frame(self):
        import pandas as pd

        columns = [*self.spec.names, "seed", *OUTCOMES, "purchases", "seconds"]
        frame = pd.DataFrame(self.ok_rows, columns=columns)
        return frame.sort_values([*self.spec.names, "seed"]).reset_index(drop=True)

    def by_rule_set(self):
        """Per rule set: the mean and standard deviation of every outcome over its seeds, and the share
        of seeds meeting each verdict condition."""
        frame = self.frame()
        if frame.empty:
            return frame
        flags = frame.assign(
            holds=[holds_through_stall(r) for r in frame.to_dict("records")],
            exits_within_year=[median_exits_within_year(r) for r in frame.to_dict("records")],
            newcomers_pay_most=[newcomers_pay_most(r) for r in frame.to_dict("records")],
        )
        grouped = flags.groupby(self.spec.names, sort=True)
        numeric = [c for c in OUTCOMES if c in frame]
        mean = grouped[numeric].mean().add_suffix("_mean")
        std = grouped[numeric].std(ddof=0).add_suffix("_sd")
        shares = grouped[["holds", "exits_within_year", "newcomers_pay_most"]].mean()
        return mean.join(std).join(shares).join(grouped.size().rename("seeds")).reset_index()

    def write(self) -> list[Path]:
        """sweep.csv, failures.csv (when a run failed), summary.md and one heatmap per outcome."""
        out = self.out
        written = []
        sweep_csv = out / "sweep.csv"
        self.frame().to_csv(sweep_csv, index=False)
        written.append(sweep_csv)
        failures = out / "failures.csv"
        if self.failures:
            import pandas as pd

            pd.DataFrame(self.failures, columns=[*self.spec.names, "seed", "error"]).to_csv(
                failures, index=False
            )
            written.append(failures)
        elif failures.exists():
            failures.unlink()
        plots = heatmaps(self, out) if self.ok_rows else []
        summary = out / "summary.md"
        summary.write_text(self.summary_markdown(plots))
        return [*written, summary, *plots]

    # ------------------------------------------------------------ the summary

    def verdict(self) -> dict[str, list[str]]:
        """The rule sets (labels) meeting each condition in at least VERDICT_SHARE of their seeds."""
        table = self.by_rule_set()
        named: dict[str, list[str]] = {"sustainable": [], "newcomers_pay_most": []}
        for row in table.to_dict("records") if not table.empty else []:
            label = _label({n: int(row[n]) for n in self.spec.names})
            if row["holds"] >= VERDICT_SHARE and row["exits_within_year"] >= VERDICT_SHARE:
                named["sustainable"].append(label)
            if row["newcomers_pay_most"] >= VERDICT_SHARE:
                named["newcomers_pay_most"].append(label)
        return named

    def summary_markdown(self, plots: list[Path]) -> str:
        from .outcomes import EXIT_WITHIN_DAYS, MAX_DRAWDOWN, NEWCOMERS_PAY_MOST

        s = self.spec
        total = len(s.tasks())
        done = len(self.ok_rows)
        rate = self.ran / self.seconds if self.seconds and self.ran else None
        days = s.days or _scenario_days(s.scenario)
        lines = [
            f"# Sweep: {s.scenario}",
            "",
            "- grid: " + "; ".join(f"`{n}` = " + ", ".join(map(str, v)) for n, v in s.grid),
            f"- seeds 1 to {s.seeds}; {days} days"
            + (f"; {s.consumers:,} consumers on day 0" if s.consumers is not None else "")
            + (f"; exit_request_share {s.exit_request_share:g}" if s.exit_request_share is not None else "")
            + "; model backend",
            f"- runs: {done:,} of {total:,} finished"
            + (f", {len(self.failures)} failed (failures.csv)" if self.failures else "")
            + (" — STOPPED: `--resume` with the same options runs the rest" if not self.complete else ""),
            f"- this session: {self.ran:,} runs in {self.seconds:.1f} s"
            + (f" ({rate:.2f} runs/s)" if rate else "")
            + (f" on {self.engine}" if self.engine else ""),
            "",
            "Each outcome is explained in docs/sweeps.md; sweep.csv has one row per run.",
            "",
            "## Verdict",
            "",
            f"A rule set is named when at least {VERDICT_SHARE:.0%} of its seeds meet the condition.",
            "",
            "| condition | rule sets |",
            "|---|---|",
        ]
        verdict = self.verdict()
        short = days < EXIT_WITHIN_DAYS
        sustainable = (
            f"holds through a stall (value per point never fell, pool never more than {MAX_DRAWDOWN:.0%} "
            "below a peak: a stall test when the scenario has one, as growth-then-stall does) and the "
            f"median consumer can exit within {EXIT_WITHIN_DAYS} days"
            + (f" (seen within this run's {days} days only)" if short else "")
        )
        lines.append(f"| {sustainable} | {', '.join(verdict['sustainable']) or 'none'} |")
        lines.append(
            f"| newcomers pay most of the exits (over {NEWCOMERS_PAY_MOST:.0%} of exit payouts funded by "
            f"later contributions) | {', '.join(verdict['newcomers_pay_most']) or 'none'} |"
        )
        table = self.by_rule_set()
        if not table.empty:
            shown = [
                "could_exit_share", "median_days_to_exit", "paid_by_newcomers_share",
                "value_per_point_growth", "pool_drawdown", "exit_limit_bound_days", "queue_share",
                "median_queue_days", "max_queue_days", "first_cohort_return", "last_cohort_return",
            ]  # fmt: skip
            lines += [
                "",
                "## Per rule set (mean ± standard deviation over the seeds)",
                "",
                "| " + " | ".join([*s.names, *shown, "seeds"]) + " |",
                "|" + "---|" * (len(s.names) + len(shown) + 1),
            ]
            for row in table.to_dict("records"):
                cells = [str(int(row[n])) for n in s.names]
                cells += [_pm(row[f"{c}_mean"], row[f"{c}_sd"]) for c in shown]
                lines.append("| " + " | ".join([*cells, str(int(row["seeds"]))]) + " |")
        if self.failures:
            lines += ["", "## Failed runs", ""]
            lines += [f"- {_label({n: r.get(n) for n in s.names})} seed {r.get('seed')}: {r['error']}"
                      for r in self.failures[:20]]  # fmt: skip
        if plots:
            lines += ["", "## Heatmaps", ""]
            lines += [f"- [{p.stem}]({p.name})" for p in plots]
        return "\n".join(lines) + "\n"


def _pm(mean, sd) -> str:
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "n/a"
    return f"{mean:,.3g} ± {sd:,.2g}" if sd == sd else f"{mean:,.3g}"


def _scenario_days(name: str) -> int:
    from .scenario import load_scenario

    return load_scenario(name).days


def heatmaps(result: SweepResult, out: Path) -> list[Path]:
    """One PNG per outcome: its mean over the seeds on the first two grid axes (the others averaged),
    each cell also giving the spread (± standard deviation) across seeds."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    names = result.spec.names
    x_name = names[0]
    y_name = names[1] if len(names) > 1 else None
    frame = result.frame()
    keys = [x_name] + ([y_name] if y_name else [])
    rest = [n for n in names if n not in keys]
    paths = []
    xs = sorted(frame[x_name].unique())
    ys = sorted(frame[y_name].unique()) if y_name else [None]
    for outcome, meaning in OUTCOMES.items():
        values = frame[outcome].astype(float)
        if values.isna().all():
            continue
        grouped = frame.assign(v=values).groupby(keys)["v"]
        mean, sd = grouped.mean(), grouped.std(ddof=0)
        grid = np.full((len(ys), len(xs)), np.nan)
        spread = np.full((len(ys), len(xs)), np.nan)
        for j, y in enumerate(ys):
            for i, x in enumerate(xs):
                key = (x, y) if y_name else x
                if key in mean.index:
                    grid[j, i], spread[j, i] = mean[key], sd[key]
        width = 1.6 + 1.5 * len(xs)
        fig, ax = plt.subplots(figsize=(width, 1.8 + 0.9 * len(ys)))
        image = ax.imshow(np.ma.masked_invalid(grid), cmap="viridis", aspect="auto", origin="lower")
        for j in range(len(ys)):
            for i in range(len(xs)):
                if not np.isnan(grid[j, i]):
                    text = f"{grid[j, i]:.3g}\n±{spread[j, i]:.2g}"
                    ax.text(i, j, text, ha="center", va="center", color="white", fontsize=8)
        ax.set_xticks(range(len(xs)), [str(x) for x in xs])
        ax.set_xlabel(x_name)
        if y_name:
            ax.set_yticks(range(len(ys)), [str(y) for y in ys])
            ax.set_ylabel(y_name)
        else:
            ax.set_yticks([])
        averaged = f"; averaged over {', '.join(rest)}" if rest else ""
        title = f"{outcome}: mean over {result.spec.seeds} seeds (± sd){averaged}\n{meaning}"
        ax.set_title(
            "\n".join(textwrap.fill(line, width=max(40, int(12 * width))) for line in title.splitlines()),
            fontsize=8,
            loc="left",
        )
        fig.colorbar(image, ax=ax)
        fig.tight_layout()
        path = out / f"heatmap_{outcome}.png"
        fig.savefig(path, dpi=90)
        plt.close(fig)
        paths.append(path)
    return paths

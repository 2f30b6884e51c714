"""ape run sweep: Monte Carlo over rule sets on a Dask cluster, with the sustainability outcomes."""

import os
import sys
from pathlib import Path

import click

from greenpoints.cli import one_line_errors
from greenpoints.paths import check_dir
from greenpoints.progress import StopFlag, bar
from greenpoints.sim.scenario import LIMITS, known_scenarios


@click.command(short_help="Run a scenario over a grid of rule sets and seeds (Dask)")
@click.option("--scenario", "scenario_name", default="baseline", show_default=True,
              help=f"A scenario name ({', '.join(known_scenarios())}) or a .yaml file")  # fmt: skip
@click.option("--grid", "grids", multiple=True, metavar="RULE=V1,V2,...",
              help="A rule and the values to try (repeat for more axes; the first two are the heatmaps' "
              "axes)")  # fmt: skip
@click.option("--seeds", type=click.IntRange(1, 10_000), default=5, show_default=True,
              help="Seeds per rule set (1..N)")  # fmt: skip
@click.option(
    "--days", type=click.IntRange(1, LIMITS["days"]), default=None, help="Override the scenario's days"
)
@click.option("--consumers", type=click.IntRange(0, LIMITS["consumers"]), default=None,
              help="Override the consumers on day 0")  # fmt: skip
@click.option("--exit-request-share", type=click.FloatRange(0, 1), default=None,
              help="Override the scenario's share of consumers the exit budget refuses who request an exit "
              "(0: nobody, the exit queue stays empty)")  # fmt: skip
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Worker processes of the local Dask cluster [default: one per core]")  # fmt: skip
@click.option("--scheduler", metavar="tcp://HOST:PORT", default=None,
              help="Run on this Dask scheduler's workers instead of a local cluster")  # fmt: skip
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("results/sweep"),
              show_default=True,
              help="Folder for runs.jsonl, sweep.csv, summary.md and the heatmaps")  # fmt: skip
@click.option(
    "--resume", is_flag=True, help="Finish the sweep in --out (same options): run only what is missing"
)
@one_line_errors
def cli(scenario_name, grids, seeds, days, consumers, exit_request_share, workers, scheduler, out, resume):
    from greenpoints.sim.sweep import Sweep, SweepError, SweepSpec

    if workers and scheduler:
        raise click.UsageError("--workers sizes the local cluster: not with --scheduler")
    check_dir(out, "--out")
    try:
        spec = SweepSpec.parse(scenario_name, list(grids), seeds, days, consumers, exit_request_share)
        sweep = Sweep(spec, out, workers=workers or os.cpu_count() or 1, scheduler=scheduler, resume=resume)
    except SweepError as err:
        raise click.ClickException(str(err)) from err
    todo = sweep.pending()
    total = len(spec.tasks())
    if not todo:  # this sweep, finished before: nothing to run
        if not (out / "sweep.csv").exists() or not (out / "summary.md").exists():
            sweep.run().write()
        click.echo(
            f"sweep: {out} holds this sweep, finished ({total:,} runs): the results are "
            f"{out / 'sweep.csv'} and {out / 'summary.md'}; nothing to run (another --out runs it again)"
        )
        return
    where = f"scheduler {scheduler}" if scheduler else f"{sweep.workers} local worker processes"
    click.echo(
        f"sweep: {spec.scenario}, {len(spec.points())} rule sets x {seeds} seeds = {total:,} runs"
        + (f" ({total - len(todo):,} done before)" if total != len(todo) else "")
        + f", on {where}; Ctrl-C stops and keeps the finished runs",
        err=True,
    )
    stop = StopFlag()

    def on_run(row):
        runs_bar.update(1)
        if "error" in row:
            label = " ".join(f"{n}={row.get(n)}" for n in spec.names)
            click.echo(f"sweep: run {label} seed {row.get('seed')} failed: {row['error']}", err=True)

    runs_bar = bar(len(todo), "runs", "run")
    with stop.catching("sweep: stopping; the finished runs are kept (Ctrl-C again stops at once)"), runs_bar:
        try:
            result = sweep.run(stop=stop, on_run=on_run)
        except SweepError as err:
            raise click.ClickException(str(err)) from err
    paths = result.write()
    done = len(result.ok_rows)
    rate = f", {result.ran / result.seconds:.2f} runs/s" if result.seconds and result.ran else ""
    click.echo(
        f"{done:,} of {total:,} runs finished in {result.seconds:.1f} s{rate}; {len(result.failures)} failed"
    )
    for line in _verdict_lines(result):
        click.echo(line)
    files = [p.name for p in paths if p.suffix != ".png"]
    click.echo(f"written: {', '.join(files)} and {len(paths) - len(files)} heatmaps in {out}")
    if result.stopped or not result.complete:
        again = [f"--scenario {scenario_name}", *(f"--grid {g}" for g in grids), f"--seeds {seeds}"]
        again += [f"--days {days}"] if days is not None else []
        again += [f"--consumers {consumers}"] if consumers is not None else []
        again += [f"--exit-request-share {exit_request_share:g}"] if exit_request_share is not None else []
        again += [f"--scheduler {scheduler}"] if scheduler else []
        click.echo(
            f"sweep: not finished; resume with: ape run sweep {' '.join(again)} --out {out} --resume",
            err=True,
        )
        sys.exit(130 if result.stopped else 1)


def _verdict_lines(result) -> list[str]:
    verdict = result.verdict()
    return [
        f"  holds through a stall and the median consumer exits within a year: "
        f"{', '.join(verdict['sustainable']) or 'none'}",
        f"  newcomers pay most of the exits: {', '.join(verdict['newcomers_pay_most']) or 'none'}",
    ]

"""ape run simulate: consumers and merchants over many days, on the model or on chain, with plots."""

import sys
from pathlib import Path

import click
from ape.logging import LogLevel, logger

from greenpoints.cli import Command, one_line_errors
from greenpoints.paths import check_dir, check_file
from greenpoints.progress import StopFlag, bar
from greenpoints.sim.scenario import LIMITS, known_scenarios


@click.command(cls=Command, short_help="Simulate consumers and merchants over many days")
@click.option("--scenario", "scenario_name", default="baseline", show_default=True,
              help=f"A scenario name ({', '.join(known_scenarios())}) or a .yaml file")  # fmt: skip
@click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True, help="Same seed, same run")
@click.option("--backend", type=click.Choice(["model", "chain", "fast"]), default="model", show_default=True,
              help="model: Python model; chain: Ape transactions; fast: raw JSON-RPC transactions")  # fmt: skip # noqa: E501
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Directory for the results [default: results/<scenario>-<backend>]")  # fmt: skip
@click.option("--days", type=click.IntRange(1, LIMITS["days"]), default=None,
              help="Override the scenario's days")  # fmt: skip
@click.option("--consumers", type=click.IntRange(0, LIMITS["consumers"]), default=None,
              help="Override the consumers on day 0")  # fmt: skip
@click.option("--merchants", type=click.IntRange(1, LIMITS["merchants"]), default=None,
              help="Override the merchants")  # fmt: skip
@click.option("--exit-request-share", type=click.FloatRange(0, 1), default=None,
              help="Override the scenario's share of consumers the exit budget refuses who request an exit "
              "(0: nobody, the exit queue stays empty)")  # fmt: skip
@click.option("--no-cross-check", is_flag=True, help="Chain backends: skip the model run of the scenario")
@click.option(
    "--audit", "run_audit", is_flag=True, help="Chain backends: audit the run's deployment afterwards"
)
@click.option("--association", help="Chain backends: run on a new platform of this association (its address "
              "or record; its admin must be ours)")  # fmt: skip
@one_line_errors
def cli(network, scenario_name, seed, backend, out, days, consumers, merchants, exit_request_share,
        no_cross_check, run_audit, association):  # fmt: skip
    from greenpoints.audit import audit
    from greenpoints.deploy import load_association, platform_launcher
    from greenpoints.sim import Divergence, load_scenario, run_simulation

    scenario = load_scenario(scenario_name)
    scenario = scenario.with_overrides(
        days=days, consumers=consumers, merchants=merchants, exit_request_share=exit_request_share
    )
    if backend == "model" and (run_audit or association):
        raise click.UsageError("--audit and --association need a chain backend (chain or fast): "
                               "the model has no events")  # fmt: skip
    # Every output checked before the first day (or the first transaction) is played.
    out = check_dir(out or Path("results") / f"{scenario.name}-{backend}", "--out")
    launch = None
    if association:
        if not association.startswith("0x"):
            check_file(association, "--association")  # its record gets the new platform
        group = load_association(association)
        launch = platform_launcher(group, name=f"{scenario.name} simulation (seed {seed})")
    if backend != "model" and not _verbosity_given():
        # One line per transaction and a trace per expected refusal would bury the progress.
        logger.set_level(LogLevel.WARNING)
    click.echo(
        f"simulate: {scenario.name} on {backend}, {scenario.days:,} days, {scenario.consumers:,} consumers "
        "on day 0; Ctrl-C stops after the day in play and writes the days done",
        err=True,
    )
    stop = StopFlag()
    days_bar = bar(scenario.days, f"{scenario.name} on {backend}", "day")
    check_bar = bar(scenario.days, "cross-check on the model", "day")
    with stop.catching("simulate: stopping after the day in play, then writing the days done "
                       "(Ctrl-C again stops at once, writing nothing)"), days_bar, check_bar:  # fmt: skip
        try:
            result = run_simulation(
                scenario, seed=seed, backend=backend, on_day=lambda _day: days_bar.update(1),
                cross_check=not no_cross_check, launch=launch, stop=stop,
                on_cross_check_day=lambda _day: check_bar.update(1),
            )  # fmt: skip
        except Divergence as err:
            raise click.ClickException(f"chain and model disagree: {err}") from err
        except KeyboardInterrupt:
            raise click.ClickException("simulate: stopped at once; nothing written") from None
    if result.runner.days_done == 0:
        raise click.ClickException("simulate: stopped during set-up; nothing written")
    click.echo(result.describe())
    written = result.write(out)
    report = None
    if backend != "model":
        system = result.runner.backend.system
        written.append(system.save(out / "deployment.json"))
        if run_audit and not result.partial:
            report = audit(system, start_block=system.deployment_block, progress=True)
            click.echo(report.describe())
            written += report.write(out)
    if association and not association.startswith("0x"):
        group.save(association)  # the association's record lists the new platform
        click.echo(f"platform {result.runner.backend.system.platform_id} added to {association}")
    click.echo(f"results in {out}/: " + ", ".join(p.name for p in written))
    if result.partial:  # Ctrl-C's exit code, once the days done are written
        click.echo(
            f"simulate: stopped after day {result.runner.days_done} of {scenario.days}; the days done are "
            f'in {out}/ (summary.json says "partial": true; not cross-checked or audited)',
            err=True,
        )
        sys.exit(130)
    if not result.ok:
        raise click.ClickException("the run found a problem (see above and summary.json)")
    if report is not None and not report.ok:
        raise click.ClickException(f"audit FAILED: {len(report.failures)} failures (see {out}/audit.md)")


def _verbosity_given() -> bool:
    return any(arg in ("-v", "--verbosity") or arg.startswith("--verbosity=") for arg in sys.argv)

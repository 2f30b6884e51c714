"""ape run simulate: consumers and merchants over many days, on the model or on chain, with plots."""

from pathlib import Path

import click

from greenpoints.audit import audit
from greenpoints.cli import Command, one_line_errors
from greenpoints.deploy import load_association, platform_launcher
from greenpoints.sim import Divergence, known_scenarios, load_scenario, run_simulation


@click.command(cls=Command, short_help="Simulate consumers and merchants over many days")
@click.option("--scenario", "scenario_name", default="baseline", show_default=True,
              help=f"A scenario name ({', '.join(known_scenarios())}) or a .yaml file")  # fmt: skip
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same run")
@click.option("--backend", type=click.Choice(["model", "chain", "fast"]), default="model", show_default=True,
              help="model: Python model; chain: Ape transactions; fast: raw JSON-RPC transactions")  # fmt: skip # noqa: E501
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Directory for the results [default: results/<scenario>-<backend>]")  # fmt: skip
@click.option("--days", type=click.IntRange(min=1), default=None, help="Override the scenario's days")
@click.option("--consumers", type=click.IntRange(min=0), default=None, help="Override the consumers on day 0")
@click.option("--merchants", type=click.IntRange(min=1), default=None, help="Override the merchants")
@click.option("--no-cross-check", is_flag=True, help="Chain backends: skip the model run of the scenario")
@click.option(
    "--audit", "run_audit", is_flag=True, help="Chain backends: audit the run's deployment afterwards"
)
@click.option("--association", help="Chain backends: run on a new platform of this association (its address "
              "or record; its admin must be ours)")  # fmt: skip
@one_line_errors
def cli(network, scenario_name, seed, backend, out, days, consumers, merchants, no_cross_check, run_audit,
        association):  # fmt: skip
    scenario = load_scenario(scenario_name)
    scenario = scenario.with_overrides(days=days, consumers=consumers, merchants=merchants)
    out = out or Path("results") / f"{scenario.name}-{backend}"
    launch = None
    if association:
        if backend == "model":
            raise click.UsageError("--association needs a chain backend (chain or fast)")
        group = load_association(association)
        launch = platform_launcher(group, name=f"{scenario.name} simulation (seed {seed})")
    with click.progressbar(length=scenario.days, label=f"{scenario.name} on {backend}", file=None) as bar:
        try:
            result = run_simulation(
                scenario, seed=seed, backend=backend, on_day=lambda _day: bar.update(1),
                cross_check=not no_cross_check, launch=launch,
            )  # fmt: skip
        except Divergence as err:
            raise click.ClickException(f"chain and model disagree: {err}") from err
    click.echo(result.describe())
    written = result.write(out)
    report = None
    if backend != "model":
        system = result.runner.backend.system
        written.append(system.save(out / "deployment.json"))
        if run_audit:
            report = audit(system, start_block=system.deployment_block)
            click.echo(report.describe())
            written += report.write(out)
    elif run_audit:
        raise click.ClickException("--audit needs a chain backend (chain or fast): the model has no events")
    if association and not association.startswith("0x"):
        group.save(association)  # the association's record lists the new platform
        click.echo(f"platform {result.runner.backend.system.platform_id} added to {association}")
    click.echo(f"results in {out}/: " + ", ".join(p.name for p in written))
    if not result.ok:
        raise click.ClickException("the run found a problem (see above and summary.json)")
    if report is not None and not report.ok:
        raise click.ClickException(f"audit FAILED: {len(report.failures)} failures (see {out}/audit.md)")

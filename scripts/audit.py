"""ape run audit: rebuild a deployment's history from its events and check every rule."""

from pathlib import Path

import click

from greenpoints.cli import Command, one_line_errors
from greenpoints.paths import check_dir


@click.command(cls=Command, short_help="Audit a deployment from its events")
@click.option("--deployment", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The deployment record [default: this network's, "
              "deployments/<ecosystem>-<network>-<provider>.json]")  # fmt: skip
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("results/audit"),
              show_default=True, help="Directory for audit.json, audit.md and audit.html")  # fmt: skip
@click.option("--start-block", type=click.IntRange(min=0), default=None,
              help="First block to read [default: the deployment block]")  # fmt: skip
@click.option("--association", help="An association's address or deployment record: audit every platform "
              "and check each one's code against the release")  # fmt: skip
@one_line_errors
def cli(network, deployment, out, start_block, association):
    from greenpoints.audit import audit
    from greenpoints.audit.association import audit_association
    from greenpoints.deploy import default_record_path, load_association, load_system

    check_dir(out, "--out")
    if association:
        if deployment or start_block is not None:
            raise click.UsageError("--association audits every platform: no --deployment or --start-block")
        report = audit_association(load_association(association), progress=True)
        click.echo(report.describe())
        report.write(out)
        click.echo(f"report in {out}/: association.json, association.md, association.html and platform-<id>/")
        if not report.ok:
            raise click.ClickException(f"audit FAILED: {len(report.failures)} failures (see {out}/)")
        return
    system = load_system(deployment or default_record_path())
    start = system.deployment_block if start_block is None else start_block
    report = audit(system, start_block=start, progress=True)
    click.echo(report.describe())
    written = report.write(out)
    click.echo(f"report in {out}/: " + ", ".join(p.name for p in written))
    if not report.ok:
        raise click.ClickException(f"audit FAILED: {len(report.failures)} failures (see {out}/audit.md)")

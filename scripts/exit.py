"""ape run exit request|process|claim|cancel|status: the exit queue (SPEC 11) for a consumer or a keeper.

- `request --points N`: a consumer whose exit is allowed (trigger, lock, return cap) takes a place
  in line; it prints the request's id, its place (points ahead) and the estimated epochs to wait.
- `process [--max N]`: anyone (a keeper) fills the oldest requests from the epoch's budget.
- `claim --id N`, `cancel --id N`: the request's owner takes its payout, or its unfilled points back.
- `status [--of ADDRESS]`: the line (requests and points waiting, the oldest request's age, the
  estimated epochs to clear it at the current budget) and, with `--of`, that account's requests.

Each action asks the chain first (`eth_call`): a refusal is one line with the queue's reason and
nothing is sent. Points are given in whole points (`--points 12.5`) or base units (`--raw`).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

import click
from ape.cli import verbosity_option

from greenpoints.cli import Command, one_line_errors, resolve_account

if TYPE_CHECKING:  # imported where used: greenpoints.cli says why
    from greenpoints.client import Client

POINT = 10**18

_deployment = click.option(
    "--deployment", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="The deployment record [default: this network's, deployments/<ecosystem>-<network>-<provider>.json]",
)  # fmt: skip


def deployment_option(func):
    """--deployment, and -v: `ape run` adds -v only to the group."""
    return _deployment(verbosity_option()(func))


account_option = click.option(
    "--account", "account_alias", help="The signing account's alias (local chain: test account 7, a consumer)"
)


def _client(deployment) -> Client:
    from greenpoints.client import Client
    from greenpoints.deploy import default_record_path, load_system

    system = load_system(deployment or default_record_path())
    if system.exit_queue is None:
        raise click.ClickException(
            "this deployment has no exit queue attached (greenpoints.deploy.deploy_exit_queue)"
        )
    return Client(system)


def _points(value: str, raw: bool) -> int:
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise click.BadParameter(f"{value!r} is not a number", param_hint="--points") from None
    points = int(amount) if raw else int(amount * POINT)
    if points <= 0 or (raw and amount != int(amount)):
        raise click.BadParameter("a positive number of points (whole points, or base units with --raw)",
                                 param_hint="--points")  # fmt: skip
    return points


def _money(client: Client, amount: int) -> str:
    """An amount of the pool's asset, in its units with its symbol (truncated, exact)."""
    from greenpoints.formatting import fmt_units

    asset = client.system.asset
    return f"{fmt_units(amount, int(asset.decimals()), 2)} {asset.symbol()}"


def _age(seconds: int) -> str:
    days, rest = divmod(seconds, 86_400)
    return (
        f"{days} d {rest // 3_600} h {rest % 3_600 // 60} min"
        if days
        else f"{rest // 3_600} h {rest % 3_600 // 60} min"
    )


def _send(client: Client, operation: str, sender, *args):
    reason = client.refusal(operation, sender, *args)
    if reason is not None:
        raise click.ClickException(f"the exit queue refuses {operation}: {reason}")
    return getattr(client, operation)(sender, *args)


@click.group(short_help="The exit queue: request, process, claim, cancel, status (SPEC 11)")
def cli():
    """A place in line when the epoch's exit budget is spent (SPEC 11)."""


@cli.command(cls=Command, short_help="A consumer takes a place in the exit queue")
@deployment_option
@account_option
@click.option("--points", required=True, help="Points to exit (whole points; base units with --raw)")
@click.option("--raw", is_flag=True, help="--points is in base units (10**-18 of a point)")
@one_line_errors
def request(network, deployment, account_alias, points, raw):
    from greenpoints.formatting import fmt_points
    from greenpoints.queue_status import line_status

    client = _client(deployment)
    consumer = resolve_account(account_alias, role="account", local_default=7)
    requested = _send(client, "request_exit", consumer, _points(points, raw))
    status = line_status(client.system)
    mine = next(r for r in status["requests"] if r["id"] == requested.id) if status["requests"] else None
    ahead = int(client.system.exit_queue.points_ahead(requested.id))
    click.echo(
        f"request {requested.id}: {fmt_points(requested.points)} points of {consumer.address} in line "
        f"(basis {_money(client, requested.basis)}); {fmt_points(ahead)} points ahead"
        + (f", about {mine['epochs_to_fill']} epochs to be filled at the current budget" if mine else "")
    )


@cli.command(cls=Command, short_help="Anyone fills the oldest requests from the epoch's budget")
@deployment_option
@account_option
@click.option("--max", "max_requests", type=click.IntRange(1, 256), default=256, show_default=True,
              help="Most requests to touch")  # fmt: skip
@one_line_errors
def process(network, deployment, account_alias, max_requests):
    from greenpoints.formatting import fmt_points

    client = _client(deployment)
    keeper = resolve_account(account_alias, role="account", local_default=0)
    done = _send(client, "process_exits", keeper, max_requests)
    fills = [r for r in done if type(r).__name__ == "ExitFilled"]
    back = [r for r in done if type(r).__name__ == "ExitCancelled"]
    click.echo(
        f"{len(fills)} fills ({fmt_points(sum(f.points for f in fills))} points, "
        f"{_money(client, sum(f.payout for f in fills))} claimable), "
        f"{len(back)} rests given back at the return cap; "
        f"{client.system.exit_queue.queue_length()} requests still wait"
    )


@cli.command(cls=Command, short_help="The request's owner claims what its fills paid")
@deployment_option
@account_option
@click.option("--id", "request_id", type=click.IntRange(0), required=True, help="The request's id")
@one_line_errors
def claim(network, deployment, account_alias, request_id):
    client = _client(deployment)
    owner = resolve_account(account_alias, role="account", local_default=7)
    claimed = _send(client, "claim_exit", owner, request_id)
    click.echo(f"request {request_id}: {_money(client, claimed.amount)} paid to {owner.address}")


@cli.command(cls=Command, short_help="The request's owner takes its unfilled points back")
@deployment_option
@account_option
@click.option("--id", "request_id", type=click.IntRange(0), required=True, help="The request's id")
@one_line_errors
def cancel(network, deployment, account_alias, request_id):
    from greenpoints.formatting import fmt_points

    client = _client(deployment)
    owner = resolve_account(account_alias, role="account", local_default=7)
    cancelled = _send(client, "cancel_exit", owner, request_id)
    back = f"{fmt_points(cancelled.points)} points back to {owner.address}"
    click.echo(f"request {request_id}: {back} with basis {_money(client, cancelled.basis)}")


@cli.command(cls=Command, short_help="The line: waiting, oldest age, estimated epochs; an account's requests")
@deployment_option
@click.option("--of", "account", default=None, help="An account whose requests to list (an address)")
@one_line_errors
def status(network, deployment, account):
    from greenpoints.formatting import fmt_points
    from greenpoints.queue_status import line_status

    client = _client(deployment)
    line = line_status(client.system)
    budget = f"{_money(client, line['budget_per_epoch'])} an epoch"
    if line["oldest_age"] is None:
        wait = f"no request waits; the current budget is {budget}"
    else:
        epochs = line["epochs_to_clear"]
        clear = "the budget is zero: no estimate" if epochs is None else f"about {epochs} epochs to clear"
        wait = f"the oldest has waited {_age(line['oldest_age'])}; {clear} at the current budget ({budget})"
    click.echo(
        f"exit queue {client.system.exit_queue.address}: {line['waiting']} requests waiting, "
        f"{fmt_points(line['queued_points'])} points; {wait}"
    )
    if account:
        for r in client.exit_requests_of(account):
            figures = f"{fmt_points(r['points'])} points, {fmt_points(r['filled'])} filled"
            paid = f"{_money(client, r['claimable'])} claimable, {_money(client, r['claimed'])} claimed"
            click.echo(
                f"  request {r['id']}: {figures}, {paid}, {fmt_points(r['points_ahead'])} points ahead"
            )

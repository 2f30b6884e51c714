"""The exit queue's line as a consumer and a regulator read it (SPEC 11): requests and points
waiting, the oldest request's age, and the estimated epochs to clear the line at the current budget,
from the chain's views (`line_status`: `ape run exit status`) or from a replayed model (`line_of_model`:
the monitor's alerts and the page), both through the same `line` so they cannot differ.

The estimate (`greenpoints.model.epochs_to_fill`): what the waiting points would pay now (their value
at the current value per point times `exit_payout_bps`) over one epoch's exit limit now
(`epoch_exit_limit_bps` of `total_assets`), rounded up. It assumes the value per point, the pool's
assets and the line stay as they are and that no exit or cap cuts in: exits wait while the line does
(SPEC 11), so it errs mostly by the pool's growth, which shortens the wait.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .model import epoch_exit_limit, epochs_to_fill, exit_payout

SHOWN = 1_000
"""The page and the script list the head of a long line: at most this many requests."""


def clearing(points: int, payout_of: Callable[[int], int], budget: int) -> tuple[int, int | None]:
    """(what `points` of the line would pay now, `payout_of(points)`, and the estimated epochs to
    fill them at `budget`)."""
    payout = payout_of(points)
    return payout, epochs_to_fill(payout, budget)


def line(
    waiting: int,
    queued: int,
    requests: Iterable[tuple[int, str, int, int]],
    payout_of: Callable[[int], int],
    budget: int,
    now: int,
) -> dict:
    """The line from its figures: `requests` are the waiting ones, oldest first, as (id, owner,
    unfilled points, requested_at); each gets its age and the estimate for the points up to and
    including its own (its place in line). `payout_of(points)`: what exiting them would pay now."""
    rows, ahead, oldest = [], 0, None
    for request_id, owner, unfilled, requested_at in requests:
        if oldest is None:
            oldest = requested_at
        ahead += unfilled
        rows.append({
            "id": request_id, "owner": owner, "unfilled": unfilled, "points_ahead": ahead - unfilled,
            "requested_at": requested_at, "age": now - requested_at,
            "epochs_to_fill": clearing(ahead, payout_of, budget)[1],
        })  # fmt: skip
        if len(rows) >= SHOWN:
            break
    payout, epochs = clearing(queued, payout_of, budget)
    return {
        "waiting": waiting,
        "queued_points": queued,
        "payout": payout,
        "oldest_requested_at": oldest,
        "oldest_age": None if oldest is None else now - oldest,
        "budget_per_epoch": budget,
        "epochs_to_clear": epochs,
        "requests": rows,
    }


def line_status(system, now: int | None = None) -> dict:
    """The line of `system`'s exit queue (`System.exit_queue`), read from the chain."""
    from ape import chain

    queue, pool, registry = system.exit_queue, system.pool, system.registry
    now = chain.blocks.head.timestamp if now is None else now
    waiting = int(queue.queue_length())

    def requests():
        if not waiting:
            return
        for request_id in range(int(queue.queue_head()), int(queue.next_request_id())):
            owner, points, filled, _, _, requested_at = queue.exit_request(request_id)
            if int(points) - int(filled):
                yield request_id, str(owner), int(points) - int(filled), int(requested_at)

    payout_bps = int(registry.exit_payout_bps())

    def payout_of(points: int) -> int:  # as `exit` would pay them now (`exit_rule`: value x payout_bps)
        return exit_payout(int(pool.convert_to_assets(points)), payout_bps)

    # one epoch's budget if an epoch began now
    budget = epoch_exit_limit(int(pool.total_assets()), int(registry.epoch_exit_limit_bps()))
    return line(waiting, int(queue.queued_points()), requests(), payout_of, budget, now)


def _model_budget(model) -> int:
    return epoch_exit_limit(model.state.total_assets, model.rule("epoch_exit_limit_bps"))


def line_of_model(model, now: int) -> dict:
    """The same line from a replayed model (`greenpoints.model.Model`: the monitor's ledger)."""
    requests = (
        (request_id, request.owner, request.unfilled, request.requested_at)
        for request_id, request in _waiting(model)
    )
    return line(
        model.queue_length(), model.queued_points(), requests, model.exit_payout_of, _model_budget(model), now
    )


def _waiting(model):
    """The model's waiting requests, oldest first, read lazily (the head of a long line is enough),
    through the queue's public views only (as the chain's are read)."""
    if not model.queue_length():
        return
    for request_id in range(model.queue_head(), model.next_request_id()):
        request = model.exit_request(request_id)
        if request.unfilled:
            yield request_id, request


def model_estimate(model) -> tuple[int, int, int, int | None]:
    """(points waiting, what they would pay now, one epoch's budget now, estimated epochs to clear
    them) from a replayed model, without listing the requests (the monitor asks after every event)."""
    queued, budget = model.queued_points(), _model_budget(model)
    payout, epochs = clearing(queued, model.exit_payout_of, budget)
    return queued, payout, budget, epochs


def oldest_waiting(model):
    """(id, request) of the oldest request with unfilled points in a replayed model, or None."""
    return next(_waiting(model), None) if model.queue_length() else None

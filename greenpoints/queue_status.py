"""The exit queue's line as a consumer and a regulator read it (SPEC 11): requests and points
waiting, the oldest request's age, and the estimated epochs to clear the line at the current budget,
from the chain's views (`ape run exit status`, the monitor, the page).

The estimate (`greenpoints.model.epochs_to_fill`): what the waiting points would pay now (their value
at the current value per point times `exit_payout_bps`) over one epoch's exit limit now
(`epoch_exit_limit_bps` of `total_assets`), rounded up. It assumes the value per point, the pool's
assets and the line stay as they are and that no exit or cap cuts in: exits wait while the line does
(SPEC 11), so it errs mostly by the pool's growth, which shortens the wait.
"""

from __future__ import annotations

from .model import epochs_to_fill

BPS = 10_000


def line_status(system, now: int | None = None) -> dict:
    """The line of `system`'s exit queue (`System.exit_queue`), read from the chain."""
    from ape import chain

    queue, pool, registry = system.exit_queue, system.pool, system.registry
    now = chain.blocks.head.timestamp if now is None else now
    waiting = int(queue.queue_length())
    queued = int(queue.queued_points())
    payout_bps = int(registry.exit_payout_bps())
    budget = int(pool.total_assets()) * int(registry.epoch_exit_limit_bps()) // BPS
    head = int(queue.queue_head())
    oldest_age = None
    requests = []
    if waiting:
        oldest_age = now - int(queue.exit_request(head)[5])
        ahead = 0
        for request_id in range(head, int(queue.next_request_id())):
            owner, points, filled, claimable, claimed, requested_at = queue.exit_request(request_id)
            unfilled = int(points) - int(filled)
            if not unfilled:
                continue
            ahead += unfilled
            payout = int(pool.convert_to_assets(ahead)) * payout_bps // BPS
            requests.append(
                {"id": request_id, "owner": str(owner), "unfilled": unfilled, "age": now - int(requested_at),
                 "epochs_to_fill": epochs_to_fill(payout, budget)}
            )  # fmt: skip
            if len(requests) >= 1_000:  # the page and the script show the head of a long line
                break
    payout = int(pool.convert_to_assets(queued)) * payout_bps // BPS
    return {
        "waiting": waiting,
        "queued_points": queued,
        "oldest_age": oldest_age,
        "budget_per_epoch": budget,
        "epochs_to_clear": epochs_to_fill(payout, budget),
        "requests": requests,
    }

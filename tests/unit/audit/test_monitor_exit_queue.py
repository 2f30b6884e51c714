"""The monitor over the exit queue (SPEC 11): `exit_queue_growing` when the line passes the settings'
epochs of budget, `exit_request_stuck` when its oldest request passes the settings' age; each at the
block it became so, not before, once while it holds, again after it cleared."""

import pytest

from greenpoints.audit.monitor import QUEUE_EPOCHS, SEVERITY, STUCK_AFTER
from greenpoints.queue_status import line_status
from tests.monitoring import points_for_budgets

POINT = 10**18
DAY = 86_400


@pytest.fixture
def exit_queue(line_system):
    return line_system.exit_queue


def kinds(alerts) -> list[str]:
    return [a.kind for a in alerts]


def queue_alerts(alerts) -> list:
    return [a for a in alerts if a.kind.startswith("exit_")]


def test_severity__queue_alerts__warnings_with_documented_defaults():
    assert SEVERITY["exit_queue_growing"] == SEVERITY["exit_request_stuck"] == "warning"
    assert (QUEUE_EPOCHS, STUCK_AFTER) == (3, 7 * DAY)


def test_poll__line_passes_queue_epochs__exit_queue_growing_at_that_block_once(
    line_system, exit_queue, watch, other_consumer, chain
):
    monitor = watch(line_system, queue_epochs=3)
    # about 3 epochs: within
    exit_queue.request_exit(points_for_budgets(line_system, 2.5), sender=other_consumer)
    assert queue_alerts(monitor.poll()) == []
    assert line_status(line_system)["epochs_to_clear"] == 3
    # about 3.5: past 3
    tx = exit_queue.request_exit(points_for_budgets(line_system, 1), sender=other_consumer)
    (alert,) = queue_alerts(monitor.poll())
    status = line_status(line_system)
    assert (alert.kind, alert.severity, alert.block, alert.tx) == (
        "exit_queue_growing", "warning", tx.block_number, tx.txn_hash,
    )  # fmt: skip
    assert alert.details == {
        "waiting": 2, "queued_points": exit_queue.queued_points(), "payout": status["payout"],
        "budget_per_epoch": status["budget_per_epoch"], "epochs_to_clear": 4, "threshold_epochs": 3,
    }  # fmt: skip
    assert "about 4 epochs to clear" in alert.message
    exit_queue.request_exit(POINT, sender=other_consumer)  # longer still: said once
    assert queue_alerts(monitor.poll()) == []


def test_poll__line_of_exactly_queue_epochs__not_growing(line_system, exit_queue, watch, other_consumer):
    tx = exit_queue.request_exit(points_for_budgets(line_system, 3.5), sender=other_consumer)
    assert line_status(line_system)["epochs_to_clear"] == 4
    at_four = watch(line_system, queue_epochs=4, from_block=tx.block_number)
    assert queue_alerts(at_four.poll()) == []  # 4 epochs is not longer than 4
    at_three = watch(line_system, queue_epochs=3, from_block=tx.block_number)
    (alert,) = queue_alerts(at_three.poll())
    assert (alert.kind, alert.block) == ("exit_queue_growing", tx.block_number)
    assert alert.details["threshold_epochs"] == 3


def test_poll__line_falls_back_then_grows__growing_said_again(
    line_system, exit_queue, watch, consumer, other_consumer, chain, registry
):
    monitor = watch(line_system, queue_epochs=3)
    exit_queue.request_exit(points_for_budgets(line_system, 3.5), sender=other_consumer)
    assert kinds(queue_alerts(monitor.poll())) == ["exit_queue_growing"]
    length = registry.epoch_length()
    chain.mine(timestamp=(chain.pending_timestamp // length + 1) * length)
    exit_queue.process_exits(256, sender=consumer)  # one epoch's budget filled: about 2.5 left
    assert line_status(line_system)["epochs_to_clear"] == 3
    assert queue_alerts(monitor.poll()) == []
    tx = exit_queue.request_exit(points_for_budgets(line_system, 1), sender=other_consumer)
    (again,) = queue_alerts(monitor.poll())
    assert (again.kind, again.block) == ("exit_queue_growing", tx.block_number)


def test_poll__oldest_request_passes_stuck_after__stuck_at_the_first_block_past_it(
    line_system, exit_queue, watch, consumer, chain
):
    monitor = watch(line_system, stuck_after=2 * DAY)
    tx = exit_queue.request_exit(POINT, sender=consumer)
    requested_at = chain.provider.get_block(tx.block_number).timestamp
    chain.mine(timestamp=requested_at + 2 * DAY - 1)  # a second before: not yet
    assert queue_alerts(monitor.poll()) == []
    chain.mine(timestamp=requested_at + 2 * DAY)  # the moment, then two later blocks, in one page
    moment_block = chain.blocks.head.number
    chain.mine(timestamp=requested_at + 2 * DAY + 60)
    chain.mine(timestamp=requested_at + 2 * DAY + 120)
    (alert,) = queue_alerts(monitor.poll())
    assert (alert.kind, alert.severity, alert.block) == ("exit_request_stuck", "warning", moment_block)
    assert alert.time == requested_at + 2 * DAY
    assert alert.details == {
        "id": 0, "account": str(consumer.address).lower(), "unfilled": POINT, "requested_at": requested_at,
        "age": 2 * DAY, "stuck_after": 2 * DAY, "waiting": 1,
    }  # fmt: skip
    chain.mine(timestamp=requested_at + 9 * DAY)
    assert queue_alerts(monitor.poll()) == []  # still stuck: said once


def test_poll__stuck_request_filled__next_stuck_request_said_again(
    line_system, exit_queue, watch, consumer, other_consumer, chain
):
    monitor = watch(line_system, stuck_after=2 * DAY)
    first = exit_queue.request_exit(POINT, sender=consumer)
    chain.mine(timestamp=chain.provider.get_block(first.block_number).timestamp + 2 * DAY)
    assert kinds(queue_alerts(monitor.poll())) == ["exit_request_stuck"]
    second = exit_queue.request_exit(points_for_budgets(line_system, 2), sender=other_consumer)
    exit_queue.process_exits(256, sender=consumer)  # the first filled, the second in part: it is the oldest
    assert exit_queue.exit_request(0)[1] == exit_queue.exit_request(0)[2] and exit_queue.queue_head() == 1
    assert queue_alerts(monitor.poll()) == []
    requested_at = chain.provider.get_block(second.block_number).timestamp
    chain.mine(timestamp=requested_at + 2 * DAY - 1)
    assert queue_alerts(monitor.poll()) == []
    chain.mine(timestamp=requested_at + 2 * DAY)
    (again,) = queue_alerts(monitor.poll())
    assert (again.kind, again.details["id"], again.details["account"]) == (
        "exit_request_stuck", 1, str(other_consumer.address).lower(),
    )  # fmt: skip
    assert again.details["unfilled"] == exit_queue.exit_request(1)[1] - exit_queue.exit_request(1)[2]


@pytest.mark.parametrize("leaves", ["filled", "cancelled"])
def test_poll__request_leaves_the_line_before_stuck_after__never_stuck(
    leaves, line_system, exit_queue, watch, consumer, chain
):
    monitor = watch(line_system, stuck_after=2 * DAY)
    tx = exit_queue.request_exit(POINT, sender=consumer)
    if leaves == "filled":
        exit_queue.process_exits(256, sender=consumer)
    else:
        exit_queue.cancel_exit(0, sender=consumer)
    chain.mine(timestamp=chain.provider.get_block(tx.block_number).timestamp + 3 * DAY)
    assert queue_alerts(monitor.poll()) == []
    assert exit_queue.queue_length() == 0

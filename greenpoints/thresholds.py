"""The monitor's default alert thresholds, in a module of their own: `ape run monitor` shows them as
its options' defaults without importing the monitor (greenpoints.cli says why that matters)."""

from __future__ import annotations

from .model.rules import DAY

QUEUE_EPOCHS = 3
"""`exit_queue_growing` warns when the line would take more than this many epochs of budget to clear:
a consumer who requests now would wait more than three days at the default one-day epoch."""
STUCK_AFTER = 7 * DAY
"""`exit_request_stuck` warns when the oldest waiting request is this old (seconds): past what a line
within QUEUE_EPOCHS explains, so the keeper is missing or the line outgrows the budget."""

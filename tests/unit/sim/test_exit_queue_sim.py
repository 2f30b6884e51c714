"""The exit queue in the simulation (SPEC 11): consumers the epoch's budget refuses request instead
(`exit_request_share`), a keeper fills the line first thing each epoch, owners pull their payouts;
daily.csv carries the line and the outcomes say how long it made consumers wait. Every figure is
checked against a log of the run's own operations and receipts."""

import dataclasses
from collections import defaultdict

import pandas as pd

from greenpoints.model import ExitCancelled, ExitFilled
from greenpoints.sim import load_scenario, run_simulation
from greenpoints.sim.backends import ModelBackend
from greenpoints.sim.outcomes import OUTCOMES, outcomes
from greenpoints.sim.results import SimResult
from greenpoints.sim.runner import KEEPER, MORNING, Runner
from greenpoints.sim.scenario import Adversaries

QUEUE_RULES = {"exit_trigger_bps": 10_000, "lock_period": 2 * 86_400, "epoch_exit_limit_bps": 500}
"""Exits from day 2 on, a budget of 5% of the pool a day: the line forms within days."""
QUEUE_COLUMNS = [
    "queue_requests",
    "queue_requested_points",
    "queue_fills",
    "queue_filled_points",
    "queue_fill_payouts",
    "queue_paid_by_newcomers",
    "queue_given_back_points",
    "queue_claims",
    "queue_claimed",
    "queue_waiting_requests",
    "queue_waiting_points",
    "queue_oldest_wait_days",
    "queue_unclaimed",
]


NOISY = Adversaries(
    replayed_orders_per_day=1, outsider_issues_per_day=1, trades_per_day=1, over_cap_exits_per_day=1
)


def queue_scenario(days=6, **changes):
    """The run tests/unit/sim/test_chain_backend.py plays on chain too (seed 1)."""
    scenario = load_scenario("baseline").with_overrides(days=days, consumers=30, merchants=4)
    wanted = {"exit_request_share": 1.0, "exit_propensity": 0.6, "rules": QUEUE_RULES, "adversaries": NOISY}
    changes = {**wanted, **changes}
    return dataclasses.replace(scenario, **changes)


class LoggingRunner(Runner):
    """Logs every operation: (day, time, op, sender, args, result, reason, attempt, points in line before)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.log: list[tuple] = []

    def act(self, op, sender, *args, attempt=None):
        waiting = self.model.queued_points()
        result, reason = super().act(op, sender, *args, attempt=attempt)
        self.log.append((self.day, self.now, op, sender, args, result, reason, attempt, waiting))
        return result, reason


def logged_run(scenario, seed=1) -> LoggingRunner:
    runner = LoggingRunner(scenario, seed, ModelBackend())
    runner.run()
    return runner


def ops(runner, op):
    return [entry for entry in runner.log if entry[2] == op and entry[6] is None]


def test_keeper__line_waits__filled_in_order_then_claimed_by_owner():
    runner = logged_run(queue_scenario())
    requests = {
        e[5].id: (e[0], e[3], e[5].points) for e in ops(runner, "request_exit")
    }  # id -> day, owner, points
    assert len(requests) == 12
    fills = [(e[0], ev) for e in ops(runner, "process_exits") for ev in e[5].events]
    assert [ev.id for _, ev in fills if isinstance(ev, ExitFilled)] == [0, 1, 2, 2, 3, 4, 5]
    # first come, first served: the fills' ids never go back, and the line moves past a request only
    # once all of its points were filled (or given back beyond its owner's return cap)
    done = defaultdict(int)
    last = -1
    for _, ev in fills:
        assert ev.id >= last
        if ev.id > last and last >= 0:
            assert done[last] == requests[last][2], f"request {last} left with points unfilled"
        done[ev.id] += ev.points
        last = ev.id
    assert any(isinstance(ev, ExitCancelled) for _, ev in fills)  # a rest beyond the return cap
    # each fill came at least a day after its request (the keeper acts at the epoch's start, before
    # anyone requests), each first thing in its morning
    for day, ev in fills:
        assert day > requests[ev.id][0]
    for entry in ops(runner, "process_exits"):
        today = [e for e in runner.log if e[0] == entry[0] and e[1] == entry[1]]
        assert entry[1] % 86_400 == MORNING and entry[3] == KEEPER
        assert all(e[2] == "process_exits" for e in today[: today.index(entry) + 1])
    # pulled claims: by the owner, after a fill, all that the request's fills paid since its last claim
    claimable = defaultdict(int)
    claims = 0
    for _, _, op, sender, args, receipt, reason, *_ in runner.log:
        if reason is not None:
            continue
        if op == "process_exits":
            for ev in receipt.events:
                claimable[ev.id] += ev.payout if isinstance(ev, ExitFilled) else 0
        elif op == "claim_exit":
            claims += 1
            assert sender == requests[args[0]][1] == receipt.account
            assert receipt.amount == claimable.pop(args[0]) > 0
    assert claims == 5  # request 2 claimed its first fill, then filled again
    assert (
        runner.claims_due
        == {i: requests[i][1] for i, amount in claimable.items() if amount}
        == {
            2: "consumer:7",
            4: "consumer:30",
        }
    )  # not looked at yet (claims are pulled: they wait in the pool)


def test_exits__requests_wait__no_exit_sent_and_the_refused_request():
    runner = logged_run(queue_scenario())
    honest_exits = [e for e in runner.log if e[2] == "exit" and e[7] is None]
    assert honest_exits and all(e[8] == 0 for e in honest_exits)  # only while the line is empty
    during = [e for e in ops(runner, "request_exit") if e[8]]
    assert during  # requests made while others waited: the whole wish, no exit tried first
    last_call = ops(runner, "process_exits")[-1][5]  # the last budget ran out in the middle of request 5
    assert last_call.events[-1].id == 5 and runner.model.exit_request(5).unfilled > 0


def test_keeper__nobody_requests__no_queue_operation_and_line_columns_zero():
    runner = logged_run(queue_scenario(exit_request_share=0.0))
    assert not [e for e in runner.log if e[2] in ("request_exit", "process_exits", "claim_exit")]
    assert ops(runner, "exit")  # the budget did refuse some (demand over the limit) and they exited
    assert sum(row["exit_demand_over_limit"] for row in runner.rows) > 0
    assert all(row[c] == 0 for row in runner.rows for c in QUEUE_COLUMNS)
    figures = outcomes(runner)
    assert figures["queue_share"] == 0.0
    assert figures["median_queue_days"] is None and figures["max_queue_days"] is None


def test_write__queue_run__daily_csv_has_the_line(tmp_path):
    runner = logged_run(queue_scenario())
    result = SimResult(runner, "model", "python model", runner.final_state())
    result.write(tmp_path)
    daily = pd.read_csv(tmp_path / "daily.csv")
    assert set(QUEUE_COLUMNS) <= set(daily.columns)
    # points waiting: yesterday's + requested - filled - given back, every day
    previous = 0
    for row in daily.to_dict("records"):  # points (18 decimals) pass int64: read back as text
        waiting, requested, filled, back = (
            int(row[f"queue_{c}_points"]) for c in ("waiting", "requested", "filled", "given_back")
        )
        assert waiting == previous + requested - filled - back
        previous = waiting
    made = {e[5].id: e[0] for e in ops(runner, "request_exit")}
    per_day = [sum(1 for d in made.values() if d == day) for day in range(6)]
    assert daily["queue_requests"].tolist() == per_day == [0, 0, 0, 5, 1, 6]
    calls = ops(runner, "process_exits")
    fills = [
        sum(isinstance(ev, ExitFilled) for e in calls if e[0] == day for ev in e[5].events)
        for day in range(6)
    ]
    assert daily["queue_fills"].tolist() == fills == [0, 0, 0, 0, 3, 4]
    last = daily.iloc[-1]
    model = runner.model
    assert last["queue_waiting_requests"] == model.queue_length() == 7
    assert int(last["queue_waiting_points"]) == model.queued_points() > 0
    assert last["queue_oldest_wait_days"] == 5 - made[model.queue_head()] == 1
    assert last["queue_unclaimed"] == sum(model.exit_request(i).claimable for i in runner.claims_due) > 0
    assert daily["queue_claimed"].sum() + last["queue_unclaimed"] == daily["queue_fill_payouts"].sum()


def test_outcomes__queue_run__waits_and_share_from_the_operations():
    runner = logged_run(queue_scenario())
    made = {e[5].id: (e[0], e[5].points) for e in ops(runner, "request_exit")}
    settled, closed = defaultdict(int), {}
    fill_payouts = 0
    for entry in ops(runner, "process_exits"):
        for ev in entry[5].events:
            settled[ev.id] += ev.points
            fill_payouts += ev.payout if isinstance(ev, ExitFilled) else 0
            if settled[ev.id] == made[ev.id][1]:
                closed[ev.id] = entry[0]
    # still waiting after day 5: counted to day 6, the keeper's next chance
    waits = sorted(
        [closed[i] - made[i][0] for i in closed] + [6 - made[i][0] for i in made if i not in closed]
    )
    assert waits == [1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2]
    exit_payouts = sum(e[5].payout for e in ops(runner, "exit"))
    figures = outcomes(runner)
    assert list(figures) == list(OUTCOMES)
    assert figures["median_queue_days"] == waits[(len(waits) - 1) // 2] == 1
    assert figures["max_queue_days"] == 2
    assert figures["queue_share"] == fill_payouts / (fill_payouts + exit_payouts)
    assert 0 < figures["queue_share"] < 1
    unit = 10**runner.scenario.asset_decimals
    assert figures["exit_payouts"] == (fill_payouts + exit_payouts) / unit
    fills = sum(isinstance(ev, ExitFilled) for e in ops(runner, "process_exits") for ev in e[5].events)
    assert figures["exits"] == len(ops(runner, "exit")) + fills


def test_cohorts__points_in_line__still_held_by_their_owner():
    result = run_simulation(queue_scenario(), seed=1, backend="model")
    model = result.runner.model
    queued = sum(model.to_assets(r.unfilled) for _, r in model.waiting_requests())
    assert queued > 0
    held = sum(c["held"] for c in result.cohorts())
    assert held == sum(model.value_of(c) for c in result.runner.agents.consumers) + queued

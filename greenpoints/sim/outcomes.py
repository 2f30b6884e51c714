"""The sustainability outcomes of one run: what a regulator or an alliance asks of a rule set.

    figures = outcomes(runner)  # a finished (or stopped) Runner of any backend: one value per OUTCOMES name

The same figures are in `ape run simulate`'s summary.json (`outcomes`) and are the columns of a
sweep's sweep.csv after the parameters and the seed (`greenpoints.sim.sweep`), so one run and a
sweep speak the same language. docs/sweeps.md explains each and how to read them.

Asset amounts are in whole asset units (floats, for tables and plots); the run's summary.json keeps
every integer it had. A figure the run cannot give (no exit paid, no rogue merchant, fewer than half
the consumers ever able to exit) is None, never a made-up number.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..model import NEWCOMERS_PAY_MOST

if TYPE_CHECKING:
    from .runner import Runner

OUTCOMES: dict[str, str] = {
    "could_exit_share": "share of consumers whose holding reached the exit trigger, unlocked, on some day",
    "median_days_to_exit": "days from joining until the median consumer could exit "
    "(None: fewer than half could)",
    "exits": "exits paid: direct exits and fills of the exit queue",
    "exit_payouts": "asset units paid by exits, direct and through the exit queue",
    "paid_by_newcomers_share": "share of exit payouts above the exited points' issued value, i.e. funded "
    "by contributions that came after those points were issued (None: no exit)",
    "queue_share": "share of exit payouts paid through the exit queue (None: no exit)",
    "median_queue_days": "days the (lower) median exit request waited, from its day to its last fill (a "
    "request still waiting at the end counts the days to the next epoch after the run; None: no request)",
    "max_queue_days": "days the longest-waiting exit request waited (the same count)",
    "value_per_point_end": "value of one point at the end, in asset units",
    "value_per_point_growth": "growth of the value per point over the run (0.25: +25%)",
    "pool_assets_end": "asset units in the pool at the end",
    "pool_growth": "growth of the pool's assets from the end of the first day with assets to the end",
    "pool_drawdown": "largest fall of the pool's assets from an earlier peak (0.1: 10% below it)",
    "value_fell_days": "days the value per point fell (always 0: the rule is enforced)",
    "exit_limit_bound_days": "days the epoch exit limit cut consumers' exit demand",
    "first_cohort_return": "what the first cohort received per unit of value issued to it (1.0: even)",
    "last_cohort_return": "the same for the last cohort",
    "rogue_net": "the rogue merchant's net result in asset units (None: no rogue in the scenario)",
    "carbon_kg": "kg of CO2e booked on the pool",
}
"""Every outcome, in the order of sweep.csv's columns, with what it measures."""

MAX_DRAWDOWN = 0.25
"""A rule set "holds through a stall" when, in a run, the value per point never fell and the pool's
assets never fell more than this far below an earlier peak."""
EXIT_WITHIN_DAYS = 365
"""... and "lets the median consumer exit within a year" when its median_days_to_exit is at most this."""
# NEWCOMERS_PAY_MOST (the model's): newcomers pay most of the exits when paid_by_newcomers_share is
# above it; the monitor's paid_by_newcomers warning reads the same threshold.
__all__ = ["NEWCOMERS_PAY_MOST", "OUTCOMES", "cohorts", "outcomes"]


def outcomes(r: Runner) -> dict[str, float | int | None]:
    """The outcomes of one finished (or stopped) run; see OUTCOMES."""
    rows = r.rows
    unit = 10**r.scenario.asset_decimals
    consumers, joined = r.agents.consumers, r.agents.joined
    first = r.first_exitable
    waits = sorted(first[c] - day for c, day in zip(consumers, joined, strict=True) if c in first)
    middle = (len(consumers) - 1) // 2  # the lower median of all consumers, those never able last
    direct = sum(row["exit_payouts"] for row in rows)
    through_line = sum(row.get("queue_fill_payouts", 0) for row in rows)
    payouts = direct + through_line
    by_newcomers = sum(
        row.get("exit_paid_by_newcomers", 0) + row.get("queue_paid_by_newcomers", 0) for row in rows
    )
    queue_days = queue_waits(r)
    priced = [row["value_per_point"] for row in rows if row["total_supply"]]
    assets = [row["total_assets"] for row in rows]
    with_assets = [a for a in assets if a]
    peak, drawdown = 0, 0.0
    for a in assets:
        peak = max(peak, a)
        if peak:
            drawdown = max(drawdown, (peak - a) / peak)
    by_cohort = cohorts(r)
    rogue = None
    if r.agents.rogue:
        model, sybils = r.model, r.agents.sybils
        queued = r.queued_by_owner()
        got = sum(model.value_of(s) + model.to_assets(queued[s]) + model.paid_out_of(s) for s in sybils)
        rogue = (got - r.rogue_contributed) / unit
    falls = sum(1 for a, b in zip(priced, priced[1:], strict=False) if b < a)
    return {
        "could_exit_share": len(first) / len(consumers) if consumers else None,
        "median_days_to_exit": waits[middle] if consumers and middle < len(waits) else None,
        "exits": sum(row["exits"] + row.get("queue_fills", 0) for row in rows),
        "exit_payouts": payouts / unit,
        "paid_by_newcomers_share": by_newcomers / payouts if payouts else None,
        "queue_share": through_line / payouts if payouts else None,
        "median_queue_days": queue_days[(len(queue_days) - 1) // 2] if queue_days else None,
        "max_queue_days": queue_days[-1] if queue_days else None,
        "value_per_point_end": priced[-1] if priced else None,
        "value_per_point_growth": priced[-1] / priced[0] - 1 if priced else None,
        "pool_assets_end": (assets[-1] if assets else 0) / unit,
        "pool_growth": with_assets[-1] / with_assets[0] - 1 if with_assets else None,
        "pool_drawdown": drawdown,
        "value_fell_days": falls,
        "exit_limit_bound_days": sum(1 for row in rows if row["exit_demand_over_limit"]),
        "first_cohort_return": by_cohort[0]["received_per_issued"] if by_cohort else None,
        "last_cohort_return": by_cohort[-1]["received_per_issued"] if by_cohort else None,
        "rogue_net": rogue,
        "carbon_kg": (rows[-1]["total_carbon_g"] if rows else 0) / 1_000,
    }


def queue_waits(r: Runner) -> list[int]:
    """Days every exit request of the run waited, sorted: a closed one from its day to its last fill
    (or the give-back of its rest beyond the return cap), one still waiting at the end from its day
    to the day after the run's last (the keeper's next chance: a lower bound, it waits on)."""
    model, after = r.model, r.days_done
    still = [after - r.day_of(request.requested_at) for _, request in model.waiting_requests()]
    return sorted(r.queue_waits + still)


def cohorts(r: Runner) -> list[dict]:
    """Per cohort of consumers (by the period they joined in): what merchants contributed on
    their purchases, the value issued to them, and what they got back so far (paid out by
    exits, passed on as spends and donations at the value of the day, and still held, in their
    balance or waiting in the exit queue)."""
    model, period = r.model, r.scenario.cohort_days
    queued = r.queued_by_owner()
    table: dict[int, dict] = {}
    for consumer, joined in zip(r.agents.consumers, r.agents.joined, strict=True):
        c = table.setdefault(
            joined // period,
            {"consumers": 0, "contributed": 0, "issued": 0, "paid_out": 0, "passed_on": 0, "held": 0},
        )
        c["consumers"] += 1
        c["contributed"] += r.contributed[consumer]
        c["issued"] += model.earned_of(consumer)
        c["paid_out"] += model.paid_out_of(consumer)
        c["passed_on"] += r.passed_on[consumer]
        c["held"] += model.value_of(consumer) + (
            model.to_assets(queued[consumer]) if consumer in queued else 0
        )
    out = []
    for index in sorted(table):
        c = table[index]
        received = c["paid_out"] + c["passed_on"] + c["held"]
        out.append(
            {
                "cohort": f"days {index * period}-{min((index + 1) * period, r.scenario.days) - 1}",
                **c,
                "received": received,
                "gain": received - c["issued"],
                "received_per_issued": received / c["issued"] if c["issued"] else 0.0,
            }
        )
    return out


def holds_through_stall(row: dict) -> bool:
    """The run's value per point never fell and its pool never fell more than MAX_DRAWDOWN below a peak."""
    return row["value_fell_days"] == 0 and row["pool_drawdown"] <= MAX_DRAWDOWN


def median_exits_within_year(row: dict) -> bool:
    """The run's median consumer could exit within EXIT_WITHIN_DAYS of joining (within the run)."""
    days = row["median_days_to_exit"]
    return days is not None and days == days and days <= EXIT_WITHIN_DAYS  # NaN from a CSV: not


def newcomers_pay_most(row: dict) -> bool:
    """More than NEWCOMERS_PAY_MOST of the run's exit payouts were funded by later contributions."""
    share = row["paid_by_newcomers_share"]
    return share is not None and share == share and share > NEWCOMERS_PAY_MOST

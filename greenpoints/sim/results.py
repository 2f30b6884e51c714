"""A finished run: the cross-check, the summary, cohorts, daily.csv, summary.json and the plots."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..formatting import fmt_units
from .outcomes import cohorts, outcomes
from .runner import Runner


@dataclass
class SimResult:
    """Everything a run produced."""

    runner: Runner
    backend: str
    network: str
    final_state: dict
    """The final figures read from the backend (from the chain for chain runs)."""
    cross_check: dict = field(default_factory=dict)
    """For chain runs: the same scenario and seed on the model, compared figure by figure."""

    @property
    def rows(self) -> list[dict]:
        return self.runner.rows

    @property
    def partial(self) -> bool:
        """Stopped before its last day (Ctrl-C): the results cover the days done."""
        return self.runner.partial

    @property
    def ok(self) -> bool:
        """No attack got through and (for chain runs) the model run ended in the chain's state."""
        return not self.runner.let_through and self.cross_check.get("equal", True)

    def cohorts(self) -> list[dict]:
        """Per cohort of consumers: `greenpoints.sim.outcomes.cohorts` of this run."""
        return cohorts(self.runner)

    def carbon(self) -> dict:
        """The carbon ledger of the run (SPEC 8.4): grams of CO2e by class, the total on the pool."""
        r, rows = self.runner, self.rows
        by_class = {
            str(class_id): {
                "kind": kind,
                "label": label,
                "co2e_g": sum(row[f"co2e_g: class {class_id}"] for row in rows),
            }
            for class_id, (kind, label) in r.classes.items()
        }
        return {
            "total_g": self.final_state["pool"].get("total_carbon", 0),
            "total_kg": fmt_units(self.final_state["pool"].get("total_carbon", 0), 3, 3),
            "by_class_recorded_g": by_class,
            "reversed_g": sum(row["co2e_reversed_g"] for row in rows),
        }

    def summary(self) -> dict:
        r, rows = self.runner, self.rows
        total = {k: sum(row[k] for row in rows) for k in (
            "purchases", "purchase_amount", "contributions", "points_issued", "issued_value",
            "held_back_by_cap", "reversals", "refunds", "spends", "donations", "settlements",
            "settled_assets", "exits", "exit_payouts", "exit_demand_over_limit", "attempts", "rejected",
            "not_green", "green_actions", "action_contributions", "action_points", "held_back_by_sponsor_cap",
            "co2e_purchases_g", "co2e_actions_g", "co2e_reversed_g", "co2e_g", "queue_requests",
            "queue_requested_points", "queue_fills", "queue_filled_points", "queue_fill_payouts",
            "queue_given_back_points", "queue_claims", "queue_claimed",
        )}  # fmt: skip
        prices = [row["price_per_point"] for row in rows if row["total_supply"]]
        falls = [
            rows[i]["day"] for i in range(1, len(rows))
            if rows[i - 1]["total_supply"] and rows[i]["total_supply"]
            and rows[i]["price_per_point"] < rows[i - 1]["price_per_point"]
        ]  # fmt: skip
        rejected: dict[str, int] = {}
        for row in rows:
            for key, n in row.items():
                if key.startswith("rejected: "):
                    rejected[key[len("rejected: ") :]] = rejected.get(key[len("rejected: ") :], 0) + n
        pool = self.final_state["pool"]
        out = {
            "scenario": r.scenario.name,
            "seed": r.seed,
            "backend": self.backend,
            "network": self.network,
            "start": r.start,
            "days": r.days_done,
            "days_planned": r.scenario.days,
            # Stopped (Ctrl-C) before its last day: the figures cover the days done only.
            "partial": r.partial,
            "consumers": len(r.agents.consumers),
            "merchants": len(r.agents.merchants),
            "charities": len(r.agents.charities),
            "asset_decimals": r.scenario.asset_decimals,
            "wall_seconds": round(r.elapsed, 3),
            "actions": r.actions,
            "transactions": getattr(r.backend, "transactions", 0),
            "setup_seconds": round(r.setup_seconds, 3),
            # Speed over the simulated days (set-up, i.e. deployment and admissions, left out).
            "purchases_per_second": _rate(total["purchases"], r.elapsed - r.setup_seconds),
            "actions_per_second": _rate(r.actions, r.elapsed - r.setup_seconds),
            "totals": total,
            "final": {
                "total_assets": pool["total_assets"],
                "total_supply": pool["total_supply"],
                "pool_asset_balance": pool["asset_balance"],
                "price_per_point": pool["price_per_point"],
                "value_per_point": fmt_units(pool["price_per_point"], r.scenario.asset_decimals, 6),
            },
            "value_per_point": {
                "first": prices[0] if prices else None,
                "last": prices[-1] if prices else None,
                "growth": (prices[-1] / prices[0] - 1) if prices else None,
                "days_it_fell": falls,
            },
            "carbon": self.carbon(),
            # The sustainability outcomes, as a sweep's sweep.csv has them (docs/sweeps.md).
            "outcomes": outcomes(self.runner),
            "rejected_by_reason": dict(sorted(rejected.items(), key=lambda kv: -kv[1])),
            "attempts": {kind: dict(c) for kind, c in r.attempts.items() if c},
            "attempts_not_refused": list(r.let_through),
            "cohorts": self.cohorts(),
            "cross_check": self.cross_check,
            "ok": self.ok,
        }
        if r.agents.rogue:
            model = r.model
            sybils = r.agents.sybils
            out["rogue"] = {
                "contributed": r.rogue_contributed,
                "sybils_issued_value": sum(model.earned_of(s) for s in sybils),
                "sybils_points": sum(model.balance_of(s) for s in sybils),
                "sybils_value_now": sum(model.value_of(s) for s in sybils),
                "sybils_paid_out": sum(model.paid_out_of(s) for s in sybils),
                "suspended_on_day": r.scenario.rogue.suspend_day,
            }
            out["rogue"]["net"] = (
                out["rogue"]["sybils_value_now"] + out["rogue"]["sybils_paid_out"] - r.rogue_contributed
            )
        return out

    # ------------------------------------------------------------ files

    def write(self, out: Path | str) -> list[Path]:
        """daily.csv, summary.json and the plots in `out`; returns the paths written."""
        import pandas as pd

        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        frame = pd.DataFrame(self.rows).fillna(0)
        rejected_cols = [c for c in frame.columns if c.startswith("rejected: ")]
        frame[rejected_cols] = frame[rejected_cols].astype(int)
        daily = out / "daily.csv"
        frame.to_csv(daily, index=False)
        summary = out / "summary.json"
        summary.write_text(json.dumps(self.summary(), indent=2, default=str) + "\n")
        return [daily, summary, *plot(frame, self.cohorts(), self.runner, out)]

    def _queue_lines(self, s: dict) -> list[str]:
        if not s["totals"]["queue_requests"]:
            return []
        return [_queue_line(s["totals"], self.rows[-1], self.runner.scenario.asset_decimals, s["outcomes"])]

    def describe(self) -> str:
        """A few readable lines for the terminal."""
        s = self.summary()
        r = self.runner
        d = r.scenario.asset_decimals
        t = s["totals"]
        stopped = f" (STOPPED after {s['days']} of {s['days_planned']} days)" if s["partial"] else ""
        with_points = [row["day"] for row in self.rows if row["total_supply"]]
        if with_points:
            value = (
                f"  value per point (pool assets ÷ points outstanding): "
                f"{fmt_units(s['value_per_point']['first'], d, 6)} at the end of day {with_points[0]}, "
                f"the first with points out -> {s['final']['value_per_point']} at the end of day "
                f"{self.rows[-1]['day']}; pool holds {fmt_units(s['final']['total_assets'], d, 2)}"
            )
        else:
            value = f"  no points out yet; pool holds {fmt_units(s['final']['total_assets'], d, 2)}"
        refused = t["attempts"] - len(s["attempts_not_refused"])
        others = t["rejected"] - refused
        lines = [
            f"{s['scenario']}{stopped}: {s['days']} days, {s['consumers']} consumers, "
            f"{s['merchants']} merchants, "
            f"seed {s['seed']}, backend {s['backend']} ({s['network']})",
            f"  {_count(t['purchases'], 'purchase')}, {fmt_units(t['contributions'], d, 2)} contributed, "
            f"{_count(t['exits'], 'exit')} paying {fmt_units(t['exit_payouts'], d, 2)}, "
            f"{_count(t['settlements'], 'settlement')} paying {fmt_units(t['settled_assets'], d, 2)}",
            value,
            *self._queue_lines(s),
            # what the pool books: purchases + sponsored green actions - what returns reversed
            f"  carbon avoided: {s['carbon']['total_kg']} kg CO2e = "
            f"{fmt_units(t['co2e_purchases_g'], 3, 3)} kg from {_count(t['purchases'], 'green purchase')} "
            f"+ {fmt_units(t['co2e_actions_g'], 3, 3)} kg from "
            f"{_count(t['green_actions'], 'sponsored green action')} "
            f"- {fmt_units(t['co2e_reversed_g'], 3, 3)} kg reversed by {_count(t['reversals'], 'return')}; "
            f"{_count(t['not_green'], 'sale')} of no certified class (not recorded)",
            _refusals_line(t["attempts"], refused, others, len(s["rejected_by_reason"])),
            f"  {_count(s['actions'], 'operation')} (a till's batch of purchases, a spend, an exit, ...: "
            "one call each) in "
            f"{s['wall_seconds']:.1f} s ({s['setup_seconds']:.1f} s set-up): "
            f"{s['purchases_per_second'] or 0:,.0f} purchases/s, "
            f"{s['actions_per_second'] or 0:,.0f} operations/s",
        ]
        if self.cross_check:
            c = self.cross_check
            verdict = "equal" if c["equal"] else f"DIFFERENT ({len(c['differences'])} differences)"
            lines.append(
                "  cross-check: the same scenario and seed on the model ends in the chain's state: "
                f"{verdict} "
                f"({c['figures']:,} figures and {c['days']} daily rows compared)"
            )
        if s["attempts_not_refused"]:
            missed = s["attempts_not_refused"]
            more = f"; and {len(missed) - 3} more" if len(missed) > 3 else ""
            lines.append(f"  ATTEMPTS NOT REFUSED: {'; '.join(missed[:3])}{more}")
        return "\n".join(lines)


def _queue_line(t: dict, last: dict, d: int, outcomes_: dict) -> str:
    """The exit queue in one line: requests, fills, claims, what still waits, how long requests waited."""
    median, longest = outcomes_["median_queue_days"], outcomes_["max_queue_days"]
    return (
        f"  exit queue: {_count(t['queue_requests'], 'request')}, {_count(t['queue_fills'], 'fill')} "
        f"paying {fmt_units(t['queue_fill_payouts'], d, 2)} ({outcomes_['queue_share'] or 0:.0%} of exit "
        f"payouts), {_count(t['queue_claims'], 'claim')}; at the end {last['queue_waiting_requests']:,} "
        f"waiting, {fmt_units(last['queue_unclaimed'], d, 2)} unclaimed; requests waited "
        f"{_count(median, 'day')} (median), {longest:,} at most"
    )


def _refusals_line(attempts: int, refused: int, others: int, reasons: int) -> str:
    """Rule-breaking attempts and how many were refused, said once; other refusals beside them."""
    if attempts:
        said = f"{_count(attempts, 'rule-breaking attempt')}, " + (
            "all refused" if refused == attempts else f"{refused:,} refused"
        )
    else:
        said = "no rule-breaking attempts"
    if others:
        said += f"; {_count(others, 'other operation')} refused by the rules"
    return f"  {said} ({_count(reasons, 'refusal reason')})" if reasons else f"  {said}"


def _count(n: int, noun: str) -> str:
    """`1 exit`, `2 exits`, `1,000 green purchases`."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _rate(count: int, seconds: float) -> float | None:
    return round(count / seconds, 1) if seconds > 0 else None


def compare(chain_state: dict, chain_rows: list[dict], model_result: SimResult) -> dict:
    """Figure-by-figure comparison of a chain run with the model run of the same scenario and seed."""
    differences = []
    model_state = model_result.final_state
    figures = 0
    for key, value in chain_state["pool"].items():
        figures += 1
        if model_state["pool"].get(key) != value:
            differences.append(f"pool.{key}: chain {value}, model {model_state['pool'].get(key)}")
    for label, fields_ in chain_state["accounts"].items():
        other = model_state["accounts"].get(label)
        if other is None:
            differences.append(f"{label}: not in the model run")
            continue
        for key, value in fields_.items():
            figures += 1
            if other.get(key) != value:
                differences.append(f"{label}.{key}: chain {value}, model {other.get(key)}")
    chain_requests, model_requests = (
        chain_state.get("exit_requests", {}),
        model_state.get("exit_requests", {}),
    )
    for request_id, fields_ in chain_requests.items():
        other = model_requests.get(request_id, {})
        for key, value in fields_.items():
            figures += 1
            if other.get(key) != value:
                differences.append(f"exit request {request_id}.{key}: chain {value}, model {other.get(key)}")
    if len(chain_requests) != len(model_requests):
        differences.append(f"exit requests: chain {len(chain_requests)}, model {len(model_requests)}")
    if len(chain_state["accounts"]) != len(model_state["accounts"]):
        differences.append(
            f"accounts: chain {len(chain_state['accounts'])}, model {len(model_state['accounts'])}"
        )
    for a, b in zip(chain_rows, model_result.rows, strict=False):
        if a != b:
            keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            differences.append(f"daily row {a['day']}: {', '.join(keys)} differ")
    if len(chain_rows) != len(model_result.rows):
        differences.append(f"daily rows: chain {len(chain_rows)}, model {len(model_result.rows)}")
    return {
        "equal": not differences,
        "figures": figures,
        "days": len(chain_rows),
        "differences": differences[:50],
    }


# ------------------------------------------------------------------ plots


def plot(frame, cohorts: list[dict], runner: Runner, out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    unit = runner.unit
    name = runner.scenario.name
    days = frame["day"]
    paths = []

    def save(fig, filename: str) -> None:
        fig.tight_layout()
        path = out / filename
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)

    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.plot(days, frame["value_per_point"], color="tab:green")
    ax.set_title(f"{name}: value per point (pool assets ÷ points outstanding), by day")
    ax.set_xlabel("day")
    ax.set_ylabel("asset units per point")
    _mark_events(ax, runner)
    save(fig, "value_per_point.png")

    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.plot(days, frame["total_assets"] / unit, label="pool assets (asset units)", color="tab:blue")
    ax.set_xlabel("day")
    ax.set_ylabel("asset units", color="tab:blue")
    ax2 = ax.twinx()
    ax2.plot(days, frame["total_supply"] / 10**18, label="points outstanding", color="tab:orange")
    ax2.set_ylabel("points", color="tab:orange")
    ax.set_title(f"{name}: pool assets against points outstanding")
    _mark_events(ax, runner)
    save(fig, "pool_vs_supply.png")

    fig, (ax, bx) = plt.subplots(2, 1, figsize=(8, 6.5), sharex=True)
    ax.plot(days, frame["contributions"].cumsum() / unit, label="contributions in")
    ax.plot(days, frame["exit_payouts"].cumsum() / unit, label="exits paid out")
    if frame["queue_fill_payouts"].sum() > 0:
        ax.plot(days, frame["queue_fill_payouts"].cumsum() / unit, label="exits paid through the queue")
    ax.plot(days, frame["settled_assets"].cumsum() / unit, label="settlements paid out")
    ax.plot(days, frame["refunds"].cumsum() / unit, label="refunds (reversals)")
    ax.set_ylabel("asset units, cumulative")
    ax.set_title(f"{name}: cumulative contributions in and payouts out, by day")
    ax.legend(loc="upper left")
    bx.bar(days, frame["exit_budget_used"] * 100, color="tab:red", label="epoch exit budget used (%)")
    wanted = frame["exit_demand_over_limit"] / unit
    if wanted.sum() > 0:
        bx2 = bx.twinx()
        bx2.plot(days, wanted, color="black", linewidth=1, label="exit demand over the limit")
        bx2.set_ylabel("refused by the limit (asset units)")
    bx.set_ylabel("% of the epoch's limit")
    bx.set_xlabel("day")
    bx.set_ylim(0, 105)
    bx.legend(loc="upper left")
    save(fig, "exits_vs_contributions.png")

    if frame["queue_requests"].sum() > 0:
        fig, ax = plt.subplots(figsize=(8, 4.5))
        ax.bar(days, frame["queue_waiting_requests"], color="tab:purple", width=1.0,
               label="requests waiting (end of day)")  # fmt: skip
        ax.set_xlabel("day")
        ax.set_ylabel("requests waiting")
        ax2 = ax.twinx()
        ax2.plot(days, frame["queue_oldest_wait_days"], color="black", linewidth=1.5,
                 label="oldest request's wait (days)")  # fmt: skip
        ax2.set_ylabel("days")
        ax.set_title(f"{name}: the exit queue: requests waiting and the oldest one's wait, by day")
        ax.legend(loc="upper left", fontsize=8)
        ax2.legend(loc="upper right", fontsize=8)
        _mark_events(ax, runner)
        save(fig, "exit_queue.png")

    fig, ax = plt.subplots(figsize=(8, 4.5))
    labels = [c["cohort"] for c in cohorts]
    x = range(len(cohorts))
    width = 0.27
    ax.bar(
        [i - width for i in x],
        [c["contributed"] / unit for c in cohorts],
        width,
        label="contributed on their purchases",
    )
    ax.bar(list(x), [c["issued"] / unit for c in cohorts], width, label="value issued to them")
    ax.bar(
        [i + width for i in x],
        [c["received"] / unit for c in cohorts],
        width,
        label="received: exits + spent/donated + held now",
    )
    for i, c in enumerate(cohorts):
        if c["issued"]:
            ax.annotate(
                f"x{c['received_per_issued']:.2f}",
                (i + width, c["received"] / unit),
                ha="center",
                va="bottom",
                fontsize=8,
            )
    ax.set_xticks(list(x), labels, rotation=30, ha="right")
    ax.set_ylabel("asset units")
    ax.set_title(f"{name}: per cohort of joiners: contributed, issued and received")
    ax.legend(fontsize=8)
    save(fig, "cohort_returns.png")

    fig, ax = plt.subplots(figsize=(8, 4.5))
    bottom = None
    for class_id, (_, label) in runner.classes.items():
        kilos = frame[f"co2e_g: class {class_id}"] / 1_000
        if kilos.sum() == 0:
            continue
        ax.bar(days, kilos, bottom=bottom, label=f"{class_id}: {label}", width=1.0)
        bottom = kilos if bottom is None else bottom + kilos
    ax.set_xlabel("day")
    ax.set_ylabel("kg CO2e avoided per day (recorded)")
    ax2 = ax.twinx()
    ax2.plot(days, frame["total_carbon_g"] / 1_000_000, color="black", linewidth=1.5, label="cumulative")
    ax2.set_ylabel("tonnes CO2e, cumulative (on the pool)")
    ax.set_title(f"{name}: carbon avoided per day by class, and in all")
    if bottom is not None:
        ax.legend(loc="upper left", fontsize=7)
    ax2.legend(loc="lower right", fontsize=7)
    _mark_events(ax, runner)
    save(fig, "carbon.png")
    return paths


def _mark_events(ax, runner: Runner) -> None:
    s = runner.scenario
    for p in s.phases[1:]:
        ax.axvline(p.start_day, color="grey", linestyle="--", linewidth=0.8)
    if s.rogue is not None:
        ax.axvline(s.rogue.suspend_day, color="red", linestyle=":", linewidth=0.8)

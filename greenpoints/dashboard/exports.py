"""The page's tables as CSV, for a regulator's spreadsheet: one table per file, the same figures as
the JSON answers, every amount as an exact decimal without thousands separators (`10356.90`) with
its integer beside (`_raw`) and the unit named in its own column.

Text a spreadsheet would run as a formula (a cell starting with `=`, `+`, `-`, `@`, a tab or a
carriage return, e.g. an alert's message quoting an attacker's input) is written with a leading `'`.
"""

from __future__ import annotations

import csv
import io
import json

from .. import formatting
from . import units

POINT_FIELDS = frozenset(
    {"total_points", "points_issued", "receipts_points", "points", "balance", "unfilled", "points_ahead"}
)
"""Amounts in points (18 decimals); every other `_raw` amount is in the asset's smallest unit."""
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def write(header: list[str], rows: list[dict]) -> str:
    """`rows` as CSV text with `header` (missing values empty)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(row.get(key)) for key in header])
    return out.getvalue()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = value if isinstance(value, str) else json.dumps(value, default=str, sort_keys=True)
    if text.startswith(FORMULA_START) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _exact(row: dict, decimals: int) -> dict:
    """Every `key` with a `key_raw` beside it as an exact decimal without separators."""
    out = dict(row)
    for key, raw in row.items():
        if key.endswith("_raw") and raw is not None:
            name = key.removesuffix("_raw")
            places = 18 if name in POINT_FIELDS else decimals
            out[name] = units.decimal(int(raw), places, separators=False)
    if "carbon_g" in row:
        out["carbon_kg"] = units.decimal(int(row["carbon_g"]), 3, separators=False)
    if "co2e_kg" in row:
        out["co2e_kg"] = row["co2e_kg"].replace(",", "")
    return out


def utc(timestamp: int | None) -> str:
    return "" if not timestamp else formatting.utc(timestamp, "%Y-%m-%dT%H:%M:%SZ")


PLATFORMS = [
    "id",
    "name",
    "standing",
    "status",
    "token",
    "pool",
    "registry",
    "governor",
    "asset",
    "asset_symbol",
    "asset_decimals",
    "total_assets",
    "total_assets_raw",
    "points_symbol",
    "total_points",
    "total_points_raw",
    "value_per_point",
    "value_per_point_raw",
    "exit_budget_used_percent",
    "carbon_kg",
    "carbon_g",
    "consumers",
    "events",
    "alerts_failed_checks",
    "as_of_block",
    "as_of_time",
]


def platforms(figures: list[dict], status: dict) -> str:
    rows = [
        {
            **_exact(p, p["asset_decimals"]),
            "as_of_block": status["cursor"],
            "as_of_time": utc(status["head_time"]),
        }
        for p in figures
    ]
    return write(PLATFORMS, rows)


MERCHANTS = [
    "merchant",
    "status",
    "contribution_bps",
    "purchases",
    "asset_symbol",
    "sales",
    "sales_raw",
    "contributions",
    "contributions_raw",
    "points_issued",
    "points_issued_raw",
    "settled",
    "settled_raw",
    "refunds",
    "refunds_raw",
    "daily_cap",
    "daily_cap_raw",
    "cap_used",
    "cap_used_raw",
    "cap_used_percent",
]
SPONSORS = [
    "sponsor",
    "status",
    "actions",
    "co2e_kg",
    "asset_symbol",
    "reward_per_kg",
    "reward_per_kg_raw",
    "contributions",
    "contributions_raw",
    "points_issued",
    "points_issued_raw",
    "daily_cap",
    "daily_cap_raw",
    "cap_used",
    "cap_used_raw",
    "cap_used_percent",
]


def members(detail: dict, kind: str) -> str:
    rows = [
        {**_exact(m, detail["asset_decimals"]), "asset_symbol": detail["asset_symbol"]}
        for m in detail["merchants" if kind == "merchant" else "sponsors"]
    ]
    return write(MERCHANTS if kind == "merchant" else SPONSORS, rows)


MERCHANT_MONTHS = [
    "merchant",
    "month",
    "purchases",
    "reversals",
    "asset_symbol",
    "sales",
    "sales_raw",
    "contributions",
    "contributions_raw",
    "refunds",
    "refunds_raw",
    "co2e_kg",
]


def merchant_months(merchant: dict) -> str:
    """One merchant's figures by month (UTC), one row a month."""
    rows = [
        {**_exact(m, merchant["asset_decimals"]), "merchant": merchant["merchant"],
         "asset_symbol": merchant["asset_symbol"]}
        for m in merchant["by_month"]
    ]  # fmt: skip
    return write(MERCHANT_MONTHS, rows)


HISTORY = [
    "block",
    "time",
    "asset_symbol",
    "total_assets",
    "total_assets_raw",
    "total_points",
    "total_points_raw",
    "value_per_point",
    "value_per_point_raw",
]


def history(rows: list[tuple[int, int, int, int | None]], decimals: int, symbol: str, price) -> str:
    """Every stored point of the series (not the chart's sample): `price(assets, supply)` is the
    model's value per point."""
    out = []
    for block, assets, supply, when in rows:
        value = price(assets, supply) if supply else None
        out.append({
            "block": block, "time": utc(when), "asset_symbol": symbol,
            "total_assets": units.decimal(assets, decimals, separators=False),
            "total_assets_raw": str(assets),
            "total_points": units.decimal(supply, 18, separators=False),
            "total_points_raw": str(supply),
            "value_per_point": None if value is None else units.decimal(value, decimals, separators=False),
            "value_per_point_raw": None if value is None else str(value),
        })  # fmt: skip
    return write(HISTORY, out)


ALERTS = [
    "id",
    "platform",
    "platform_name",
    "block",
    "log_index",
    "time",
    "kind",
    "severity",
    "tx",
    "message",
    "details",
]


def alerts(rows: list[dict]) -> str:
    out = []
    for a in rows:
        details = a.get("details") or {}
        out.append({
            **a, "time": utc(a.get("time")), "platform": alert_platform(a),
            "platform_name": details.get("platform_name") if isinstance(details, dict) else None,
        })  # fmt: skip
    return write(ALERTS, out)


def alert_platform(alert: dict) -> int | None:
    """The platform an alert is about: its row's, or for the association's own alerts the one its
    details name (None for an alert about the association itself)."""
    details = alert.get("details") or {}
    named = details.get("platform") if isinstance(details, dict) else None
    if isinstance(named, int) and not isinstance(named, bool):
        return named
    platform = alert.get("platform")
    return platform if isinstance(platform, int) and platform >= 0 else None


PEOPLE = [
    "platform",
    "platform_name",
    "role",
    "holder",
    "status",
    "valid_until",
    "valid_until_unix",
    "trainer",
    "trainer_name",
    "certificate_hash",
    "since_block",
]


def people(rows: list[dict]) -> str:
    """A platform's role holders with their qualification (SPEC 12)."""
    return write(PEOPLE, [{**r, "valid_until": utc(r["valid_until"]), "valid_until_unix": r["valid_until"]}
                          for r in rows])  # fmt: skip


TRAINERS = ["trainer", "name", "status", "accredited_block", "revoked_block", "reason", "qualifications"]


def trainers(rows: list[dict]) -> str:
    """The association's trainers."""
    return write(TRAINERS, rows)


EXIT_QUEUE = [
    "id",
    "owner",
    "unfilled",
    "unfilled_raw",
    "points_ahead",
    "points_ahead_raw",
    "requested_at",
    "requested_at_unix",
    "age_seconds",
    "epochs_to_fill",
]


def exit_queue(line: dict) -> str:
    """A platform's exit queue (SPEC 11): its waiting requests in order, with each one's place
    (points ahead), age and estimated epochs to be filled at the current budget."""
    rows = [
        {**_exact(r, 18), "requested_at": utc(r["requested_at"]), "requested_at_unix": r["requested_at"],
         "age_seconds": r["age"]}
        for r in line["requests"]
    ]  # fmt: skip
    return write(EXIT_QUEUE, rows)

"""Readable views of the folded ledger, shared by the audit's report and the dashboard's page:
merchants, sponsors, charities, the carbon ledger, the pool's figures, the governor's operations
decoded, and the lineage of points. Each takes the `Ledger` and returns plain data (JSON-ready).

    merchants(ledger), sponsors(ledger), charities(ledger), carbon(ledger), pool(ledger)
    governance(ledger, registry_type, now), trace(ledger, merchant, order_id), trace_account(ledger, account)
"""

from __future__ import annotations

from eth_abi import decode
from eth_utils import keccak

from ..catalog import kind_name
from ..formatting import fmt_points, fmt_units
from ..model import value_per_point
from ..statuses import charity_status_name, merchant_status_name
from .ledger import Ledger


def merchants(ledger: Ledger) -> list[dict]:
    """Every merchant the rules know: its terms and its books, in decimal units."""
    d = ledger.asset_decimals
    if ledger.model is None:
        return []
    out = []
    for address, terms in sorted(ledger.model.state.merchants.items()):
        m = ledger.merchants[address]
        out.append({
            "merchant": address,
            "status": merchant_status_name(terms.status),
            "contribution_bps": terms.contribution_bps,
            "purchases": m.purchases,
            "sales": fmt_units(m.sales, d, 2),
            "contributions": fmt_units(m.contributions, d, 2),
            "points_issued": fmt_points(m.points_issued, 2),
            "receipts_points": fmt_points(m.receipts_points, 2),
            "settled": fmt_units(m.settled_assets, d, 2),
            "refunds": fmt_units(m.refunds, d, 2),
        })  # fmt: skip
    return out


def sponsors(ledger: Ledger) -> list[dict]:
    """Every sponsor of green actions: its terms and its books, in decimal units."""
    d = ledger.asset_decimals
    if ledger.model is None:
        return []
    out = []
    for address, terms in sorted(ledger.model.state.sponsors.items()):
        book = ledger.sponsors[address]
        out.append({
            "sponsor": address,
            "status": merchant_status_name(terms.status),
            "reward_per_kg": fmt_units(terms.reward_per_kg, d, 4),
            "daily_cap": fmt_units(terms.daily_cap, d, 2),
            "actions": book.actions,
            "co2e_kg": fmt_units(book.co2e, 3, 3),
            "contributions": fmt_units(book.contributions, d, 2),
            "points_issued": fmt_points(book.points_issued, 2),
        })  # fmt: skip
    return out


def carbon(ledger: Ledger) -> dict:
    """The carbon ledger (SPEC 8.4) by class, merchant, sponsor and month; grams and kilograms."""
    model = ledger.model
    classes = model.state.classes if model else {}
    return {
        "total_g": ledger.total_carbon,
        "total_kg": fmt_units(ledger.total_carbon, 3, 3),
        "by_class": [
            {
                "class_id": class_id,
                "label": ledger.class_labels.get(class_id, ""),
                "kind": kind_name(classes[class_id].kind if class_id in classes else 0, unknown="?"),
                "certified": bool(class_id in classes and classes[class_id].certified),
                "co2e_per_unit": classes[class_id].co2e_per_unit if class_id in classes else None,
                "co2e_g": grams,
            }
            for class_id, grams in sorted(ledger.carbon_by_class.items())
        ],
        "by_merchant": [
            {"merchant": address, "co2e_g": book.co2e}
            for address, book in sorted(ledger.merchants.items())
            if book.co2e
        ],
        "by_sponsor": [
            {"sponsor": address, "co2e_g": book.co2e} for address, book in sorted(ledger.sponsors.items())
        ],
        "by_month": [
            {"month": month, "co2e_g": grams} for month, grams in sorted(ledger.carbon_by_month.items())
        ],
        "catalog_history": ledger.class_history,
    }


def charities(ledger: Ledger) -> list[dict]:
    """Every registered charity and its status."""
    model = ledger.model
    if model is None:
        return []
    return [
        {"charity": address, "status": charity_status_name(c.status)}
        for address, c in sorted(model.state.charities.items())
    ]


def pool(ledger: Ledger) -> dict:
    """The pool's figures as integers (the value per point as a decimal string, `None` without points)."""
    d = ledger.asset_decimals
    return {
        "total_assets": ledger.total_assets,
        "total_supply": ledger.total_supply,
        "asset_balance": ledger.asset_balance,
        "contributions": ledger.contributions,
        "payouts": ledger.payouts,
        "settlements": ledger.settlements,
        "refunds": ledger.refunds,
        "value_per_point": (
            fmt_units(value_per_point(ledger.total_assets, ledger.total_supply, d), d, 6)
            if ledger.total_supply
            else None
        ),
        "paused": ledger.paused,
        "shut_down": ledger.shutdown,
    }


def pool_figures(pool: dict, decimals: int) -> list[tuple[str, str]]:
    """The figures of `pool(ledger)` in decimal units, named for reading (audit.json keeps the integers)."""

    def money(key: str) -> str:
        return fmt_units(pool[key], decimals, 2)

    return [
        ("total assets", money("total_assets")),
        ("points outstanding", fmt_points(pool["total_supply"])),
        ("value per point", pool["value_per_point"] or "no points outstanding"),
        ("asset balance", money("asset_balance")),
        ("contributions", money("contributions")),
        ("exit payouts", money("payouts")),
        ("settlements", money("settlements")),
        ("refunds", money("refunds")),
        ("paused", "yes" if pool["paused"] else "no"),
        ("shut down", "yes" if pool["shut_down"] else "no"),
    ]


class CallDecoder:
    """Readable form of a call the governor schedules: `set_rule('issue_bps', 6500)` for the
    registry's methods (rules, pause, shutdown, roles), the raw payload for any other target."""

    def __init__(self, registry_type, registry: str):
        self.registry = registry
        self.methods = {}
        for abi in registry_type.mutable_methods:
            self.methods[keccak(text=abi.selector)[:4]] = (abi.name, [i.canonical_type for i in abi.inputs])

    def __call__(self, target: str, payload: bytes) -> str:
        if target != self.registry:
            return f"call {payload.hex()} on {target}"
        name, types = self.methods.get(payload[:4], (payload[:4].hex(), []))
        try:
            args = list(decode(types, payload[4:])) if types else []
        except Exception:  # noqa: BLE001 - an undecodable payload is reported as such
            args = ["(undecodable)"]
        return f"{name}({', '.join(repr(a) for a in args)})"


def governance(ledger: Ledger, registry_type, now: int) -> list[dict]:
    """Every operation scheduled on the governor, decoded, with its state at time `now`."""
    describe = CallDecoder(registry_type, ledger.registry)
    times = ledger.block_time
    out = []
    for op_id, op in ledger.scheduled.items():
        target = op["target"]
        call = describe(target, bytes(op["payload"]))
        scheduled_at = times(op["block"])
        ready_at = scheduled_at + op["delay"]
        if "executed_block" in op:
            state = f"executed at block {op['executed_block']}"
        elif "cancelled_block" in op:
            state = f"cancelled at block {op['cancelled_block']}"
        else:
            state = "pending, ready now" if now >= ready_at else "pending"
        out.append({
            "id": op_id.hex(), "target": target, "call": call, "delay": op["delay"],
            "scheduled_block": op["block"], "ready_at": ready_at, "state": state,
        })  # fmt: skip
    return out


def trace(ledger: Ledger, merchant, order_id: bytes) -> list[dict]:
    """The fates of one purchase's points (SPEC 7): still held by whom, spent at which merchant
    for which order, donated, settled, exited, reversed; outflows attributed oldest lot first."""
    address = str(getattr(merchant, "address", merchant))
    origin = ledger.orders.get((address.lower(), order_id), {})
    return [
        {
            "class_id": origin.get("class_id"),
            "co2e": origin.get("co2e"),
            "fate": f.kind,
            "points": f.points,
            "holder": f.holder,
            "counterparty": f.counterparty,
            "order_id": f.order_id.hex() if f.order_id else None,
            "block": f.block,
            "tx": f.tx,
        }
        for f in ledger.trace(address, order_id)
    ]


def trace_account(ledger: Ledger, account) -> dict:
    """A holder's purchases, its outflows with their origin, and what it holds now, by origin."""
    return ledger.trace_account(str(getattr(account, "address", account)))

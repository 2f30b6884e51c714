"""The audit's result: checks with counts, failures, rebuilt-vs-chain comparison, bytecode, governance,
lineage, and the files (audit.json, audit.md, a self-contained audit.html)."""

from __future__ import annotations

import base64
import html
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from eth_abi import decode
from eth_utils import keccak, to_checksum_address

from ..abi import view_types
from ..catalog import kind_name
from ..formatting import fmt_points, fmt_units
from ..interfaces import runs
from ..model import value_per_point
from ..statuses import charity_status_name, merchant_status_name
from .ledger import CHECKS, Ledger

STATE_CHECK = "rebuilt state = chain"
CODE_CHECK = "bytecode = compiled"
_BATCH = 500


def _call_many(web3, calls: list[tuple[str, bytes]]) -> list[bytes | None]:
    """eth_call each (to, data) at the latest block; JSON-RPC batches where the provider has them."""
    requests = [("eth_call", [{"to": to, "data": "0x" + data.hex()}, "latest"]) for to, data in calls]
    out: list[bytes | None] = []
    provider = web3.provider
    batching = type(provider).__name__ == "HTTPProvider"
    for start in range(0, len(requests), _BATCH):
        chunk = requests[start : start + _BATCH]
        if batching:
            responses = provider.make_batch_request(chunk)
        else:  # eth-tester: through web3's formatters
            responses = [
                {"result": web3.eth.call({"to": to_checksum_address(p[0]["to"]), "data": p[0]["data"]})}
                for _, p in chunk
            ]
        for response in responses:
            result = response.get("result") if isinstance(response, dict) else None
            if isinstance(result, bytes | bytearray):
                out.append(bytes(result))
            elif isinstance(result, str):
                out.append(bytes.fromhex(result[2:]))
            else:
                out.append(None)
    return out


def _selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


def _encode_address(address: str) -> bytes:
    return bytes(12) + bytes.fromhex(address[2:])


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


@dataclass
class Report:
    """What the audit found. `ok` is True when every check passed."""

    ledger: Ledger
    system: object
    start_block: int
    end_block: int
    state_differences: list[str] = field(default_factory=list)
    state_figures: int = 0
    code: dict[str, bool] = field(default_factory=dict)
    governance: list[dict] = field(default_factory=list)
    stats: dict = field(default_factory=dict)

    # ------------------------------------------------------------ verdict

    @property
    def failures(self) -> list[str]:
        """Readable strings, one per failed check (the first 1,000 of the ledger's, then the rest)."""
        out = list(self.ledger.failures)
        out += [f"[{STATE_CHECK}] {d}" for d in self.state_differences]
        out += [
            f"[{CODE_CHECK}] {name}: deployed bytecode differs" for name, ok in self.code.items() if not ok
        ]
        return out

    @property
    def ok(self) -> bool:
        return not self.failures and not self.ledger.failed

    def checks(self) -> dict[str, dict]:
        ledger = self.ledger
        table = {
            name: {"rule": text, "checked": ledger.checked[name], "failed": ledger.failed[name]}
            for name, text in CHECKS.items()
        }
        table[STATE_CHECK] = {
            "rule": "every balance, basis, earned, paid out, merchant record, rule and pool figure rebuilt "
            "from events equals the chain's",
            "checked": self.state_figures,
            "failed": len(self.state_differences),
        }
        table[CODE_CHECK] = {
            "rule": "deployed runtime code starts with the compiled contract's (Vyper appends immutables)",
            "checked": len(self.code),
            "failed": sum(not ok for ok in self.code.values()),
        }
        return table

    # ------------------------------------------------------------ chain comparison

    def compare_with_chain(self, web3) -> None:
        """Every figure rebuilt (by the replayed model, and independently) against the chain's views."""
        ledger = self.ledger
        model = ledger.model
        if model is None:
            return
        st = model.state
        pool, registry, asset = ledger.pool, ledger.registry, str(self.system.asset.address).lower()
        calls, keys, types, wanted = [], [], [], []

        def add(label, to, signature, args: bytes, kinds, want):
            calls.append((to, _selector(signature) + args))
            keys.append(label)
            types.append(kinds)
            wanted.append(want)

        holders = set(st.balances) | set(st.basis) | set(st.earned) | set(st.paid_out) | set(ledger.balances)
        for account in sorted(holders):
            arg = _encode_address(account)
            add(f"{account}.points", pool, "balanceOf(address)", arg, ["uint256"], model.balance_of(account))
            add(f"{account}.basis", pool, "basis_of(address)", arg, ["uint256"], model.basis_of(account))
            add(f"{account}.earned", pool, "earned_of(address)", arg, ["uint256"], model.earned_of(account))
            add(
                f"{account}.paid_out",
                pool,
                "paid_out_of(address)",
                arg,
                ["uint256"],
                model.paid_out_of(account),
            )
            add(f"{account}.carbon", pool, "carbon_of(address)", arg, ["uint256"], model.carbon_of(account))
        merchant_kinds = list(view_types("Registry", "merchants"))
        for merchant, m in sorted(st.merchants.items()):
            add(
                f"merchant {merchant}", registry, "merchants(address)", _encode_address(merchant),
                merchant_kinds,
                (m.status, m.category, m.contribution_bps, m.daily_cap, m.license_hash, m.epoch,
                 m.epoch_contribution),
            )  # fmt: skip
        sponsor_kinds = list(view_types("Registry", "sponsors"))
        for sponsor, sp in sorted(st.sponsors.items()):
            add(
                f"sponsor {sponsor}", registry, "sponsors(address)", _encode_address(sponsor), sponsor_kinds,
                (sp.status, sp.reward_per_kg, sp.daily_cap, sp.license_hash, sp.epoch, sp.epoch_contribution),
            )  # fmt: skip
        for class_id, c in sorted(st.classes.items()):
            add(
                f"class {class_id}", registry, "green_class(uint32)", class_id.to_bytes(32, "big"),
                list(view_types("Registry", "green_class")),
                (c.kind, c.certified, c.co2e_per_unit, c.standard_hash),
            )  # fmt: skip
        for charity, c in sorted(st.charities.items()):
            add(
                f"charity {charity}", registry, "charities(address)", _encode_address(charity),
                list(view_types("Registry", "charities")), (c.status, c.license_hash),
            )  # fmt: skip
        for rule, value in sorted(st.rules.items()):
            add(f"rule {rule}", registry, f"{rule}()", b"", ["uint256"], value)
        for label, signature, want in (
            ("total_assets", "total_assets()", st.total_assets),
            ("totalSupply", "totalSupply()", st.total_supply),
            ("paused", "paused()", st.paused),
            ("is_shutdown", "is_shutdown()", st.shutdown),
            ("current_epoch", "current_epoch()", st.current_epoch),
            ("epoch_start_assets", "epoch_start_assets()", st.epoch_start_assets),
            ("epoch_exited", "epoch_exited()", st.epoch_exited),
            ("total_carbon", "total_carbon()", st.total_carbon),
        ):
            kind = "bool" if label in ("paused", "is_shutdown") else "uint256"
            add(f"pool.{label}", pool, signature, b"", [kind], want)
        add(
            "pool.asset balance",
            asset,
            "balanceOf(address)",
            _encode_address(pool),
            ["uint256"],
            ledger.asset_balance,
        )
        # the replayed rules and the independent books must agree too
        independent = {
            "total_assets": (st.total_assets, ledger.total_assets),
            "totalSupply": (st.total_supply, ledger.total_supply),
            "sum of balances": (sum(st.balances.values()), sum(ledger.balances.values())),
            "total_carbon": (st.total_carbon, ledger.total_carbon),
            "sum of carbon": (sum(st.carbon.values()), ledger.total_carbon),
        }
        for label, (replayed, rebuilt) in independent.items():
            self.state_figures += 1
            if replayed != rebuilt:
                self.state_differences.append(
                    f"{label}: replayed by the rules {replayed}, from the events' own flows {rebuilt}"
                )
        if sum(ledger.balances.values()) != ledger.total_supply:
            self.state_differences.append(
                f"sum of balances {sum(ledger.balances.values())} != supply {ledger.total_supply}"
            )
        for account in sorted(set(ledger.balances) | set(st.balances)):
            if ledger.balances[account] != model.balance_of(account):
                self.state_differences.append(
                    f"{account}.points: replayed {model.balance_of(account)}, "
                    f"from Transfers {ledger.balances[account]}"
                )
        results = _call_many(web3, calls)
        for label, kinds, raw, want in zip(keys, types, results, wanted, strict=True):
            self.state_figures += 1
            if raw is None or len(raw) < 32 * len(kinds):
                self.state_differences.append(f"{label}: the chain did not answer")
                continue
            value = decode(kinds, raw)
            got = value if len(kinds) > 1 else value[0]
            if got != want:
                self.state_differences.append(f"{label}: chain {_show(got)}, rebuilt {_show(want)}")

    def check_code(self, web3, pool_type, registry_type) -> None:
        from ape import project

        for name, address, contract_type in (
            ("pool (ValuePool)", self.ledger.pool, pool_type),
            ("registry (Registry)", self.ledger.registry, registry_type),
            ("governor (Governor)", self.ledger.governor, project.Governor.contract_type),
        ):
            self.code[name] = runs(web3.eth.get_code(to_checksum_address(address)), contract_type)

    def decode_governance(self, registry_type, now: int) -> None:
        """Every operation scheduled on the governor, decoded, with its state."""
        describe = CallDecoder(registry_type, self.ledger.registry)
        times = self.ledger.block_time
        for op_id, op in self.ledger.scheduled.items():
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
            self.governance.append({
                "id": op_id.hex(), "target": target, "call": call, "delay": op["delay"],
                "scheduled_block": op["block"], "ready_at": ready_at, "state": state,
            })  # fmt: skip

    # ------------------------------------------------------------ lineage

    def trace(self, merchant, order_id: bytes) -> list[dict]:
        """The fates of one purchase's points (SPEC 7): still held by whom, spent at which merchant
        for which order, donated, settled, exited, reversed; outflows attributed oldest lot first."""
        address = str(getattr(merchant, "address", merchant))
        origin = self.ledger.orders.get((address.lower(), order_id), {})
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
            for f in self.ledger.trace(address, order_id)
        ]

    def trace_account(self, account) -> dict:
        return self.ledger.trace_account(str(getattr(account, "address", account)))

    # ------------------------------------------------------------ output

    def describe(self) -> str:
        """A few readable lines for the terminal: one per check, then the first failures."""
        stats = self.stats
        lines = [
            f"audit of pool {self.ledger.pool}: blocks {self.start_block}-{self.end_block}, "
            f"{stats['events']:,} events in {stats['log_requests']} log requests "
            f"(fetch {stats['fetch_seconds']:.1f} s, fold {stats['fold_seconds']:.1f} s, "
            f"compare {stats['compare_seconds']:.1f} s)",
        ]
        for name, check in self.checks().items():
            verdict = "ok" if check["failed"] == 0 else f"FAILED x{check['failed']}"
            lines.append(f"  {name:<28} {check['checked']:>9,} checked  {verdict}")
        return "\n".join(lines + verdict_lines(self.failures, self.ok))

    def merchants(self) -> list[dict]:
        ledger = self.ledger
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

    def sponsors(self) -> list[dict]:
        ledger = self.ledger
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

    def carbon(self) -> dict:
        """The carbon ledger (SPEC 8.4) by class, merchant, sponsor and month; grams and kilograms."""
        ledger = self.ledger
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

    def charities(self) -> list[dict]:
        model = self.ledger.model
        if model is None:
            return []
        return [
            {"charity": address, "status": charity_status_name(c.status)}
            for address, c in sorted(model.state.charities.items())
        ]

    def pool_figures(self, pool: dict) -> list[tuple[str, str]]:
        """The pool's figures of `to_dict()["pool"]` in decimal units (audit.json keeps the integers)."""
        d = self.ledger.asset_decimals

        def money(key: str) -> str:
            return fmt_units(pool[key], d, 2)

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

    def to_dict(self) -> dict:
        ledger = self.ledger
        d = ledger.asset_decimals
        return {
            "ok": self.ok,
            "blocks": [self.start_block, self.end_block],
            "contracts": {"pool": ledger.pool, "registry": ledger.registry, "governor": ledger.governor},
            "checks": self.checks(),
            "failures": self.failures,
            "pool": {
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
            },
            "holders": sum(1 for v in ledger.balances.values() if v),
            "purchases": len(ledger.orders),
            "merchants": self.merchants(),
            "sponsors": self.sponsors(),
            "charities": self.charities(),
            "carbon": self.carbon(),
            "rules": dict(ledger.model.state.rules) if ledger.model else dict(ledger.rules),
            "rule_history": ledger.rule_history,
            "governance": self.governance,
            "bytecode": self.code,
            "stats": self.stats,
        }

    def to_markdown(self) -> str:
        data = self.to_dict()
        lines = [
            f"# greenpoints audit: {'PASSED' if data['ok'] else 'FAILED'}",
            "",
            f"Pool {data['contracts']['pool']}, registry {data['contracts']['registry']}, governor "
            f"{data['contracts']['governor']}, blocks {self.start_block}-{self.end_block}, "
            f"{self.stats.get('events', 0):,} events.",
            "",
            "## Checks",
            "",
            "| check | rule | checked | failed |",
            "|---|---|---:|---:|",
        ]
        for name, c in data["checks"].items():
            lines.append(f"| {name} | {c['rule']} | {c['checked']:,} | {c['failed']:,} |")
        if data["failures"]:
            lines += ["", "## Failures", ""] + [f"- {f}" for f in data["failures"][:200]]
        p = data["pool"]
        lines += [
            "",
            "## Pool",
            "",
            *(f"- {name}: {value}" for name, value in self.pool_figures(p)),
            "",
            "## Merchants",
            "",
            "| merchant | status | bps | purchases | sales | contributions | points issued | points received "
            "| settled | refunds |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for m in data["merchants"]:
            lines.append(
                f"| {m['merchant']} | {m['status']} | {m['contribution_bps']} | {m['purchases']} "
                f"| {m['sales']} | {m['contributions']} | {m['points_issued']} | {m['receipts_points']} "
                f"| {m['settled']} | {m['refunds']} |"
            )
        lines += [
            "",
            "## Sponsors of green actions",
            "",
            "| sponsor | status | reward per kg | daily cap | actions | CO2e kg | contributions "
            "| points issued |",
            "|---|---|---:|---:|---:|---:|---:|---:|",
        ]
        for sp in data["sponsors"]:
            lines.append(
                f"| {sp['sponsor']} | {sp['status']} | {sp['reward_per_kg']} | {sp['daily_cap']} "
                f"| {sp['actions']} | {sp['co2e_kg']} | {sp['contributions']} | {sp['points_issued']} |"
            )
        carbon = data["carbon"]
        lines += [
            "",
            "## Carbon (grams of CO2e avoided)",
            "",
            f"Total {carbon['total_g']:,} g ({carbon['total_kg']} kg).",
            "",
            "| class | label | kind | certified | g per unit | CO2e g |",
            "|---:|---|---|---|---:|---:|",
        ]
        for c in carbon["by_class"]:
            lines.append(
                f"| {c['class_id']} | {c['label']} | {c['kind']} "
                f"| {'yes' if c['certified'] else 'withdrawn'} | {_show(c['co2e_per_unit'])} "
                f"| {c['co2e_g']:,} |"
            )
        lines += ["", "| merchant or sponsor | CO2e g |", "|---|---:|"]
        for row in carbon["by_merchant"]:
            lines.append(f"| {row['merchant']} | {row['co2e_g']:,} |")
        for row in carbon["by_sponsor"]:
            lines.append(f"| {row['sponsor']} (sponsor) | {row['co2e_g']:,} |")
        lines += ["", "| month (UTC) | CO2e g |", "|---|---:|"]
        for row in carbon["by_month"]:
            lines.append(f"| {row['month']} | {row['co2e_g']:,} |")
        lines += ["", "## Rule history", "", "| block | rule | old | new |", "|---:|---|---:|---:|"]
        for r in data["rule_history"]:
            lines.append(f"| {r['block']} | {r['rule']} | {r['old']} | {r['new']} |")
        lines += ["", "## Governor operations", ""]
        if not data["governance"]:
            lines.append("None scheduled.")
        for g in data["governance"]:
            lines.append(f"- `{g['call']}`: delay {g['delay']} s, ready at {g['ready_at']}, {g['state']}")
        lines += ["", "## Bytecode", ""] + [
            f"- {k}: {'matches' if v else 'DIFFERS'}" for k, v in self.code.items()
        ]
        lines += ["", "## Run", ""] + [
            f"- {key.replace('_', ' ')}: {value:,}" for key, value in self.stats.items()
        ]
        lines.append("")
        return "\n".join(lines)

    def chart_png(self) -> bytes:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        series = self.ledger.series
        unit = 10**self.ledger.asset_decimals
        fig, (ax, bx) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
        if series:
            blocks = [b for b, _, _ in series]
            d = self.ledger.asset_decimals
            prices = [value_per_point(a, s, d) / unit if s else 0 for _, a, s in series]
            ax.plot(blocks, prices, color="tab:green")
            bx.plot(blocks, [a / unit for _, a, _ in series], label="pool assets", color="tab:blue")
            bx2 = bx.twinx()
            bx2.plot(blocks, [s / 10**18 for _, _, s in series], label="points", color="tab:orange")
            bx2.set_ylabel("points outstanding", color="tab:orange")
        ax.set_title("value per point (asset units per point)")
        bx.set_title("pool assets and points outstanding")
        bx.set_ylabel("asset units", color="tab:blue")
        bx.set_xlabel("block")
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=100)
        plt.close(fig)
        return buffer.getvalue()

    def to_html(self) -> str:
        """One self-contained page: the markdown's tables as HTML, the chart inlined as base64."""
        data = self.to_dict()
        e = html.escape
        verdict = "PASSED" if data["ok"] else "FAILED"
        color = "#1a7f37" if data["ok"] else "#cf222e"

        def table(headers, rows):
            head = "".join(f"<th>{e(str(h))}</th>" for h in headers)
            body = "".join("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in row) + "</tr>" for row in rows)
            return f"<table><tr>{head}</tr>{body}</table>"

        chart = base64.b64encode(self.chart_png()).decode()
        parts = [
            "<!doctype html><html><head><meta charset='utf-8'><title>greenpoints audit</title><style>"
            "body{font-family:sans-serif;margin:2em;max-width:1100px}"
            "table{border-collapse:collapse;margin:1em 0}"
            "td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px;text-align:left}"
            f"h1{{color:{color}}}</style></head><body>",
            f"<h1>greenpoints audit: {verdict}</h1>",
            f"<p>Pool {e(data['contracts']['pool'])}, registry {e(data['contracts']['registry'])}, governor "
            f"{e(data['contracts']['governor'])}, blocks "
            f"{self.start_block}-{self.end_block}, {self.stats.get('events', 0):,} events.</p>",
            "<h2>Checks</h2>",
            table(
                ["check", "rule", "checked", "failed"],
                [(n, c["rule"], c["checked"], c["failed"]) for n, c in data["checks"].items()],
            ),  # fmt: skip
        ]
        if data["failures"]:
            parts.append(
                "<h2>Failures</h2><ul>"
                + "".join(f"<li>{e(f)}</li>" for f in data["failures"][:200])
                + "</ul>"
            )
        parts += [
            "<h2>Value per point and pool over time</h2>",
            f"<img alt='value per point and pool' src='data:image/png;base64,{chart}'>",
            "<h2>Pool</h2>",
            table(["figure", "value"], self.pool_figures(data["pool"])),
            "<h2>Merchants</h2>",
            table(
                list(data["merchants"][0].keys()) if data["merchants"] else ["merchant"],
                [list(m.values()) for m in data["merchants"]],
            ),  # fmt: skip
            "<h2>Sponsors of green actions</h2>",
            table(
                list(data["sponsors"][0]) if data["sponsors"] else ["sponsor"],
                [list(sp.values()) for sp in data["sponsors"]],
            ),  # fmt: skip
            f"<h2>Carbon: {data['carbon']['total_g']:,} g of CO2e avoided "
            f"({data['carbon']['total_kg']} kg)</h2>",
            table(
                ["class", "label", "kind", "certified", "g per unit", "CO2e g"],
                [
                    (
                        c["class_id"],
                        c["label"],
                        c["kind"],
                        "yes" if c["certified"] else "withdrawn",
                        _show(c["co2e_per_unit"]),
                        f"{c['co2e_g']:,}",
                    )
                    for c in data["carbon"]["by_class"]
                ],
            ),
            table(
                ["merchant or sponsor", "CO2e g"],
                [(r["merchant"], f"{r['co2e_g']:,}") for r in data["carbon"]["by_merchant"]]
                + [(f"{r['sponsor']} (sponsor)", f"{r['co2e_g']:,}") for r in data["carbon"]["by_sponsor"]],
            ),
            table(
                ["month (UTC)", "CO2e g"],
                [(r["month"], f"{r['co2e_g']:,}") for r in data["carbon"]["by_month"]],
            ),
            "<h2>Rule history</h2>",
            table(
                ["block", "rule", "old", "new"],
                [(r["block"], r["rule"], r["old"], r["new"]) for r in data["rule_history"]],
            ),
            "<h2>Governor operations</h2>",
            table(
                ["call", "delay (s)", "ready at", "state"],
                [(g["call"], g["delay"], g["ready_at"], g["state"]) for g in data["governance"]],
            ),  # fmt: skip
            "<h2>Bytecode</h2>",
            table(
                ["contract", "matches compiled"], [(k, "yes" if v else "NO") for k, v in self.code.items()]
            ),
            "<h2>Run</h2>",
            table(["figure", "value"], [(k.replace("_", " "), f"{v:,}") for k, v in self.stats.items()]),
            "</body></html>",
        ]
        return "".join(parts)

    def write(self, out: Path) -> list[Path]:
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / "audit.json", out / "audit.md", out / "audit.html"]
        paths[0].write_text(json.dumps(self.to_dict(), indent=2, default=_json_default) + "\n")
        paths[1].write_text(self.to_markdown())
        paths[2].write_text(self.to_html())
        return paths


def verdict_lines(failures: list[str], ok: bool, shown: int = 10) -> list[str]:
    """The end of a terminal summary: the first `shown` failures, how many more, PASSED or FAILED."""
    lines = [f"  ! {failure}" for failure in failures[:shown]]
    if len(failures) > shown:
        lines.append(f"  ! ... and {len(failures) - shown} more")
    return [*lines, "PASSED" if ok else "FAILED"]


def _show(value) -> str:
    """A figure for a message: integers and tuples as themselves, bytes as hex."""
    if isinstance(value, tuple | list):
        return "(" + ", ".join(_show(v) for v in value) + ")"
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    return str(value)


def _json_default(value):
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    return str(value)

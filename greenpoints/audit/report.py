"""The audit's result, the public front over three rooms:

- `checks`: what makes the audit pass or fail (the ledger's checks, the rebuilt state against the
  chain, the deployed code against the compiled contracts);
- `views`: the folded ledger's readable views (merchants, sponsors, carbon, pool, governance, lineage);
- `render`: one renderer that writes markdown and HTML from the same `tables.Table`s.

`Report.page()` builds every table of audit.md and audit.html once; `write` writes audit.json, audit.md
and a self-contained audit.html.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..model import value_per_point
from . import checks as _checks
from . import render, views
from .checks import CODE_CHECK, STATE_CHECK, ChainComparison, show, verdict_lines
from .ledger import Ledger
from .tables import Bullets, Column, Image, Page, Paragraph, Table, thousands
from .views import CallDecoder

__all__ = ["CODE_CHECK", "STATE_CHECK", "CallDecoder", "Report", "audit_page", "verdict_lines"]


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

    # ------------------------------------------------------------ checks

    @property
    def comparison(self) -> ChainComparison:
        return ChainComparison(self.state_figures, self.state_differences)

    @property
    def failures(self) -> list[str]:
        """Readable strings, one per failed check (the first 1,000 of the ledger's, then the rest)."""
        return _checks.failures(self.ledger, self.comparison, self.code)

    @property
    def ok(self) -> bool:
        return _checks.passed(self.ledger, self.failures)

    def checks(self) -> dict[str, dict]:
        return _checks.check_table(self.ledger, self.comparison, self.code)

    def compare_with_chain(self, web3) -> None:
        """Every figure rebuilt (by the replayed model, and independently) against the chain's views."""
        asset = str(self.system.asset.address).lower()
        result = _checks.compare_with_chain(self.ledger, asset, web3)
        self.state_figures += result.figures
        self.state_differences += result.differences

    def check_code(self, web3, pool_type, registry_type) -> None:
        self.code.update(_checks.check_code(web3, self.ledger, pool_type, registry_type))

    # ------------------------------------------------------------ views

    def decode_governance(self, registry_type, now: int) -> None:
        """Every operation scheduled on the governor, decoded, with its state."""
        self.governance += views.governance(self.ledger, registry_type, now)

    def trace(self, merchant, order_id: bytes) -> list[dict]:
        """The fates of one purchase's points (`views.trace`)."""
        return views.trace(self.ledger, merchant, order_id)

    def trace_account(self, account) -> dict:
        return views.trace_account(self.ledger, account)

    def merchants(self) -> list[dict]:
        return views.merchants(self.ledger)

    def sponsors(self) -> list[dict]:
        return views.sponsors(self.ledger)

    def carbon(self) -> dict:
        return views.carbon(self.ledger)

    def charities(self) -> list[dict]:
        return views.charities(self.ledger)

    def pool_figures(self, pool: dict) -> list[tuple[str, str]]:
        """The pool's figures of `to_dict()["pool"]` in decimal units (audit.json keeps the integers)."""
        return views.pool_figures(pool, self.ledger.asset_decimals)

    def to_dict(self) -> dict:
        ledger = self.ledger
        return {
            "ok": self.ok,
            "blocks": [self.start_block, self.end_block],
            "contracts": {"pool": ledger.pool, "registry": ledger.registry, "governor": ledger.governor},
            "checks": self.checks(),
            "failures": self.failures,
            "pool": views.pool(ledger),
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

    def page(self, *, chart: bool = True, data: dict | None = None) -> Page:
        """Every table of audit.md and audit.html, built once (`chart`: with the HTML page's chart)."""
        data = self.to_dict() if data is None else data
        png = self.chart_png() if chart else None
        return audit_page(data, self.pool_figures(data["pool"]), png)

    def to_markdown(self) -> str:
        return render.markdown(self.page(chart=False))

    def to_html(self) -> str:
        """One self-contained page: the same tables as the markdown, the chart inlined as base64."""
        return render.html(self.page())

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

    def write(self, out: Path) -> list[Path]:
        out.mkdir(parents=True, exist_ok=True)
        data = self.to_dict()
        page = self.page(data=data)
        paths = [out / "audit.json", out / "audit.md", out / "audit.html"]
        paths[0].write_text(json.dumps(data, indent=2, default=_json_default) + "\n")
        paths[1].write_text(render.markdown(page))
        paths[2].write_text(render.html(page))
        return paths


# ---------------------------------------------------------------- the audit's page

_CO2E_G = Column("CO2e g", thousands, numeric=True, description="grams of CO2e avoided")


def audit_page(data: dict, pool_figures: list[tuple[str, str]], chart: bytes | None = None) -> Page:
    """The tables of a report's `to_dict()`, in the order audit.md and audit.html show them."""
    contracts, stats = data["contracts"], data["stats"]
    start, end = data["blocks"]
    blocks = [
        Paragraph(
            f"Pool {contracts['pool']}, registry {contracts['registry']}, governor {contracts['governor']}, "
            f"blocks {start}-{end}, {stats.get('events', 0):,} events."
        ),
        Table(
            "Checks",
            (
                Column("check"),
                Column("rule"),
                Column("checked", thousands, numeric=True, description="times the check was evaluated"),
                Column("failed", thousands, numeric=True, description="times the check failed"),
            ),
            [(name, c["rule"], c["checked"], c["failed"]) for name, c in data["checks"].items()],
        ),
        Bullets("Failures", data["failures"][:200]),
    ]
    if chart is not None:
        blocks.append(Image("Value per point and pool over time", "value per point and pool", chart))
    blocks += [
        Table("Pool", (Column("figure"), Column("value")), pool_figures, line="{0}: {1}"),
        _merchants(data["merchants"]),
        _sponsors(data["sponsors"]),
        *_carbon(data["carbon"]),
        Table(
            "Rule history",
            (
                Column("block", numeric=True),
                Column("rule"),
                Column("old", numeric=True),
                Column("new", numeric=True),
            ),
            [(r["block"], r["rule"], r["old"], r["new"]) for r in data["rule_history"]],
        ),
        Table(
            "Governor operations",
            (
                Column("call"),
                Column("delay (s)", numeric=True),
                Column(
                    "ready at",
                    numeric=True,
                    description="the earliest time it can be executed (unix seconds)",
                ),
                Column("state"),
            ),
            [(g["call"], g["delay"], g["ready_at"], g["state"]) for g in data["governance"]],
            empty="None scheduled.",
            line="`{0}`: delay {1} s, ready at {2}, {3}",
        ),
        Table(
            "Bytecode",
            (Column("contract"), Column("deployed code", lambda ok: "matches" if ok else "DIFFERS")),
            list(data["bytecode"].items()),
            line="{0}: {1}",
        ),
        Table(
            "Run",
            (Column("figure"), Column("value", thousands)),
            [(key.replace("_", " "), value) for key, value in stats.items()],
            line="{0}: {1}",
        ),
    ]
    return Page("greenpoints audit", blocks, passed=data["ok"])


def _merchants(rows: list[dict]) -> Table:
    columns = (
        ("merchant", "merchant", ""),
        ("status", "status", ""),
        ("contribution_bps", "bps", "contribution to the pool, in basis points of the sale"),
        ("purchases", "purchases", ""),
        ("sales", "sales", "asset units"),
        ("contributions", "contributions", "asset units paid into the pool"),
        ("points_issued", "points issued", ""),
        ("receipts_points", "points received", "points consumers spent at the merchant"),
        ("settled", "settled", "asset units paid to the merchant for the points it settled"),
        ("refunds", "refunds", "asset units refunded by reversals"),
    )
    return Table(
        "Merchants",
        [Column(header, numeric=i >= 2, description=text) for i, (_, header, text) in enumerate(columns)],
        [[m[key] for key, _, _ in columns] for m in rows],
    )


def _sponsors(rows: list[dict]) -> Table:
    columns = (
        ("sponsor", "sponsor", ""),
        ("status", "status", ""),
        ("reward_per_kg", "reward per kg", "asset units paid per kg of CO2e avoided"),
        ("daily_cap", "daily cap", "asset units a day"),
        ("actions", "actions", ""),
        ("co2e_kg", "CO2e kg", "kg of CO2e avoided by the sponsored actions"),
        ("contributions", "contributions", "asset units paid into the pool"),
        ("points_issued", "points issued", ""),
    )
    return Table(
        "Sponsors of green actions",
        [Column(header, numeric=i >= 2, description=text) for i, (_, header, text) in enumerate(columns)],
        [[sp[key] for key, _, _ in columns] for sp in rows],
    )


def _carbon(carbon: dict) -> list[Table]:
    by_class = Table(
        "Carbon (grams of CO2e avoided)",
        (
            Column("class", numeric=True),
            Column("label"),
            Column("kind"),
            Column("certified", lambda certified: "yes" if certified else "withdrawn"),
            Column("g per unit", show, numeric=True, description="the class's factor now, grams per unit"),
            _CO2E_G,
        ),
        [
            (c["class_id"], c["label"], c["kind"], c["certified"], c["co2e_per_unit"], c["co2e_g"])
            for c in carbon["by_class"]
        ],
        note=f"Total {carbon['total_g']:,} g ({carbon['total_kg']} kg).",
    )
    by_member = Table(
        None,
        (Column("merchant or sponsor"), _CO2E_G),
        [(r["merchant"], r["co2e_g"]) for r in carbon["by_merchant"]]
        + [(f"{r['sponsor']} (sponsor)", r["co2e_g"]) for r in carbon["by_sponsor"]],
    )
    by_month = Table(
        None, (Column("month (UTC)"), _CO2E_G), [(r["month"], r["co2e_g"]) for r in carbon["by_month"]]
    )
    return [by_class, by_member, by_month]


def _json_default(value):
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    return str(value)

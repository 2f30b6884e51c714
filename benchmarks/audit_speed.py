"""Events audited per second on anvil, beside the raw log fetch of the same range.

Run: .venv/bin/python -m benchmarks.audit_speed [--small]   (anvil on PATH; part of `make bench`)
Prints a markdown table; benchmarks/results.md holds the last `make bench` run, docs/audit.md
explains it.

Histories, each simulated with the fast backend on a fresh `anvil.anvil_node()`:
- "tills": 30,000 consumers buying at 90 merchants for 6 days in batches of ~100: over 100,000
  events (a purchase is a PurchaseRecorded and a points Transfer; each batch one asset Transfer);
- "baseline mix": scenarios/baseline.yaml with 2,000 consumers for 20 days: every kind of event
  (spends, donations, settlements, exits, reversals, epochs, rule logs).

"raw fetch" is the same `eth_getLogs` requests the audit makes (same contracts, filters and pages),
one after the other and without decoding: the floor any audit reading the chain must pay. Both the
raw fetch and the audit run twice, alternately, and the faster of each is kept (the node answers
faster once warm). "raw fetch, fixed pages" is the same filters in pages of `DEFAULT_PAGE` blocks,
the audit's requests before its pages were sized by their logs (fewer, larger requests: the older,
harder floor). "fetch + fold" is the audit's reading, decoding and checking of every event (it
folds a page while its reader thread fetches the next); "compare" the rebuilt state against the
chain's (one `eth_call` per figure, batched) and the bytecode check. Issue 26's target: fetch +
fold within 1.5x of the raw fetch on the tills history.
"""

from __future__ import annotations

import gc
import platform
import sys
import time

from ape import chain, networks

from benchmarks import require_anvil, sim_speed
from greenpoints.anvil import anvil_node
from greenpoints.audit import audit, sources
from greenpoints.audit.events import DEFAULT_PAGE, FIRST_PAGE, raw_read
from greenpoints.sim import load_scenario, run_simulation

ANVIL = "ethereum:local:foundry"


def histories(small: bool):
    baseline = load_scenario("baseline")
    shopping = sim_speed.tills(baseline)
    scale = 10 if small else 1
    return {
        "tills": shopping.with_overrides(consumers=30_000 // scale, merchants=90 // scale, days=6),
        "baseline mix": baseline.with_overrides(consumers=2_000 // scale, days=20),
    }


def raw_fetch(system, start: int, end: int, first: int | None = FIRST_PAGE) -> tuple[int, float]:
    """Logs and seconds for the audit's own requests (same pages), undecoded and one at a time;
    `first=None`: in fixed pages of `DEFAULT_PAGE` blocks (the audit's requests before its pages
    were sized by their logs)."""
    web3 = chain.provider.web3
    # The filters are built before the clock starts, as the audit builds its readers before timing.
    readers = sources(system)
    gc.disable()  # as the audit reads: the collector paused (the floor must not pay what the audit does not)
    try:
        began = time.perf_counter()
        logs, _ = raw_read(web3, readers, start, end, DEFAULT_PAGE, first)
        return logs, time.perf_counter() - began
    finally:
        gc.enable()


def measure(name, scenario) -> dict:
    with anvil_node(), networks.parse_network_choice(ANVIL, disconnect_after=True):
        began = time.perf_counter()
        result = run_simulation(scenario, seed=1, backend="fast", cross_check=False)
        simulated = time.perf_counter() - began
        system = result.runner.backend.system
        end = chain.blocks.head.number
        logs, raw = raw_fetch(system, system.deployment_block, end)
        report = audit(system, start_block=system.deployment_block, end_block=end)
        raw = min(raw, raw_fetch(system, system.deployment_block, end)[1])  # the faster of two
        fixed = min(raw_fetch(system, system.deployment_block, end, None)[1] for _ in range(2))
        again = audit(system, start_block=system.deployment_block, end_block=end).stats
        stats = report.stats
        if again["fetch_seconds"] + again["fold_seconds"] < stats["fetch_seconds"] + stats["fold_seconds"]:
            stats = {**stats, **{k: again[k] for k in ("fetch_seconds", "fold_seconds")}}
        return {
            "history": name,
            "blocks": end - system.deployment_block + 1,
            "events": stats["events"],
            "logs": logs,
            "raw": raw,
            "fixed": fixed,
            "fetch": stats["fetch_seconds"],
            "fold": stats["fold_seconds"],
            "compare": stats["compare_seconds"],
            "figures": report.state_figures,
            "ok": report.ok,
            "simulated": simulated,
        }


def run(small: bool = False) -> tuple[str, bool]:
    """The table (markdown) of one run, and whether every audit passed."""
    t0 = time.perf_counter()
    rows = [measure(name, scenario) for name, scenario in histories(small).items()]
    took = time.perf_counter() - t0
    flag = " --small" if small else ""
    lines = [
        f"Command: .venv/bin/python -m benchmarks.audit_speed{flag} ({took:.0f} s, mostly simulating)\n",
        "| history | blocks | events | raw fetch s | audit fetch + fold s | ratio | events/s | "
        "raw fetch, fixed pages s (ratio) | compare s (figures) | audit total s | verdict |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        read = r["fetch"] + r["fold"]
        lines.append(
            f"| {r['history']} | {r['blocks']:,} | {r['events']:,} | {r['raw']:.2f} | {read:.2f} | "
            f"{read / r['raw']:.2f}x | {r['events'] / read:,.0f} | "
            f"{r['fixed']:.2f} ({read / r['fixed']:.2f}x) | "
            f"{r['compare']:.2f} ({r['figures']:,}) | "
            f"{read + r['compare']:.2f} | {'PASSED' if r['ok'] else 'FAILED'} |"
        )
    simulated = ", ".join(f"{r['history']} {r['simulated']:.0f} s" for r in rows)
    note = (
        "raw fetch: the audit's eth_getLogs requests, undecoded; fixed pages: the same filters in pages "
        f"of {DEFAULT_PAGE:,} blocks, as the audit read before its pages were sized by their logs; "
        "each the faster of two"
    )
    lines.append(f"\n({note}; simulated in {simulated})")
    return "\n".join(lines), all(r["ok"] for r in rows)


def main() -> int:
    require_anvil("audit_speed")
    print(f"Machine: {platform.machine()}, Python {platform.python_version()}, {platform.platform()}\n")
    table, ok = run(small="--small" in sys.argv)
    print(table)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

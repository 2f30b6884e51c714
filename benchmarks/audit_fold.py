"""The audit's CPU cost alone: decoding and folding a saved history's logs, no node in the loop.

Run: .venv/bin/python -m benchmarks.audit_fold --save PATH [--small]   (anvil on PATH: simulates the
     "tills" history of benchmarks/audit_speed.py and saves its raw logs, as the audit requests them)
     .venv/bin/python -m benchmarks.audit_fold PATH [ROUNDS]   (decodes and folds them ROUNDS times)

Prints the CPU seconds of this process (best and worst of ROUNDS) for decoding (`Decoder`) and for
folding (`Ledger.apply_all`), and a fingerprint of the folded ledger (its counts, findings, books,
lots, fates and the model's state): two versions of the code must print the same fingerprint. CPU
time of the process, not wall time, because on a shared machine the other processes' load moves wall
time far more than it moves this one's CPU time; `benchmarks/audit_speed.py` measures the ratio to
the raw fetch on a live node. docs/audit.md (Speed) holds the figures.
"""

from __future__ import annotations

import gc
import hashlib
import json
import sys
import time
from operator import attrgetter
from pathlib import Path

from ape import project

from greenpoints.audit.events import Decoder, get_logs, pages
from greenpoints.audit.ledger import Ledger
from greenpoints.interfaces import interface


def save(path: Path, small: bool) -> None:
    from ape import chain, networks

    from benchmarks import require_anvil
    from benchmarks.audit_speed import ANVIL, histories
    from greenpoints.anvil import anvil_node
    from greenpoints.audit import sources
    from greenpoints.audit.events import DEFAULT_PAGE
    from greenpoints.sim import run_simulation

    require_anvil("audit_fold")
    with anvil_node(), networks.parse_network_choice(ANVIL, disconnect_after=True):
        system = run_simulation(
            histories(small)["tills"], seed=1, backend="fast", cross_check=False
        ).runner.backend.system
        end, web3 = chain.blocks.head.number, chain.provider.web3
        raw = [
            [address, get_logs(web3, address, lo, hi, topics)]
            for lo, hi in pages(system.deployment_block, end, DEFAULT_PAGE)
            for address, _, topics in sources(system)
        ]
        lower = {
            name: str(getattr(system, name).address).lower() for name in ("pool", "registry", "governor")
        }
        saved = {**lower, "decimals": int(system.asset.decimals()), "raw": raw}
    path.write_text(json.dumps(saved))
    count = sum(len(logs) for _, logs in raw)
    print(f"{count:,} logs of blocks {system.deployment_block}-{end} saved to {path}")


def fingerprint(ledger: Ledger) -> str:
    """A hash of everything the fold rebuilt (two versions of the code must agree)."""
    parts = [
        sorted(ledger.checked.items()), sorted(ledger.failed.items()), ledger.failures, ledger.total_assets,
        ledger.total_supply, sorted(ledger.balances.items()), ledger.asset_balance, ledger.contributions,
        ledger.total_carbon, sorted(ledger.carbon_by_class.items()), sorted(ledger.carbon_by_month.items()),
        ledger.series, sorted((k, vars(v)) for k, v in ledger.merchants.items()),
        sorted(ledger.orders.items(), key=lambda kv: repr(kv[0])),
        sorted((k, [(lot.merchant, lot.order_id, lot.points) for lot in v]) for k, v in ledger.lots.items()),
        sorted((k, [vars(f) for f in v]) for k, v in ledger.fates.items()), ledger.events,
        ledger.rule_history, repr(ledger.model.state),
    ]  # fmt: skip
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def measure(path: Path, rounds: int) -> None:
    saved = json.loads(path.read_text())
    decoders = {
        saved["pool"]: Decoder(project.ValuePool.contract_type, "pool"),
        saved["registry"]: Decoder(project.Registry.contract_type, "registry"),
        saved["governor"]: Decoder(project.Governor.contract_type, "governor"),
    }
    asset = Decoder(interface("ISettlementToken"), "asset", only={"Transfer"})
    raw = [(decoders.get(address, asset), logs) for address, logs in saved["raw"]]

    def decode_all() -> list:
        events = [e for decoder, logs in raw for log in logs if (e := decoder.decode(log)) is not None]
        events.sort(
            key=attrgetter("block", "log_index")
        )  # (not events.CHAIN_ORDER: older versions compare too)
        return events

    def fold(events) -> Ledger:
        times = {e.block: e.time for e in events}
        ledger = Ledger(
            pool=saved["pool"], governor=saved["governor"], registry=saved["registry"],
            asset_decimals=saved["decimals"], block_time=times.__getitem__,
        )  # fmt: skip
        ledger.apply_all(events)
        return ledger

    gc.disable()  # as the audit does while it fetches and folds
    decoding, folding = [], []
    for _ in range(rounds):
        began = time.process_time()
        events = decode_all()
        decoded = time.process_time()
        ledger = fold(events)
        folding.append(time.process_time() - decoded)
        decoding.append(decoded - began)
        gc.collect()
    purchases = sum(e.name == "PurchaseRecorded" for e in events)
    print(f"{len(events):,} events ({purchases:,} purchases), CPU seconds, best-worst of {rounds}:")
    per_event = min(decoding) / len(events) * 1e6
    print(f"decode {min(decoding):.3f}-{max(decoding):.3f} ({per_event:.1f} us an event)")
    print(f"fold {min(folding):.3f}-{max(folding):.3f} ({min(folding) / purchases * 1e6:.1f} us a purchase)")
    print(f"fingerprint {fingerprint(ledger)}, {sum(ledger.failed.values())} findings")


def main() -> int:
    args = sys.argv[1:]
    if "--save" in args:
        save(Path(args[args.index("--save") + 1]), small="--small" in args)
        return 0
    if not args:
        print(
            "usage: python -m benchmarks.audit_fold (--save PATH [--small] | PATH [ROUNDS])", file=sys.stderr
        )
        return 2
    measure(Path(args[0]), int(args[1]) if len(args) > 1 else 3)
    return 0


if __name__ == "__main__":
    sys.exit(main())

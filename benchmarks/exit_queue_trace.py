"""Where the exit queue's gas goes: opcode traces of a request, a process of ten, two claims.

Run: .venv/bin/python -m benchmarks.exit_queue_trace   (anvil on PATH; ~30 s)

On ape-foundry's own anvil, which keeps step traces (`debug_traceTransaction`), as
`benchmarks.gas`'s `breakdown` does for a purchase; here the steps are grouped by the contract
running them (queue, pool, registry, asset) and their kind: new words (SSTORE zero to nonzero),
changed words, reads (cold 2,100, warm 100), events, the calls' own cost (cold accounts) and the
rest (computation, memory, hashing). The base 21,000 and the calldata are what the trace does not
show (gas used minus the steps, plus any refund). docs/gas.md, "The exit queue", reads them.
"""

from __future__ import annotations

import sys
from collections import Counter

from ape import accounts, chain, networks
from eth_utils import keccak

from benchmarks import require_anvil
from greenpoints.catalog import SAMPLE_CATALOG
from greenpoints.deploy import deploy_system

ANVIL = "ethereum:local:foundry"
DAY, HOUR = 86_400, 3_600
POINT = 10**18


def breakdown(txhash: str, names: dict[str, str]) -> Counter:
    """Gas of a transaction's steps by (contract, kind), from the node's opcode trace."""
    web3 = chain.provider.web3
    result = web3.provider.make_request("debug_traceTransaction", [txhash, {"disableStorage": True}])
    steps = result["result"]["structLogs"]
    out: Counter = Counter()
    running = ["queue"]
    for i, step in enumerate(steps):
        depth = step["depth"]
        del running[depth:]
        here, op, cost = running[-1], step["op"], step["gasCost"]
        if op in ("CALL", "STATICCALL", "DELEGATECALL"):
            target = names.get("0x" + step["stack"][-2][-40:].lower(), "other")
            after = next((s for s in steps[i + 1 :] if s["depth"] <= depth), None)
            total = step["gas"] - after["gas"] if after else cost
            inner = 0
            if steps[i + 1]["depth"] == depth + 1:
                last = steps[steps.index(after) - 1] if after else steps[-1]
                inner = steps[i + 1]["gas"] - (last["gas"] - last["gasCost"])
                running.append(target)
            out[(here, f"{op} to {target}: the call's own cost")] += total - inner
            continue
        if op == "SSTORE":
            kind = "SSTORE: new word" if cost >= 20_000 else f"SSTORE {cost}"
        elif op == "SLOAD":
            kind = f"SLOAD {cost}"
        elif op.startswith("LOG"):
            kind = "events"
        else:
            kind = "computation"
        out[(here, kind)] += cost
    return out


def run() -> str:
    lines = []
    with networks.parse_network_choice(ANVIL, disconnect_after=True):  # ape-foundry's own anvil
        t = accounts.test_accounts
        deployer, registrar, guardian, till = t[0], t[1], t[2], t[4]
        filler, regular, requester = t[5], t[6], t[7]
        rules = {"exit_trigger_bps": 10_000, "lock_period": HOUR, "epoch_exit_limit_bps": 10}
        system = deploy_system(
            deployer, registrar=registrar, guardian=guardian, rules=rules, catalog=SAMPLE_CATALOG
        )
        pool, registry, asset, queue = system.pool, system.registry, system.asset, system.exit_queue
        names = {
            str(c.address).lower(): n
            for n, c in (("pool", pool), ("registry", registry), ("asset", asset), ("queue", queue))
        }
        unit = 10 ** asset.decimals()
        registry.admit(till, 3_000, 10**12 * unit, keccak(text="licence"), 1, sender=registrar)
        asset.mint(till, 10**13 * unit, sender=till)
        asset.approve(pool, 2**256 - 1, sender=till)
        for n, who in enumerate((filler, regular, requester)):
            chain.pending_timestamp = chain.blocks.head.timestamp + 12
            pool.record_purchase(who, 10**6 * unit, keccak(text=f"trace-{n}"), 1, sender=till)
        chain.pending_timestamp = (chain.blocks.head.timestamp // DAY + 1) * DAY + 2 * HOUR
        chain.mine()
        for _ in range(12):
            queue.request_exit(POINT, sender=filler)
        txs = {}
        chain.pending_timestamp = chain.blocks.head.timestamp + 12
        txs["request_exit (a consumer's first)"] = queue.request_exit(POINT, sender=requester)
        chain.pending_timestamp = (chain.blocks.head.timestamp // DAY + 1) * DAY + HOUR
        head = queue.queue_head()
        txs["process_exits(10) (the owner's first fill among them)"] = queue.process_exits(10, sender=regular)
        chain.pending_timestamp = chain.blocks.head.timestamp + 12
        txs["claim_exit (the owner's first asset)"] = queue.claim_exit(head, sender=filler)
        txs["claim_exit (the owner holds the asset)"] = queue.claim_exit(head + 1, sender=filler)
        for name, tx in txs.items():
            txhash = tx.txn_hash if isinstance(tx.txn_hash, str) else tx.txn_hash.hex()
            parts = breakdown(txhash, names)
            lines += ["", f"#### {name}: {tx.gas_used:,} gas used, {sum(parts.values()):,} in the steps", ""]
            lines += ["| contract | kind | gas |", "|---|---|---:|"]
            for (where, kind), gas in sorted(parts.items(), key=lambda kv: -kv[1]):
                lines.append(f"| {where} | {kind} | {gas:,} |")
    return "\n".join(lines[1:])


def main() -> int:
    require_anvil("exit_queue_trace")
    print(run())
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Gas of the exit queue (SPEC 11) as the line grows: 10, 1,000 and 10,000 requests waiting.

Run: .venv/bin/python -m benchmarks.exit_queue_gas   (anvil on PATH)

One deployment on `greenpoints.anvil.anvil_node()`, rules `exit_trigger_bps` 10,000 and `lock_period`
one hour (as `benchmarks.gas`), and `epoch_exit_limit_bps` 10 (its lowest: the line waits). A filler
consumer grows the line with requests of one point each, sent as raw transactions (Ape's receipt
handling would take most of an hour for 10,000). At each size, on a fresh day:

- `request_exit`: the first request of a consumer who never requested (one point);
- `process_exits(10)`: ten of the filler's requests filled, per request filled;
- `claim_exit`: the first claim of a filled request;
- `record_purchase: returning consumer` beside them: the queue adds nothing to a purchase.

Targets (issue 31): request_exit <= 60,000, claim_exit <= 50,000, process_exits <= 35,000 per request
filled; flat from 10 to 10,000 requests waiting.
"""

from __future__ import annotations

import sys

from ape import accounts, chain, networks
from eth_utils import keccak

from benchmarks import require_anvil
from greenpoints.anvil import anvil_node
from greenpoints.catalog import SAMPLE_CATALOG
from greenpoints.deploy import deploy_system

ANVIL = "ethereum:local:foundry"
DAY, HOUR = 86_400, 3_600
SIZES = (10, 1_000, 10_000)
POINT = 10**18
GREEN = 1
TARGETS = {"request_exit": 60_000, "process_exits, per request filled": 35_000, "claim_exit": 50_000}


def oid(text: str) -> bytes:
    return keccak(text=f"queue-bench-{text}")


def run(sizes=SIZES) -> str:
    rows: dict[int, dict[str, int]] = {}
    with anvil_node(), networks.parse_network_choice(ANVIL, disconnect_after=True):
        t = accounts.test_accounts
        deployer, registrar, guardian, till = t[0], t[1], t[2], t[4]
        filler, regular, requesters = t[5], t[6], [t[7], t[8], t[9]]
        rules = {"exit_trigger_bps": 10_000, "lock_period": HOUR, "epoch_exit_limit_bps": 10}
        system = deploy_system(
            deployer, registrar=registrar, guardian=guardian, rules=rules, catalog=SAMPLE_CATALOG
        )
        pool, registry, asset, queue = system.pool, system.registry, system.asset, system.exit_queue
        unit = 10**18
        registry.admit(till, 3_000, 10**12 * unit, keccak(text="licence"), 1, sender=registrar)
        asset.mint(till, 10**13 * unit, sender=till)
        asset.approve(pool, 2**256 - 1, sender=till)
        serial = {"n": 0}

        def buy(who, units):
            serial["n"] += 1
            chain.pending_timestamp = chain.blocks.head.timestamp + 12
            return pool.record_purchase(who, units * unit, oid(f"o{serial['n']}"), GREEN, sender=till)

        for who in (filler, regular, *requesters):
            buy(who, 1_000_000)
        web3 = chain.provider.web3
        request_one = queue.request_exit.encode_input(POINT)
        waiting = 0
        requesters = requesters + list(t[10 : 10 + max(0, len(sizes) - len(requesters))])
        for level, size in enumerate(sizes):
            chain.pending_timestamp = (chain.blocks.head.timestamp // DAY + 1) * DAY + 2 * HOUR
            chain.mine()
            last = None
            while waiting < size:  # raw transactions: anvil mines each at once
                last = web3.eth.send_transaction(
                    {"from": filler.address, "to": queue.address, "data": request_one, "gas": 200_000}
                )
                waiting += 1
            if last is not None:
                assert web3.eth.wait_for_transaction_receipt(last, timeout=600)["status"] == 1
            assert queue.queue_length() >= size
            row = {}
            chain.pending_timestamp = chain.blocks.head.timestamp + 12
            row["request_exit"] = queue.request_exit(POINT, sender=requesters[level]).gas_used
            row["record_purchase: returning consumer"] = buy(regular, 100).gas_used
            # the next day: a fresh budget, ten of the oldest requests filled
            chain.pending_timestamp = (chain.blocks.head.timestamp // DAY + 1) * DAY + HOUR
            head = queue.queue_head()
            tx = queue.process_exits(10, sender=regular)
            filled = len(tx.decode_logs(queue.ExitFilled))
            assert filled == 10, f"{filled} requests filled"
            waiting -= 10
            row["process_exits, per request filled"] = tx.gas_used // filled
            chain.pending_timestamp = chain.blocks.head.timestamp + 12
            owner = {str(a.address): a for a in (filler, *requesters)}[queue.exit_request(head)[0]]
            row["claim_exit"] = queue.claim_exit(head, sender=owner).gas_used
            rows[size] = row
    return report(rows)


def report(rows: dict[int, dict[str, int]]) -> str:
    names = list(next(iter(rows.values())))
    lines = [
        "| operation | " + " | ".join(f"{size:,} waiting" for size in rows) + " | target | verdict |",
        "|---|" + "---:|" * len(rows) + "---:|---|",
    ]
    for name in names:
        gas = [rows[size][name] for size in rows]
        target = TARGETS.get(name)
        worst = max(gas)
        verdict = "" if target is None else ("met" if worst <= target else f"missed by {worst - target:,}")
        flat = "flat" if max(gas) - min(gas) <= 100 else f"varies by {max(gas) - min(gas):,}"
        lines.append(
            f"| {name} | " + " | ".join(f"{g:,}" for g in gas)
            + f" | {f'{target:,}' if target else ''} | {verdict}{'; ' if verdict else ''}{flat} |"
        )  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """`--sizes 10,1000` measures at other sizes (the default 10, 1,000, 10,000 takes an hour on a
    loaded machine: 10,000 requests, each a transaction)."""
    require_anvil("exit_queue_gas")
    sizes = SIZES
    if len(argv) == 2 and argv[0] == "--sizes":
        sizes = tuple(int(n) for n in argv[1].split(","))
    print(run(sizes))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

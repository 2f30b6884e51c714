"""Gas of the exit queue (SPEC 11) as the line grows: 10, 1,000 and 10,000 requests waiting.

Run: .venv/bin/python -m benchmarks.exit_queue_gas [--sizes 10,1000,10000]   (anvil on PATH; 40-90 s)

One deployment on `greenpoints.anvil.anvil_node()`, rules `exit_trigger_bps` 10,000 and `lock_period`
one hour (as `benchmarks.gas`), and `epoch_exit_limit_bps` 10 (its lowest: the line waits). A filler
consumer grows the line with requests of one point each, sent as raw JSON-RPC in batches of 500
with the node's automine off and mined together (one transaction at a time, 10,000 requests took over
40 minutes). At each size, on a fresh day:

- `request_exit`: the first request of a consumer who never requested (one point), and its
  `cancel_exit` at once (so that only the filler's requests are filled below);
- `process_exits(10)`: ten of the filler's requests filled, per request filled (an owner paid before:
  its lifetime payouts word exists);
- `claim_exit`: a claim of a filled request by an owner who holds some of the asset already;
- `record_purchase: returning consumer` beside them: the queue adds nothing to a purchase.

Once, at the first size, the two costs no design under SPEC 11 avoids (docs/gas.md, "The exit
queue's floor"): a claim by an owner who never held the asset (the token creates its balance
word) and the fill of an owner never paid before (the pool creates its lifetime payouts word).

Targets (issue 31): request_exit <= 60,000, claim_exit <= 50,000, process_exits <= 35,000 per request
filled; flat from 10 to 10,000 requests waiting.
"""

from __future__ import annotations

import sys

import requests
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
BATCH = 500
TARGETS = {"request_exit": 60_000, "process_exits, per request filled": 35_000, "claim_exit": 50_000}


def oid(text: str) -> bytes:
    return keccak(text=f"queue-bench-{text}")


class Rpc:
    """Raw JSON-RPC to the node: batches of calls in one HTTP request each."""

    def __init__(self, url: str):
        self.url, self.session, self.serial = url, requests.Session(), 0

    def batch(self, calls: list[tuple[str, list]]) -> list:
        body = []
        for method, params in calls:
            self.serial += 1
            body.append({"jsonrpc": "2.0", "id": self.serial, "method": method, "params": params})
        replies = sorted(self.session.post(self.url, json=body, timeout=600).json(), key=lambda r: r["id"])
        for reply in replies:
            if "error" in reply:
                raise RuntimeError(f"{reply['error']}")
        return [reply["result"] for reply in replies]

    def call(self, method: str, params: list):
        return self.batch([(method, params)])[0]


def fill(rpc: Rpc, sender: str, to: str, data: str, count: int) -> None:
    """`count` transactions of `data` from `sender`, mined with automine off, each checked."""
    rpc.call("evm_setAutomine", [False])
    try:
        hashes = []
        nonce = int(rpc.call("eth_getTransactionCount", [sender, "pending"]), 16)
        for start in range(0, count, BATCH):
            txs = [
                {"from": sender, "to": to, "data": data, "gas": hex(300_000), "nonce": hex(nonce + i)}
                for i in range(start, min(start + BATCH, count))
            ]
            hashes += rpc.batch([("eth_sendTransaction", [tx]) for tx in txs])
        while int(rpc.call("txpool_status", [])["pending"], 16):
            rpc.call("evm_mine", [])
    finally:
        rpc.call("evm_setAutomine", [True])
    for start in range(0, len(hashes), BATCH):
        receipts = rpc.batch([("eth_getTransactionReceipt", [h]) for h in hashes[start : start + BATCH]])
        failed = [r["transactionHash"] for r in receipts if int(r["status"], 16) != 1]
        assert not failed, f"{len(failed)} requests failed, first {failed[0]}"


def run(sizes=SIZES) -> str:
    rows: dict[int, dict[str, int]] = {}
    firsts: dict[str, int] = {}
    with anvil_node(accounts=16) as url, networks.parse_network_choice(ANVIL, disconnect_after=True):
        rpc = Rpc(url)
        t = accounts.test_accounts
        deployer, registrar, guardian, till = t[0], t[1], t[2], t[4]
        filler, regular, newcomer = t[5], t[6], t[15]
        requesters = list(t[7 : 7 + len(sizes)])
        rules = {"exit_trigger_bps": 10_000, "lock_period": HOUR, "epoch_exit_limit_bps": 10}
        system = deploy_system(
            deployer, registrar=registrar, guardian=guardian, rules=rules, catalog=SAMPLE_CATALOG
        )
        pool, registry, asset, queue = system.pool, system.registry, system.asset, system.exit_queue
        unit = 10 ** asset.decimals()
        registry.admit(till, 3_000, 10**12 * unit, keccak(text="licence"), 1, sender=registrar)
        asset.mint(till, 10**13 * unit, sender=till)
        asset.approve(pool, 2**256 - 1, sender=till)
        serial = {"n": 0}

        def buy(who, units):
            serial["n"] += 1
            chain.pending_timestamp = chain.blocks.head.timestamp + 12
            return pool.record_purchase(who, units * unit, oid(f"o{serial['n']}"), GREEN, sender=till)

        def next_day(hour: int):
            chain.pending_timestamp = (chain.blocks.head.timestamp // DAY + 1) * DAY + hour * HOUR
            chain.mine()

        for who in (filler, regular, newcomer, *requesters):
            buy(who, 1_000_000)
        # every owner below but the newcomer holds some of the asset before its first claim
        for who in (filler, *requesters):
            asset.mint(who, unit, sender=who)
        next_day(2)
        # the two firsts: the newcomer's request, filled (its first payout) and claimed (its first asset);
        # the filler's first request is filled too (unmeasured), so that its later fills are alike
        queue.request_exit(POINT, sender=newcomer)
        queue.request_exit(POINT, sender=filler)
        next_day(1)
        tx = queue.process_exits(1, sender=regular)
        assert len(tx.decode_logs(queue.ExitFilled)) == 1
        firsts["process_exits: an owner's first fill (its lifetime payouts word created)"] = tx.gas_used
        queue.process_exits(1, sender=regular)
        chain.pending_timestamp = chain.blocks.head.timestamp + 12
        firsts["claim_exit: an owner's first asset (its balance word created)"] = queue.claim_exit(
            0, sender=newcomer
        ).gas_used
        request_one = queue.request_exit.encode_input(POINT)
        request_one = request_one if isinstance(request_one, str) else "0x" + bytes(request_one).hex()
        waiting = queue.queue_length()
        cancelled: list[int] = []
        for level, size in enumerate(sizes):
            next_day(2)
            fill(rpc, filler.address, queue.address, request_one, size - waiting)
            waiting = size
            assert queue.queue_length() == size
            row = {}
            chain.pending_timestamp = chain.blocks.head.timestamp + 12
            mine = queue.next_request_id()
            row["request_exit"] = queue.request_exit(POINT, sender=requesters[level]).gas_used
            # cancelled at once, so that only the filler's requests are filled below
            chain.pending_timestamp = chain.blocks.head.timestamp + 12
            row["cancel_exit"] = queue.cancel_exit(mine, sender=requesters[level]).gas_used
            cancelled.append(mine)
            row["record_purchase: returning consumer"] = buy(regular, 100).gas_used
            # the next day: a fresh budget, ten of the oldest requests filled
            next_day(1)
            head = queue.queue_head()
            while cancelled and cancelled[0] < head:  # a cancelled request at the head: stepped over first
                queue.process_exits(1, sender=regular)
                cancelled.pop(0)
            tx = queue.process_exits(10, sender=regular)
            filled = len(tx.decode_logs(queue.ExitFilled))
            assert filled == 10, f"{filled} requests filled"
            waiting -= 10
            row["process_exits, per request filled"] = tx.gas_used // filled
            chain.pending_timestamp = chain.blocks.head.timestamp + 12
            assert queue.exit_request(head)[0] == filler.address
            row["claim_exit"] = queue.claim_exit(head, sender=filler).gas_used
            rows[size] = row
            waiting = queue.queue_length()
    return report(rows, firsts)


def report(rows: dict[int, dict[str, int]], firsts: dict[str, int] | None = None) -> str:
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
    if firsts:
        first = f"{next(iter(rows)):,}"
        lines += ["", f"Once, with {first} or fewer waiting (docs/gas.md, the exit queue's floor):", ""]
        lines += ["| operation | gas |", "|---|---:|"]
        lines += [f"| {name} | {gas:,} |" for name, gas in firsts.items()]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """`--sizes 10,1000` measures at other sizes (each at least 10: ten requests are filled)."""
    require_anvil("exit_queue_gas")
    sizes = SIZES
    if len(argv) == 2 and argv[0] == "--sizes":
        try:
            sizes = tuple(int(n) for n in argv[1].split(","))
        except ValueError:
            sizes = ()
        if not sizes or min(sizes) < 10 or list(sizes) != sorted(set(sizes)):
            print(
                "exit_queue_gas: --sizes takes increasing sizes of at least 10, e.g. 10,1000", file=sys.stderr
            )
            return 2
    elif argv:
        print("exit_queue_gas: usage: python -m benchmarks.exit_queue_gas [--sizes 10,1000]", file=sys.stderr)
        return 2
    print(run(sizes))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

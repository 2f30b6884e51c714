"""Gas of the main operations, each in a stated situation, on the embedded chain.

Run: .venv/bin/python -m benchmarks.gas   (or `make bench`)
Prints a markdown table; docs/gas.md holds the last run's output.
"""

from __future__ import annotations

import sys

from ape import accounts, chain, networks
from eth_utils import keccak

from greenpoints import governance
from greenpoints.deploy import deploy_system

POINT = 10**18


def oid(n) -> bytes:
    return keccak(text=f"bench-{n}")


def measure(decimals: int = 18) -> list[tuple[str, int, str]]:
    t = accounts.test_accounts
    deployer, registrar, guardian, merchant, cafe, charity = t[0], t[1], t[2], t[4], t[5], t[6]
    system = deploy_system(deployer, registrar=registrar, guardian=guardian, asset_decimals=decimals)
    pool, asset = system.pool, system.asset
    unit = 10**decimals
    for m in (merchant, cafe):
        pool.admit(m, 3_000, 10**12 * unit, keccak(text="licence"), 1, sender=registrar)
        asset.mint(m, 10**12 * unit, sender=m)
        asset.approve(pool, 2**256 - 1, sender=m)
    pool.register_charity(charity, keccak(text="licence"), sender=registrar)
    rows: list[tuple[str, int, str]] = []
    consumers = [accounts.test_accounts.generate_test_account() for _ in range(210)]
    for c in consumers[:3]:
        t[0].transfer(c, 10**18)

    tx = pool.record_purchase(consumers[0], 1_000 * unit, oid("first"), sender=merchant)
    rows.append(("record_purchase: first purchase ever (empty pool)", tx.gas_used, "cold pool slots"))
    tx = pool.record_purchase(consumers[1], 1_000 * unit, oid("new"), sender=merchant)
    rows.append(("record_purchase: new consumer", tx.gas_used, "same day, same merchant"))
    tx = pool.record_purchase(consumers[1], 1_000 * unit, oid("returning"), sender=merchant)
    rows.append(("record_purchase: returning consumer", tx.gas_used, "same day, same merchant"))
    for size, start in ((1, 10), (10, 20), (100, 100)):
        batch = consumers[start : start + size]
        for who in ("new", "returning"):  # the same consumers twice: first new, then returning
            ids = [oid(f"{who}{size}-{i}") for i in range(size)]
            tx = pool.record_purchases(batch, [50 * unit] * size, ids, sender=merchant)
            label = f"record_purchases: batch of {size}, {who} consumers"
            rows.append((label, tx.gas_used, f"{tx.gas_used // size} per purchase"))

    spender = consumers[1]
    tx = pool.spend(cafe, 10 * POINT, oid("till"), sender=spender)
    rows.append(("spend", tx.gas_used, "consumer to active merchant"))
    tx = pool.donate(charity, 5 * POINT, sender=spender)
    rows.append(("donate", tx.gas_used, "consumer to registered charity"))
    tx = pool.transfer(cafe, POINT, sender=spender)
    rows.append(("transfer (as spend)", tx.gas_used, "ERC-20 path"))
    tx = pool.settle(5 * POINT, sender=cafe)
    rows.append(("settle", tx.gas_used, "merchant, partial balance"))
    tx = pool.record_purchase(consumers[2], 100 * unit, oid("to-reverse"), sender=merchant)
    tx = pool.reverse_purchase(oid("to-reverse"), sender=merchant)
    rows.append(("reverse_purchase", tx.gas_used, "within the lock period"))
    # exit: first consumer's holding has grown past 2x after the batches; wait out the lock
    chain.pending_timestamp = chain.pending_timestamp + pool.lock_period() + pool.epoch_length()
    points = pool.max_exit(consumers[0]) // 2
    tx = pool.exit(points, sender=consumers[0])
    rows.append(("exit", tx.gas_used, "first exit of the epoch (takes the epoch snapshot)"))
    tx = pool.exit(points // 2, sender=consumers[0])
    rows.append(("exit", tx.gas_used, "later exit in the same epoch"))
    tx = governance.change_rule(system, "issue_bps", 6_000)
    rows.append(("governor.execute(set_rule)", tx.gas_used, "after the 2-day delay"))
    tx = pool.pause(sender=guardian)
    rows.append(("pause", tx.gas_used, "guardian"))
    return rows


def main() -> int:
    with networks.ethereum.local.use_provider("test"):
        rows = measure()
    print("| operation | gas | situation |")
    print("|---|---:|---|")
    for name, gas, note in rows:
        print(f"| {name} | {gas:,} | {note} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

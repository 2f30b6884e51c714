"""SPEC invariant 8: the gas of an operation does not grow with the number of consumers, merchants or
purchases. The same operations, in the same situation, before and after 300 other consumers bought
(benchmarks/gas.py measures 10, 1,000 and 10,000 on anvil)."""

from eth_utils import keccak, to_checksum_address

from tests.conftest import GREEN, an_hour_into_the_next_day, order

POINT = 10**18


def _calldata_gas(tx) -> int:
    return sum(16 if b else 4 for b in bytes(tx.transaction.data))


def _executed(tx) -> int:
    """Gas without the calldata (whose zero bytes differ between order ids)."""
    return tx.gas_used - _calldata_gas(tx)


def _others(n: int, tag: str) -> list[str]:
    return [to_checksum_address(keccak(text=f"other-{tag}-{i}")[-20:]) for i in range(n)]


def _operations(
    pool, buy, merchant, other_merchant, charity, consumer, unit, round_: int, chain, record_of
) -> dict:
    """The same operations in the same situation; each a block of its own second."""
    out = {}
    chain.pending_timestamp = chain.pending_timestamp + 60
    out["purchase, returning"] = _executed(buy(merchant, consumer, 100))
    chain.pending_timestamp = chain.pending_timestamp + 60
    fresh = to_checksum_address(keccak(text=f"fresh-{round_}")[-20:])
    out["purchase, new"] = _executed(buy(merchant, fresh, 100))
    group = _others(10, f"group-{round_}")
    for who in ("new", "returning"):
        ids = [order(f"g{round_}-{who}-{i}") for i in range(10)]
        chain.pending_timestamp = chain.pending_timestamp + 60
        tx = pool.record_purchases(group, [50 * unit] * 10, ids, [GREEN] * len(group), sender=merchant)
        out[f"batch of 10, {who}"] = _executed(tx)
    chain.pending_timestamp = chain.pending_timestamp + 60
    out["spend"] = _executed(pool.spend(other_merchant, POINT, order(f"s{round_}"), sender=consumer))
    out["donate"] = _executed(pool.donate(charity, POINT, sender=consumer))
    out["settle"] = _executed(pool.settle(POINT // 2, sender=other_merchant))
    oid = order(f"r{round_}")
    buy(merchant, consumer, 10, oid)
    out["reverse_purchase"] = _executed(pool.reverse_purchase(oid, record_of(merchant, oid), sender=merchant))
    return out


def test_gas__300_more_consumers__every_operation_costs_the_same(
    live, pool, buy, merchant, other_merchant, charity, consumer, unit, chain, record_of
):
    an_hour_into_the_next_day(chain)  # both rounds inside one day (one epoch)
    buy(merchant, consumer, 1_000)
    pool.spend(other_merchant, 5 * POINT, order("seed"), sender=consumer)
    pool.donate(charity, POINT, sender=consumer)
    before = _operations(pool, buy, merchant, other_merchant, charity, consumer, unit, 0, chain, record_of)
    for batch in range(3):
        others = _others(100, f"fill-{batch}")
        ids = [order(f"fill-{batch}-{i}") for i in range(100)]
        pool.record_purchases(others, [20 * unit] * 100, ids, [GREEN] * len(others), sender=merchant)
    after = _operations(pool, buy, merchant, other_merchant, charity, consumer, unit, 1, chain, record_of)
    assert after == before
    assert len(before) == 8 and all(gas > 21_000 for gas in before.values())

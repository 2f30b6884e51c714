"""The compiled-contract engines the stateful machine runs on (tests/stateful/engines.py): titanoboa
and anvil give the machine the same chain (snapshots, the clock, revert reasons, events, the audit)."""

from __future__ import annotations

import pytest
from eth_utils import keccak

from tests.conftest import GREEN, order
from tests.stateful.engines import AnvilEngine, BoaEngine
from tests.stateful.test_pool_machine import Env


@pytest.fixture(scope="module", params=["boa", "anvil"])
def env(request, decimals):
    engine = BoaEngine() if request.param == "boa" else AnvilEngine()
    try:
        yield Env(engine, decimals)
    finally:
        if hasattr(engine, "close"):
            engine.close()


@pytest.fixture
def chain(env):
    """The engine, put back after the test."""
    snapshot = env.chain.snapshot()
    yield env.chain
    env.chain.restore(snapshot)


def _buy(env, consumer, units=1, oid="buy"):
    """One purchase of `units` whole asset units at the first merchant: None or the revert reason."""
    args = (consumer, units * env.unit, order(oid), GREEN)
    return env.chain.send("pool", "record_purchase", args, env.merchants[0])


def test_restore__after_a_purchase_and_an_hour__state_clock_and_block_back(env, chain):
    consumer = env.consumers[0]
    before = chain.view("pool", "balanceOf", consumer)
    snapshot = chain.snapshot()
    block, now = chain.block_number, chain.pending_timestamp
    chain.pending_timestamp = now + 3_600
    assert _buy(env, consumer) is None
    assert chain.view("pool", "balanceOf", consumer) > before
    chain.restore(snapshot)
    assert (chain.view("pool", "balanceOf", consumer), chain.block_number) == (before, block)
    assert (chain.pending_timestamp, chain.latest_timestamp) == (now, now)
    # the chain goes on from there: the same purchase again, in the next block, at the old clock
    assert _buy(env, consumer) is None
    assert chain.block_number == block + 1
    assert chain.view("pool", "last_issued_at", consumer) == now


def test_send__clock_moved__runs_and_reads_at_the_clock(env, chain):
    consumer = env.consumers[1]
    later = chain.pending_timestamp + 86_400
    chain.pending_timestamp = later
    assert chain.latest_timestamp == later  # views are read at the clock, before any block is mined
    block = chain.block_number
    assert _buy(env, consumer) is None
    assert chain.block_number == block + 1
    assert chain.view("pool", "last_issued_at", consumer) == later
    assert _buy(env, consumer, oid="again") is None  # the clock does not move by itself
    assert chain.view("pool", "last_issued_at", consumer) == later


def test_pending_timestamp__set_before_the_head_block__refused_on_anvil(env, chain):
    chain.pending_timestamp = chain.pending_timestamp + 60
    assert _buy(env, env.consumers[0]) is None
    if chain.name == "anvil":  # a block cannot be mined before its parent's time
        with pytest.raises(ValueError, match="cannot go back"):
            chain.pending_timestamp = chain.pending_timestamp - 1


def test_send__exit_beyond_balance__returns_the_revert_reason(env, chain):
    consumer = env.consumers[0]
    balance = chain.view("pool", "balanceOf", consumer)
    block = chain.block_number
    assert chain.send("pool", "exit", (balance + 1,), consumer) == "exit_rule: amount exceeds balance"
    assert chain.block_number == block + 1  # a refused transaction is mined too
    assert chain.pool_events() == []
    assert chain.view("pool", "balanceOf", consumer) == balance


def test_pool_events__purchase__decoded_as_the_pool_logged_it(env, chain):
    consumer = env.consumers[2]
    assert _buy(env, consumer, units=2, oid="events") is None
    events = chain.pool_events()
    recorded = [args for name, args in events if name == "PurchaseRecorded"]
    assert len(recorded) == 1
    got = recorded[0]
    assert (got["merchant"], got["consumer"]) == (env.merchants[0].lower(), consumer.lower())
    assert (got["order_id"], got["class_id"], got["amount"]) == (order("events"), GREEN, 2 * env.unit)
    assert got["points"] == chain.view("pool", "balanceOf", consumer)  # its first points
    assert got["total_supply"] == chain.view("pool", "totalSupply")


def test_audit__after_purchases__passes_and_replays_the_balances(env, chain):
    consumer = env.consumers[3]
    assert _buy(env, consumer, units=3, oid="audited") is None
    result = chain.audit()
    assert result.ok, result.failures
    assert result.events > 0
    assert result.model.balance_of(consumer.lower()) == chain.view("pool", "balanceOf", consumer)


def test_audit__asset_balance_changed_behind_the_events__fails_on_anvil(env, chain):
    """Only the anvil engine's audit reads the chain's views (as a user's audit does): a balance
    written into the asset's storage, with no event, is a difference it reports."""
    if chain.name != "anvil":
        pytest.skip("boa's audit folds the events only")
    assert _buy(env, env.consumers[0], oid="behind") is None
    pool = chain.address("pool")
    # snekmate's erc20.balanceOf is the asset's storage slot 1; Vyper keys a HashMap keccak(slot, key)
    slot = "0x" + keccak(bytes(31) + b"\x01" + bytes(12) + bytes.fromhex(pool[2:])).hex()
    asset, held = chain.address("asset"), chain.view("asset", "balanceOf", pool)
    assert int(chain._rpc("eth_getStorageAt", asset, slot, "latest"), 16) == held
    chain._rpc("anvil_setStorageAt", asset, slot, "0x" + (held + 1).to_bytes(32, "big").hex())
    result = chain.audit()
    assert not result.ok
    assert any("pool.asset balance" in f for f in result.failures), result.failures

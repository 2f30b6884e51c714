"""The pool word's far bounds (contracts/modules/ledger.vy): total assets within 120 bits, total
carbon within 64 bits, each reachable exactly and refused one past it, with nothing changed; a
purchase's points within 128 bits and a consumer's lifetime issued value within 88, reachable exactly.

No history a test can send gets there: a merchant's day is capped at 2**100 - 1 base units, a
consumer's carbon at 2**36 - 1 g, and a point never falls below par. So the pool word (and the
supply) is written in storage directly, on titanoboa's EVM (tests/stateful/engines.py; the slots
read from the compiler's storage layout), and then purchases go through the pool as a merchant
sends them."""

import re

import pytest
from eth_utils import keccak

from greenpoints.catalog import SAMPLE_CATALOG
from greenpoints.model import pool_math as pm
from greenpoints.model.rules import DEFAULT_RULES
from tests.conftest import GREEN, LICENSE, order
from tests.stateful import engines

MASK120 = 2**120 - 1
MASK64 = 2**64 - 1
MASK88 = 2**88 - 1
CONTRIBUTION_BPS = 3_000


def _ledger_constant(root, name: str) -> int:
    """A bit position of ledger.vy's layouts (`TOTAL_CARBON`, `EARNED`), as ledger.vy says."""
    text = (root / "contracts" / "modules" / "ledger.vy").read_text()
    return int(re.search(rf"^{name}: constant\(uint256\) = (\d+)", text, re.M).group(1))


@pytest.fixture(scope="module")
def boa_pool():
    """A deployed system on titanoboa at 18 decimals: one merchant admitted (30%, the largest daily
    cap), funded and approved, and one purchase of one unit recorded; the slot of the pool word."""
    engine = engines.BoaEngine(lens=False)
    a = engine.accounts
    registrar, merchant = a[1], a[4]
    engine.deploy(
        18,
        registrar=registrar,
        guardian=a[2],
        certifier=a[14],
        proposer=a[3],
        timelock_delay=3_600,
        catalog=SAMPLE_CATALOG,
    )
    cap = 2**100 - 1
    for contract, function, args, sender in [
        ("registry", "admit", (merchant, CONTRIBUTION_BPS, cap, LICENSE, 1), registrar),
        ("asset", "mint", (merchant, 2**200, ), merchant),
        ("asset", "approve", (engine.address("pool"), 2**256 - 1), merchant),
        ("pool", "record_purchase", (a[7], 10**18, order(0), GREEN), merchant),
    ]:  # fmt: skip
        assert engine.send(contract, function, args, sender) is None, function
    layout = engines.pool_storage_layout()
    return engine, merchant, a[7], layout["ledger"]["_totals"]["slot"]


def _write_word(engine, slot, *, assets=None, carbon=None, shift=0, supply=None):
    """Set the pool word's total assets or total carbon, the rest of it kept; the supply follows the
    assets (a point keeps its value, so a purchase issues points) unless `supply` is given."""
    pool = engine.address("pool")
    word = engine.env.get_storage(pool, slot)
    if assets is not None:
        word = (word & ~MASK120) | assets
        layout = engines.pool_storage_layout()
        engine.env.set_storage(
            pool, layout["erc20"]["totalSupply"]["slot"], assets if supply is None else supply
        )
    if carbon is not None:
        word = (word & ~(MASK64 << shift)) | (carbon << shift)
    engine.env.set_storage(pool, slot, word)


def _state(engine, consumer):
    return tuple(
        engine.view("pool", name, *args)
        for name, args in [
            ("total_assets", ()),
            ("total_carbon", ()),
            ("totalSupply", ()),
            ("balanceOf", (consumer,)),
        ]
    )


def test_record_purchase__total_assets_reach_120_bits__recorded_then_one_more_refused(boa_pool):
    engine, merchant, consumer, slot = boa_pool
    snapshot = engine.snapshot()
    try:
        contribution = 10**18 * CONTRIBUTION_BPS // 10_000  # 10**18 base units at 30%
        _write_word(engine, slot, assets=MASK120 - contribution)
        assert engine.send("pool", "record_purchase", (consumer, 10**18, order(1), GREEN), merchant) is None
        assert engine.view("pool", "total_assets") == MASK120
        before = _state(engine, consumer)
        reason = engine.send("pool", "record_purchase", (consumer, 10, order(2), GREEN), merchant)
        assert reason == "ledger: total assets too large"
        assert _state(engine, consumer) == before
    finally:
        engine.restore(snapshot)


def test_record_purchase__total_carbon_reaches_64_bits__recorded_then_one_more_refused(boa_pool):
    engine, merchant, consumer, slot = boa_pool
    snapshot = engine.snapshot()
    try:
        co2e = engine.view("pool", "total_carbon")  # the fixture's purchase, the same as the next
        _write_word(engine, slot, carbon=MASK64 - co2e, shift=_ledger_constant(engine.root, "TOTAL_CARBON"))
        assert engine.send("pool", "record_purchase", (consumer, 10**18, order(1), GREEN), merchant) is None
        assert engine.view("pool", "total_carbon") == MASK64
        before = _state(engine, consumer)
        reason = engine.send("pool", "record_purchase", (consumer, 10**18, order(2), GREEN), merchant)
        assert reason == "ledger: total carbon too large"
        assert _state(engine, consumer) == before
    finally:
        engine.restore(snapshot)


def test_record_purchase__exactly_2_128_minus_1_points__recorded(boa_pool):
    """The bound on a purchase's points is inclusive: with the assets and the supply written so that
    the purchase's issued value buys exactly 2**128 - 1 points, it is recorded. (No history reaches
    it: on 18 decimals a point never falls below par, and on 6 the issued value would pass 88 bits.)"""
    engine, merchant, consumer, slot = boa_pool
    snapshot = engine.snapshot()
    try:
        issued = pm.issued_value_of(pm.contribution_of(10**18, CONTRIBUTION_BPS), DEFAULT_RULES.issue_bps)
        _write_word(engine, slot, assets=issued, supply=2**128 - 1)
        before = engine.view("pool", "balanceOf", consumer)
        assert engine.send("pool", "record_purchase", (consumer, 10**18, order(1), GREEN), merchant) is None
        assert engine.view("pool", "balanceOf", consumer) - before == 2**128 - 1
    finally:
        engine.restore(snapshot)


def test_record_purchase__lifetime_issued_value_reaches_88_bits__recorded_then_one_more_refused(boa_pool):
    """A consumer's lifetime issued value may reach 2**88 - 1 base units, not pass it: its book's
    field written to 2**88 - 1 less one purchase's issued value, that purchase is recorded."""
    engine, merchant, consumer, _ = boa_pool
    snapshot = engine.snapshot()
    try:
        pool = engine.address("pool")
        layout = engines.pool_storage_layout()
        base = layout["accounts"]["_slots"]["slot"]
        book_slot = int.from_bytes(
            keccak(base.to_bytes(32, "big") + int(consumer, 16).to_bytes(32, "big")), "big"
        )
        book = engine.env.get_storage(pool, book_slot)
        shift = _ledger_constant(engine.root, "EARNED")
        assert (book >> shift) & MASK88 == engine.view("pool", "earned_of", consumer) > 0
        issued = pm.issued_value_of(pm.contribution_of(10**18, CONTRIBUTION_BPS), DEFAULT_RULES.issue_bps)
        engine.env.set_storage(pool, book_slot, (book & ~(MASK88 << shift)) | ((MASK88 - issued) << shift))
        assert engine.send("pool", "record_purchase", (consumer, 10**18, order(1), GREEN), merchant) is None
        assert engine.view("pool", "earned_of", consumer) == MASK88
        reason = engine.send("pool", "record_purchase", (consumer, 10**18, order(2), GREEN), merchant)
        assert reason == "ledger: issued value too large"
    finally:
        engine.restore(snapshot)

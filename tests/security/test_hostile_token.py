"""A settlement token that calls back into the pool from inside `transferFrom` (purchases) and
`transfer` (exits, settlements, reversals), and a token that keeps a fee on every transfer.

Every external function of the pool that changes state is `@nonreentrant`: the nested call must
fail on the lock, before any of its own checks. To show it was the lock, each nested call is also
made directly by the token, outside a transfer: there it gets a named reason (or succeeds), never
the lock's bare revert."""

import pytest

from greenpoints import governance
from tests.conftest import GREEN, order, record_in

from .conftest import POINT

ENTRY_POINTS = [
    ("record_purchase", lambda ctx: (ctx["consumer"], 10 * ctx["unit"], order("nested"), GREEN)),
    ("record_purchases", lambda ctx: ([ctx["consumer"]], [10 * ctx["unit"]], [order("nested")], [GREEN])),
    ("reverse_purchase", lambda ctx: (order("victim"), (ctx["consumer"], GREEN, ctx["unit"], 1, 1, 0, 1))),
    ("spend", lambda ctx: (ctx["merchant"], POINT, order("nested"))),
    ("donate", lambda ctx: (ctx["charity"], POINT)),
    ("transfer", lambda ctx: (ctx["merchant"], POINT)),
    ("transferFrom", lambda ctx: (ctx["consumer"], ctx["merchant"], POINT)),
    ("settle", lambda ctx: (POINT,)),
    ("exit", lambda ctx: (POINT,)),
]


def _context(merchant, charity, consumer, unit):
    return {"merchant": merchant, "charity": charity, "consumer": consumer, "unit": unit}


def _payload(pool, name, args) -> bytes:
    return bytes(getattr(pool, name).encode_input(*args))


@pytest.mark.parametrize("name, make_args", ENTRY_POINTS, ids=[e[0] for e in ENTRY_POINTS])
def test_record_purchase__token_reenters_during_transfer_from__nested_call_refused(
    hostile_system, merchant, charity, consumer, decimals, name, make_args
):
    pool, token = hostile_system.pool, hostile_system.asset
    unit = 10**decimals
    payload = _payload(pool, name, make_args(_context(merchant, charity, consumer, unit)))
    # outside a transfer: the pool answers with its own reason (or the call goes through)
    token.call_now(pool, payload, sender=merchant)
    direct_ok, direct_answer = token.direct_ok(), bytes(token.last_answer())
    assert direct_ok or len(direct_answer) > 4, f"{name}: the direct call must fail with a named reason"
    supply, assets = pool.totalSupply(), pool.total_assets()
    token.arm(pool, payload, sender=merchant)
    pool.record_purchase(consumer, 100 * unit, order("victim"), GREEN, sender=merchant)
    assert token.attempts() == 1
    assert token.reentered() is False
    assert bytes(token.last_answer()) == b""  # the lock's bare revert, not the function's own reason
    # only the outer purchase happened
    assert pool.total_assets() == assets + 100 * unit * 3_000 // 10_000
    assert pool.totalSupply() > supply


@pytest.mark.parametrize("outer", ["exit", "settle", "reverse_purchase"])
def test_payout__token_reenters_during_transfer__nested_exit_refused(
    hostile_system, merchant, charity, consumer, decimals, outer
):
    pool, token = hostile_system.pool, hostile_system.asset
    unit = 10**decimals
    pool.record_purchase(consumer, 1_000 * unit, order("victim"), GREEN, sender=merchant)
    pool.spend(merchant, 10 * POINT, order("till"), sender=consumer)
    if outer == "exit":  # shutdown: exits at full value, no conditions, so the outer exit pays
        governance.shutdown(hostile_system)
    token.arm(pool, _payload(pool, "exit", (POINT,)), sender=consumer)
    balance_before = token.balanceOf(consumer)
    if outer == "exit":
        pool.exit(POINT, sender=consumer)
    elif outer == "settle":
        pool.settle(POINT, sender=merchant)
    else:
        token.arm("0x" + "00" * 20, b"", sender=consumer)  # disarmed for the purchase, armed again after
        pool.record_purchase(consumer, 100 * unit, order("victim-2"), GREEN, sender=merchant)
        token.arm(pool, _payload(pool, "exit", (POINT,)), sender=consumer)
        pool.reverse_purchase(
            order("victim-2"), record_in(hostile_system, merchant, order("victim-2")), sender=merchant
        )
    assert token.attempts() == 1 and token.reentered() is False
    assert bytes(token.last_answer()) == b""
    assert pool.total_assets() <= token.balanceOf(pool)  # still solvent
    if outer == "exit":
        assert token.balanceOf(consumer) > balance_before


def test_record_purchase__fee_on_transfer_token__refused_and_nothing_issued(
    hostile_system, merchant, consumer, decimals
):
    pool, token = hostile_system.pool, hostile_system.asset
    unit = 10**decimals
    token.set_fee(100, sender=merchant)  # 1% kept by the token on every transfer
    with pytest.raises(Exception, match="pool: asset delivered less than sent"):
        pool.record_purchase(consumer, 100 * unit, order(1), GREEN, sender=merchant)
    with pytest.raises(Exception, match="pool: asset delivered less than sent"):
        pool.record_purchases(
            [consumer], [100 * unit], [order(2)], [GREEN] * len([consumer]), sender=merchant
        )
    assert pool.totalSupply() == 0 and pool.total_assets() == 0 and token.balanceOf(pool) == 0


def test_exit__fee_on_transfer_token_after_issuance__pool_stays_solvent(
    hostile_system, merchant, consumer, decimals
):
    """A token that starts keeping fees later cannot make the pool pay out more than it holds: the fee
    comes out of what the recipient receives."""
    pool, token = hostile_system.pool, hostile_system.asset
    unit = 10**decimals
    pool.record_purchase(consumer, 1_000 * unit, order(1), GREEN, sender=merchant)
    token.set_fee(500, sender=merchant)
    governance.shutdown(hostile_system)
    pool.exit(pool.balanceOf(consumer), sender=consumer)
    payout = 300 * unit  # the whole pool: the only holder exits at full value after shutdown
    assert token.balanceOf(consumer) == payout - payout * 500 // 10_000
    assert token.balanceOf(pool) >= pool.total_assets() == 0


@pytest.mark.parametrize(
    "function, args", [("shutdown", ()), ("unpause", ()), ("set_rule", ("issue_bps", 6_000))]
)
def test_governor_operation__executed_from_inside_a_pool_call__refused(
    hostile_system, merchant, consumer, guardian, decimals, chain, function, args
):
    """Anyone may execute a ready governor operation; a hostile token tries it from inside a pool call
    (a purchase; while paused, a settlement). The registry's governance functions push the new rules
    into the pool through its hook, which shares the pool's lock: the operation cannot land inside
    another call, and stays executable afterwards."""
    pool, token, governor = hostile_system.pool, hostile_system.asset, hostile_system.governor
    registry = hostile_system.registry
    unit = 10**decimals
    pool.record_purchase(consumer, 1_000 * unit, order("before"), GREEN, sender=merchant)
    pool.spend(merchant, 10 * POINT, order("till"), sender=consumer)
    if function == "unpause":
        registry.pause(sender=guardian)
    operation = governance.schedule(hostile_system, function, *args, description=f"{function} in a callback")
    chain.pending_timestamp = operation.ready_at
    execute = governor.execute.encode_input(
        operation.target, 0, operation.payload, governance.EMPTY_BYTES32, operation.salt
    )
    token.arm(governor, bytes(execute), sender=consumer)
    if function == "unpause":  # paused: no purchases, but settlements go on (and pay through the token)
        pool.settle(POINT, sender=merchant)
    else:
        pool.record_purchase(consumer, 100 * unit, order("outer"), GREEN, sender=merchant)
    assert token.attempts() == 1 and token.reentered() is False
    assert b"underlying transaction reverted" in bytes(token.last_answer())
    governance.execute(hostile_system, operation)  # outside any pool call it goes through
    if function == "shutdown":
        assert pool.is_shutdown()
    elif function == "set_rule":
        assert registry.issue_bps() == 6_000
    else:
        assert not pool.paused()

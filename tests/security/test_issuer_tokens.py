"""The pool on tokens that behave as the real stablecoins do (contracts/mocks/IssuerToken.vy: Tether's
TetherToken; contracts/mocks/FiatToken.vy: Circle's USDC): no return value, reverts with no reason or
with the INVALID opcode, pause, blacklist, the zero-first allowance rule, a fee turned on later.

Every refused flow must name its reason (`pool: merchant allowance too low`, `pool: merchant balance
too low`, `pool: asset transfer failed`, `pool: asset delivered less than sent`) and lose nothing: the
pool's books, the token balances and the order id are as before, and the same flow goes through once
the cause is gone (docs/integration.md, docs/security.md)."""

import ape
import pytest
from ape import project

from tests.chain_states import built_once
from tests.conftest import CONTRIBUTION_BPS, DAILY_CAP_UNITS, GREEN, LICENSE, order, record_in

from .conftest import POINT, system_on

UNIT = 10**6  # both real tokens have 6 decimals
ACTION_CLASS = 102  # own-cup refill, 25 g per refill
KINDS = ["tether", "circle"]


def _pause(token, kind, issuer):
    token.pause(sender=issuer)


def _blacklist(token, kind, who, issuer):
    if kind == "tether":
        token.addBlackList(who, sender=issuer)
    else:
        token.blacklist(who, sender=issuer)


@pytest.fixture(params=KINDS)
def issued(request, deployer, registrar, guardian, proposer, merchant, other_merchant, sponsor, charity):
    """A system on a real-behaving token: merchant, other_merchant and sponsor admitted, funded and
    approved; a charity registered. The deployer is the token's issuer."""
    return _issued(
        kind=request.param,
        deployer=deployer,
        registrar=registrar,
        guardian=guardian,
        proposer=proposer,
        merchant=merchant,
        other_merchant=other_merchant,
        sponsor=sponsor,
        charity=charity,
    )


@built_once
def _issued(kind, deployer, registrar, guardian, proposer, merchant, other_merchant, sponsor, charity):
    token = (project.IssuerToken if kind == "tether" else project.FiatToken).deploy(6, sender=deployer)
    system = system_on(token, deployer, registrar, guardian, proposer)
    for who in (merchant, other_merchant):
        system.registry.admit(who, CONTRIBUTION_BPS, DAILY_CAP_UNITS * UNIT, LICENSE, 1, sender=registrar)
    system.registry.admit_sponsor(sponsor, UNIT, DAILY_CAP_UNITS * UNIT, LICENSE, sender=registrar)
    for who in (merchant, other_merchant, sponsor):
        token.mint(who, 10**9 * UNIT, sender=who)
        token.approve(system.pool, 2**256 - 1, sender=who)
    system.registry.register_charity(charity, LICENSE, sender=registrar)
    return kind, system, token


def _admit_unapproved(system, token, who, registrar, funds=0):
    """Admit `who` as a merchant, give it `funds` of the token, and approve nothing."""
    system.registry.admit(who, CONTRIBUTION_BPS, DAILY_CAP_UNITS * UNIT, LICENSE, 1, sender=registrar)
    if funds:
        token.mint(who, funds, sender=who)


def _books(system, token, *accounts):
    pool = system.pool
    return (
        pool.total_assets(),
        pool.totalSupply(),
        token.balanceOf(pool),
        tuple(token.balanceOf(a) for a in accounts),
        tuple(pool.balanceOf(a) for a in accounts),
    )


# ---------------------------------------------------------------- pulls: purchase, batch, action


def test_record_purchase__merchant_never_approved__merchant_allowance_too_low(
    issued, registrar, stranger, consumer
):
    kind, system, token = issued
    pool = system.pool
    _admit_unapproved(system, token, stranger, registrar, funds=10**6 * UNIT)
    before = _books(system, token, stranger, consumer)
    with ape.reverts("pool: merchant allowance too low"):
        pool.record_purchase(consumer, 100 * UNIT, order("unapproved"), GREEN, sender=stranger)
    assert _books(system, token, stranger, consumer) == before
    token.approve(pool, 2**256 - 1, sender=stranger)  # the cause gone, the same order goes through
    pool.record_purchase(consumer, 100 * UNIT, order("unapproved"), GREEN, sender=stranger)
    assert pool.total_assets() == before[0] + 30 * UNIT


def test_record_purchase__merchant_out_of_funds__merchant_balance_too_low(
    issued, registrar, stranger, consumer
):
    kind, system, token = issued
    pool = system.pool
    _admit_unapproved(system, token, stranger, registrar)
    token.approve(pool, 2**256 - 1, sender=stranger)
    token.mint(stranger, 29 * UNIT, sender=stranger)  # 30 owed
    before = _books(system, token, stranger, consumer)
    with ape.reverts("pool: merchant balance too low"):
        pool.record_purchase(consumer, 100 * UNIT, order("broke"), GREEN, sender=stranger)
    assert _books(system, token, stranger, consumer) == before


def test_record_purchase__token_burns_all_gas_given__reason_still_given(
    issued, registrar, stranger, consumer
):
    """Tether's SafeMath `assert` burns all the gas the pool gives it: the gas kept back still
    finds the reason, with the gas limit a wallet would set for a purchase."""
    kind, system, token = issued
    _admit_unapproved(system, token, stranger, registrar)
    with ape.reverts("pool: merchant allowance too low"):
        system.pool.record_purchase(
            consumer, 100 * UNIT, order("g"), GREEN, sender=stranger, gas_limit=300_000
        )


def test_record_purchase__token_paused__asset_transfer_failed(issued, deployer, merchant, consumer):
    kind, system, token = issued
    pool = system.pool
    pool.record_purchase(consumer, 100 * UNIT, order("before"), GREEN, sender=merchant)
    _pause(token, kind, deployer)
    before = _books(system, token, merchant, consumer)
    with ape.reverts("pool: asset transfer failed"):
        pool.record_purchase(consumer, 100 * UNIT, order("paused"), GREEN, sender=merchant)
    assert _books(system, token, merchant, consumer) == before
    token.unpause(sender=deployer)
    pool.record_purchase(consumer, 100 * UNIT, order("paused"), GREEN, sender=merchant)


def test_record_purchase__merchant_blacklisted__asset_transfer_failed(issued, deployer, merchant, consumer):
    kind, system, token = issued
    _blacklist(token, kind, merchant, deployer)
    before = _books(system, token, merchant, consumer)
    with ape.reverts("pool: asset transfer failed"):
        system.pool.record_purchase(consumer, 100 * UNIT, order("black"), GREEN, sender=merchant)
    assert _books(system, token, merchant, consumer) == before


def test_record_purchases__merchant_never_approved__merchant_allowance_too_low(
    issued, registrar, stranger, consumer, other_consumer
):
    kind, system, token = issued
    _admit_unapproved(system, token, stranger, registrar, funds=10**6 * UNIT)
    before = _books(system, token, stranger, consumer, other_consumer)
    with ape.reverts("pool: merchant allowance too low"):
        system.pool.record_purchases(
            [consumer, other_consumer], [10 * UNIT, 20 * UNIT], [order("b1"), order("b2")], [GREEN, GREEN],
            sender=stranger,
        )  # fmt: skip
    assert _books(system, token, stranger, consumer, other_consumer) == before


def test_record_purchases__token_paused__asset_transfer_failed(issued, deployer, merchant, consumer):
    kind, system, token = issued
    _pause(token, kind, deployer)
    before = _books(system, token, merchant, consumer)
    with ape.reverts("pool: asset transfer failed"):
        system.pool.record_purchases([consumer], [10 * UNIT], [order("bp")], [GREEN], sender=merchant)
    assert _books(system, token, merchant, consumer) == before


def test_record_action__sponsor_out_of_funds__merchant_balance_too_low(issued, sponsor, deployer, consumer):
    kind, system, token = issued
    token.transfer(deployer, token.balanceOf(sponsor), sender=sponsor)
    before = _books(system, token, sponsor, consumer)
    with ape.reverts("pool: merchant balance too low"):
        system.pool.record_action(consumer, ACTION_CLASS, 4, order("cup"), sender=sponsor)
    assert _books(system, token, sponsor, consumer) == before


def test_record_action__sponsor_blacklisted__asset_transfer_failed(issued, sponsor, deployer, consumer):
    kind, system, token = issued
    _blacklist(token, kind, sponsor, deployer)
    with ape.reverts("pool: asset transfer failed"):
        system.pool.record_action(consumer, ACTION_CLASS, 4, order("cup"), sender=sponsor)


# ---------------------------------------------------------------- payouts: exit, settle, reversal


@pytest.fixture
@built_once
def holding(issued, merchant, other_merchant, consumer, other_consumer, chain):
    """consumer bought early; a large later purchase lifted its holding over the trigger; the lock is
    over; merchant holds spent points. Returns the issued tuple."""
    kind, system, token = issued
    pool = system.pool
    pool.record_purchase(consumer, 1_000 * UNIT, order("early"), GREEN, sender=merchant)
    pool.record_purchase(other_consumer, 1_000_000 * UNIT, order("big"), GREEN, sender=other_merchant)
    pool.transfer(merchant, pool.balanceOf(other_consumer) // 1_000, sender=other_consumer)
    chain.pending_timestamp = chain.pending_timestamp + system.registry.lock_period() + 1
    assert pool.max_exit(consumer) > 0
    return issued


PAYOUTS = {
    "exit": lambda pool, ctx: pool.exit(min(POINT, pool.max_exit(ctx["consumer"])), sender=ctx["consumer"]),
    "settle": lambda pool, ctx: pool.settle(POINT, sender=ctx["merchant"]),
    "reverse_purchase": lambda pool, ctx: pool.reverse_purchase(
        order("fresh"), ctx["record"], sender=ctx["other_merchant"]
    ),
}


@pytest.mark.parametrize("payout", list(PAYOUTS))
def test_payout__token_paused__asset_transfer_failed_then_paid(
    holding, payout, deployer, merchant, other_merchant, consumer, other_consumer
):
    kind, system, token = holding
    ctx = {"consumer": consumer, "merchant": merchant, "other_merchant": other_merchant}
    who = (consumer, merchant, other_merchant, other_consumer)
    if payout == "reverse_purchase":  # within its reversal window
        system.pool.record_purchase(other_consumer, 100 * UNIT, order("fresh"), GREEN, sender=other_merchant)
        ctx["record"] = record_in(system, other_merchant, order("fresh"))
    _pause(token, kind, deployer)
    before = _books(system, token, *who)
    with ape.reverts("pool: asset transfer failed"):
        PAYOUTS[payout](system.pool, ctx)
    assert _books(system, token, *who) == before
    token.unpause(sender=deployer)
    PAYOUTS[payout](system.pool, ctx)
    assert system.pool.total_assets() < before[0]
    assert token.balanceOf(system.pool) == system.pool.total_assets()


@pytest.mark.parametrize("issued", ["tether"], indirect=True)  # Tether's own behaviour
def test_exit__pool_blacklisted_by_tether__asset_transfer_failed(holding, deployer, consumer):
    """Tether checks only the sender: purchases still flow into a blacklisted pool, nothing flows out
    (the monitor's `pool_blacklisted` alert, docs/audit.md)."""
    kind, system, token = holding
    _blacklist(token, kind, system.pool, deployer)
    before = _books(system, token, consumer)
    with ape.reverts("pool: asset transfer failed"):
        system.pool.exit(system.pool.max_exit(consumer), sender=consumer)
    assert _books(system, token, consumer) == before


@pytest.mark.parametrize("issued", ["circle"], indirect=True)  # Circle's own behaviour
def test_settle__merchant_blacklisted_by_circle__asset_transfer_failed(holding, deployer, merchant):
    kind, system, token = holding
    _blacklist(token, kind, merchant, deployer)
    before = _books(system, token, merchant)
    with ape.reverts("pool: asset transfer failed"):
        system.pool.settle(POINT, sender=merchant)
    assert _books(system, token, merchant) == before


# ---------------------------------------------------------------- Tether's own rules


@pytest.mark.parametrize("issued", ["tether"], indirect=True)  # Tether's own behaviour
def test_approve__tether_nonzero_to_nonzero__refused_then_zero_first_works(
    issued, registrar, stranger, consumer
):
    kind, system, token = issued
    pool = system.pool
    _admit_unapproved(system, token, stranger, registrar, funds=10**6 * UNIT)
    token.approve(pool, 30 * UNIT, sender=stranger)
    pool.record_purchase(consumer, 100 * UNIT, order("z1"), GREEN, sender=stranger)  # uses it all
    token.approve(pool, 0, sender=stranger)
    token.approve(pool, 10 * UNIT, sender=stranger)
    with ape.reverts():  # Tether: no reason of its own
        token.approve(pool, 60 * UNIT, sender=stranger)
    with ape.reverts("pool: merchant allowance too low"):
        pool.record_purchase(consumer, 100 * UNIT, order("z2"), GREEN, sender=stranger)
    token.approve(pool, 0, sender=stranger)  # docs/integration.md: zero first
    token.approve(pool, 60 * UNIT, sender=stranger)
    pool.record_purchase(consumer, 100 * UNIT, order("z2"), GREEN, sender=stranger)
    assert token.allowance(stranger, pool) == 30 * UNIT


@pytest.mark.parametrize("issued", ["tether"], indirect=True)  # Tether's own behaviour
def test_record_purchase__tether_fee_turned_on__delivered_less_and_payouts_stay_whole(
    holding, deployer, merchant, consumer
):
    """The issuer turns the fee on after launch: purchases are refused (the pool would book more than
    it got), payouts still go out, the receiver bearing the fee, and the pool's books stay whole."""
    kind, system, token = holding
    pool = system.pool
    token.setParams(10, 10 * UNIT, sender=deployer)  # 0.1%, at most 10 units
    before = _books(system, token, merchant, consumer)
    with ape.reverts("pool: asset delivered less than sent"):
        pool.record_purchase(consumer, 1_000 * UNIT, order("fee"), GREEN, sender=merchant)
    assert _books(system, token, merchant, consumer) == before
    held = token.balanceOf(consumer)
    receipt = pool.exit(pool.max_exit(consumer), sender=consumer)
    (exited,) = receipt.decode_logs(pool.PointsExited)
    fee = min(exited.payout * 10 // 10_000, 10 * UNIT)
    assert fee > 0
    assert token.balanceOf(consumer) == held + exited.payout - fee
    assert token.balanceOf(pool) == pool.total_assets()


# ---------------------------------------------------------------- the exit queue's claims (SPEC 11)


@pytest.mark.parametrize("issued", ["circle"], indirect=True)  # Circle checks the receiver
def test_claim_exit__owner_blacklisted_by_circle__asset_transfer_failed_and_the_line_goes_on(
    holding, deployer, consumer
):
    """Claims are pulled: a refused receiver's payout waits, counted, in the pool's balance (which the
    queue moves as the pool approved it), and the line is filled all the same."""
    kind, system, token = holding
    pool, queue = system.pool, system.exit_queue
    points = pool.max_exit(consumer) // 4
    queue.request_exit(points, sender=consumer)
    _blacklist(token, kind, consumer, deployer)
    queue.request_exit(points, sender=consumer)
    queue.process_exits(2, sender=deployer)
    assert queue.queue_length() == 0
    claimable = queue.exit_request(0)[3]
    assert claimable > 0
    before = _books(system, token, consumer)
    with ape.reverts("pool: asset transfer failed"):
        queue.claim_exit(0, sender=consumer)
    assert _books(system, token, consumer) == before
    assert token.balanceOf(pool) >= pool.total_assets() + claimable + queue.exit_request(1)[3]
    token.unBlacklist(consumer, sender=deployer)
    queue.claim_exit(0, sender=consumer)
    assert token.balanceOf(consumer) == before[3][0] + claimable
    assert queue.exit_request(0)[3:5] == (0, claimable)

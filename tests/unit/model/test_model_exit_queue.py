"""greenpoints.model's exit queue (SPEC 11) on its own: requests in order, partial fills, the return cap,
the shutdown, claims and cancels, each refusal by the contract's reason, invariants 11 and 12."""

import pytest

from greenpoints.catalog import SAMPLE_CATALOG
from greenpoints.model import ExitCancelled, ExitFilled, ExitRequested, Model, Refusal
from greenpoints.model import pool_math as pm
from tests.conftest import GREEN

POOL, GOV, REG, GUARD, CERT, QUEUE = "pool", "governor", "registrar", "guardian", "certifier", "registry"
MERCHANT, A, B = "merchant", "consumer-a", "consumer-b"
LICENSE = b"\x01" * 32
T0 = 1_800_000_000
DAY = 86_400
POINT = 10**18


def oid(n):
    return n.to_bytes(32, "big")


@pytest.fixture(params=[6, 18], ids=["dec6", "dec18"])
def model(request):
    """A bought first (210 points), B much later and much more; both may exit (trigger 1x, lock over)
    and each epoch's budget is 0.1% of the pool."""
    m = Model(
        pool=POOL, governor=GOV, registrar=REG, guardian=GUARD, certifier=CERT,
        asset_decimals=request.param, now=T0, registry=QUEUE,
    )  # fmt: skip
    unit = 10**request.param
    for c in SAMPLE_CATALOG:
        m.certify_class(CERT, c.class_id, int(c.kind), c.co2e_per_unit, c.standard_hash, c.label)
    m.admit(REG, MERCHANT, 3_000, 10**7 * unit, LICENSE, 1)
    m.asset_mint(MERCHANT, 10**9 * unit)
    m.asset_approve(MERCHANT, POOL, 2**256 - 1)
    m.record_purchase(MERCHANT, A, 1_000 * unit, oid(1), GREEN, T0)
    m.record_purchase(MERCHANT, B, 1_000_000 * unit, oid(2), GREEN, T0)
    for rule, value in (("exit_trigger_bps", 10_000), ("lock_period", 3_600), ("epoch_exit_limit_bps", 10)):
        m.set_rule(GOV, rule, value, T0)
    m.unit = unit
    m.now = T0 + DAY
    return m


def invariants(m: Model) -> None:
    """SPEC 11's invariants on the model's state: supply = holders' balances + queued points; the
    pool's assets cover total_assets and the claimable payouts; no fill behind a waiting request."""
    st = m.state
    queued = sum(r.unfilled for r in st.exit_requests.values())
    holders = sum(v for k, v in st.balances.items() if k != QUEUE)
    assert holders + queued == st.total_supply and m.queued_points() == queued
    claimable = sum(r.claimable for r in st.exit_requests.values())
    assert st.asset_balances.get(POOL, 0) >= st.total_assets + claimable
    waiting = [i for i, _ in m.waiting_requests()]
    assert m.queue_length() == len(waiting)
    filled_after = [i for i, r in st.exit_requests.items() if r.filled and waiting and i > waiting[0]]
    assert not filled_after


def test_request_exit__allowed__points_and_basis_into_the_line(model):
    supply, price, basis, held = (
        model.state.total_supply, model.price_per_point(), model.basis_of(A), model.balance_of(A),
    )  # fmt: skip
    receipt = model.request_exit(A, 100 * POINT, model.now)
    assert receipt == ExitRequested(0, A, 100 * POINT, basis * 100 * POINT // held)
    assert model.balance_of(A) == held - 100 * POINT and model.basis_of(A) == basis - receipt.basis
    assert model.state.total_supply == supply and model.price_per_point() == price
    assert (model.queue_head(), model.queue_length(), model.queued_points()) == (0, 1, 100 * POINT)
    invariants(model)


@pytest.mark.parametrize(
    "who, points, reason",
    [
        (A, 0, "exit_queue: points is zero"),
        (A, 2**108, "exit_queue: points too large"),
        (A, 211 * POINT, "exit_rule: amount exceeds balance"),
        (MERCHANT, POINT, "exit_queue: only consumers request exits"),
    ],
)
def test_request_exit__refused__by_the_contract_reason_and_changes_nothing(model, who, points, reason):
    before = model.state.balances.copy()
    with pytest.raises(Refusal, match=reason):
        model.request_exit(who, points, model.now)
    assert model.state.balances == before and model.next_request_id() == 0


def test_process_exits__budget_short__fills_in_order_then_in_part(model):
    model.request_exit(A, 100 * POINT, model.now)
    model.request_exit(B, 1_000 * POINT, model.now)
    budget = model.exit_budget_left(model.now)
    value = model.to_assets(100 * POINT)
    first = ExitFilled(0, A, 100 * POINT, pm.exit_payout(value, 8_000), value - pm.exit_payout(value, 8_000))
    done = model.process_exits(B, 10, model.now)
    assert done.touched == 2 and done.events[0] == first
    second = done.events[1]
    assert second.id == 1 and 0 < second.points < 1_000 * POINT
    assert first.payout + second.payout <= budget
    assert model.queue_head() == 1 and model.queue_length() == 1
    assert model.process_exits(B, 10, model.now).events == ()
    invariants(model)


def test_process_exits__later_request__never_overtakes_an_earlier_one(model):
    model.request_exit(B, 5_000 * POINT, model.now)
    model.process_exits(A, 10, model.now)
    model.request_exit(A, 10 * POINT, model.now)
    assert model.points_ahead(1) == model.exit_request(0).unfilled
    while model.exit_request(0).unfilled:
        model.now += DAY
        done = model.process_exits(A, 10, model.now)
        if model.exit_request(0).unfilled:
            assert [e.id for e in done.events] == [0] and model.exit_request(1).filled == 0
        invariants(model)
    model.now += DAY
    model.process_exits(A, 10, model.now)
    assert model.exit_request(1).filled == 10 * POINT and model.queue_length() == 0
    invariants(model)


def test_process_exits__return_cap__the_rest_goes_back(model):
    model.set_rule(GOV, "return_cap_bps", 10_000, model.now)
    model.set_rule(GOV, "epoch_exit_limit_bps", 1_000, model.now)
    model.request_exit(A, 100 * POINT, model.now)
    model.request_exit(A, 100 * POINT, model.now)
    held = model.balance_of(A)
    done = model.process_exits(B, 10, model.now)
    kinds = [type(e) for e in done.events]
    assert kinds == [ExitFilled, ExitFilled, ExitCancelled]
    back = done.events[2]
    assert model.balance_of(A) == held + back.points
    assert model.paid_out_of(A) <= 210 * model.unit and model.queue_length() == 0
    invariants(model)


def test_process_exits__shutdown_mid_line__every_request_at_full_value(model):
    model.request_exit(A, 100 * POINT, model.now)
    model.request_exit(B, 50_000 * POINT, model.now)
    model.process_exits(A, 10, model.now)  # the first in full, the second in part
    model.shutdown(GOV, model.now)
    with pytest.raises(Refusal, match="exit_queue: shut down, exit instead"):
        model.request_exit(A, POINT, model.now)
    done = model.process_exits(A, 10, model.now)
    assert [(e.id, e.retained) for e in done.events] == [(1, 0)]
    assert model.queue_length() == 0
    invariants(model)


def test_claim_and_cancel__owner_only__once(model):
    model.request_exit(A, 100 * POINT, model.now)
    model.request_exit(A, 10 * POINT, model.now)
    model.process_exits(B, 1, model.now)
    with pytest.raises(Refusal, match="exit_queue: caller does not own the request"):
        model.claim_exit(B, 0)
    owed = model.exit_request(0).claimable
    held = model.state.asset_balances.get(A, 0)
    assert model.claim_exit(A, 0).amount == owed
    assert model.state.asset_balances[A] == held + owed
    with pytest.raises(Refusal, match="exit_queue: nothing to claim"):
        model.claim_exit(A, 0)
    with pytest.raises(Refusal, match="exit_queue: no such request"):
        model.claim_exit(A, 9)
    waiting = model.exit_request(1)
    basis = model.basis_of(A)
    assert model.cancel_exit(A, 1) == ExitCancelled(1, A, 10 * POINT, waiting.basis)
    assert model.basis_of(A) == basis + waiting.basis
    with pytest.raises(Refusal, match="exit_queue: nothing waits to cancel"):
        model.cancel_exit(A, 1)
    invariants(model)


def test_exit__while_a_request_waits__gives_way(model):
    model.request_exit(B, POINT, model.now)
    with pytest.raises(Refusal, match="exit_rule: requests wait in the exit queue"):
        model.exit(A, POINT // 1_000, model.now)

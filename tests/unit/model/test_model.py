"""greenpoints.model on its own (no chain): the worked example, refusals, all-or-nothing."""

import pytest

from greenpoints.catalog import SAMPLE_CATALOG
from greenpoints.model import (
    ACTION,
    MAX_TOTAL_ASSETS,
    ActionRecorded,
    Model,
    PointsDonated,
    PointsExited,
    PointsSettled,
    PointsSpent,
    Purchase,
    PurchaseRecorded,
    PurchaseReversed,
    Refusal,
    order_word,
)
from greenpoints.model.state import _scalar_names
from tests.conftest import GREEN

POOL, GOV, REG, GUARD, CERT = "pool", "governor", "registrar", "guardian", "certifier"
MERCHANT, CAFE, CHARITY, A, B = "merchant", "cafe", "charity", "consumer-a", "consumer-b"
SPONSOR = "sponsor"
BUYER, OTHER_BUYER = "0x" + "ab" * 20, "0x" + "cd" * 20  # consumers whose record the pool could hash
LICENSE = b"\x01" * 32
T0 = 1_800_000_000


def oid(n):
    return n.to_bytes(32, "big")


@pytest.fixture(params=[6, 18], ids=["dec6", "dec18"])
def model(request):
    m = Model(
        pool=POOL,
        governor=GOV,
        registrar=REG,
        guardian=GUARD,
        certifier=CERT,
        asset_decimals=request.param,
        now=T0,
    )
    unit = 10**request.param
    for c in SAMPLE_CATALOG:
        m.certify_class(CERT, c.class_id, int(c.kind), c.co2e_per_unit, c.standard_hash, c.label)
    m.admit(REG, MERCHANT, 3_000, 10**6 * unit, LICENSE, 1)
    m.admit(REG, CAFE, 2_000, 10**6 * unit, LICENSE, 2)
    m.register_charity(REG, CHARITY, LICENSE)
    m.asset_mint(MERCHANT, 10**9 * unit)
    m.asset_approve(MERCHANT, POOL, 2**256 - 1)
    m.unit = unit
    return m


def test_record_purchase__worked_example__210_then_147(model):
    unit = model.unit
    assert model.record_purchase(MERCHANT, A, 1_000 * unit, oid(1), GREEN, T0).points == 210 * 10**18
    assert model.record_purchase(MERCHANT, B, 1_000 * unit, oid(2), GREEN, T0).points == 147 * 10**18
    assert (model.state.total_assets, model.state.total_supply) == (600 * unit, 357 * 10**18)
    assert model.state.asset_balances[POOL] == 600 * unit


def test_record_purchase__worked_example__receipt_is_the_event_with_issued_value(model):
    unit = model.unit
    model.record_purchase(MERCHANT, A, 1_000 * unit, oid(1), GREEN, T0)
    receipt = model.record_purchase(MERCHANT, B, 1_000 * unit, oid(2), GREEN, T0)
    factor = model.green_class(GREEN).co2e_per_unit
    assert receipt == PurchaseRecorded(
        merchant=MERCHANT, consumer=B, order_id=oid(2), class_id=GREEN, amount=1_000 * unit,
        contribution=300 * unit, points=147 * 10**18, co2e=1_000 * factor,
        total_assets=600 * unit, total_supply=357 * 10**18, issued_value=210 * unit,
    )  # fmt: skip
    assert receipt.issued_value == model.basis_of(B) == model.earned_of(B)
    with pytest.raises(AttributeError):
        receipt.points = 0  # a receipt is frozen


def test_record_purchases__batch__one_receipt_per_purchase_in_order(model):
    unit = model.unit
    receipts = model.record_purchases(MERCHANT, [A, B], [1_000 * unit] * 2, [oid(1), oid(2)], [GREEN] * 2, T0)
    assert [r.consumer for r in receipts] == [A, B]
    assert [r.points for r in receipts] == [210 * 10**18, 147 * 10**18]
    assert [r.total_assets for r in receipts] == [300 * unit, 600 * unit]
    assert sum(r.contribution for r in receipts) == model.state.total_assets


def test_record_action__sponsored__receipt_matches_books(model):
    unit = model.unit
    model.certify_class(CERT, 77, ACTION, 150, LICENSE, "bus km")
    model.admit_sponsor(REG, SPONSOR, 50 * unit, 10**6 * unit, LICENSE)
    model.asset_mint(SPONSOR, 10**6 * unit)
    model.asset_approve(SPONSOR, POOL, 2**256 - 1)
    co2e, contribution = model.action_cost(SPONSOR, 77, 20)
    receipt = model.record_action(SPONSOR, A, 77, 20, oid(5), T0)
    assert isinstance(receipt, ActionRecorded)
    assert (receipt.co2e, receipt.contribution) == (co2e, contribution) == (3_000, 150 * unit)
    assert receipt.points == model.balance_of(A) and receipt.issued_value == model.basis_of(A)


def test_settle__merchant_paid__receipt_has_assets_and_fee(model):
    unit = model.unit
    model.record_purchase(MERCHANT, A, 1_000 * unit, oid(1), GREEN, T0)
    model.spend(A, CAFE, 10**20)
    paid, fee = model.settlement_of(10**20)
    receipt = model.settle(CAFE, 10**20, T0)
    assert receipt == PointsSettled(account=CAFE, points=10**20, assets=paid, fee=fee)
    assert paid + fee == 300 * unit * 10**20 // (210 * 10**18) and fee > 0


def test_spend_donate_transfer__consumer__receipts_name_the_event(model):
    unit = model.unit
    model.record_purchase(MERCHANT, A, 1_000 * unit, oid(1), GREEN, T0)
    assert model.spend(A, CAFE, 5, oid(7)) == PointsSpent(A, CAFE, 5, oid(7))
    assert model.donate(A, CHARITY, 6) == PointsDonated(A, CHARITY, 6)
    assert model.transfer(A, CAFE, 7) == PointsSpent(A, CAFE, 7, b"\x00" * 32)
    assert model.transfer(A, CHARITY, 8) == PointsDonated(A, CHARITY, 8)


def test_reverse_purchase__within_window__receipt_refund_and_carbon(model):
    unit = model.unit
    bought = model.record_purchase(MERCHANT, BUYER, 1_000 * unit, oid(1), GREEN, T0)
    record = Purchase.of(bought, T0)
    assert model.purchase_of(MERCHANT, oid(1)) == record
    receipt = model.reverse_purchase(MERCHANT, oid(1), record, T0 + 60)
    assert receipt == PurchaseReversed(
        merchant=MERCHANT, consumer=BUYER, order_id=oid(1), points=bought.points, refund=bought.contribution,
        co2e=bought.co2e, total_assets=0, total_supply=0,
    )  # fmt: skip
    assert model.order_word(MERCHANT, oid(1)) == order_word(record, model.state.rules["issue_bps"], True)


@pytest.mark.parametrize("field", Purchase._fields)
def test_reverse_purchase__one_field_changed__refused_as_the_pool_refuses(model, field):
    unit = model.unit
    bought = model.record_purchase(MERCHANT, BUYER, 1_000 * unit, oid(1), GREEN, T0)
    record = Purchase.of(bought, T0)
    forged = record._replace(
        **{field: OTHER_BUYER if field == "consumer" else record[Purchase._fields.index(field)] + 1}
    )
    word = model.order_word(MERCHANT, oid(1))
    with pytest.raises(Refusal, match="orders: record does not match"):
        model.reverse_purchase(MERCHANT, oid(1), forged, T0 + 60)
    assert model.order_word(MERCHANT, oid(1)) == word and model.balance_of(BUYER) == bought.points


def test_reverse_purchase__record_in_other_letter_case__the_same_record(model):
    bought = model.record_purchase(MERCHANT, BUYER, 1_000 * model.unit, oid(1), GREEN, T0)
    record = Purchase.of(bought, T0)
    assert model.reverse_purchase(
        MERCHANT, oid(1), record._replace(consumer=BUYER.upper().replace("0X", "0x")), T0
    )


def test_record_purchases__one_bad_entry__nothing_changes(model):
    unit = model.unit
    before = (model.state.total_supply, dict(model.state.balances), dict(model.state.asset_balances))
    with pytest.raises(Refusal, match="pool: consumer is a charity"):
        model.record_purchases(
            MERCHANT, [A, CHARITY], [unit, unit], [oid(1), oid(2)], [GREEN] * len([A, CHARITY]), T0
        )
    assert (model.state.total_supply, model.state.balances, model.state.asset_balances) == before
    assert (MERCHANT, oid(1)) not in model.state.orders


def test_exit__inside_lock__refused_with_contract_reason(model):
    unit = model.unit
    model.record_purchase(MERCHANT, A, 1_000 * unit, oid(1), GREEN, T0)
    model.record_purchase(MERCHANT, B, 1_000_000 * unit, oid(2), GREEN, T0)
    with pytest.raises(Refusal, match="exit_rule: points still locked"):
        model.exit(A, 10**18, T0 + 10)
    points = model.max_exit(A, T0 + 7 * 86_400)
    basis, worth, expected = model.basis_of(A), model.to_assets(points), model.exit_payout_of(points)
    receipt = model.exit(A, points, T0 + 7 * 86_400)
    assert isinstance(receipt, PointsExited) and receipt.points == points
    assert 0 < receipt.payout == expected == model.paid_out_of(A)
    assert receipt.payout + receipt.retained == worth
    assert receipt.basis == basis - model.basis_of(A) > 0
    assert receipt.paid_by_newcomers == max(0, receipt.payout - receipt.basis) > 0  # B's money paid A


def test_paid_by_newcomers__payout_within_basis__zero():
    receipt = PointsExited(account=A, points=10, payout=99, retained=1, basis=100)
    assert receipt.paid_by_newcomers == 0
    assert receipt._replace(payout=130).paid_by_newcomers == 30


def test_set_rule__not_governor__refused(model):
    with pytest.raises(Refusal, match="pool: caller is not the governor"):
        model.set_rule(REG, "issue_bps", 6_000, T0)
    model.set_rule(GOV, "issue_bps", 6_000, T0)
    assert model.rule("issue_bps") == 6_000


def test_admit__address_that_was_issued_points__refused_even_with_none_left(model):
    unit = model.unit
    model.record_purchase(MERCHANT, A, 1_000 * unit, oid(1), GREEN, T0)
    model.spend(A, CAFE, model.balance_of(A))
    assert model.balance_of(A) == 0
    with pytest.raises(Refusal, match="registry: address was issued points"):
        model.admit(REG, A, 3_000, 10**6 * unit, LICENSE, 1)
    assert not model.is_merchant(A)


def test_record_purchase__total_assets_over_120_bits__refused_and_nothing_changes(model):
    unit = model.unit
    model.record_purchase(MERCHANT, A, 1_000 * unit, oid(1), GREEN, T0)
    st = model.state  # as if the pool had grown that far, at the same value per point
    st.total_supply = st.total_supply * (MAX_TOTAL_ASSETS - 10) // st.total_assets
    st.total_assets = MAX_TOTAL_ASSETS - 10
    before = (model.state.total_supply, model.balance_of(B), model.merchant(MERCHANT).epoch_contribution)
    with pytest.raises(Refusal, match="ledger: total assets too large"):
        model.record_purchase(MERCHANT, B, 1_000 * unit, oid(2), GREEN, T0)
    after = (model.state.total_supply, model.balance_of(B), model.merchant(MERCHANT).epoch_contribution)
    assert after == before and model.state.total_assets == MAX_TOTAL_ASSETS - 10


def test_state__fields_saved_whole__derived_from_the_dataclass():
    """Every field of State that is not a journaled dict is restored by @atomic, new ones included."""
    names = set(_scalar_names())
    assert {"total_assets", "total_supply", "paused", "shutdown", "current_epoch", "epoch_exited"} <= names
    assert not names & {"balances", "merchants", "orders", "roles", "rules", "journal"}


class Collect:
    """A replay that records what the model reports and hands it the chain's figures."""

    def __init__(self, figures):
        self.figures, self.broken_rules, self.compared = figures, [], []

    def broken(self, reason):
        self.broken_rules.append(reason)

    def observe(self, name, value):
        self.compared.append((name, value))
        return self.figures.get(name, value)


def test_replay__exit_over_the_cap__reported_by_reason_and_chain_figures_followed(model):
    unit = model.unit
    model.record_purchase(MERCHANT, A, 1_000 * unit, oid(1), GREEN, T0)
    model.record_purchase(MERCHANT, B, 1_000_000 * unit, oid(2), GREEN, T0)
    later = T0 + 8 * 86_400
    held, paid = model.balance_of(A), 10**9 * unit  # a broken pool paid far more than the rules allow
    model.replay = Collect({"payout": paid})
    model.exit(A, held, later)
    assert "exit_rule: return cap reached" in model.replay.broken_rules
    assert ("payout", paid) not in model.replay.compared  # the rules gave their own figure
    assert model.paid_out_of(A) == paid and model.balance_of(A) == 0  # the chain's outcome followed


def test_replay__unknown_order__final_refusal_even_while_replaying(model):
    model.replay = Collect({})
    with pytest.raises(Refusal, match="pool: unknown order"):
        model.reverse_purchase(MERCHANT, oid(99), Purchase(A, GREEN, 1, 1, 1, 0, T0), T0)

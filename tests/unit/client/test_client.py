"""greenpoints.client: the one table of operations, and each operation sent through it answered with
what the chain logged (the pool's events as the model's receipt types)."""

import dataclasses
import json

import ape
import pytest
from ape.exceptions import ContractLogicError

from greenpoints.abi import abi_path
from greenpoints.client import OPERATIONS, Client, Serves
from greenpoints.model import (
    ExitPreview,
    IssuePreview,
    PointsDonated,
    PointsExited,
    PointsSettled,
    PointsSpent,
    Purchase,
    PurchaseRecorded,
    PurchaseReversed,
    SettlePreview,
)
from tests.conftest import ACTION_CLASS, GREEN, LICENSE, order

POINT = 10**18
ABI_OF = {
    Serves.POOL: "ValuePool",
    Serves.REGISTRY: "Registry",
    Serves.ASSET: "MockStablecoin",
    Serves.EXIT_QUEUE: "ExitQueue",
}
"""The ABI each operation is checked against (the asset's operations are the local mock's faucet and an
ERC-20 approval)."""


@pytest.fixture
def client(live):
    return Client(live)


def _abi(contract: str) -> list[dict]:
    if contract == "MockStablecoin":
        return [
            i.model_dump(mode="json", by_alias=True) for i in ape.project.MockStablecoin.contract_type.abi
        ]
    return json.loads(abi_path(contract).read_text())


def test_operations__every_entry__a_function_of_its_contract_and_its_events():
    for name, op in OPERATIONS.items():
        abi = _abi(ABI_OF[op.serves])
        method = op.function or name
        functions = {i["name"]: i for i in abi if i.get("type") == "function"}
        assert method in functions, f"{name}: no {method} on {ABI_OF[op.serves]}"
        assert functions[method]["stateMutability"] in ("nonpayable", "payable"), name
        events = {i["name"] for i in abi if i.get("type") == "event"}
        assert op.events and set(op.events) <= events, f"{name}: logs {op.events}, ABI has {sorted(events)}"
        for i in op.accounts:
            assert functions[method]["inputs"][i]["type"] == "address", f"{name}: argument {i}"
        for i in op.account_lists:
            assert functions[method]["inputs"][i]["type"] == "address[]", f"{name}: argument {i}"


def test_operations__every_pool_function_a_holder_or_member_sends__in_the_table():
    """A new state-changing function of the pool is either in the table or one of the registry's hooks."""
    hooks = {"update_member", "set_class", "set_config", "move_queued", "attach_exit_queue"}
    sent = {
        i["name"]
        for i in _abi("ValuePool")
        if i.get("type") == "function" and i["stateMutability"] in ("nonpayable", "payable")
    }
    assert sent - hooks <= set(OPERATIONS), f"not in OPERATIONS: {sorted(sent - hooks - set(OPERATIONS))}"


def test_contract__unknown_operation__names_the_known_ones(client):
    with pytest.raises(KeyError, match="no operation 'withdraw_all'; known: admit"):
        client.contract("withdraw_all")


def test_contract__each_serves__the_systems_handle(client, live):
    assert client.contract("record_purchase") == live.pool
    assert client.contract("admit") == live.registry
    assert client.contract("mint") == live.asset
    assert client.contract("request_exit") == live.exit_queue


def test_record_purchase__merchant__receipt_is_the_event(client, pool, merchant, consumer, unit):
    receipt = client.record_purchase(merchant, consumer, 1_000 * unit, order(1), GREEN)
    assert receipt == PurchaseRecorded(
        merchant=str(merchant.address), consumer=str(consumer.address), order_id=order(1), class_id=GREEN,
        amount=1_000 * unit, contribution=300 * unit, points=210 * POINT, co2e=300_000,
        total_assets=300 * unit, total_supply=210 * POINT, issued_value=None,
    )  # fmt: skip
    assert pool.balanceOf(consumer) == receipt.points


def test_record_purchase__not_a_merchant__refused_with_the_contracts_reason(client, stranger, consumer, unit):
    with ape.reverts("registry: caller not an active merchant"):
        client.record_purchase(stranger, consumer, unit, order(1), GREEN)
    assert client.refusal("record_purchase", stranger, consumer, unit, order(1), GREEN) == (
        "registry: caller not an active merchant"
    )


def test_refusal__allowed_operation__none_and_nothing_sent(client, pool, merchant, consumer, unit):
    assert client.refusal("record_purchase", merchant, consumer, unit, order(1), GREEN) is None
    assert pool.totalSupply() == 0


def test_record_purchases__batch__one_receipt_per_purchase(client, merchant, consumer, other_consumer, unit):
    receipts = client.record_purchases(
        merchant, [consumer, other_consumer], [1_000 * unit] * 2, [order(1), order(2)], [GREEN] * 2
    )
    assert [r.consumer for r in receipts] == [str(consumer.address), str(other_consumer.address)]
    assert [r.points for r in receipts] == [210 * POINT, 147 * POINT]


def test_record_action__sponsor__receipt_is_the_event(client, admit_sponsor, sponsor, consumer, unit):
    admit_sponsor(sponsor)
    receipt = client.record_action(sponsor, consumer, ACTION_CLASS, 20, order("a"))
    assert (receipt.sponsor, receipt.quantity, receipt.co2e) == (str(sponsor.address), 20, 3_000)
    assert receipt.contribution == 3 * unit and receipt.issued_value is None


def test_purchase_record__order_never_recorded__lookup_error(
    client, merchant, other_merchant, consumer, unit
):
    client.record_purchase(merchant, consumer, 10 * unit, order(1), GREEN)
    with pytest.raises(LookupError, match="no purchase"):
        client.purchase_record(other_merchant, order(1))


def test_purchase_record__block_given__found_there_and_not_in_another_block(client, merchant, consumer, unit):
    client.record_purchase(merchant, consumer, 10 * unit, order(1), GREEN)
    block = client.system.pool.PurchaseRecorded.query("block_number").block_number.iloc[-1]
    found = client.purchase_record(merchant, order(1), block=int(block))
    assert found == client.purchase_record(merchant, order(1))
    client.record_purchase(merchant, consumer, 10 * unit, order(2), GREEN)
    with pytest.raises(LookupError, match="no purchase"):
        client.purchase_record(merchant, order(1), block=int(block) + 1)


def test_reverse_spend_donate_transfer_settle__each__its_event(
    client, merchant, other_merchant, charity, consumer, unit
):
    client.record_purchase(merchant, consumer, 1_000 * unit, order(1), GREEN)
    bought = client.record_purchase(merchant, consumer, 100 * unit, order(2), GREEN)
    record = client.purchase_record(merchant, order(2))  # what the event and its block say
    assert record == Purchase.of(bought, record.recorded_at)
    with pytest.raises(ContractLogicError, match="orders: record does not match"):
        client.reverse_purchase(merchant, order(2), record._replace(points=record.points + 1))
    reversed_ = client.reverse_purchase(merchant, order(2))  # the merchant names only the order id
    assert isinstance(reversed_, PurchaseReversed)
    assert (reversed_.points, reversed_.co2e) == (bought.points, bought.co2e)
    assert client.spend(consumer, other_merchant, POINT, order("s")) == PointsSpent(
        str(consumer.address), str(other_merchant.address), POINT, order("s")
    )
    assert client.donate(consumer, charity, POINT) == PointsDonated(
        str(consumer.address), str(charity.address), POINT
    )
    assert client.transfer(consumer, charity, POINT) == PointsDonated(
        str(consumer.address), str(charity.address), POINT
    )
    assert client.transfer(consumer, other_merchant, POINT).order_id == b"\x00" * 32
    settled = client.settle(other_merchant, 2 * POINT)
    assert isinstance(settled, PointsSettled) and settled.assets > 0 and settled.fee > 0


def test_exit__grown_holding__receipt_without_basis(client, merchant, consumer, other_consumer, chain, unit):
    client.record_purchase(merchant, consumer, 1_000 * unit, order(1), GREEN)
    client.record_purchase(merchant, other_consumer, 1_000_000 * unit, order(2), GREEN)
    chain.pending_timestamp += 8 * 86_400
    exited = client.exit(consumer, 100 * POINT)
    assert isinstance(exited, PointsExited) and exited.payout > 0 and exited.basis is None
    with pytest.raises(ValueError, match="carries no basis"):
        _ = exited.paid_by_newcomers


def test_exit__inside_lock__refused(client, merchant, consumer, other_consumer, unit):
    client.record_purchase(merchant, consumer, 1_000 * unit, order(1), GREEN)
    client.record_purchase(merchant, other_consumer, 1_000_000 * unit, order(2), GREEN)
    with ape.reverts("exit_rule: points still locked"):
        client.exit(consumer, POINT)


def test_registry_operations__their_roles__the_registry_events(
    client, registrar, certifier, guardian, stranger, attacker, unit
):
    admitted = client.admit(registrar, stranger, 2_000, 10 * unit, LICENSE, 3)
    assert admitted.event_name == "MerchantAdmitted" and admitted.merchant == stranger.address
    assert client.suspend(registrar, stranger, "test").event_name == "MerchantSuspended"
    assert client.register_charity(registrar, attacker, LICENSE).event_name == "CharityRegistered"
    certified = client.certify_class(certifier, 77, 1, 5, LICENSE, "test class")
    assert (certified.event_name, certified.class_id) == ("ClassCertified", 77)
    assert client.pause(guardian).event_name == "Paused"


def test_registry_operations__wrong_role__refused(client, stranger, attacker, unit):
    with ape.reverts("access_control: account is missing role"):
        client.admit(stranger, attacker, 2_000, 10 * unit, LICENSE, 3)
    with ape.reverts("pool: caller is not the guardian or governor"):
        client.pause(stranger)


def test_preview_purchase__then_record__the_receipts_figures(client, merchant, consumer, unit):
    client.record_purchase(merchant, consumer, 1_000 * unit, order(1), GREEN)
    preview = client.preview_purchase(merchant, 500 * unit, GREEN)
    bought = client.record_purchase(merchant, consumer, 500 * unit, order(2), GREEN)
    assert preview == IssuePreview(bought.contribution, bought.points, bought.co2e)


def test_preview_exit_and_settle__then_act__the_receipts_figures(
    client, merchant, other_merchant, consumer, other_consumer, chain, unit
):
    client.record_purchase(merchant, consumer, 1_000 * unit, order(1), GREEN)
    client.record_purchase(merchant, other_consumer, 1_000_000 * unit, order(2), GREEN)
    chain.pending_timestamp += 8 * 86_400
    chain.mine()
    preview = client.preview_exit(consumer, 100 * POINT)
    exited = client.exit(consumer, 100 * POINT)
    assert preview == ExitPreview(exited.payout, exited.retained)
    client.spend(other_consumer, other_merchant, 10 * POINT, order("s"))
    quoted = client.preview_settle(other_merchant, 10 * POINT)
    settled = client.settle(other_merchant, 10 * POINT)
    assert quoted == SettlePreview(settled.assets, settled.fee)


def test_preview_exit__inside_lock__refused_as_the_exit(client, merchant, consumer, other_consumer, unit):
    client.record_purchase(merchant, consumer, 1_000 * unit, order(1), GREEN)
    client.record_purchase(merchant, other_consumer, 1_000_000 * unit, order(2), GREEN)
    with ape.reverts("exit_rule: points still locked"):
        client.preview_exit(consumer, POINT)


def test_preview__system_without_a_lens__says_how_to_get_one(live):
    without = Client(dataclasses.replace(live, lens=None))
    with pytest.raises(LookupError, match="deploy_lens"):
        without.preview_settle(live.pool, POINT)


def test_exit_queue_operations__request_process_claim_cancel__receipts_like_the_events(
    client, live, merchant, consumer, other_consumer, unit
):
    from greenpoints import governance
    from greenpoints.model import ExitCancelled, ExitClaimed, ExitFilled, ExitRequested
    from tests.conftest import GREEN, order

    live.pool.record_purchase(consumer, 1_000 * unit, order("q1"), GREEN, sender=merchant)
    governance.change_rule(live, "exit_trigger_bps", 10_000)
    governance.change_rule(live, "lock_period", 3_600)
    requested = client.request_exit(consumer, 10 * 10**18)
    assert isinstance(requested, ExitRequested) and requested.id == 0 and requested.points == 10 * 10**18
    waiting = client.request_exit(consumer, 10**18)
    assert client.exit_requests_of(consumer)[1]["points_ahead"] == 10 * 10**18
    filled = client.process_exits(other_consumer, 1)
    assert [type(r) for r in filled] == [ExitFilled] and filled[0].id == 0
    assert isinstance(client.claim_exit(consumer, 0), ExitClaimed)
    cancelled = client.cancel_exit(consumer, waiting.id)
    assert isinstance(cancelled, ExitCancelled) and cancelled.points == 10**18
    assert client.refusal("cancel_exit", consumer, waiting.id) == "exit_queue: nothing waits to cancel"

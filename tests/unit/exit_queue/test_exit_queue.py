"""The exit queue (SPEC 11): request_exit, process_exits, claim_exit, cancel_exit, the views, `exit`
giving way to the line, pause and shutdown, the registry's attachment of the release's queue."""

import json

import ape
import pytest
from eth_utils import keccak

from greenpoints import governance
from greenpoints.model import ZERO
from greenpoints.model import pool_math as pm
from tests.chain_states import built_once
from tests.conftest import GREEN, order

POINT = 10**18


@pytest.fixture(scope="session")
def queue(system):
    return system.exit_queue


@pytest.fixture
@built_once
def line(live, system, pool, merchant, consumer, other_consumer, unit, next_epoch):
    """consumer (210 points) and other_consumer (a large holding) may both exit (trigger 1x, lock
    over), and each epoch's budget is 0.1% of the pool: a few hundred units, less than either holds."""
    pool.record_purchase(consumer, 1_000 * unit, order(1), GREEN, sender=merchant)
    pool.record_purchase(other_consumer, 1_000_000 * unit, order(2), GREEN, sender=merchant)
    governance.change_rule(system, "exit_trigger_bps", 10_000)
    governance.change_rule(system, "lock_period", 3_600)
    governance.change_rule(system, "epoch_exit_limit_bps", 10)
    next_epoch()
    return system


def _payout(pool, points, decimals, bps=8_000):
    value = pm.to_assets(points, pool.total_assets(), pool.totalSupply(), decimals)
    return value, pm.exit_payout(value, bps)


def test_request_exit__allowed__points_and_basis_leave_into_the_line(
    line, pool, registry, queue, consumer, chain
):
    supply, price, basis = pool.totalSupply(), pool.price_per_point(), pool.basis_of(consumer)
    moved = basis * 100 * POINT // pool.balanceOf(consumer)
    tx = queue.request_exit(100 * POINT, sender=consumer)
    assert tx.events.filter(queue.ExitRequested) == [
        queue.ExitRequested(id=0, account=consumer, points=100 * POINT, basis=moved)
    ]
    assert tx.events.filter(pool.Transfer) == [
        pool.Transfer(sender=consumer, receiver=registry, value=100 * POINT)
    ]
    assert pool.balanceOf(consumer) == 110 * POINT and pool.basis_of(consumer) == basis - moved
    assert pool.totalSupply() == supply and pool.price_per_point() == price
    assert queue.exit_request(0) == (consumer, 100 * POINT, 0, 0, 0, chain.blocks.head.timestamp)
    assert (queue.queue_head(), queue.queue_length(), queue.queued_points(), queue.points_ahead(0)) == (
        0, 1, 100 * POINT, 0,
    )  # fmt: skip


@pytest.mark.parametrize(
    "who, points, reason",
    [
        ("consumer", 0, "exit_queue: points is zero"),
        ("consumer", 211 * POINT, "exit_rule: amount exceeds balance"),
        ("merchant", POINT, "exit_queue: only consumers request exits"),
        ("charity", POINT, "exit_queue: only consumers request exits"),
    ],
)
def test_request_exit__bad_input__reverts_naming_the_rule(
    line, pool, queue, consumer, merchant, charity, who, points, reason
):
    pool.spend(merchant, POINT, b"\x00" * 32, sender=consumer)
    pool.donate(charity, POINT, sender=consumer)
    caller = {"consumer": consumer, "merchant": merchant, "charity": charity}[who]
    with ape.reverts(reason):
        queue.request_exit(points, sender=caller)
    assert queue.next_request_id() == 0


def test_request_exit__not_triggered_locked_or_over_cap__reverts_by_the_exit_rule(
    live, system, pool, queue, merchant, consumer, other_consumer, unit, lock_over
):
    pool.record_purchase(consumer, 1_000 * unit, order(1), GREEN, sender=merchant)
    pool.record_purchase(other_consumer, 1_000_000 * unit, order(2), GREEN, sender=merchant)
    with ape.reverts("exit_rule: points still locked"):
        queue.request_exit(POINT, sender=consumer)
    lock_over()
    with ape.reverts("exit_rule: holding not worth the exit trigger"):
        queue.request_exit(POINT, sender=other_consumer)
    governance.change_rule(system, "return_cap_bps", 10_000)  # at most 1x the 210 units issued
    with ape.reverts("exit_rule: return cap reached"):
        queue.request_exit(210 * POINT, sender=consumer)
    queue.request_exit(50 * POINT, sender=consumer)


def test_request_exit__after_shutdown__reverts_exit_instead(line, system, queue, consumer):
    governance.shutdown(system)
    with ape.reverts("exit_queue: shut down, exit instead"):
        queue.request_exit(POINT, sender=consumer)


def test_exit__while_a_request_waits__gives_way_to_the_line(line, pool, queue, consumer, other_consumer):
    pool.exit(POINT // 1_000, sender=consumer)  # nothing waits: the exit goes
    queue.request_exit(POINT, sender=other_consumer)
    with ape.reverts("exit_rule: requests wait in the exit queue"):
        pool.exit(POINT // 1_000, sender=consumer)


def test_process_exits__budget_short__fills_in_order_then_in_part(
    line, pool, queue, registry, consumer, other_consumer, decimals
):
    queue.request_exit(100 * POINT, sender=consumer)
    queue.request_exit(1_000 * POINT, sender=other_consumer)
    budget, assets_before = pool.exit_budget_left(), pool.total_assets()
    first_value, first_payout = _payout(pool, 100 * POINT, decimals)
    tx = queue.process_exits(10, sender=other_consumer)
    fills = tx.events.filter(queue.ExitFilled)
    assert fills[0] == queue.ExitFilled(
        id=0, account=consumer, points=100 * POINT, payout=first_payout, retained=first_value - first_payout
    )
    assets, supply = assets_before - first_payout, pool.totalSupply() + fills[1].points
    expected = pm.max_points_for_payout(budget - first_payout, assets, supply, 8_000)
    assert (
        fills[1].id == 1
        and fills[1].account == other_consumer
        and fills[1].points == expected < 1_000 * POINT
    )
    assert fills[1].payout <= budget - first_payout
    assert pool.epoch_exited() == first_payout + fills[1].payout
    assert pool.total_assets() == assets_before - first_payout - fills[1].payout
    assert queue.exit_request(1)[1:4] == (1_000 * POINT, expected, fills[1].payout)
    assert (queue.queue_head(), queue.queue_length()) == (1, 1)
    assert pool.balanceOf(registry) == queue.queued_points() == 1_000 * POINT - expected
    assert not queue.process_exits(10, sender=consumer).events.filter(queue.ExitFilled)  # the budget is spent


def test_process_exits__later_request__never_overtakes_an_earlier_one(
    line, pool, queue, consumer, other_consumer, next_epoch
):
    queue.request_exit(5_000 * POINT, sender=other_consumer)
    queue.process_exits(10, sender=consumer)
    queue.request_exit(10 * POINT, sender=consumer)
    assert queue.points_ahead(1) == queue.exit_request(0)[1] - queue.exit_request(0)[2]
    while queue.exit_request(0)[1] != queue.exit_request(0)[2]:
        next_epoch()
        tx = queue.process_exits(10, sender=consumer)
        if queue.exit_request(0)[1] != queue.exit_request(0)[2]:
            assert [f.id for f in tx.events.filter(queue.ExitFilled)] == [0]
            assert queue.exit_request(1)[2] == 0
    next_epoch()
    queue.process_exits(10, sender=consumer)
    assert queue.exit_request(1)[2] == 10 * POINT and queue.queue_length() == 0


def test_queue_head__cancelled_head__stepped_over_and_nothing_ahead_of_a_filled_request(
    line, queue, consumer, other_consumer
):
    queue.request_exit(10 * POINT, sender=consumer)
    queue.request_exit(20 * POINT, sender=other_consumer)
    queue.cancel_exit(0, sender=consumer)
    assert (queue.queue_head(), queue.points_ahead(1)) == (1, 0)
    queue.process_exits(10, sender=consumer)
    assert queue.exit_request(1)[2] == 20 * POINT
    assert (queue.queue_head(), queue.points_ahead(0), queue.points_ahead(1)) == (2, 0, 0)


def test_process_exits__owner_reaches_the_return_cap__rest_goes_back_with_basis(
    live, system, pool, queue, merchant, consumer, other_consumer, unit, decimals
):
    pool.record_purchase(consumer, 1_000 * unit, order(1), GREEN, sender=merchant)
    pool.record_purchase(other_consumer, 1_000_000 * unit, order(2), GREEN, sender=merchant)
    governance.change_rule(system, "return_cap_bps", 10_000)  # at most the 210 units issued
    governance.change_rule(system, "lock_period", 3_600)
    queue.request_exit(100 * POINT, sender=consumer)  # each alone under the cap, both over it
    queue.request_exit(100 * POINT, sender=consumer)
    balance, basis_left = pool.balanceOf(consumer), queue.exit_request(1)
    tx = queue.process_exits(10, sender=merchant)
    fills = tx.events.filter(queue.ExitFilled)
    assert pool.paid_out_of(consumer) == fills[0].payout + fills[1].payout <= 210 * unit
    back = tx.events.filter(queue.ExitCancelled)
    assert len(back) == 1 and back[0].id == 1 and back[0].points == 100 * POINT - fills[1].points
    assert pool.balanceOf(consumer) == balance + back[0].points
    assert queue.exit_request(1)[1] == queue.exit_request(1)[2] == fills[1].points
    assert queue.queue_length() == 0 and queue.queued_points() == 0
    assert basis_left  # the request existed with its basis


def test_process_exits__zero__reverts_and_empty_line_touches_nothing(line, queue, consumer):
    with ape.reverts("exit_queue: max_requests is zero"):
        queue.process_exits(0, sender=consumer)
    assert not queue.process_exits(5, sender=consumer).events


def test_process_exits__after_shutdown__fills_every_request_at_full_value(
    line, system, pool, queue, consumer, other_consumer, decimals
):
    queue.request_exit(100 * POINT, sender=consumer)
    queue.request_exit(50_000 * POINT, sender=other_consumer)
    governance.shutdown(system)
    value, _ = _payout(pool, 100 * POINT, decimals)
    tx = queue.process_exits(10, sender=consumer)
    fills = tx.events.filter(queue.ExitFilled)
    assert [(f.id, f.retained) for f in fills] == [(0, 0), (1, 0)]
    assert fills[0].payout == value
    assert queue.queue_length() == 0
    pool.exit(pool.balanceOf(consumer), sender=consumer)  # the line is clear: exits go again


def test_claim_exit__filled__pays_the_owner_once(line, pool, queue, asset, consumer, other_consumer):
    queue.request_exit(100 * POINT, sender=consumer)
    queue.process_exits(1, sender=other_consumer)
    owed = queue.exit_request(0)[3]
    held, balance = asset.balanceOf(pool), asset.balanceOf(consumer)
    with ape.reverts("exit_queue: caller does not own the request"):
        queue.claim_exit(0, sender=other_consumer)
    tx = queue.claim_exit(0, sender=consumer)
    assert tx.events.filter(queue.ExitClaimed) == [queue.ExitClaimed(id=0, account=consumer, amount=owed)]
    assert asset.balanceOf(consumer) == balance + owed and asset.balanceOf(pool) == held - owed
    assert queue.exit_request(0)[3:5] == (0, owed)
    with ape.reverts("exit_queue: nothing to claim"):
        queue.claim_exit(0, sender=consumer)
    with ape.reverts("exit_queue: no such request"):
        queue.claim_exit(7, sender=consumer)


def test_cancel_exit__waiting__points_and_basis_go_back(line, pool, queue, consumer, other_consumer):
    balance, basis = pool.balanceOf(consumer), pool.basis_of(consumer)
    queue.request_exit(100 * POINT, sender=consumer)
    with ape.reverts("exit_queue: caller does not own the request"):
        queue.cancel_exit(0, sender=other_consumer)
    moved = queue.exit_request(0)
    tx = queue.cancel_exit(0, sender=consumer)
    cancelled = tx.events.filter(queue.ExitCancelled)[0]
    assert cancelled.points == 100 * POINT
    assert pool.balanceOf(consumer) == balance and basis - 1 <= pool.basis_of(consumer) <= basis
    assert queue.queue_length() == 0 and queue.queued_points() == 0 and moved[0] == consumer
    with ape.reverts("exit_queue: nothing waits to cancel"):
        queue.cancel_exit(0, sender=consumer)
    pool.exit(POINT // 1_000, sender=consumer)  # nothing waits: exits go again


def test_queue__while_paused__requests_processing_claims_and_cancels_go_on(
    line, registry, queue, guardian, consumer, other_consumer
):
    registry.pause(sender=guardian)
    queue.request_exit(10 * POINT, sender=consumer)
    queue.request_exit(10 * POINT, sender=other_consumer)
    queue.cancel_exit(1, sender=other_consumer)
    assert [f.id for f in queue.process_exits(5, sender=other_consumer).events.filter(queue.ExitFilled)] == [
        0
    ]
    assert queue.claim_exit(0, sender=consumer).events.filter(queue.ExitClaimed)[0].amount > 0


def test_attach_exit_queue__once_and_only_the_release_code(system, registry, queue, deployer, project):
    assert registry.exit_queue() == queue.address
    with ape.reverts("registry: exit queue already attached"):
        registry.attach_exit_queue(queue.address, sender=deployer)
    runtime = bytes(project.ExitQueue.contract_type.runtime_bytecode.to_bytes())
    assert bytes(registry.EXIT_QUEUE_CODEHASH()) == keccak(runtime)
    assert registry.EXIT_QUEUE_CODE_SIZE() == len(runtime)


@pytest.fixture
def bare(deployer, registrar, guardian, certifier, proposer, decimals, chain, monkeypatch):
    """A second deployment whose registry has no exit queue attached yet."""
    from greenpoints import deploy

    monkeypatch.setattr(deploy, "deploy_exit_queue", lambda system, deployer: None)
    snapshot = chain.snapshot()
    yield deploy.deploy_system(
        deployer, registrar=registrar, guardian=guardian, certifier=certifier, proposer=proposer,
        asset_decimals=decimals,
    )  # fmt: skip
    chain.restore(snapshot)


def test_attach_exit_queue__its_own_queue__attached_and_the_pool_approves_it(bare, deployer, project):
    queue = project.ExitQueue.deploy(bare.registry.address, sender=deployer)
    bare.registry.attach_exit_queue(queue.address, sender=deployer)
    assert bare.registry.exit_queue() == queue.address
    assert bare.asset.allowance(bare.pool.address, queue.address) == 2**256 - 1


def test_attach_exit_queue__queue_of_another_registry__reverts(bare, queue, deployer):
    with ape.reverts("registry: exit queue serves another registry"):
        bare.registry.attach_exit_queue(queue.address, sender=deployer)


def test_attach_exit_queue__other_code__reverts(bare, deployer):
    with ape.reverts("registry: not the release's exit queue"):
        bare.registry.attach_exit_queue(bare.lens.address, sender=deployer)


def test_attach_exit_queue__no_code_at_the_address__reverts_naming_it(bare, stranger, deployer):
    """An address with no code is refused by its size, with the reason (its code is never sliced)."""
    with ape.reverts("registry: not the release's exit queue"):
        bare.registry.attach_exit_queue(stranger, sender=deployer)
    assert bare.registry.exit_queue() == ZERO


def _deploy_runtime(code: bytes, deployer, chain) -> str:
    """A contract whose runtime code is `code`, as given: initcode that copies what follows it."""
    initcode = b"\x61" + len(code).to_bytes(2, "big") + bytes.fromhex("80600c6000396000f3") + code
    txn = chain.provider.network.ecosystem.create_transaction(data=initcode, gas_limit=10_000_000)
    return deployer.call(txn).contract_address


def test_attach_exit_queue__release_size_and_immutables_one_byte_changed__reverts(
    bare, deployer, project, chain
):
    """A queue of the release's size serving this registry, one byte of its code changed: refused by
    the code hash; the genuine queue is then attached."""
    queue = project.ExitQueue.deploy(bare.registry.address, sender=deployer)
    code = bytearray(chain.provider.get_code(queue.address))
    assert len(code) == bare.registry.EXIT_QUEUE_CODE_SIZE() + 96
    code[-97] ^= 0xFF  # the last byte of the code proper; the immutables (pool, registry, asset) kept
    forged = _deploy_runtime(bytes(code), deployer, chain)
    assert len(chain.provider.get_code(forged)) == len(code)
    with ape.reverts("registry: not the release's exit queue"):
        bare.registry.attach_exit_queue(forged, sender=deployer)
    bare.registry.attach_exit_queue(queue.address, sender=deployer)
    assert bare.registry.exit_queue() == queue.address


def test_move_queued__not_the_attached_queue__reverts(system, registry, pool, attacker, deployer):
    with ape.reverts("pool: caller is not the exit queue"):
        pool.move_queued(3, attacker, 0, 1, sender=attacker)
    with ape.reverts("pool: caller is not the exit queue"):
        pool.move_queued(3, attacker, 0, 1, sender=deployer)


def test_attach_exit_queue__pool_hook_from_anyone_but_the_registry__reverts(pool, attacker):
    with ape.reverts("pool: caller is not the registry"):
        pool.attach_exit_queue(attacker, sender=attacker)


def test_config_word__pool_copy__equals_the_registry_config_paused_or_not(pool, registry, guardian):
    assert pool.config_word() == registry.config()
    registry.pause(sender=guardian)
    assert pool.config_word() == registry.config()
    assert pool.config_word() & (1 << 192)


def test_exit_queue_abi__shipped(project):
    from greenpoints.abi import abi_path, compiled_abi

    assert json.loads(abi_path("ExitQueue").read_text()) == compiled_abi("ExitQueue")


def test_audit__requests_fills_cancels_claims_and_shutdown__replayed_and_passed(
    line, system, pool, queue, consumer, other_consumer, merchant, unit, next_epoch
):
    """Every request, fill (in part, in order, over epochs, after the shutdown), cancel and claim
    replayed through the model: the rebuilt state equals the chain's, invariants 11 and 12 hold."""
    from greenpoints.audit import audit

    queue.request_exit(100 * POINT, sender=consumer)
    queue.request_exit(5_000 * POINT, sender=other_consumer)
    queue.request_exit(10 * POINT, sender=consumer)
    queue.process_exits(10, sender=merchant)
    queue.cancel_exit(2, sender=consumer)
    queue.claim_exit(0, sender=consumer)
    next_epoch()
    queue.process_exits(10, sender=merchant)
    pool.record_purchase(consumer, 10 * unit, order(9), GREEN, sender=merchant)
    governance.shutdown(system)
    queue.process_exits(10, sender=merchant)
    queue.claim_exit(1, sender=other_consumer)
    report = audit(system, start_block=system.deployment_block)
    assert report.ok, report.failures
    table = report.checks()
    assert table["11 exit queue"]["checked"] >= 8 and table["11 exit queue"]["failed"] == 0
    assert table["12 line"]["checked"] > 0 and table["12 line"]["failed"] == 0
    fates = {fate["fate"] for fate in report.trace(merchant, order(1))}  # consumer's first purchase
    assert {"queued", "exited", "returned"} <= fates

"""`tests.chain_states.built_once`: a fixture's transactions run once per starting state, then the block
they ended on is made the head again, and the test sees the chain it would have seen."""

import pytest

from tests import chain_states
from tests.chain_states import built_once
from tests.conftest import GREEN, order


def _chain_state(chain, pool, consumer, since):
    """The blocks from `since` to the head (number, hash, timestamp), the pending timestamp and the
    consumer's points."""
    blocks = [
        (b.number, b.hash, b.timestamp)
        for b in (chain.blocks[n] for n in range(since, chain.blocks.height + 1))
    ]
    return blocks, chain.pending_timestamp, pool.balanceOf(consumer)


def _back(chain, start) -> None:
    """Back to the snapshot `start`, kept for the next time (Ape forgets a snapshot once restored)."""
    chain.restore(start)
    assert chain.snapshot() == start


def _counted_purchase(pool, merchant, consumer, unit):
    """A fixture-like builder that counts its runs: each run records three purchases (three blocks)."""
    runs = []

    @built_once
    def purchased(units):
        runs.append(units)
        for n in range(3):
            tx = pool.record_purchase(
                consumer, units * unit, order(f"built-{units}-{n}"), GREEN, sender=merchant
            )
        return tx

    return purchased, runs


def test_built_once__asked_again_from_the_same_state__same_chain_without_running_again(
    live, chain, pool, merchant, consumer, other_consumer, unit
):
    purchased, runs = _counted_purchase(pool, merchant, consumer, unit)
    since = chain.blocks.height + 1
    start = chain.snapshot()
    first = purchased(5)
    built = _chain_state(chain, pool, consumer, since)
    _back(chain, start)
    # another test's block at the first of those heights, as a test after the fixture would mine
    pool.record_purchase(other_consumer, unit, order("another test"), GREEN, sender=merchant)
    _back(chain, start)
    assert pool.balanceOf(consumer) == 0

    again = purchased(5)

    assert runs == [5]
    assert again is first
    assert _chain_state(chain, pool, consumer, since) == built
    assert len(built[0]) == 3 and built[-1] > 0
    [event] = pool.PurchaseRecorded.query("*", start_block=since, stop_block=since).event_arguments
    assert event["order_id"] == order("built-5-0")
    # the restored chain goes on as the built one would: the next block is the next one
    pool.record_purchase(consumer, unit, order("after"), GREEN, sender=merchant)
    assert chain.blocks.head.number == since + 3


def test_built_once__other_arguments_or_another_starting_state__runs_again(
    live, chain, pool, merchant, consumer, unit
):
    purchased, runs = _counted_purchase(pool, merchant, consumer, unit)
    start = chain.snapshot()
    purchased(5)
    _back(chain, start)
    purchased(6)  # another argument
    _back(chain, start)
    chain.mine()  # another starting state: one block more
    purchased(5)

    assert runs == [5, 6, 5]
    assert pool.balanceOf(consumer) > 0


def test_built_once__provider_cannot_restore_old_blocks__runs_every_time(
    live, chain, pool, merchant, consumer, unit, monkeypatch
):
    monkeypatch.setattr(chain_states, "_restorable", lambda: False)
    purchased, runs = _counted_purchase(pool, merchant, consumer, unit)
    start = chain.snapshot()
    purchased(5)
    _back(chain, start)
    purchased(5)

    assert runs == [5, 5]


@pytest.mark.parametrize(
    "value, name",
    [
        (order, "tests.conftest.order"),
        (lambda: None, "tests.unit.test_chain_states.<lambda>"),
        (GREEN, "1"),
        ("dec6", "'dec6'"),
    ],
)
def test_name__helpers_by_qualified_name_values_by_repr(value, name):
    assert chain_states._name(value) == name


def test_name__contract_or_account__by_its_repr_with_the_address(pool, consumer):
    assert pool.address in chain_states._name(pool)
    assert consumer.address in chain_states._name(consumer)


def test_revert_without_reexecuting__after_a_purchase__same_head_header_and_state_as_eth_testers(
    live, chain, pool, merchant, consumer, unit
):
    backend = chain.provider.evm_backend
    start = chain.provider.snapshot()
    left = []
    for revert in (chain_states._reexecuting_revert, chain_states.revert_without_reexecuting):
        pool.record_purchase(consumer, 5 * unit, order("reverted"), GREEN, sender=merchant)
        assert pool.balanceOf(consumer) > 0
        revert(backend, start)
        # the pending header's timestamp follows the wall clock; everything else must match
        pending = backend.chain.header.copy(timestamp=0)
        left.append((backend.chain.get_canonical_head(), pending, pool.balanceOf(consumer)))

    assert left[0] == left[1]
    head, pending, points = left[1]
    assert head.hash == start and pending.parent_hash == start and points == 0
    # and the chain goes on from there
    pool.record_purchase(consumer, unit, order("after the revert"), GREEN, sender=merchant)
    assert chain.blocks.head.parent_hash == start


def test_revert_without_reexecuting__unknown_snapshot__refused_as_eth_testers(chain):
    from ape.exceptions import UnknownSnapshotError

    before = chain.provider.snapshot()
    with pytest.raises(UnknownSnapshotError):
        chain.provider.restore(b"\x01" * 32)
    assert chain.provider.snapshot() == before


def test_first_account_remembered__same_keys__web3s_guess_then_read_again_when_replaced(chain, monkeypatch):
    w3 = chain.provider.web3
    backend = w3.provider.ethereum_tester.backend
    accounts = w3.eth.accounts
    assert chain_states.first_account_remembered(w3, {}) == chain_states._guess_from(w3, {}) == accounts[0]

    # another key tuple (Ape's backend reads it from a property; eth-tester's add_account replaces it)
    fewer = backend.account_keys[1:]
    monkeypatch.setattr(type(backend), "account_keys", property(lambda _: fewer))

    assert chain_states.first_account_remembered(w3, {}) == accounts[1]
    monkeypatch.undo()
    assert chain_states.first_account_remembered(w3, {}) == accounts[0]

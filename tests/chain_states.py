"""Function-scoped fixtures whose transactions run once per starting state, then are restored.

Ape's plugin reverts the chain after every test, so a function-scoped fixture that sends
transactions (`live`: two merchants admitted and funded, a charity registered) sends them again for
every test that asks for it: seven transactions, about a quarter of a second on the embedded chain,
paid by hundreds of tests. `@built_once` keeps what such a fixture built: the first time it runs
from a given chain state with given arguments, it runs as written and the block it ends on is
remembered (the embedded chain keeps every block it mined, so any of them can be made the head
again); the next time it is asked for from the same state with the same arguments, that block is
made the head instead and the same value returned. The test then sees exactly the chain it would
have seen (the same state root: the same blocks' state, the same timestamps), and Ape's revert after
the test is unchanged (it goes back to the test's own snapshot, taken before the fixture).

The starting state is named by its head block's hash, which commits to the whole state, and the
pending block's timestamp; the arguments by their `repr` (accounts and contracts by address), the
helper functions among them by their qualified name (`buy`, `next_epoch`, `record_of`: closures over
the session's system and chain, made again for each test). Only for fixtures that return what the
test reads, not something it changes: the value is shared by every test that gets it from the cache.

On a provider that cannot make an old block the head (anvil forgets a snapshot once reverted past
it), the fixture simply runs every time.

Three costs of the embedded chain the tests do not need are also cut here (`cheaper_embedded_chain`,
called once from tests/conftest.py): eth-tester's revert re-executes the snapshot's block, Ape
traces every confirmed transaction for debug lines our contracts never print, and web3 asks
eth-tester for its accounts twice for every call sent without a sender.
"""

from __future__ import annotations

import functools

from ape import chain
from ape.api.transactions import ReceiptAPI
from eth_tester.backends.pyevm.main import GENESIS_PARENT_HASH, PyEVMBackend
from web3.providers.eth_tester import middleware as tester_middleware

_built: dict[tuple, tuple[object, object]] = {}


def _name(value) -> str:
    if callable(value) and hasattr(value, "__qualname__") and not hasattr(value, "address"):
        return f"{value.__module__}.{value.__qualname__}"
    return repr(value)


def _restorable() -> bool:
    return chain.provider.name == "test"


def _make_head(head, base) -> None:
    """Make the block `head` the head again, every block from `base` (its ancestor) to it canonical.

    The revert alone is not enough: py-evm keeps a table of the canonical block at each height, and
    a revert to an older block leaves the heights above it as they were; a test that then mined a
    block or two rewrote the first of them. Going back up to `head`, py-evm walks down only until a
    height already names the block it reaches, which the untouched heights still do, so the heights
    the test rewrote would keep naming the test's blocks (what reads blocks by number, as the audit's
    fetch on the embedded chain does, would read them). Every height from `base` up is written.
    """
    chain.provider.restore(head)
    chaindb = chain.provider.evm_backend.chain.chaindb
    header = chaindb.get_block_header_by_hash(head)
    while header.hash != base:
        chaindb._add_block_number_to_hash_lookup(chaindb.db, header)
        header = chaindb.get_block_header_by_hash(header.parent_hash)


def built_once(fixture):
    """Decorate a function-scoped fixture (under `@pytest.fixture`) whose chain state depends only on
    the state it starts from and its arguments."""

    @functools.wraps(fixture)
    def build(*args, **kwargs):
        if not _restorable():
            return fixture(*args, **kwargs)
        base = chain.provider.snapshot()
        key = (
            fixture,
            base,
            chain.pending_timestamp,
            tuple(_name(arg) for arg in args),
            tuple(sorted((name, _name(value)) for name, value in kwargs.items())),
        )
        if key in _built:
            head, value = _built[key]
            _make_head(head, base)
            return value
        value = fixture(*args, **kwargs)
        _built[key] = (chain.provider.snapshot(), value)
        return value

    return build


_reexecuting_revert = PyEVMBackend.revert_to_snapshot
"""eth-tester's own revert, kept for `tests/unit/test_chain_states.py` to compare with."""


def revert_without_reexecuting(backend: PyEVMBackend, snapshot: bytes) -> None:
    """Make the snapshot's block the head, as eth-tester's revert does, without executing it again.

    eth-tester's `revert_to_snapshot` makes the block canonical and then imports it again: py-evm
    runs every transaction of that block once more, checks the result equals the block it already
    has, and stores what it already stores (its database keeps every block, receipt and state trie
    node it ever wrote). What the import leaves that matters is the chain's pending header, made
    from the new head; this makes that header directly. Ape reverts after every test and every
    fixture scope, so this was about a fifth of the unit tests' time (`tests/unit/value_pool`:
    73 s to 59 s). `tests/unit/test_chain_states.py` checks both reverts leave the same chain.
    """
    block = backend.chain.get_block_by_hash(snapshot)
    chaindb = backend.chain.chaindb
    chaindb._set_as_canonical_chain_head(chaindb.db, block.header, GENESIS_PARENT_HASH)
    if block.number > 0:
        backend.chain.header = backend.chain.ensure_header()
    else:
        backend.chain = backend.chain.from_genesis_header(chaindb.db, block.header)


def _no_debug_log_trace(receipt) -> None:
    """Ape's hook after every confirmed transaction traces it to print the lines it logged with
    Vyper's `print`: about 27 ms a transaction on the embedded chain (`tests/unit/value_pool`: 81 s
    to 73 s without it), for lines our contracts never write (`tests/unit/lint/test_no_debug_prints.py`
    fails if one ever does). A test that wants a transaction's trace still asks for it."""


_guess_from = tester_middleware.guess_from
_first_account: list = [None, None]
"""[the eth-tester account keys it was read from, their first account]."""


def first_account_remembered(w3, transaction):
    """web3's sender for a call that names none (Ape's view calls), read once per set of accounts.

    web3's eth-tester middleware fills the missing `from` with the first of `eth_accounts`, asked for
    twice per call, and eth-tester derives every account's address from its key each time: about a
    millisecond and a half per view call. The accounts change only when eth-tester is given a new key
    tuple (`add_account` replaces it), so the answer is kept until then."""
    keys = w3.provider.ethereum_tester.backend.account_keys
    if _first_account[0] is not keys:
        _first_account[:] = [keys, _guess_from(w3, transaction)]
    return _first_account[1]


def cheaper_embedded_chain() -> None:
    """Install the three cuts for this test process (tests/conftest.py calls it once)."""
    PyEVMBackend.revert_to_snapshot = revert_without_reexecuting
    ReceiptAPI.show_debug_logs = _no_debug_log_trace
    tester_middleware.guess_from = first_account_remembered

"""The model's state and its all-or-nothing machinery.

`State` holds everything the contracts store (the settlement token's balances included). Its dicts
are `JournaledDict`s: while an operation runs, each overwritten entry is recorded, so a refused
operation is undone in time proportional to what it changed (a deep copy per operation made large
simulations quadratic). The fields that are not dicts are saved whole at the start of an operation;
both lists are derived from the dataclass, so a new field is rolled back without anyone listing it.
"""

from __future__ import annotations

import contextlib
import functools
from dataclasses import dataclass, field, fields
from typing import NamedTuple

from ..catalog import MAX_FACTOR as MAX_FACTOR  # re-exported: a class's factor takes 64 bits
from ..catalog import ClassKind
from ..statuses import NONE
from . import pool_math as pm
from .orders import Purchase, order_word

ZERO = "0x0000000000000000000000000000000000000000"
MAX_U128 = 2**128 - 1
MAX_U256 = 2**256 - 1
MAX_BATCH = 100
MAX_TOTAL_ASSETS = 2**120 - 1
"""`ledger`: total_assets takes 120 bits of the pool word."""
MAX_EARNED = 2**88 - 1
"""`ledger`: a consumer's basis and lifetime issued value take 88 bits each."""
MAX_CARBON = 2**36 - 1
"""`ledger`: a consumer's lifetime carbon takes 36 bits (grams: 68,719 tonnes)."""
MAX_TOTAL_CARBON = 2**64 - 1
"""`ledger`: the total carbon takes 64 bits of the pool word (grams)."""
MAX_PAID_OUT = 2**128 - 1
MAX_DAILY_CAP = 2**100 - 1
"""`members`: a merchant's daily cap (and its running total) take 100 bits."""
EMPTY32 = b"\x00" * 32
REGISTRAR_ROLE = "REGISTRAR_ROLE"
GUARDIAN_ROLE = "GUARDIAN_ROLE"
CERTIFIER_ROLE = "CERTIFIER_ROLE"
PRODUCT = ClassKind.PRODUCT
ACTION = ClassKind.ACTION
DEFAULT_ADMIN_ROLE = "DEFAULT_ADMIN_ROLE"


class Refusal(Exception):
    """An operation the contracts refuse; `reason` is the contract's revert reason."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Journal:
    """The undo log of the operation in progress (None outside an operation)."""

    __slots__ = ("entries",)

    def __init__(self):
        self.entries: list | None = None


_MISSING = object()


class JournaledDict(dict):
    """A dict that records each overwritten entry in its journal while an operation runs."""

    __slots__ = ("journal",)

    def __init__(self, journal: Journal, *args):
        super().__init__(*args)
        self.journal = journal

    def __setitem__(self, key, value, _get=dict.get, _set=dict.__setitem__):
        # The hottest method of a simulation (every balance, basis and total written): the dict's own
        # methods bound once as defaults, not looked up on every call (a baseline run of 2,000
        # consumers for 60 days: 0.52 s -> 0.48 s).
        entries = self.journal.entries
        if entries is not None:
            entries.append((self, key, _get(self, key, _MISSING)))
        _set(self, key, value)

    def pop(self, key, *default):
        entries = self.journal.entries
        if entries is not None and key in self:
            entries.append((self, key, self[key]))
        return super().pop(key, *default)

    def __reduce__(self):  # copy/deepcopy/pickle keep the journal link
        return (JournaledDict, (self.journal, dict(self)))


@dataclass(frozen=True)
class Merchant:
    """What the registry and the pool hold of a merchant (`Registry.merchants`)."""

    status: int = NONE
    category: int = 0
    contribution_bps: int = 0
    daily_cap: int = 0
    license_hash: bytes = EMPTY32
    epoch: int = 0
    epoch_contribution: int = 0


@dataclass(frozen=True)
class Sponsor:
    """What the registry and the pool hold of a sponsor of green actions (`Registry.sponsors`)."""

    status: int = NONE
    reward_per_kg: int = 0
    daily_cap: int = 0
    license_hash: bytes = EMPTY32
    epoch: int = 0
    epoch_contribution: int = 0


@dataclass(frozen=True)
class Charity:
    status: int = NONE
    license_hash: bytes = EMPTY32


@dataclass(frozen=True)
class ClassRecord:
    """A class of the green catalog (`Registry.green_class`)."""

    kind: int = 0
    certified: bool = False
    co2e_per_unit: int = 0
    standard_hash: bytes = EMPTY32


class Order(NamedTuple):
    """One recorded purchase (a named tuple: the simulation creates one per purchase)."""

    consumer: str
    issued_at: int
    issue_bps: int
    points: int
    contribution: int
    co2e: int = 0
    reversed: bool = False
    class_id: int = 0
    amount: int = 0

    @property
    def issued_value(self) -> int:
        return pm.issued_value_of(self.contribution, self.issue_bps)

    @property
    def purchase(self) -> Purchase:
        """The purchase's record, as `reverse_purchase` takes it back (greenpoints.model.orders)."""
        return Purchase(
            self.consumer,
            self.class_id,
            self.amount,
            self.contribution,
            self.points,
            self.co2e,
            self.issued_at,
        )

    @property
    def word(self) -> int:
        """The one word the pool keeps for this order (`ValuePool.order_word`)."""
        return order_word(self.purchase, self.issue_bps, self.reversed)


NO_MERCHANT = Merchant()
NO_SPONSOR = Sponsor()
NO_CHARITY = Charity()
NO_CLASS = ClassRecord()


@dataclass
class State:
    """Everything the contracts store (the asset token's balances included)."""

    rules: dict[str, int]
    total_assets: int = 0
    total_supply: int = 0
    balances: dict[str, int] = field(default_factory=dict)
    allowances: dict[tuple[str, str], int] = field(default_factory=dict)
    basis: dict[str, int] = field(default_factory=dict)
    earned: dict[str, int] = field(default_factory=dict)
    paid_out: dict[str, int] = field(default_factory=dict)
    last_issued_at: dict[str, int] = field(default_factory=dict)
    carbon: dict[str, int] = field(default_factory=dict)
    """grams of CO2e credited to each consumer (SPEC 8.4)"""
    total_carbon: int = 0
    merchants: dict[str, Merchant] = field(default_factory=dict)
    sponsors: dict[str, Sponsor] = field(default_factory=dict)
    charities: dict[str, Charity] = field(default_factory=dict)
    classes: dict[int, ClassRecord] = field(default_factory=dict)
    orders: dict[tuple[str, bytes], Order] = field(default_factory=dict)
    actions: dict[tuple[str, bytes], int] = field(default_factory=dict)
    """(sponsor, action_id) -> co2e (grams, never zero) of every action recorded"""
    roles: dict[tuple[str, str], bool] = field(default_factory=dict)
    """(role, account) -> True for every role held (the registry's access control)."""
    paused: bool = False
    shutdown: bool = False
    current_epoch: int = 0
    epoch_start_assets: int = 0
    epoch_exited: int = 0
    asset_balances: dict[str, int] = field(default_factory=dict)
    asset_allowances: dict[tuple[str, str], int] = field(default_factory=dict)
    exit_requests: dict = field(default_factory=dict)
    """request id -> `exit_queue.ExitRequest` (SPEC 11)"""
    queue_head: int = 0
    """No request below this id waits."""
    queue_next: int = 0
    queue_waiting: int = 0
    journal: Journal = field(default_factory=Journal, repr=False, compare=False)

    undo: bool = field(default=True, repr=False, compare=False)
    """Journal every change so a refused operation can be undone (off while an audit replays a chain,
    where nothing is ever undone: plain dicts, about twice as fast to write)."""

    def __post_init__(self):
        if not self.undo:
            return
        for f in fields(self):
            value = getattr(self, f.name)
            if type(value) is dict:
                setattr(self, f.name, JournaledDict(self.journal, value))

    def scalars(self) -> tuple:
        """The fields that are not journaled (saved whole at the start of an operation)."""
        return tuple(getattr(self, name) for name in _scalar_names())

    def restore_scalars(self, saved: tuple) -> None:
        for name, value in zip(_scalar_names(), saved, strict=True):
            setattr(self, name, value)


@functools.cache
def _scalar_names() -> tuple[str, ...]:
    """Every field of `State` that is not a dict (dicts are journaled) nor the journal itself."""
    probe = State(rules={})
    return tuple(
        f.name
        for f in fields(State)
        if f.name not in ("journal", "undo") and not isinstance(getattr(probe, f.name), dict)
    )


def atomic(operation):
    """All or nothing: on a `Refusal`, undo everything `operation` changed, then re-raise. Nested
    atomic operations run inside the outer one's journal."""

    @functools.wraps(operation)
    def run(self, *args, **kwargs):
        state = self.state
        journal = state.journal
        if journal.entries is not None or self.replay is not None:
            # inside an operation already; or replaying a chain, where only a final refusal stops an
            # operation, and every one comes before the operation changes anything
            return operation(self, *args, **kwargs)
        saved = state.scalars()
        journal.entries = []
        try:
            return operation(self, *args, **kwargs)
        except Refusal:
            _undo(state, saved)
            raise
        finally:
            journal.entries = None

    return run


def _undo(state: State, saved: tuple) -> None:
    """Put back every entry the running operation's journal recorded, and the scalars `saved`."""
    for mapping, key, old in reversed(state.journal.entries):
        if old is _MISSING:
            dict.pop(mapping, key, None)
        else:
            dict.__setitem__(mapping, key, old)
    state.restore_scalars(saved)


@contextlib.contextmanager
def rolled_back(state: State):
    """Run a block whose changes to `state` are all undone when it ends, whether it returns or
    refuses: a preview runs its operation's own steps (the epoch's sync, the daily cap's use) and
    leaves nothing behind. Needs the undo journal, outside any operation."""
    journal = state.journal
    if not state.undo or journal.entries is not None:
        raise RuntimeError("a preview needs a state with its undo journal, outside any operation")
    saved = state.scalars()
    journal.entries = []
    try:
        yield state
    finally:
        _undo(state, saved)
        journal.entries = None

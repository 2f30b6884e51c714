"""Fold the system's events, replaying every change through the model and checking SPEC section 5.

Two kinds of check, kept apart on purpose:

- **Replayed through the rules.** Every domain event (a purchase, a spend, an exit, an admission, a rule
  change, ...) is replayed through `greenpoints.model.Model` (the same rulebook the simulation and the
  stateful tests use) in replaying mode: a rule the event broke is reported by the contract's own revert
  reason, and every figure the rules compute (points, contribution, refund, payout, settlement) must
  equal the event's; the model then follows what the chain did, so one broken event does not hide the
  next.
- **Independent of the model**, so that a mistake shared by model and contracts cannot hide itself:
  total_assets from the events' own flows (contributions minus payouts, settlements and refunds);
  solvency against the asset token's own Transfers (and, at the end, its `balanceOf`); the value per
  point never falling; points supply and balances from the points token's own Transfers, matched one
  for one with the domain events, and their sum equal to the supply; every rule change through the
  governor's delay and within the hard bounds written in `greenpoints.model.rules`. For these figures
  this module, alone outside the model (and the tests), imports the arithmetic itself
  (`greenpoints.model.pool_math`, allowed by ruff's banned-api for this file only): it computes them
  from the events' own figures, never from the model's state.

Lineage is kept as lots: each purchase's points are a lot that moves, oldest first, with every outflow
of its holder (a convention: points are fungible).
"""

from __future__ import annotations

from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime

from eth_utils import keccak

from ..model import CERTIFIER_ROLE, DEFAULT_ADMIN_ROLE, GUARDIAN_ROLE, REGISTRAR_ROLE, Model, Receipt, Refusal
from ..model import pool_math as pm
from ..model.rules import BOUNDS, DEFAULT_RULES, followable
from .events import Event

ZERO = "0x" + "0" * 40
CHECKS = {
    "1 solvency": "the pool's asset balance >= total_assets; total_assets = contributions - payouts "
    "- settlements - refunds",
    "2 value per point": "never decreases while points exist",
    "3 supply": "sum of balances == totalSupply; every mint traces to exactly one PurchaseRecorded or "
    "ActionRecorded",
    "4 purchases": "recorded by a merchant active at that block, within its daily cap, unique order id, "
    "contribution and points as the rules say",
    "actions": "recorded by a sponsor active at that block, within its daily cap, unique action id, "
    "contribution and points as the rules say (SPEC 8.3)",
    "5 exits": "trigger, lock, return cap and epoch limit at the exit's block (or after shutdown); payout "
    "as the rules say",
    "6 rules": "every rule change through the governor's delay and within bounds",
    "7 movements": "points only move consumer -> merchant/charity, or are burned by exit/settle/reversal",
    "settlements and reversals": "paid as the rules say (fee, refund, window)",
    "9 carbon": "total_carbon = co2e of all purchases and actions - reversed purchases; each co2e = the "
    "class's factor at that block x the quantity",
    "10 classes": "every issuance names a class certified, of the right kind, at its block",
    "11 exit queue": "first come, first served: no fill while an earlier request waits; an epoch's fills "
    "and exits within the limit; each fill paid as an exit (or at full value after shutdown), within "
    "the owner's cap; requests, cancels and claims as the rules say (SPEC 11)",
    "12 line": "the pool's asset balance >= total_assets + unclaimed payouts; holders' balances + queued "
    "points == totalSupply (SPEC 11)",
    "registry": "every admission, suspension, reinstatement, revocation and charity change by the "
    "registrar, as the registry's rules allow",
    "catalog": "every certification and withdrawal by the certifier, as the registry's rules allow",
}
CHECK_OF_EVENT = {
    "PurchaseRecorded": "4 purchases",
    "ActionRecorded": "actions",
    "ClassCertified": "catalog",
    "ClassWithdrawn": "catalog",
    "PointsExited": "5 exits",
    "EpochStarted": "5 exits",
    "PointsSpent": "7 movements",
    "PointsDonated": "7 movements",
    "PointsSettled": "settlements and reversals",
    "PurchaseReversed": "settlements and reversals",
    "RuleChanged": "6 rules",
    "Paused": "6 rules",
    "Unpaused": "6 rules",
    "PoolShutDown": "6 rules",
    "ExitRequested": "11 exit queue",
    "ExitFilled": "11 exit queue",
    "ExitCancelled": "11 exit queue",
    "ExitClaimed": "11 exit queue",
}
ROLE_NAMES = {
    bytes(32): DEFAULT_ADMIN_ROLE,
    keccak(text="REGISTRAR_ROLE"): REGISTRAR_ROLE,
    keccak(text="GUARDIAN_ROLE"): GUARDIAN_ROLE,
    keccak(text="CERTIFIER_ROLE"): CERTIFIER_ROLE,
}
MONEY_EVENTS = frozenset(
    {"PurchaseRecorded", "ActionRecorded", "PurchaseReversed", "PointsSettled", "PointsExited", "ExitFilled"}
)
"""The pool's (and the exit queue's) events that move total_assets and the supply."""
QUEUE_EVENTS = frozenset({"ExitRequested", "ExitFilled", "ExitCancelled", "ExitClaimed"})
"""The exit queue's events (SPEC 11)."""


@dataclass(slots=True)
class Lot:
    """Points of one purchase, held by one account."""

    merchant: str
    order_id: bytes
    points: int


@dataclass
class Fate:
    """What happened to some of a purchase's points."""

    kind: str
    """held, spent, donated, settled, exited or reversed."""
    points: int
    holder: str
    """Who held them when it happened (or holds them now)."""
    counterparty: str | None = None
    """The merchant they were spent at, or the charity they were donated to."""
    order_id: bytes | None = None
    """The merchant's order id of a spend."""
    block: int | None = None
    tx: str | None = None


@dataclass
class MerchantBook:
    """What the audit reports of a merchant (its rules are the model's)."""

    purchases: int = 0
    sales: int = 0
    contributions: int = 0
    points_issued: int = 0
    receipts_points: int = 0
    settled_points: int = 0
    settled_assets: int = 0
    refunds: int = 0
    co2e: int = 0
    """Grams of CO2e of its purchases, less reversed ones."""


@dataclass
class SponsorBook:
    """What the audit reports of a sponsor of green actions."""

    actions: int = 0
    co2e: int = 0
    contributions: int = 0
    points_issued: int = 0


class Replay:
    """The model's companion while it replays one event: it turns the model's refusals into findings
    named by the contract's reason, and hands it the event's figures in place of its own."""

    def __init__(self, ledger: Ledger):
        self.ledger = ledger
        self.event: Event | None = None
        self.expected: dict = {}

    def begin(self, event: Event, expected: dict) -> None:
        self.event, self.expected = event, expected

    def broken(self, reason: str) -> None:
        e = self.event
        check = "10 classes" if reason.startswith("catalog:") else CHECK_OF_EVENT.get(e.name, "registry")
        self.ledger.fail(check, f"{e.name} broke a rule: {reason}", e)

    def observe(self, name: str, value: int) -> int:
        if name not in self.expected:
            return value
        got = self.expected[name]
        if got != value:
            e = self.event
            check = "9 carbon" if name == "co2e" else CHECK_OF_EVENT.get(e.name, "registry")
            self.ledger.fail(check, f"{e.name}: {name} {got}, the rules give {value}", e)
        return got


@dataclass
class Ledger:
    """The rebuilt state: the model's, plus the independent figures. Addresses are lower-case hex."""

    pool: str
    governor: str
    asset_decimals: int
    block_time: object
    """Callable block number -> timestamp (cached by the caller)."""
    registry: str = ""
    """The registry: its balance in the pool holds the exit queue's points (SPEC 11)."""
    exit_queue: str = ""
    """The exit queue attached to the registry (SPEC 11), when there is one."""
    model: Model | None = None
    """The replayed rules (created at the first event)."""
    # independent of the model
    total_assets: int = 0
    """From the events' flows: contributions - payouts - settlements - refunds."""
    total_supply: int = 0
    """From the points token's Transfers."""
    balances: Counter = field(default_factory=Counter)
    """From the points token's Transfers."""
    asset_balance: int = 0
    """From the asset token's Transfers to and from the pool."""
    rules: dict[str, int] = field(default_factory=dict)
    """From the RuleChanged events (checked against the hard bounds, not the model)."""
    contributions: int = 0
    payouts: int = 0
    settlements: int = 0
    refunds: int = 0
    claimable: int = 0
    """Exit-queue payouts filled and not yet claimed (from the queue's events, SPEC 11)."""
    queued: int = 0
    """Points waiting in the exit queue (from the queue's events)."""
    requests: dict[int, str] = field(default_factory=dict)
    """Exit request id -> its owner (from `ExitRequested`)."""
    total_carbon: int = 0
    """From the events' own co2e: purchases and actions minus reversed purchases (SPEC 8.4)."""
    carbon_by_class: Counter = field(default_factory=Counter)
    carbon_by_month: Counter = field(default_factory=Counter)
    """"YYYY-MM" (UTC, of the block) -> grams."""
    class_labels: dict[int, str] = field(default_factory=dict)
    class_history: list[dict] = field(default_factory=list)
    merchants: dict[str, MerchantBook] = field(default_factory=lambda: defaultdict(MerchantBook))
    sponsors: dict[str, SponsorBook] = field(default_factory=lambda: defaultdict(SponsorBook))
    orders: dict[tuple[str, bytes], dict] = field(default_factory=dict)
    # lineage
    lots: dict[str, deque] = field(default_factory=lambda: defaultdict(deque))
    fates: dict[tuple[str, bytes], list] = field(default_factory=lambda: defaultdict(list))
    # governance
    scheduled: dict[bytes, dict] = field(default_factory=dict)
    executed: list[dict] = field(default_factory=list)
    rule_history: list[dict] = field(default_factory=list)
    min_delay: int = 0
    deployed_tx: str | None = None
    last_epoch: int | None = None
    """The epoch of the last EpochStarted event (a snapshot is taken once per epoch)."""
    # results
    checked: Counter = field(default_factory=Counter)
    failed: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    series: list[tuple[int, int, int]] = field(default_factory=list)
    """(block, total_assets, total_supply) after every event that changed them."""
    events: int = 0
    listener: object = None
    """Optional callable (check name, message, event) told of every failed check (the monitor)."""
    last_moved: list = field(default_factory=list)
    """The lots the last outflow consumed, oldest first (the monitor's circular-flow alert)."""
    receipt: Receipt | None = None
    """The model's receipt of the last replayed operation (None after a final refusal): what the
    rules computed for it, e.g. the basis an exit took (the monitor's paid_by_newcomers)."""
    _tx: str | None = None
    _tx_events: list = field(default_factory=list)
    _figures: tuple[int, int] = (0, 0)
    _months: dict[int, str] = field(default_factory=dict)
    """Day number -> "YYYY-MM" (one calendar conversion per day, not per event)."""
    _handlers: dict[str, object] = field(default_factory=dict, repr=False)
    """Event name -> its `on_<name>` method (or None): looked up once per name, not per event."""
    _clock: tuple[int, int] = (-1, 0)
    """(block, its timestamp) of the last block whose time was read (a block's events are folded
    together: one `block_time` call per block, not per event)."""

    def __post_init__(self):
        self.replay = Replay(self)

    # ------------------------------------------------------------ plumbing

    def check(self, name: str, ok: bool, message: str, event: Event) -> bool:
        self.checked[name] += 1
        if not ok:
            self.fail(name, message, event)
        return ok

    def fail(self, name: str, message: str, event: Event) -> None:
        """A finding of check `name` (counted as checked by its caller)."""
        self.failed[name] += 1
        if len(self.failures) < 1_000:
            self.failures.append(f"[{name}] block {event.block} tx {event.tx}: {message}")
        if self.listener is not None:
            self.listener(name, message, event)

    def rule(self, name: str) -> int:
        return self.model.rule(name) if self.model else self.rules.get(name, 0)

    def to_assets(self, points: int) -> int:
        return pm.to_assets(points, self.total_assets, self.total_supply, self.asset_decimals)

    @property
    def paused(self) -> bool:
        return bool(self.model and self.model.state.paused)

    @property
    def shutdown(self) -> bool:
        return bool(self.model and self.model.state.shutdown)

    def _model(self, event: Event) -> Model:
        if self.model is None:
            self.model = Model(
                pool=self.pool,
                governor=self.governor,
                registrar=None,
                guardian=None,
                asset_decimals=self.asset_decimals,
                now=0,  # the pool's storage before its constructor: epoch 0 (the deployment syncs it)
                rules=DEFAULT_RULES,
                asset_modeled=False,
                undo=False,
                registry=self.registry,
            )
            self.model.replay = self.replay
            # Each figure the rules compute goes straight to the replay (what `Model.observe` does
            # while replaying, without its own call: three per purchase replayed).
            self.model.observe = self.replay.observe
        return self.model

    def _time(self, block: int) -> int:
        """`block_time(block)`, remembered for the block being folded."""
        clock = self._clock
        if clock[0] != block:
            clock = self._clock = (block, self.block_time(block))
        return clock[1]

    def _replay(self, event: Event, operation: str, *args, expected: dict | None = None, now=True):
        """Replay `operation(*args)` on the model for `event`; a final refusal becomes a finding.
        `expected`: the figures the event reports (by the names the model observes them under).
        Returns the model's receipt (None after a final refusal), also kept as `receipt`."""
        model = self.model or self._model(event)
        self.replay.begin(event, expected or {})
        self.checked[CHECK_OF_EVENT.get(event.name, "registry")] += 1
        self.receipt = None
        try:
            if now:
                self.receipt = getattr(model, operation)(*args, self._time(event.block))
            else:
                self.receipt = getattr(model, operation)(*args)
        except Refusal as refusal:
            self.replay.broken(refusal.reason)
        return self.receipt

    def apply_all(self, events: list[Event]) -> None:
        for event in events:
            self.apply(event)
        self.end_tx()

    def apply(self, event: Event) -> None:
        if event.tx != self._tx:
            self.end_tx()
            self._tx = event.tx
        self.events += 1
        self._tx_events.append(event)
        name = event.name
        handlers = self._handlers
        handler = handlers.get(name, handlers)  # the dict itself: not looked up yet
        if handler is handlers:
            handler = handlers[name] = getattr(self, f"on_{name}", None)
        if handler is None:
            return
        handler(event, event.args)
        if name in MONEY_EVENTS and event.source in ("pool", "exit_queue"):
            # The points token's Transfer comes just before its domain event: compare the pool's
            # figures from one domain event to the next, when both assets and points have moved.
            a0, s0 = self._figures
            a1, s1 = after = (self.total_assets, self.total_supply)
            if s0 and s1:
                self.checked["2 value per point"] += 1
                if a1 * s0 < a0 * s1:
                    self.fail(
                        "2 value per point",
                        f"{event.name}: value per point fell from {a0}/{s0} to {a1}/{s1}",
                        event,
                    )
            self._figures = after
            self.series.append((event.block, a1, s1))

    # ------------------------------------------------------------ per transaction (independent)

    def end_tx(self) -> None:
        """Checks that need a whole transaction: token Transfers against the domain events, rule
        changes against the governor's execution, solvency after the transaction."""
        events, self._tx_events = self._tx_events, []
        if not events:
            return
        last = events[-1]
        want_mints, want_burns, want_moves = [], [], []
        got_mints, got_burns, got_moves = [], [], []
        executed = []
        for e in events:
            source, name, a = e.source, e.name, e.args
            if source == "governor":
                if name == "CallExecuted":
                    executed.append(e)
                continue
            if source == "exit_queue":
                if name == "ExitRequested":
                    want_moves.append((a["account"], self.registry, a["points"]))
                elif name == "ExitFilled":
                    want_burns.append((self.registry, a["points"]))
                elif name == "ExitCancelled":
                    want_moves.append((self.registry, a["account"], a["points"]))
                continue
            if source != "pool":
                continue
            if name == "Transfer":
                sender, to, value = a["sender"], a["receiver"], a["value"]
                if sender == ZERO:
                    got_mints.append((to, value))
                elif to == ZERO:
                    got_burns.append((sender, value))
                else:
                    got_moves.append((sender, to, value))
            elif name == "PurchaseRecorded" or name == "ActionRecorded":
                want_mints.append((a["consumer"], a["points"]))
            elif name == "PurchaseReversed":
                want_burns.append((a["consumer"], a["points"]))
            elif name == "PointsExited" or name == "PointsSettled":
                want_burns.append((a["account"], a["points"]))
            elif name == "PointsSpent":
                want_moves.append((a["consumer"], a["merchant"], a["points"]))
            elif name == "PointsDonated":
                want_moves.append((a["consumer"], a["charity"], a["points"]))
        # one for one, in any order (a transaction's mints and purchases alternate)
        if got_mints or want_mints:
            self.checked["3 supply"] += 1
            if sorted(got_mints) != sorted(want_mints):
                got, want = _pairs(Counter(got_mints)), _pairs(Counter(want_mints))
                self.fail("3 supply", f"mints {got} do not match purchases and actions {want}", last)
        if got_burns or want_burns or got_moves or want_moves:
            self.checked["7 movements"] += 1
            if sorted(got_burns) != sorted(want_burns) or sorted(got_moves) != sorted(want_moves):
                moves, burns = _pairs(Counter(got_moves)), _pairs(Counter(got_burns))
                wanted = f"{_pairs(Counter(want_moves))} / {_pairs(Counter(want_burns))}"
                self.fail(
                    "7 movements",
                    f"token transfers {moves} / burns {burns} do not match spends, donations, exits, "
                    f"settlements and reversals {wanted}",
                    last,
                )
        self.checked["1 solvency"] += 1
        if self.asset_balance < self.total_assets:
            self.fail(
                "1 solvency",
                f"after the transaction the pool holds {self.asset_balance} < total_assets "
                f"{self.total_assets}",
                last,
            )
        if self.claimable or self.queued or any(e.source == "exit_queue" for e in events):
            self.check(
                "12 line",
                self.asset_balance >= self.total_assets + self.claimable,
                f"after the transaction the pool holds {self.asset_balance} < total_assets "
                f"{self.total_assets} + unclaimed exit payouts {self.claimable}",
                last,
            )
            self.check(
                "12 line",
                self.balances[self.registry] == self.queued,
                f"the line holds {self.balances[self.registry]} points, its requests {self.queued}",
                last,
            )
        for e in events:
            if e.source != "registry":
                continue
            if e.name == "RuleChanged" and self.deployed_tx != e.tx:
                self._check_governed(e, executed, f"set_rule {e.args['rule']}={e.args['new_value']}")
            elif e.name in ("Unpaused", "PoolShutDown"):
                self._check_governed(e, executed, e.name)

    def _check_governed(self, event: Event, executed: list[Event], what: str) -> None:
        calls = [x for x in executed if x.args["target"] == self.registry]
        ok = bool(calls)
        if ok:
            scheduled = self.scheduled.get(calls[0].args["id"])
            if scheduled is None:
                ok, detail = False, "executed without having been scheduled"
            else:
                waited = self.block_time(event.block) - self.block_time(scheduled["block"])
                delay = scheduled["delay"]
                ok = waited >= delay >= self.min_delay
                detail = (
                    f"scheduled with delay {delay}s (minimum {self.min_delay}s), executed after {waited}s"
                )
        else:
            detail = "no governor execution in the transaction"
        self.check("6 rules", ok, f"{what}: not through the governor's delay ({detail})", event)

    # ------------------------------------------------------------ tokens (independent)

    def on_Transfer(self, e: Event, a: dict) -> None:
        if e.source == "asset":
            if a["receiver"] == self.pool:
                self.asset_balance += a["value"]
            if a["sender"] == self.pool:
                self.asset_balance -= a["value"]
            return
        if e.source != "pool":
            return
        sender, to, value = a["sender"], a["receiver"], a["value"]
        balances = self.balances
        if sender == ZERO:
            self.total_supply += value
        else:
            held = balances.get(sender, 0)
            self.checked["3 supply"] += 1
            if value > held:
                self.fail("3 supply", f"{sender} sent {value} points, holds {held}", e)
            balances[sender] = held - value
        if to == ZERO:
            self.total_supply -= value
        else:
            balances[to] = balances.get(to, 0) + value

    def _pool_figures(self, e: Event, a: dict) -> None:
        """The pool's figures an event reports against the ones rebuilt independently."""
        self.checked["3 supply"] += 1
        if (a["total_assets"], a["total_supply"]) != (self.total_assets, self.total_supply):
            self.fail(
                "3 supply",
                f"{e.name} says pool ({a['total_assets']}, {a['total_supply']}), rebuilt "
                f"({self.total_assets}, {self.total_supply})",
                e,
            )

    # ------------------------------------------------------------ rules, roles and governance

    def on_RuleChanged(self, e: Event, a: dict) -> None:
        rule, old, new = a["rule"], a["old_value"], a["new_value"]
        lo, hi = BOUNDS.get(rule, (None, None))
        self.check(
            "6 rules",
            lo is not None and lo <= new <= hi,
            f"{rule}={new} outside its hard bounds {lo}..{hi}",
            e,
        )
        if self.deployed_tx is None or self.deployed_tx == e.tx:  # the rules logged at deployment
            self.deployed_tx = e.tx
            self.check("6 rules", old == 0, f"initial {rule} logged with old value {old}", e)
            model = self._model(e)
            if rule in BOUNDS and followable(rule, new):  # (out of bounds: reported above)
                model.state.rules[rule] = new
        else:
            self.check(
                "6 rules",
                old == self.rules.get(rule),
                f"{rule}: old value {old}, was {self.rules.get(rule)}",
                e,
            )
            self._replay(e, "set_rule", self.governor, rule, new)
        self.rules[rule] = new
        self.rule_history.append({"block": e.block, "tx": e.tx, "rule": rule, "old": old, "new": new})

    def on_RoleGranted(self, e: Event, a: dict) -> None:
        self._role_changed(e, a, granted=True)

    def on_RoleRevoked(self, e: Event, a: dict) -> None:
        self._role_changed(e, a, granted=False)

    def _role_changed(self, e: Event, a: dict, *, granted: bool) -> None:
        """The registry's roles: set directly by its constructor, replayed afterwards."""
        role = ROLE_NAMES.get(a["role"])
        if e.source != "registry" or role is None:
            return
        if self.deployed_tx is not None:
            self._replay(
                e, "grant_role" if granted else "revoke_role", a["sender"], role, a["account"], now=False
            )
        elif granted:
            self._model(e).state.roles[(role, a["account"])] = True
        else:
            self._model(e).state.roles.pop((role, a["account"]), None)

    def on_CallScheduled(self, e: Event, a: dict) -> None:
        self.scheduled[a["id"]] = {**a, "block": e.block, "tx": e.tx}

    def on_CallExecuted(self, e: Event, a: dict) -> None:
        scheduled = self.scheduled.get(a["id"])
        self.executed.append({**a, "block": e.block, "tx": e.tx, "scheduled": scheduled})
        if scheduled is not None:
            scheduled["executed_block"] = e.block

    def on_Cancelled(self, e: Event, a: dict) -> None:
        if a["id"] in self.scheduled:
            self.scheduled[a["id"]]["cancelled_block"] = e.block

    def on_MinimumDelayChange(self, e: Event, a: dict) -> None:
        self.min_delay = a["new_duration"]

    def on_Paused(self, e: Event, a: dict) -> None:
        self._replay(e, "pause", a["account"])

    def on_Unpaused(self, e: Event, a: dict) -> None:
        self._replay(e, "unpause", a["account"])

    def on_PoolShutDown(self, e: Event, a: dict) -> None:
        self._replay(e, "shutdown", a["governor"])
        self._pool_figures(e, a)

    def on_EpochStarted(self, e: Event, a: dict) -> None:
        # A change pushed by the registry (rule, pause, unpause) is replayed at its own event, which
        # comes first and already synced the model (under the rules before the change): the
        # snapshot must then be the model's. Otherwise the operation that took it comes next: sync.
        model = self._model(e)
        st = model.state
        if (a["epoch"], a["start_assets"]) != (st.current_epoch, st.epoch_start_assets):
            model._sync_epoch(self.block_time(e.block))
        self.check(
            "5 exits",
            (a["epoch"], a["start_assets"]) == (st.current_epoch, st.epoch_start_assets),
            f"epoch {a['epoch']} snapshot {a['start_assets']}; the rules give epoch {st.current_epoch} "
            f"snapshot {st.epoch_start_assets}",
            e,
        )
        self.check(
            "5 exits",
            a["epoch"] != self.last_epoch and a["start_assets"] == self.total_assets,
            f"epoch {a['epoch']} (after epoch {self.last_epoch}) snapshot {a['start_assets']}, total_assets "
            f"{self.total_assets}",
            e,
        )
        self.last_epoch = a["epoch"]

    # ------------------------------------------------------------ registry

    def on_MerchantAdmitted(self, e: Event, a: dict) -> None:
        self._replay(
            e, "admit", a["registrar"], a["merchant"], a["contribution_bps"], a["daily_cap"],
            a["license_hash"], a["category"], now=False,
        )  # fmt: skip

    def on_MerchantTermsUpdated(self, e: Event, a: dict) -> None:
        old = self._model(e).merchant(a["merchant"])
        self._terms_updated(e, a["merchant"], (old.contribution_bps, old.daily_cap),
                            (a["old_contribution_bps"], a["old_daily_cap"]))  # fmt: skip
        self._replay(
            e, "update_terms", a["registrar"], a["merchant"], a["new_contribution_bps"], a["new_daily_cap"],
            now=False,
        )  # fmt: skip

    def _terms_updated(self, e: Event, who: str, had: tuple, logged: tuple) -> None:
        """A terms change must log, as the old terms, the terms the member had."""
        self.check(
            "registry", logged == had, f"terms of {who} logged as changed from {logged}, they were {had}", e
        )

    def on_MerchantSuspended(self, e: Event, a: dict) -> None:
        self._replay(e, "suspend", a["registrar"], a["merchant"], a["reason"], now=False)

    def on_MerchantReinstated(self, e: Event, a: dict) -> None:
        self._replay(e, "reinstate", a["registrar"], a["merchant"], now=False)

    def on_MerchantRevoked(self, e: Event, a: dict) -> None:
        self._replay(e, "revoke", a["registrar"], a["merchant"], a["reason"], now=False)

    def on_SponsorAdmitted(self, e: Event, a: dict) -> None:
        self._replay(
            e, "admit_sponsor", a["registrar"], a["sponsor"], a["reward_per_kg"], a["daily_cap"],
            a["license_hash"], now=False,
        )  # fmt: skip

    def on_SponsorTermsUpdated(self, e: Event, a: dict) -> None:
        old = self._model(e).sponsor(a["sponsor"])
        self._terms_updated(e, a["sponsor"], (old.reward_per_kg, old.daily_cap),
                            (a["old_reward_per_kg"], a["old_daily_cap"]))  # fmt: skip
        self._replay(
            e, "update_sponsor_terms", a["registrar"], a["sponsor"], a["new_reward_per_kg"],
            a["new_daily_cap"], now=False,
        )  # fmt: skip

    def _certifier(self, e: Event) -> str:
        """Who certified: the event does not name the sender (SPEC 8.1 fixes its fields), so the
        replay acts as a holder of the certifier role at that block; none holding it is a finding."""
        roles = self._model(e).state.roles
        return next((account for (role, account) in roles if role == CERTIFIER_ROLE), "no certifier")

    def on_ClassCertified(self, e: Event, a: dict) -> None:
        class_id = a["class_id"]
        old = self._model(e).green_class(class_id)
        self.check(
            "catalog",
            a["old_co2e_per_unit"] == old.co2e_per_unit,
            f"class {class_id} logged as changed from {a['old_co2e_per_unit']} g, "
            f"it was {old.co2e_per_unit} g",
            e,
        )
        self._replay(
            e, "certify_class", self._certifier(e), class_id, a["kind"], a["co2e_per_unit"],
            a["standard_hash"], a["label"], now=False,
        )  # fmt: skip
        self.class_labels[class_id] = a["label"]
        self.class_history.append({
            "block": e.block, "class_id": class_id, "kind": a["kind"], "label": a["label"],
            "old_co2e_per_unit": a["old_co2e_per_unit"], "co2e_per_unit": a["co2e_per_unit"],
            "withdrawn": False,
        })  # fmt: skip

    def on_ClassWithdrawn(self, e: Event, a: dict) -> None:
        self._replay(e, "withdraw_class", self._certifier(e), a["class_id"], a["reason"], now=False)
        self.class_history.append(
            {"block": e.block, "class_id": a["class_id"], "withdrawn": True, "reason": a["reason"]}
        )

    def on_CharityRegistered(self, e: Event, a: dict) -> None:
        self._replay(e, "register_charity", a["registrar"], a["charity"], a["license_hash"], now=False)

    def on_CharityRemoved(self, e: Event, a: dict) -> None:
        self._replay(e, "remove_charity", a["registrar"], a["charity"], a["reason"], now=False)

    # ------------------------------------------------------------ issuance

    def on_PurchaseRecorded(self, e: Event, a: dict) -> None:
        merchant, order_id, amount = a["merchant"], a["order_id"], a["amount"]
        # the event's contribution, points and co2e are the figures the model observes
        self._replay(
            e, "record_purchase", merchant, a["consumer"], amount, order_id, a["class_id"], expected=a
        )
        self._issued(e, a, merchant, order_id, "amount", amount)
        m = self.merchants[merchant]
        m.purchases += 1
        m.sales += amount
        m.contributions += a["contribution"]
        m.points_issued += a["points"]
        m.co2e += a["co2e"]

    def on_ActionRecorded(self, e: Event, a: dict) -> None:
        sponsor, consumer, action_id = a["sponsor"], a["consumer"], a["action_id"]
        class_id, co2e, contribution, points = a["class_id"], a["co2e"], a["contribution"], a["points"]
        # the event's contribution, points and co2e are the figures the model observes
        self._replay(e, "record_action", sponsor, consumer, class_id, a["quantity"], action_id, expected=a)
        self._issued(e, a, sponsor, action_id, "quantity", a["quantity"])
        book = self.sponsors[sponsor]
        book.actions += 1
        book.co2e += co2e
        book.contributions += contribution
        book.points_issued += points

    def _issued(self, e: Event, a: dict, issuer: str, ref: bytes, size: str, quantity: int) -> None:
        """The books an issuance (purchase or action) moves, independent of the model: assets, the
        figures the event reports, the carbon, the record kept for traces (`size`: "amount" of a
        purchase, "quantity" of an action), and the new lot."""
        contribution, points, consumer, class_id, co2e = (
            a["contribution"], a["points"], a["consumer"], a["class_id"], a["co2e"]
        )  # fmt: skip
        self.total_assets += contribution
        self.contributions += contribution
        self._pool_figures(e, a)
        self._carbon(e, class_id, co2e)
        key = (issuer, ref)
        if key not in self.orders:  # the first record of an id (a repeat is a finding of the replay)
            record = {"consumer": consumer, "block": e.block, "tx": e.tx, "contribution": contribution,
                      "points": points, "class_id": class_id, "co2e": co2e, size: quantity}  # fmt: skip
            if size == "amount":
                record["reversed"] = False
            else:
                record["action"] = True
            self.orders[key] = record
        self.lots[consumer].append(Lot(issuer, ref, points))

    def _carbon(self, e: Event, class_id: int, co2e: int, sign: int = 1) -> None:
        """The carbon ledger from the events' own co2e (invariant 9, independent of the model)."""
        if sign > 0:
            self.checked["9 carbon"] += 1
            self.checked["10 classes"] += 1
        self.total_carbon += sign * co2e
        self.carbon_by_class[class_id] += sign * co2e
        day = self._time(e.block) // 86_400
        month = self._months.get(day)
        if month is None:
            month = self._months[day] = month_of(day * 86_400)
        self.carbon_by_month[month] += sign * co2e

    def on_PurchaseReversed(self, e: Event, a: dict) -> None:
        merchant, consumer, order_id, points, refund = (
            a["merchant"], a["consumer"], a["order_id"], a["points"], a["refund"]
        )  # fmt: skip
        order = self.orders.get((merchant, order_id))
        self.check(
            "settlements and reversals",
            order is not None and order["consumer"] == consumer and order["points"] == points,
            f"reversal of {points} points of {consumer}, order {order_id.hex()} recorded {order}",
            e,
        )
        # the record the merchant passed back hashed to the order's word (the chain checked it), and
        # that word is the one the events commit to (compared with the chain's `order_word`): the
        # record replayed is the purchase's own (None for an order never recorded: refused first)
        purchase = self._model(e).purchase_of(merchant, order_id)
        self._replay(
            e,
            "reverse_purchase",
            merchant,
            order_id,
            purchase,
            expected={"refund": refund, "co2e": a["co2e"]},
        )
        self._outflow(consumer, points, e, "reversed", reversal_of=(merchant, order_id))
        self.total_assets -= refund
        self.refunds += refund
        self.merchants[merchant].refunds += refund
        self.merchants[merchant].co2e -= a["co2e"]
        if order is not None:
            self.check(
                "9 carbon",
                order.get("co2e") == a["co2e"],
                f"reversal takes back {a['co2e']} g, the purchase booked {order.get('co2e')} g",
                e,
            )
            order["reversed"] = True
            order["reversed_block"], order["refund"] = e.block, refund  # a merchant's books by month
            self._carbon(e, order.get("class_id", 0), a["co2e"], sign=-1)
        self._pool_figures(e, a)

    # ------------------------------------------------------------ circulation

    def _outflow(
        self, owner: str, points: int, e: Event, kind: str, *, to=None, order_id=None, reversal_of=None
    ):
        """Lots of `owner` consumed oldest first (a reversal burns that purchase's own points first)."""
        lots = self.lots[owner]
        left = points
        moved: list[Lot] = []
        if reversal_of is not None:
            for lot in lots:
                if (lot.merchant, lot.order_id) == reversal_of and left:
                    take = min(lot.points, left)
                    lot.points -= take
                    left -= take
                    moved.append(Lot(lot.merchant, lot.order_id, take))
        while left and lots:
            lot = lots[0]
            if lot.points == 0:
                lots.popleft()
                continue
            take = min(lot.points, left)
            lot.points -= take
            left -= take
            moved.append(Lot(lot.merchant, lot.order_id, take))
            if lot.points == 0:
                lots.popleft()
        self.last_moved = moved
        for lot in moved:
            if to is not None:
                self.lots[to].append(lot)
            self.fates[(lot.merchant, lot.order_id)].append(
                Fate(kind, lot.points, owner, to, order_id, e.block, e.tx)
            )
        return moved

    def on_PointsSpent(self, e: Event, a: dict) -> None:
        merchant = a["merchant"]
        self._replay(e, "spend", a["consumer"], merchant, a["points"], a["order_id"])
        self._outflow(a["consumer"], a["points"], e, "spent", to=merchant, order_id=a["order_id"])
        self.merchants[merchant].receipts_points += a["points"]

    def on_PointsDonated(self, e: Event, a: dict) -> None:
        self._replay(e, "donate", a["consumer"], a["charity"], a["points"])
        self._outflow(a["consumer"], a["points"], e, "donated", to=a["charity"])

    def on_PointsSettled(self, e: Event, a: dict) -> None:
        account, points, assets, fee = a["account"], a["points"], a["assets"], a["fee"]
        self._replay(e, "settle", account, points, expected={"paid": assets, "fee": fee})
        self._outflow(account, points, e, "settled")
        self.total_assets -= assets
        self.settlements += assets
        book = self.merchants.get(account)
        if book is not None:
            book.settled_points += points
            book.settled_assets += assets

    def on_PointsExited(self, e: Event, a: dict) -> None:
        account, points, payout, retained = a["account"], a["points"], a["payout"], a["retained"]
        self._replay(e, "exit", account, points, expected={"payout": payout, "retained": retained})
        self._outflow(account, points, e, "exited")
        self.total_assets -= payout
        self.payouts += payout

    # ------------------------------------------------------------ the exit queue (SPEC 11)

    def on_ExitRequested(self, e: Event, a: dict) -> None:
        request_id, account, points = a["id"], a["account"], a["points"]
        self._replay(e, "request_exit", account, points, expected={"basis": a["basis"]})
        self.requests[request_id] = account
        self.queued += points
        self._outflow(account, points, e, "queued", to=_line_key(request_id))

    def on_ExitFilled(self, e: Event, a: dict) -> None:
        request_id, points, payout = a["id"], a["points"], a["payout"]
        expected = {"payout": payout, "retained": a["retained"]}
        receipt = self._replay(e, "replay_fill", request_id, points, expected=expected)
        if receipt is not None:
            self.check("11 exit queue", receipt.account == a["account"], f"request {request_id}: "
                       f"filled for {a['account']}, its owner is {receipt.account}", e)  # fmt: skip
        self._outflow(_line_key(request_id), points, e, "exited")
        self.total_assets -= payout
        self.payouts += payout
        self.claimable += payout
        self.queued -= points

    def on_ExitCancelled(self, e: Event, a: dict) -> None:
        request_id, account, points = a["id"], a["account"], a["points"]
        receipt = self._replay(e, "replay_give_back", request_id, points)
        if receipt is not None:
            self.check("11 exit queue", (receipt.account, receipt.basis) == (account, a["basis"]),
                       f"request {request_id}: {points} points back to {account} with basis {a['basis']}, "
                       f"the rules give {receipt.account} with {receipt.basis}", e)  # fmt: skip
        self._outflow(_line_key(request_id), points, e, "returned", to=account)
        self.queued -= points

    def on_ExitClaimed(self, e: Event, a: dict) -> None:
        self._replay(e, "claim_exit", a["account"], a["id"], expected={"amount": a["amount"]})
        self.claimable -= a["amount"]

    # ------------------------------------------------------------ lineage

    def trace(self, merchant: str, order_id: bytes) -> list[Fate]:
        """The fates of one purchase's points: everything that happened to them, then who holds
        what is left."""
        key = (merchant.lower(), order_id)
        fates = list(self.fates.get(key, []))
        for holder, lots in self.lots.items():
            held = sum(lot.points for lot in lots if (lot.merchant, lot.order_id) == key)
            if held:
                fates.append(Fate("held", held, holder))
        return fates

    def trace_account(self, account: str) -> dict:
        """From a holder's side: its purchases and where their points went, and what it holds by origin."""
        account = account.lower()
        bought = [
            {"merchant": m, "order_id": o.hex(), **{k: v for k, v in order.items() if k != "tx"}}
            for (m, o), order in self.orders.items()
            if order["consumer"] == account
        ]
        outflows = [
            {"kind": f.kind, "points": f.points, "origin": {"merchant": m, "order_id": o.hex()},
             "to": f.counterparty, "order_id": f.order_id.hex() if f.order_id else None, "block": f.block}
            for (m, o), fates in self.fates.items()
            for f in fates
            if f.holder == account
        ]  # fmt: skip
        held = [
            {"merchant": lot.merchant, "order_id": lot.order_id.hex(), "points": lot.points}
            for lot in self.lots.get(account, ())
            if lot.points
        ]
        return {"account": account, "purchases": bought, "outflows": outflows, "holds": held}


def _line_key(request_id: int) -> str:
    """Where the lots of an exit request wait in the lineage (the trace shows them as "queued")."""
    return f"exit request {request_id}"


def month_of(timestamp: int) -> str:
    """The UTC calendar month of a block time, "YYYY-MM"."""
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m")


def _pairs(counter: Counter) -> str:
    """A Counter of (address..., amount) keys as readable text, not a Python repr."""
    return (
        "; ".join(
            " -> ".join(str(part) for part in key) + (f" (x{n})" if n > 1 else "")
            for key, n in sorted(counter.items())
        )
        or "none"
    )

"""Live supervision: follow new blocks, fold their events with the audit's ledger, raise alerts.

    monitor = Monitor(system, web3, emit=print)
    monitor.start()          # fold the history up to now silently (or resume from a state file)
    monitor.run()            # then poll for new blocks until stopped

Alerts (kind, severity):

- `value_per_point_fell` (critical), `solvency_breach` (critical), `rule_broken` (critical): any
  audit check failing on a new event (the check's name and message are in the alert);
- `asset_balance_short` (critical): the token's own `balanceOf(pool)`, read at the end of every page
  folded, is below the folded `total_assets` (a wipe or a blacklist with balance destruction emits
  no Transfer); `asset_balance_restored` (notice) when it covers it again;
- the settlement token's issuer, under Tether's and Circle's event names
  (contracts/interfaces/IIssuerEvents.vyi): `token_paused` (critical: no purchase, exit,
  settlement or reversal can move the asset) and `token_unpaused` (notice); `pool_blacklisted`
  (critical) and `member_blacklisted` (warning: a merchant, sponsor, charity or consumer the
  ledger knows), `unblacklisted` (notice); `pool_funds_destroyed` (critical) and
  `member_funds_destroyed` (warning). Blacklists of addresses the pool never saw are not alerts;
- with a guardian account (`guardian=`, `ape run monitor --guardian-account ALIAS`, opt-in): on
  `asset_balance_short`, `solvency_breach`, `token_paused`, `pool_blacklisted` or
  `pool_funds_destroyed`, the monitor pauses the pool itself (`Registry.pause`, once while it is
  paused) and says so: `guardian_paused` (critical, with the transaction) or
  `guardian_pause_failed` (critical, with the reason: the account lacks the guardian role, say);
- `paid_by_newcomers` (warning): over the last NEWCOMERS_EPOCHS epochs, more than
  `newcomers_threshold` (default half) of the exit payouts was above the basis of the points exited,
  i.e. funded by contributions that came after those points were issued (at least
  NEWCOMERS_MIN_EXITS exits; said again only after it fell back under);
- `exit_budget` (warning): the epoch's exits passed 80% of its exit limit (once per epoch);
- `merchant_near_cap` (warning): a merchant's contributions in the epoch passed 80% of its daily
  cap (once per merchant per epoch); `sponsor_near_cap` (warning): the same for a sponsor of green
  actions;
- `class_certified` (notice): a class entered the green catalog; `class_recertified` (warning): a
  certified class's factor changed (old and new grams per unit in the alert); `class_withdrawn`
  (warning): a class left the catalog, its purchases or actions earn nothing from then on;
- `circular_flow` (warning): a consumer spent, at a merchant, points that this merchant issued to
  it within the circular window (a day by default), oldest lots first as in the audit's lineage;
- the exit queue (SPEC 11): `exit_queue_growing` (warning): the line is longer than `queue_epochs`
  epochs of budget (what its points would pay now over one epoch's exit limit now, the estimate of
  `greenpoints.queue_status`), raised at the event that made it so and said again only after it
  fell back within; `exit_request_stuck` (warning): the oldest waiting request has waited
  `stuck_after` seconds, raised at the first block at or past that moment (found by the block
  times) and said again only after the line's oldest request is younger than that (or none waits);
- `rule_change_scheduled` (notice), with the time it can take effect; `rule_changed` (notice) when
  it is executed; `paused` (warning), `unpaused` (notice), `shutdown` (warning).
- over an association (`AssociationMonitor`, SPEC 12), for every platform:
  `unqualified_role_holder` (warning): a current operator, registrar, certifier or guardian without
  a valid qualification for that role at the association, raised at the block it became so (the role
  granted, the qualification disqualified, or the first block past its `valid_until`);
  `qualification_expiring` (notice): at the first block within 30 days of a role holder's
  `valid_until` (or at the grant, if it is already within). Each once per holder, role, platform and
  qualification (a renewal can raise them again).

The monitor reads whole block ranges (one log query per contract per range) and folds a range only
once everything in it was fetched, timestamps included; the cursor (last block folded) then moves
and, with a state file, is saved. A node error leaves the cursor where it was: the monitor retries
with backoff and takes the range again, so nothing is missed or reported twice. On resume the
history up to the saved cursor is folded again silently; the saved cursor's block hash must still
be the chain's (otherwise the chain changed under the monitor: a reorg or a restarted node).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import requests
from web3.exceptions import Web3RPCError

from ..catalog import kind_name
from ..client import Client
from ..formatting import fmt_points, fmt_units, utc
from ..interfaces import interface
from ..model import NEWCOMERS_PAY_MOST, PointsExited
from ..qualifications import EXPIRING_NOTICE, People, standing
from ..queue_status import model_estimate, oldest_waiting
from ..thresholds import DAY, QUEUE_EPOCHS, STUCK_AFTER
from . import BlockTimes, sources
from .events import DEFAULT_PAGE, Decoder, Event, LogRangeError, fetch
from .ledger import Ledger
from .views import CallDecoder

# `paid_by_newcomers` warns by default when more than the model's NEWCOMERS_PAY_MOST of the last epochs'
# exit payouts was funded by later contributions: the one threshold the sweeps' verdict also reads.
NEWCOMERS_EPOCHS = 7
"""... over this many epochs (the current one included) ..."""
NEWCOMERS_MIN_EXITS = 5
"""... and at least this many exits in them (one early exit says little)."""
THRESHOLD_PERCENT = 80
"""Exit budget and merchant cap alerts fire when this share is passed."""
SEVERITY = {
    "value_per_point_fell": "critical",
    "solvency_breach": "critical",
    "asset_balance_short": "critical",
    "asset_balance_restored": "notice",
    "rule_broken": "critical",
    "exit_budget": "warning",
    # The line is the epoch limit doing its job (no rule broken, no asset missing), but consumers
    # wait: a human should look (a run, a stall, a keeper that stopped), as for exit_budget.
    "exit_queue_growing": "warning",
    "exit_request_stuck": "warning",
    "merchant_near_cap": "warning",
    "sponsor_near_cap": "warning",
    "class_certified": "notice",
    "class_recertified": "warning",
    "class_withdrawn": "warning",
    "circular_flow": "warning",
    "paused": "warning",
    "paid_by_newcomers": "warning",
    "shutdown": "warning",
    "rule_change_scheduled": "notice",
    "rule_changed": "notice",
    "unpaused": "notice",
    "platform_launched": "notice",
    "platform_suspended": "warning",
    "platform_reinstated": "notice",
    "token_paused": "critical",
    "token_unpaused": "notice",
    "pool_blacklisted": "critical",
    "member_blacklisted": "warning",
    "unblacklisted": "notice",
    "pool_funds_destroyed": "critical",
    "member_funds_destroyed": "warning",
    "guardian_paused": "critical",
    "guardian_pause_failed": "critical",
    "unqualified_role_holder": "warning",
    "qualification_expiring": "notice",
}
ISSUER_LISTS = {
    # the issuer's event: (alert when it names the pool, when it names a known member, its account
    # field, what the issuer did); Tether's names, then Circle's
    "AddedBlackList": ("pool_blacklisted", "member_blacklisted", "_user", "blacklisted"),
    "RemovedBlackList": ("unblacklisted", "unblacklisted", "_user", "took off its blacklist"),
    "Blacklisted": ("pool_blacklisted", "member_blacklisted", "_account", "blacklisted"),
    "UnBlacklisted": ("unblacklisted", "unblacklisted", "_account", "took off its blacklist"),
}
GUARDIAN_TRIGGERS = frozenset(
    {"asset_balance_short", "solvency_breach", "token_paused", "pool_blacklisted", "pool_funds_destroyed"}
)
"""The alerts on which a monitor with a guardian account pauses the pool: the asset can no longer be
trusted to be there, or to move."""
_BALANCE_OF = bytes.fromhex("70a08231")  # balanceOf(address)
CHECK_ALERTS = {"2 value per point": "value_per_point_fell", "1 solvency": "solvency_breach"}
NODE_ERRORS = (requests.exceptions.RequestException, OSError, TimeoutError, LogRangeError)
"""What counts as the node being away (ConnectionError is an OSError)."""


def _first_block_at(times, moment: int, lo: int, hi: int) -> int:
    """The first block in lo..hi whose time (`times(block)`) is at or past `moment` (hi's is)."""
    while lo < hi:
        mid = (lo + hi) // 2
        if times(mid) >= moment:
            hi = mid
        else:
            lo = mid + 1
    return hi


class MonitorError(RuntimeError):
    """The monitor cannot go on (a state file of another chain or pool, a chain that changed)."""


@dataclass(frozen=True)
class Alert:
    """One alert. `block`, `log_index` and `kind` identify it: a resumed monitor never repeats one."""

    kind: str
    severity: str
    block: int
    log_index: int
    time: int
    """Block timestamp (seconds since the epoch, UTC)."""
    tx: str
    message: str
    details: dict = field(default_factory=dict)

    def line(self) -> str:
        when = datetime.fromtimestamp(self.time, UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        return f"{when} block {self.block} {self.severity.upper():<8} {self.kind}: {self.message}"

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=_json_default, sort_keys=True)


def _json_default(value):
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    raise TypeError(f"not JSON: {type(value).__name__}")


class Watcher:
    """Folds events with the audit's `Ledger` and turns what it sees into alerts (no I/O)."""

    def __init__(
        self, ledger: Ledger, registry_type, *, circular_window: int = DAY,
        newcomers_threshold: float = NEWCOMERS_PAY_MOST, queue_epochs: int = QUEUE_EPOCHS,
        stuck_after: int = STUCK_AFTER,
    ):  # fmt: skip
        self.ledger = ledger
        self.circular_window = circular_window
        self.describe_call = CallDecoder(registry_type, ledger.registry)
        self.alerts: list[Alert] = []
        self.silent = False
        self._alerted: set[tuple] = set()
        self.newcomers_threshold = newcomers_threshold
        self._exits_by_epoch: dict[int, list[int]] = {}
        """Epoch -> [exit payouts, the part of them above the exited points' basis, exits]."""
        self._newcomers_high = False
        self.token_paused = False
        """The settlement token's issuer paused it (its last Pause not yet undone)."""
        self.pool_blacklisted = False
        """The token's issuer blacklisted the pool (and did not take it off the list since)."""
        self.queue_epochs = queue_epochs
        self.stuck_after = stuck_after
        self._queue_long = False
        """`exit_queue_growing` was said and the line is still longer than queue_epochs."""
        self._stuck = False
        """`exit_request_stuck` was said and the line's oldest request is still that old."""
        self.clock_block: int | None = None
        """The last block the stuck-request clock was checked at (None: from the first one fed)."""
        ledger.listener = self._check_failed

    def feed(self, events: list[Event], until: int | None = None) -> list[Alert]:
        """Fold `events` (whole blocks, in chain order) and return the alerts they raised; with
        `until` (the page's last block), the clock is checked up to it (requests that became stuck
        in blocks without events)."""
        self.alerts = []
        for event in events:
            if self.clock_block is not None and event.block - 1 > self.clock_block:
                self._clock(event.block - 1, bound=self.ledger.block_time(event.block))
            self.ledger.apply(event)
            if event.name == "PointsExited" and event.source == "pool":
                receipt = self.ledger.receipt
                if isinstance(receipt, PointsExited):
                    self._exit_paid(event, receipt)
            self._after(event)
            self._line(event)
        self.ledger.end_tx()
        if until is not None:
            self._clock(until)
        return [] if self.silent else self.alerts

    # ------------------------------------------------------------ alerts

    def _raise(self, kind: str, event: Event, message: str, **details) -> None:
        time_ = self.ledger.block_time(event.block)
        self.alerts.append(
            Alert(kind, SEVERITY[kind], event.block, event.log_index, time_, event.tx, message, details)
        )

    def _once(self, key: tuple) -> bool:
        if key in self._alerted:
            return False
        self._alerted.add(key)
        return True

    def _check_failed(self, name: str, message: str, event: Event) -> None:
        kind = CHECK_ALERTS.get(name, "rule_broken")
        self._raise(kind, event, f"[{name}] {message}", check=name)

    def _after(self, e: Event) -> None:
        if e.source == "issuer":
            self._on_issuer(e, e.args)
            return
        handler = getattr(self, f"_on_{e.name}", None)
        if handler is not None and (e.source != "asset"):
            handler(e, e.args)

    # ------------------------------------------------------------ the exit queue (SPEC 11)

    def _line(self, e: Event) -> None:
        """After each event: `exit_queue_growing` when the line passed queue_epochs epochs of budget;
        each alert re-armed once its condition no longer holds."""
        model = self.ledger.model
        if model is None or e.source == "asset":
            return
        if self._stuck:
            oldest = oldest_waiting(model)
            if oldest is None or self.ledger.block_time(e.block) < oldest[1].requested_at + self.stuck_after:
                self._stuck = False
        if model.state.shutdown or not model.queue_length():
            self._queue_long = False  # after a shutdown the line is filled whole, without a budget
            return
        queued, payout, budget, epochs = model_estimate(model)
        long = epochs is None or epochs > self.queue_epochs
        if long and not self._queue_long:
            d = self.ledger.asset_decimals
            clear = "never at a zero budget" if epochs is None else f"about {epochs} epochs"
            self._raise(
                "exit_queue_growing",
                e,
                f"the exit queue holds {model.queue_length()} request(s), {fmt_points(queued)} points worth "
                f"{fmt_units(payout, d)} in payouts: {clear} to clear at {fmt_units(budget, d)} an epoch "
                f"(threshold {self.queue_epochs} epochs)",
                waiting=model.queue_length(),
                queued_points=queued,
                payout=payout,
                budget_per_epoch=budget,
                epochs_to_clear=epochs,
                threshold_epochs=self.queue_epochs,
            )
        self._queue_long = long

    def _clock(self, block: int, bound: int | None = None) -> None:
        """`exit_request_stuck` for blocks clock_block+1..block (the line as it stood after the last
        event before them): raised at the first block at or past the oldest request's moment
        (requested_at + stuck_after). `bound`: a time no earlier than `block`'s (the next block's,
        known): nothing is fetched when the moment is past it."""
        first = block if self.clock_block is None else self.clock_block + 1
        if block < first:
            return
        self.clock_block = block
        model = self.ledger.model
        oldest = None if model is None or self._stuck else oldest_waiting(model)
        if oldest is None:
            return
        request_id, request = oldest
        moment = request.requested_at + self.stuck_after
        if bound is not None and bound < moment:
            return
        try:
            times = self.ledger.block_time
            if times(block) < moment:
                return
            at = block if self.silent else _first_block_at(times, moment, first, block)
        except NODE_ERRORS:  # the page is being folded: look again at its end (its last block is known)
            self.clock_block = first - 1
            return
        self._stuck = True
        now = self.ledger.block_time(at)
        age = now - request.requested_at
        d = self.ledger.asset_decimals
        message = (
            f"exit request {request_id} of {request.owner} ({fmt_points(request.unfilled)} points unfilled) "
            f"has waited {age // DAY}d{age % DAY // 3600:02d}h, past {self.stuck_after // DAY}d"
            f"{self.stuck_after % DAY // 3600:02d}h; {model.queue_length()} requests wait "
            f"(is a keeper calling process_exits? budget {fmt_units(model_estimate(model)[2], d)} an epoch)"
        )
        details = {
            "id": request_id, "account": request.owner, "unfilled": request.unfilled,
            "requested_at": request.requested_at, "age": age, "stuck_after": self.stuck_after,
            "waiting": model.queue_length(),
        }  # fmt: skip
        kind = "exit_request_stuck"
        self.alerts.append(Alert(kind, SEVERITY[kind], at, -1, now, "", message, details))

    def _on_PurchaseRecorded(self, e: Event, a: dict) -> None:
        self._near_cap(e, "merchant", a["merchant"], self.ledger.model.merchant(a["merchant"]))

    def _on_ActionRecorded(self, e: Event, a: dict) -> None:
        self._near_cap(e, "sponsor", a["sponsor"], self.ledger.model.sponsor(a["sponsor"]))

    def _near_cap(self, e: Event, kind: str, who: str, book) -> None:
        """`merchant_near_cap` / `sponsor_near_cap`, once per member per epoch past the threshold."""
        used, cap = book.epoch_contribution, book.daily_cap
        if cap and used * 100 >= cap * THRESHOLD_PERCENT and self._once((kind, who, book.epoch)):
            d = self.ledger.asset_decimals
            self._raise(
                f"{kind}_near_cap",
                e,
                f"{kind} {who} used {used * 100 // cap}% of its daily cap in epoch {book.epoch} "
                f"({fmt_units(used, d)} of {fmt_units(cap, d)})",
                **{kind: who},
                epoch=book.epoch,
                used=used,
                cap=cap,
            )

    def _on_ClassCertified(self, e: Event, a: dict) -> None:
        class_id, label, old, new = a["class_id"], a["label"], a["old_co2e_per_unit"], a["co2e_per_unit"]
        kind = kind_name(a["kind"])
        if old == 0:
            self._raise(
                "class_certified",
                e,
                f"{kind} class {class_id} ({label}) certified at {new:,} g of CO2e per unit",
                class_id=class_id,
                label=label,
                co2e_per_unit=new,
            )
        else:
            self._raise(
                "class_recertified",
                e,
                f"{kind} class {class_id} ({label}) certified again: {old:,} -> {new:,} g of CO2e per unit",
                class_id=class_id,
                label=label,
                old_co2e_per_unit=old,
                co2e_per_unit=new,
            )

    def _on_ClassWithdrawn(self, e: Event, a: dict) -> None:
        class_id = a["class_id"]
        self._raise(
            "class_withdrawn",
            e,
            f"class {class_id} ({self.ledger.class_labels.get(class_id, '?')}) withdrawn from the "
            f"catalog: {a['reason']}",
            class_id=class_id,
            reason=a["reason"],
        )

    def _exit_paid(self, e: Event, receipt: PointsExited) -> None:
        """Book an exit's payout and the part of it above the basis of the points it burned (money
        only contributions that came after those points were issued can have brought); warn when that
        part passes `newcomers_threshold` of the exit payouts of the last NEWCOMERS_EPOCHS epochs,
        and again only after it fell back under it (docs/sweeps.md, "paid by newcomers")."""
        st = self.ledger.model.state
        book = self._exits_by_epoch.setdefault(st.current_epoch, [0, 0, 0])
        book[0] += receipt.payout
        book[1] += receipt.paid_by_newcomers
        book[2] += 1
        oldest = st.current_epoch - NEWCOMERS_EPOCHS + 1
        self._exits_by_epoch = {k: v for k, v in self._exits_by_epoch.items() if k >= oldest}
        recent = list(self._exits_by_epoch.values())
        paid, by_newcomers, count = (sum(b[i] for b in recent) for i in range(3))
        high = count >= NEWCOMERS_MIN_EXITS and paid and by_newcomers > paid * self.newcomers_threshold
        if high and not self._newcomers_high:
            d = self.ledger.asset_decimals
            self._raise(
                "paid_by_newcomers",
                e,
                f"{by_newcomers / paid:.0%} of the {fmt_units(paid, d, 2)} paid by {count} exits over the "
                f"last {NEWCOMERS_EPOCHS} epochs was above what the exited points were issued for: funded by "
                f"later contributions (threshold {self.newcomers_threshold:.0%})",
                share=by_newcomers / paid,
                exit_payouts=paid,
                paid_by_newcomers=by_newcomers,
                exits=count,
            )
        self._newcomers_high = bool(high)

    def _on_PointsExited(self, e: Event, a: dict) -> None:
        ledger = self.ledger
        st = ledger.model.state
        if st.shutdown:
            return
        limit = ledger.model.epoch_exit_limit()
        used, epoch = st.epoch_exited, st.current_epoch
        if limit and used * 100 >= limit * THRESHOLD_PERCENT and self._once(("exits", epoch)):
            d = ledger.asset_decimals
            self._raise(
                "exit_budget",
                e,
                f"exits used {used * 100 // limit}% of epoch {epoch}'s limit "
                f"({fmt_units(used, d)} of {fmt_units(limit, d)})",
                epoch=epoch,
                used=used,
                limit=limit,
            )

    def _on_PointsSpent(self, e: Event, a: dict) -> None:
        merchant, consumer = a["merchant"], a["consumer"]
        now = self.ledger.block_time(e.block)
        circular = []
        for lot in self.ledger.last_moved:
            if lot.merchant != merchant:
                continue
            issued = self.ledger.orders[(lot.merchant, lot.order_id)]["block"]
            age = now - self.ledger.block_time(issued)
            if age <= self.circular_window:
                circular.append((lot, age))
        if circular:
            points = sum(lot.points for lot, _ in circular)
            youngest = min(age for _, age in circular)
            self._raise(
                "circular_flow",
                e,
                f"consumer {consumer} spent {fmt_points(points)} points at merchant {merchant}, which "
                f"issued them {youngest // 3600}h{youngest % 3600 // 60:02d}m earlier "
                f"(orders {', '.join(lot.order_id.hex() for lot, _ in circular)})",
                consumer=consumer,
                merchant=merchant,
                points=points,
                orders=[lot.order_id for lot, _ in circular],
                seconds_since_issue=youngest,
            )

    def _on_CallScheduled(self, e: Event, a: dict) -> None:
        ready = self.ledger.block_time(e.block) + a["delay"]
        call = self.describe_call(a["target"], bytes(a["payload"]))
        self._raise(
            "rule_change_scheduled",
            e,
            f"{call} scheduled on the governor, takes effect at {utc(ready)} at the earliest "
            f"(delay {a['delay']:,} s)",
            call=call,
            operation=a["id"],
            ready_at=ready,
        )

    def _on_RuleChanged(self, e: Event, a: dict) -> None:
        if self.ledger.deployed_tx == e.tx:
            return  # the rules logged at deployment
        self._raise(
            "rule_changed",
            e,
            f"{a['rule']} changed from {a['old_value']} to {a['new_value']}",
            rule=a["rule"],
            old=a["old_value"],
            new=a["new_value"],
        )

    def _on_Paused(self, e: Event, a: dict) -> None:
        self._raise(
            "paused",
            e,
            "the pool was paused: no purchases, green actions or spends until unpaused "
            "(exits, settlements, donations and reversals go on)",
        )

    def _on_Unpaused(self, e: Event, a: dict) -> None:
        self._raise("unpaused", e, "the pool was unpaused")

    def _on_PoolShutDown(self, e: Event, a: dict) -> None:
        self._raise("shutdown", e, "the pool was shut down: holders can exit at full value")

    # ------------------------------------------------------------ the token's issuer

    def _role_of(self, account: str) -> str | None:
        """What the pool knows `account` as, if anything ("the pool", "merchant", ...)."""
        if account == self.ledger.pool:
            return "pool"
        state = self.ledger.model.state if self.ledger.model else None
        if state is None:
            return None
        for role, known in (("merchant", state.merchants), ("sponsor", state.sponsors),
                            ("charity", state.charities), ("consumer", state.basis)):  # fmt: skip
            if account in known:
                return role
        return None

    def _issuer(self, e: Event, kind_pool: str, kind_member: str, account: str, what: str, **details) -> None:
        role = self._role_of(account)
        if role is None:
            return
        if role == "pool" and kind_pool in ("pool_blacklisted", "unblacklisted"):
            self.pool_blacklisted = kind_pool == "pool_blacklisted"
        if role == "pool":
            self._raise(kind_pool, e, f"the token's issuer {what} the pool", account=account, **details)
        else:
            self._raise(kind_member, e, f"the token's issuer {what} {role} {account}", account=account,
                        role=role, **details)  # fmt: skip

    def _on_issuer(self, e: Event, a: dict) -> None:
        """The settlement token's issuer: its pause, and its blacklist under Tether's and Circle's names."""
        if e.name == "Pause":
            self.token_paused = True
            self._raise("token_paused", e, "the settlement token was paused by its issuer: no purchase, "
                        "exit, settlement or reversal can move the asset until it is unpaused")  # fmt: skip
        elif e.name == "Unpause":
            self.token_paused = False
            self._raise("token_unpaused", e, "the settlement token was unpaused by its issuer")
        elif e.name == "DestroyedBlackFunds":
            amount = fmt_units(a["_balance"], self.ledger.asset_decimals, 2)
            self._issuer(e, "pool_funds_destroyed", "member_funds_destroyed", a["_blackListedUser"],
                         f"destroyed {amount} held by", balance=a["_balance"])  # fmt: skip
        elif e.name in ISSUER_LISTS:
            kind_pool, kind_member, field_name, what = ISSUER_LISTS[e.name]
            self._issuer(e, kind_pool, kind_member, a[field_name], what)


@dataclass(frozen=True)
class MonitorSettings:
    """How a monitor follows a chain (one object: `ape run monitor`'s options, the page's, the tests')."""

    state_path: Path | None = None
    """A file that keeps the last block folded, to resume from (None: start from the head each time)."""
    from_block: int | None = None
    """Raise alerts from this block on (the history before it is folded silently)."""
    page: int = DEFAULT_PAGE
    """Blocks read per log query."""
    confirmations: int = 0
    """Blocks below the head left unread (0: read up to the head)."""
    circular_window: int = DAY
    """Seconds within which points spent at the merchant that issued them are a circular flow."""
    poll_interval: float = 2.0
    """Seconds between looks at the node."""
    max_backoff: float = 30.0
    """The longest wait between retries while the node is away."""
    newcomers_threshold: float = NEWCOMERS_PAY_MOST
    """`paid_by_newcomers` warns above this share of the recent exit payouts."""
    queue_epochs: int = QUEUE_EPOCHS
    """`exit_queue_growing` warns when the exit queue would take more epochs of budget to clear."""
    stuck_after: int = STUCK_AFTER
    """`exit_request_stuck` warns when the oldest waiting exit request is this old (seconds)."""


class Follower:
    """What every monitor does to follow a chain: a cursor (the last block folded), a state file to
    resume from, the poll loop with its backoff while the node is away. What is followed, and how a
    range of blocks is folded, is the subclass's (`Monitor`: one platform; `AssociationMonitor`: an
    association and every platform it launches, each a `Monitor` of its own).

    `emit(alert)` receives each alert, `status(line)` the monitor's own news (node away and back,
    caught up). `sleep` is injectable for tests (by default: a wait that `stop()` ends).
    """

    STATE_KEY = "pool"
    """What the state file names the followed contract by."""
    STATE_KIND = "a monitor state"

    def __init__(
        self,
        web3,
        settings: MonitorSettings,
        *,
        emit: Callable[[Alert], None],
        status: Callable[[str], None] = lambda line: None,
        sleep: Callable[[float], None] | None = None,
    ):
        self.web3 = web3
        self.settings = settings
        self._stopping = threading.Event()
        self.emit, self.status, self.sleep = emit, status, sleep or self._stopping.wait
        self.state_path = Path(settings.state_path) if settings.state_path else None
        self.chain_id = int(web3.eth.chain_id)
        self.counts: dict[str, int] = {}
        """Alerts raised by this run, by kind."""
        self.node_errors = 0
        self.cursor = 0
        """The last block folded."""

    # ------------------------------------------------------------ what the subclass says

    @property
    def followed(self) -> str:
        """The address the state file is for (lower case)."""
        raise NotImplementedError

    @property
    def silent(self) -> bool:
        """Folding without raising alerts (the history before where alerts start)."""
        raise NotImplementedError

    @silent.setter
    def silent(self, value: bool) -> None:
        raise NotImplementedError

    def advance(self, until: int) -> list[Alert]:
        """Fold blocks cursor+1..until; returns the alerts raised (and emitted)."""
        raise NotImplementedError

    # ------------------------------------------------------------ state

    @contextmanager
    def silenced(self):
        """Fold silently inside the block (the history before where alerts start)."""
        before, self.silent = self.silent, True
        try:
            yield self
        finally:
            self.silent = before

    def _saved(self) -> dict | None:
        if self.state_path is None or not self.state_path.exists():
            return None
        key = self.STATE_KEY
        try:
            state = json.loads(self.state_path.read_text())
            saved = (int(state["chain_id"]), str(state[key]).lower(), int(state["cursor"]))
        except (ValueError, KeyError, TypeError) as err:
            raise MonitorError(f"state file {self.state_path} is not {self.STATE_KIND} ({err})") from err
        if saved[:2] != (self.chain_id, self.followed):
            raise MonitorError(
                f"state file {self.state_path} is for {key} {saved[1]} on chain {saved[0]}, "
                f"not {key} {self.followed} on chain {self.chain_id}"
            )
        return state

    def _save(self) -> None:
        if self.state_path is None:
            return
        state = {
            "chain_id": self.chain_id,
            self.STATE_KEY: self.followed,
            "cursor": self.cursor,
            "cursor_hash": self.block_hash(self.cursor),
        }
        temporary = self.state_path.with_suffix(".tmp")
        temporary.write_text(json.dumps(state, indent=1))
        os.replace(temporary, self.state_path)  # atomic: a crash leaves the old or the new state

    def block_hash(self, number: int) -> str:
        """The node's hash of block `number`, 0x-hex (what a resume checks the chain by)."""
        return "0x" + bytes(self.web3.eth.get_block(number)["hash"]).hex()

    # ------------------------------------------------------------ following

    def head(self) -> int:
        return int(self.web3.eth.block_number) - self.settings.confirmations

    def start(self) -> int:
        """Fold the history silently up to where alerts start: the saved cursor, `from_block - 1`,
        or the current head. Returns that block."""
        state = self._saved()
        from_block = self.settings.from_block
        if state is not None:
            until = int(state["cursor"])
            if until > int(self.web3.eth.block_number):
                raise MonitorError(
                    f"the state file {self.state_path} was read up to block {until}, past this node's "
                    f"head ({int(self.web3.eth.block_number)}): another chain or a restarted node; "
                    "start again without the state file"
                )
            if self.block_hash(until) != state.get("cursor_hash"):
                raise MonitorError(
                    f"block {until} is not the block this monitor last read (a reorg or a restarted "
                    f"node): start again without the state file {self.state_path}"
                )
        elif from_block is not None:
            until = max(from_block - 1, self.cursor)
        else:
            until = max(self.head(), self.cursor)
        with self.silenced():
            self.advance(until)
        if self.cursor == until:  # not when stopped half-way: the rest must stay silent on resume
            self._save()
        return until

    def resume_at(self, cursor: int) -> None:
        """Take `cursor` as the last block folded: the history up to it was folded from elsewhere
        (the page's database replays its stored events through `Monitor.fold`)."""
        self.cursor = cursor

    def poll(self) -> list[Alert]:
        """One look at the node: fold every new block. Node errors propagate (see `run`)."""
        return self.advance(self.head())

    def run(self, *, until_block: int | None = None, once: bool = False) -> None:
        """Poll until `until_block` is folded, once (`once`), or forever; survive node errors with
        exponential backoff (the range is taken again when the node is back)."""
        backoff = 0.0
        settings = self.settings
        while not self._stopping.is_set():
            try:
                target = self.head() if until_block is None else min(self.head(), until_block)
                self.advance(target)
            except NODE_ERRORS as err:
                self.node_errors += 1
                backoff = min(settings.max_backoff, backoff * 2 if backoff else settings.poll_interval or 0.5)
                reason = str(err).splitlines()[0][:160] if str(err) else type(err).__name__
                self.status(f"node unreachable at block {self.cursor + 1} ({reason}); retry in {backoff:g} s")
                self.sleep(backoff)
                continue
            if backoff:
                self.status(f"node back; resumed after block {self.cursor}")
                backoff = 0.0
            if once or (until_block is not None and self.cursor >= until_block):
                return
            self.sleep(settings.poll_interval)

    def stop(self) -> None:
        """Stop after the page being folded (safe from a signal handler: the cursor and the state file
        then match the alerts emitted)."""
        self._stopping.set()

    @property
    def critical(self) -> int:
        return sum(n for kind, n in self.counts.items() if SEVERITY.get(kind) == "critical")

    def _count(self, alert: Alert) -> None:
        self.counts[alert.kind] = self.counts.get(alert.kind, 0) + 1


class Monitor(Follower):
    """Follows one deployment's new blocks; see the module doc."""

    def __init__(
        self,
        system,
        web3,
        *,
        emit: Callable[[Alert], None],
        status: Callable[[str], None] = lambda line: None,
        settings: MonitorSettings = MonitorSettings(),
        sleep: Callable[[float], None] | None = None,
        on_page: Callable[[list[Event], list[Alert], int, int], None] | None = None,
        guardian=None,
        pool_type=None,
        times: BlockTimes | None = None,
    ):
        """`times`: the block times to share (an association's monitor shares one for every platform)."""
        from ape import project

        super().__init__(web3, settings, emit=emit, status=status, sleep=sleep)
        self.system = system
        pool_type = pool_type or project.ValuePool.contract_type
        registry_type = project.Registry.contract_type
        issuer = Decoder(interface("IIssuerEvents"), "issuer")
        self.sources = sources(system, pool_type, registry_type) + [
            (str(system.asset.address).lower(), issuer, [issuer.topics])
        ]
        self.times = times or BlockTimes(web3)
        self.ledger = Ledger(
            pool=self.sources[0][0],
            registry=self.sources[1][0],
            governor=self.sources[2][0],
            asset_decimals=int(system.asset.decimals()),
            block_time=self.times,
        )
        self.watcher = Watcher(
            self.ledger, registry_type, circular_window=settings.circular_window,
            newcomers_threshold=settings.newcomers_threshold, queue_epochs=settings.queue_epochs,
            stuck_after=settings.stuck_after,
        )  # fmt: skip
        self.asset = str(system.asset.address)
        self.shortfall = 0
        """How far the token's balance of the pool fell below total_assets at the last page (0: whole)."""
        self.balance_unchecked = 0
        """Pages whose balance a pruned node could no longer give (`_asset_balance`)."""
        self.cursor = system.deployment_block - 1
        self.watcher.clock_block = self.cursor
        self.on_page = on_page
        """Called with (events, alerts, first block, last block) after each page is folded (the
        dashboard keeps them in its database)."""
        self.guardian = guardian
        """An account holding the registry's guardian role: the monitor pauses the pool with it on
        `GUARDIAN_TRIGGERS` (None: it only alerts)."""

    @property
    def followed(self) -> str:
        return self.ledger.pool

    @property
    def silent(self) -> bool:
        return self.watcher.silent

    @silent.setter
    def silent(self, value: bool) -> None:
        self.watcher.silent = value

    def fold(self, events: list[Event]) -> list[Alert]:
        """Fold `events` (whole blocks, in chain order) without moving the cursor: the alerts they
        raise (none while silent). The page's database replays its stored pages this way."""
        return self.watcher.feed(events)

    def resume_at(self, cursor: int) -> None:
        """As `Follower.resume_at`; the stuck-request clock is checked, silently, up to `cursor` (what
        happened before it was said by the run that folded it)."""
        with self.silenced():
            self.watcher.feed([], until=cursor)
        super().resume_at(cursor)

    def advance(self, until: int) -> list[Alert]:
        """Fold blocks cursor+1..until in pages; each page is fetched whole, then folded, then the
        cursor moves (and is saved) and its alerts are emitted."""
        raised = []
        page = self.settings.page
        while self.cursor < until and not self._stopping.is_set():
            lo, hi = self.cursor + 1, min(until, self.cursor + page)
            events, _ = fetch(self.web3, self.sources, lo, hi, page)
            self.times.learn(events)
            self.times.prefetch([*(e.block for e in events), hi])
            # Every request of the page before anything is folded: a node error retries it whole.
            balance = None if self.silent else self._asset_balance(hi)
            alerts = self.watcher.feed(events, until=hi)
            if balance is not None:
                alerts = alerts + self._check_asset_balance(hi, balance)
            alerts = alerts + self._guard(alerts, hi)
            self.cursor = hi
            if self.on_page is not None:
                self.on_page(events, alerts, lo, hi)
            for alert in alerts:
                self._count(alert)
                self.emit(alert)
            raised += alerts
            if not self.silent:
                self._save()
        return raised

    def _asset_balance(self, block: int) -> int | None:
        """The token's balance of the pool at `block` (one `balanceOf` call). None when the node
        keeps no state for `block` but answers at its head: a pruned node (anvil's `--prune-history`
        keeps the head's state only, a full geth node the last 128 blocks') that moved on while the
        page was read. That page's balance goes unchecked; the next page, read nearer the head,
        checks it (docs/audit.md). Any other refusal is the node's and retries the page."""
        data = _BALANCE_OF + bytes(12) + bytes.fromhex(self.ledger.pool[2:])
        call = {"to": self.asset, "data": "0x" + data.hex()}
        try:
            raw = self.web3.eth.call(call, block)
        except Web3RPCError as err:
            try:
                self.web3.eth.call(call, "latest")
            except Web3RPCError:
                raise err from None
            self.balance_unchecked += 1
            return None
        return int.from_bytes(bytes(raw)[:32], "big")

    def _check_asset_balance(self, block: int, balance: int) -> list[Alert]:
        """The token's own word on the pool's balance at `block` against the folded `total_assets`.

        The events cannot show what a token issuer does outside them: a blacklist that destroys the
        pool's balance (Tether's `destroyBlackFunds`) or a wipe emits no Transfer the ledger would
        see. One `balanceOf` call per page folded; an alert when the pool becomes short (or shorter),
        a notice when it is whole again."""
        owed = self.ledger.total_assets
        shortfall = max(owed - balance, 0)
        if shortfall == self.shortfall:
            return []
        before, self.shortfall = self.shortfall, shortfall
        d = self.ledger.asset_decimals
        if shortfall and shortfall > before:
            kind = "asset_balance_short"
            message = (
                f"the token says the pool holds {fmt_units(balance, d, 2)}, below the "
                f"{fmt_units(owed, d, 2)} it owes its holders (short {fmt_units(shortfall, d, 2)}; "
                "no Transfer shows it: a wipe, a blacklist or a token upgrade)"
            )
        elif shortfall:
            return []  # smaller, still short: the alert stands
        else:
            kind = "asset_balance_restored"
            message = f"the pool's asset balance covers total_assets again ({fmt_units(balance, d, 2)})"
        alert = Alert(
            kind, SEVERITY[kind], block, 2**31, self.times(block), "", message,
            {"asset_balance": balance, "total_assets": owed, "shortfall": shortfall},
        )  # fmt: skip
        return [alert]

    def _guard(self, alerts: list[Alert], block: int) -> list[Alert]:
        """With a guardian account, pause the pool on the first alert of `GUARDIAN_TRIGGERS` while it
        is not paused; the pause (or why it failed) is an alert of its own."""
        if self.guardian is None or self.watcher.silent:
            return []
        cause = next((a for a in alerts if a.kind in GUARDIAN_TRIGGERS), None)
        if cause is None or self.system.registry.paused():
            return []
        try:
            paused = Client(self.system).pause(self.guardian)
        except Exception as err:  # the node said no: the alert says why, the monitor goes on
            reason = (
                getattr(err, "revert_message", None) or str(err).splitlines()[0][:160] or type(err).__name__
            )
            kind, tx = "guardian_pause_failed", ""
            message = f"could not pause the pool after {cause.kind} ({reason})"
            details = {"cause": cause.kind, "reason": reason}
        else:
            kind, tx = "guardian_paused", str(paused.transaction_hash)
            message = f"paused the pool after {cause.kind}, as guardian {self.guardian.address}"
            details = {"cause": cause.kind, "guardian": str(self.guardian.address)}
        return [Alert(kind, SEVERITY[kind], block, 2**31 + 1, self.times(block), tx, message, details)]

    @property
    def token_status(self) -> str:
        """The settlement token as the pool sees it: "ok", or what its issuer did (the dashboard)."""
        said = []
        if self.watcher.token_paused:
            said.append("paused by its issuer")
        if self.watcher.pool_blacklisted:
            said.append("pool blacklisted")
        if self.shortfall:
            said.append(f"short {fmt_units(self.shortfall, self.ledger.asset_decimals, 2)}")
        return ", ".join(said) or "ok"


class AssociationMonitor(Follower):
    """Follows every platform of an association, new platforms included as they launch, with one
    cursor and one state file (SPEC 9).

    Each page of blocks is read from the association first (`platform_launched`,
    `platform_suspended` and `platform_reinstated` alerts; a launched platform gets a `Monitor` of
    its own, in `monitors`, from its launch block on), then from every platform; each platform's
    alerts carry its id and name (`details["platform"]`, `details["platform_name"]`). The cursor
    moves, and is saved, once every platform has folded the page. It has no ledger of its own: each
    platform's is `monitors[id].ledger`.
    """

    STATE_KEY = "association"
    STATE_KIND = "an association monitor's state"

    def __init__(
        self,
        association,
        web3,
        *,
        emit: Callable[[Alert], None],
        status: Callable[[str], None] = lambda line: None,
        settings: MonitorSettings = MonitorSettings(),
        sleep: Callable[[float], None] | None = None,
        on_page: Callable[[int, list[Event], list[Alert], int, int], None] | None = None,
    ):
        """`on_page(platform id, events, alerts, first block, last block)` after each platform's page."""
        from ape import project

        from .events import Decoder

        super().__init__(web3, settings, emit=emit, status=status, sleep=sleep)
        self.association = association
        self.platform_on_page = on_page
        self.address = str(association.address).lower()
        self.sources = [(self.address, Decoder(project.Association.contract_type, "association"), None)]
        self.times = BlockTimes(web3)
        self.monitors: dict[int, Monitor] = {}
        self.names: dict[int, str] = {}
        # Known from its record, or block 0 (the genesis, which holds no association) from an address.
        self.cursor = max(int(association.deployment_block) - 1, 0)
        self.association_cursor = self.cursor
        self._silent = False
        self.people = People(association=self.address, time_of=self.times)
        """The trainers, qualifications and every platform's role holders (SPEC 12), as folded."""
        self.people_block = self.cursor
        """The last block the people's clock was checked at."""
        self._people_alerted: set[tuple] = set()
        self._role_events: list[tuple[Event, int]] = []
        """The platforms' role events of the page being folded, with the platform's id."""

    @property
    def followed(self) -> str:
        return self.address

    @property
    def silent(self) -> bool:
        return self._silent

    @silent.setter
    def silent(self, value: bool) -> None:
        """Silence reaches every platform (now, and as each folds: `advance`)."""
        self._silent = value
        for monitor in self.monitors.values():
            monitor.silent = value

    def add_platform(self, platform_id: int) -> Monitor:
        """Start following platform `platform_id` of the association (from its launch block on)."""
        from ..deploy import platform_from_chain

        system = platform_from_chain(self.association.contract, platform_id)
        self.names[platform_id] = system.name

        def tagged(alert: Alert) -> None:
            self._emit(self._tag(alert, platform_id))

        def page_done(events, alerts, lo, hi) -> None:
            self._role_events += [
                (e, platform_id) for e in events if e.name in ("RoleGranted", "RoleRevoked")
            ]
            if self.platform_on_page is not None:
                self.platform_on_page(
                    platform_id, events, [self._tag(a, platform_id) for a in alerts], lo, hi
                )

        monitor = Monitor(
            system, self.web3, emit=tagged, on_page=page_done, times=self.times,
            settings=replace(self.settings, state_path=None, from_block=None),
        )  # fmt: skip
        monitor.silent = self.silent
        self.monitors[platform_id] = monitor
        return monitor

    def _tag(self, alert: Alert, platform_id: int) -> Alert:
        name = self.names.get(platform_id, f"platform {platform_id}")
        return Alert(
            kind=alert.kind, severity=alert.severity, block=alert.block, log_index=alert.log_index,
            time=alert.time, tx=alert.tx, message=f"[{name}] {alert.message}",
            details={**alert.details, "platform": platform_id, "platform_name": name},
        )  # fmt: skip

    def _emit(self, alert: Alert) -> None:
        self._count(alert)
        self.emit(alert)

    def _association_alerts(self, events: list[Event]) -> list[Alert]:
        alerts = []
        for e in events:
            a = e.args
            if e.name not in ("PlatformLaunched", "PlatformSuspended", "PlatformReinstated"):
                continue  # the admin's handover (OwnershipTransferred and its start)
            pid = int(a["id"])
            if e.name == "PlatformLaunched":
                self.add_platform(pid)
                kind, message = (
                    "platform_launched",
                    f"platform {pid} ({a['name']}) launched: pool {a['pool']}",
                )
            elif e.name == "PlatformSuspended":
                kind, message = (
                    "platform_suspended",
                    f"platform {pid} ({self.names.get(pid)}) suspended: {a['reason']}",
                )
            elif e.name == "PlatformReinstated":
                kind, message = "platform_reinstated", f"platform {pid} ({self.names.get(pid)}) reinstated"
            else:
                continue
            alerts.append(Alert(
                kind=kind, severity=SEVERITY[kind], block=e.block, log_index=e.log_index,
                time=self.times(e.block), tx=e.tx, message=message,
                details={"platform": pid, "platform_name": self.names.get(pid)},
            ))  # fmt: skip
        return alerts

    def resume_at(self, cursor: int) -> None:
        """As `Follower.resume_at`, for the association's own events too."""
        self.cursor = self.association_cursor = self.people_block = cursor

    # ------------------------------------------------------------ the people (SPEC 12)

    def adopt_people(self, people: People, cursor: int) -> None:
        """Take `people` folded elsewhere up to block `cursor` (the page resumed from its database
        reads them from the chain: `read_people`): what it shows by then counts as said."""
        people.time_of = self.times
        self.people, self.people_block = people, cursor
        for pid, held in people.holders.items():
            for holder, role in list(held):
                self._people_check(pid, holder, role, cursor, -1, "")
        self.people_block = max(cursor - 1, 0)
        self._people_clock(cursor)

    def _people_page(self, hi: int) -> list[Alert]:
        """Fold the page's association and role events into `people`, with the clock checked
        before each event's block and at the page's end; the alerts they raise."""
        merged = [(e, None) for e in getattr(self, "_association_events", [])] + self._role_events
        self._association_events, self._role_events = [], []
        merged.sort(key=lambda pair: pair[0].position)
        alerts: list[Alert] = []
        for event, platform in merged:
            if event.block - 1 > self.people_block:
                alerts += self._people_clock(event.block - 1)
            for pid, holder, role in self.people.apply(event, platform):
                alerts += self._people_check(pid, holder, role, event.block, event.log_index, event.tx)
        if hi > self.people_block:
            alerts += self._people_clock(hi)
        return alerts

    def _people_alert(
        self,
        key: tuple,
        kind: str,
        pid: int,
        holder: str,
        role: str,
        q,
        status: str,
        block: int,
        log_index: int,
        tx: str,
    ) -> list[Alert]:
        if key in self._people_alerted:
            return []
        self._people_alerted.add(key)
        name = self.names.get(pid, f"platform {pid}")
        until = utc(q.valid_until) if q is not None else ""
        message = (
            f"[{name}] {role} {holder} holds the role without a valid qualification ({status}"
            + (f", valid until {until})" if q is not None else ": no trainer qualified it)")
            if kind == "unqualified_role_holder"
            else f"[{name}] {role} {holder}'s qualification ends {until}"
        )
        details = {
            "platform": pid,
            "platform_name": name,
            "holder": holder,
            "role": role,
            "status": status,
            "valid_until": q.valid_until if q is not None else None,
            "trainer": q.trainer if q is not None else None,
        }
        return [Alert(kind, SEVERITY[kind], block, log_index, self.times(block), tx, message, details)]

    def _people_check(
        self, pid: int, holder: str, role: str, block: int, log_index: int, tx: str
    ) -> list[Alert]:
        """A holder's standing right after an event that may change it (a grant, a qualification, a
        disqualification)."""
        if (holder, role) not in self.people.holders.get(pid, {}):
            return []
        q = self.people.qualification(holder, role)
        status = standing(q, self.times(block))
        identity = (q.issued_block, q.revoked) if q is not None else None
        if status in ("valid", "expiring"):
            if status == "valid":
                return []
            key = (pid, holder, role, "expiring", q.issued_block)
            return self._people_alert(
                key, "qualification_expiring", pid, holder, role, q, status, block, log_index, tx
            )
        key = (pid, holder, role, "unqualified", identity)
        return self._people_alert(
            key, "unqualified_role_holder", pid, holder, role, q, status, block, log_index, tx
        )

    def _people_clock(self, block: int) -> list[Alert]:
        """Qualifications whose notice or end passed in blocks people_block+1..block, each raised at
        the first block at or past its moment."""
        first, self.people_block = self.people_block + 1, block
        now = self.times(block)
        alerts = []
        for pid, held in self.people.holders.items():
            for holder, role in held:
                q = self.people.qualification(holder, role)
                if q is None or q.revoked:
                    continue  # raised at the event that made it so
                for kind, moment, what in (
                    ("qualification_expiring", q.valid_until - EXPIRING_NOTICE, "expiring"),
                    ("unqualified_role_holder", q.valid_until + 1, "unqualified"),
                ):
                    key = (
                        pid,
                        holder,
                        role,
                        what,
                        q.issued_block if what == "expiring" else (q.issued_block, False),
                    )
                    if now < moment or key in self._people_alerted:
                        continue
                    at = _first_block_at(self.times, moment, first, block)
                    alerts += self._people_alert(
                        key, kind, pid, holder, role, q, standing(q, self.times(at)), at, -1, ""
                    )
        alerts.sort(key=lambda a: a.block)
        return alerts

    def advance(self, until: int) -> list[Alert]:
        raised = []
        page = self.settings.page
        while self.cursor < until and not self._stopping.is_set():
            hi = min(until, self.cursor + page)
            # The association's page once (a page retried after a node error repeats nothing).
            if self.association_cursor < hi:
                events, _ = fetch(self.web3, self.sources, self.association_cursor + 1, hi, page)
                self.times.learn(events)
                alerts = self._association_alerts(events)
                self.association_cursor = hi
                self._association_events = events
                if not self.silent:
                    for alert in alerts:
                        self._emit(alert)
                    raised += alerts
            # Then every platform, each from where it stands (a platform launched in this page
            # from its launch block).
            for monitor in list(self.monitors.values()):
                monitor.silent = self.silent
                if monitor.cursor < hi:
                    raised += monitor.advance(hi)
            # Then the people: the association's and the platforms' role events in chain order.
            alerts = self._people_page(hi)
            if not self.silent:
                for alert in alerts:
                    self._emit(alert)
                raised += alerts
            self.cursor = hi
            if not self.silent:
                self._save()
        return raised

    def stop(self) -> None:
        self._stopping.set()
        for monitor in self.monitors.values():
            monitor.stop()

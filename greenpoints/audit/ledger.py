"""Fold the system's events into state, checking SPEC section 5's invariants at every event.

The ledger is rebuilt from domain events (PurchaseRecorded, PointsSpent, ...), which carry the
amounts; the points token's own Transfer events are tallied per transaction and must match them
exactly (every mint traces to exactly one purchase; points move only consumer -> merchant/charity or
are burned by exit, settlement or reversal). Lineage is kept as lots: each purchase's points are a
lot that moves, oldest first, with every outflow of its holder.
"""

from __future__ import annotations

from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field

from .. import pool_math as pm
from ..rules import BOUNDS
from .events import Event

ZERO = "0x" + "0" * 40
ACTIVE, SUSPENDED, REVOKED = 1, 2, 3
CHECKS = {
    "1 solvency": "the pool's asset balance >= total_assets; total_assets = contributions - payouts "
    "- settlements - refunds",
    "2 value per point": "never decreases while points exist",
    "3 supply": "sum of balances == totalSupply; every mint traces to exactly one PurchaseRecorded",
    "4 purchases": "recorded by a merchant active at that block, within its daily cap, unique order id, "
    "contribution and points as the rules say",
    "5 exits": "trigger, lock, return cap and epoch limit at the exit's block (or after shutdown); payout "
    "as the rules say",
    "6 rules": "every rule change through the governor's delay and within bounds",
    "7 movements": "points only move consumer -> merchant/charity, or are burned by exit/settle/reversal",
    "settlements and reversals": "paid as the rules say (fee, refund, window)",
}


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
    status: int = 0
    contribution_bps: int = 0
    daily_cap: int = 0
    category: int = 0
    epoch: int = -1
    epoch_contribution: int = 0
    purchases: int = 0
    sales: int = 0
    contributions: int = 0
    points_issued: int = 0
    receipts_points: int = 0
    settled_points: int = 0
    settled_assets: int = 0
    refunds: int = 0


@dataclass
class Ledger:
    """The rebuilt state. Addresses are lower-case hex strings."""

    pool: str
    governor: str
    asset_decimals: int
    block_time: object
    """Callable block number -> timestamp (cached by the caller)."""
    rules: dict[str, int] = field(default_factory=dict)
    total_assets: int = 0
    total_supply: int = 0
    asset_balance: int = 0
    balances: Counter = field(default_factory=Counter)
    basis: Counter = field(default_factory=Counter)
    earned: Counter = field(default_factory=Counter)
    paid_out: Counter = field(default_factory=Counter)
    last_issued_block: dict[str, int] = field(default_factory=dict)
    merchants: dict[str, MerchantBook] = field(default_factory=lambda: defaultdict(MerchantBook))
    charities: dict[str, int] = field(default_factory=dict)
    orders: dict[tuple[str, bytes], dict] = field(default_factory=dict)
    paused: bool = False
    shutdown: bool = False
    epoch: int = -1
    epoch_start_assets: int = 0
    epoch_exited: int = 0
    contributions: int = 0
    payouts: int = 0
    settlements: int = 0
    refunds: int = 0
    # lineage
    lots: dict[str, deque] = field(default_factory=lambda: defaultdict(deque))
    fates: dict[tuple[str, bytes], list] = field(default_factory=lambda: defaultdict(list))
    # governance
    scheduled: dict[bytes, dict] = field(default_factory=dict)
    executed: list[dict] = field(default_factory=list)
    rule_history: list[dict] = field(default_factory=list)
    min_delay: int = 0
    # results
    checked: Counter = field(default_factory=Counter)
    failed: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    series: list[tuple[int, int, int]] = field(default_factory=list)
    """(block, total_assets, total_supply) after every event that changed them."""
    events: int = 0
    deployed: bool = False
    listener: object = None
    """Optional callable (check name, message, event) told of every failed check (the monitor)."""
    last_moved: list = field(default_factory=list)
    """The lots the last outflow consumed, oldest first (the monitor's circular-flow alert)."""
    _tx: str | None = None
    _tx_events: list = field(default_factory=list)

    # ------------------------------------------------------------ plumbing

    def check(self, name: str, ok: bool, message: str, event: Event) -> bool:
        self.checked[name] += 1
        if not ok:
            self.failed[name] += 1
            if len(self.failures) < 1_000:
                self.failures.append(f"[{name}] block {event.block} tx {event.tx}: {message}")
            if self.listener is not None:
                self.listener(name, message, event)
        return ok

    def rule(self, name: str) -> int:
        return self.rules.get(name, 0)

    def to_points(self, assets: int) -> int:
        return pm.to_points(assets, self.total_assets, self.total_supply, self.asset_decimals)

    def to_assets(self, points: int) -> int:
        return pm.to_assets(points, self.total_assets, self.total_supply, self.asset_decimals)

    def is_consumer(self, account: str) -> bool:
        return (
            account not in (ZERO, self.pool)
            and self.merchants[account].status == 0
            and self.charities.get(account, 0) == 0
        )

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
        handler = getattr(self, f"on_{event.name}", None)
        if handler is None:
            return
        before = (self.total_assets, self.total_supply)
        handler(event, event.args)
        after = (self.total_assets, self.total_supply)
        if after != before:
            a0, s0 = before
            a1, s1 = after
            if s0 and s1:
                self.check(
                    "2 value per point",
                    a1 * s0 >= a0 * s1,
                    f"{event.name}: value per point fell from {a0}/{s0} to {a1}/{s1}",
                    event,
                )
            self.check(
                "1 solvency",
                self.asset_balance >= self.total_assets
                or event.name in ("PurchaseRecorded",),  # the pull's Transfer may come later in the tx
                f"{event.name}: pool holds {self.asset_balance} < total_assets {self.total_assets}",
                event,
            )
            self.series.append((event.block, a1, s1))

    # ------------------------------------------------------------ per transaction

    def end_tx(self) -> None:
        """Checks that need a whole transaction: token Transfers against the domain events, rule
        changes against the governor's execution, solvency after the transaction."""
        events, self._tx_events = self._tx_events, []
        if not events:
            return
        last = events[-1]
        pool_events = [e for e in events if e.source == "pool"]
        want_mints, want_burns, want_moves = Counter(), Counter(), Counter()
        got_mints, got_burns, got_moves = Counter(), Counter(), Counter()
        executed = [e for e in events if e.source == "governor" and e.name == "CallExecuted"]
        for e in pool_events:
            a = e.args
            if e.name == "PurchaseRecorded":
                want_mints[(a["consumer"], a["points"])] += 1
            elif e.name == "PurchaseReversed":
                want_burns[(a["consumer"], a["points"])] += 1
            elif e.name in ("PointsExited", "PointsSettled"):
                want_burns[(a["account"], a["points"])] += 1
            elif e.name == "PointsSpent":
                want_moves[(a["consumer"], a["merchant"], a["points"])] += 1
            elif e.name == "PointsDonated":
                want_moves[(a["consumer"], a["charity"], a["points"])] += 1
            elif e.name == "Transfer":
                sender, to, value = a["sender"], a["receiver"], a["value"]
                if sender == ZERO:
                    got_mints[(to, value)] += 1
                elif to == ZERO:
                    got_burns[(sender, value)] += 1
                else:
                    got_moves[(sender, to, value)] += 1
        if got_mints or want_mints:
            self.check(
                "3 supply",
                got_mints == want_mints,
                f"mints {dict(got_mints)} do not match purchases {dict(want_mints)}",
                last,
            )
        if got_burns or want_burns or got_moves or want_moves:
            self.check(
                "7 movements",
                got_burns == want_burns and got_moves == want_moves,
                f"token transfers {dict(got_moves)} / burns {dict(got_burns)} do not match spends, "
                f"donations, exits, settlements and reversals {dict(want_moves)} / {dict(want_burns)}",
                last,
            )
        self.check(
            "1 solvency",
            self.asset_balance >= self.total_assets,
            f"after the transaction the pool holds {self.asset_balance} < total_assets {self.total_assets}",
            last,
        )
        for e in pool_events:
            if e.name == "RuleChanged" and self.deployed_tx != e.tx:
                self._check_governed(e, executed, f"set_rule {e.args['rule']}={e.args['new_value']}")
            elif e.name in ("Unpaused", "PoolShutDown"):
                self._check_governed(e, executed, e.name)

    deployed_tx: str | None = None

    def _check_governed(self, event: Event, executed: list[Event], what: str) -> None:
        ok = bool(executed) and any(x.args["target"] == self.pool for x in executed)
        detail = ""
        if ok:
            call = next(x for x in executed if x.args["target"] == self.pool)
            scheduled = self.scheduled.get(call.args["id"])
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

    # ------------------------------------------------------------ token and asset

    def on_Transfer(self, e: Event, a: dict) -> None:
        if e.source == "asset":
            if a["receiver"] == self.pool:
                self.asset_balance += a["value"]
            if a["sender"] == self.pool:
                self.asset_balance -= a["value"]
            return
        # Points: balances are rebuilt from the domain events; Transfers are matched in end_tx.

    # ------------------------------------------------------------ rules and governance

    def on_RuleChanged(self, e: Event, a: dict) -> None:
        rule, old, new = a["rule"], a["old_value"], a["new_value"]
        if self.deployed_tx is None or self.deployed_tx == e.tx:
            self.deployed_tx = e.tx
            self.check("6 rules", old == 0, f"initial {rule} logged with old value {old}", e)
        else:
            self.check(
                "6 rules",
                old == self.rules.get(rule),
                f"{rule}: old value {old}, was {self.rules.get(rule)}",
                e,
            )
        lo, hi = BOUNDS.get(rule, (None, None))
        self.check(
            "6 rules",
            lo is not None and lo <= new <= hi,
            f"{rule}={new} outside its hard bounds {lo}..{hi}",
            e,
        )
        self.rules[rule] = new
        self.rule_history.append({"block": e.block, "tx": e.tx, "rule": rule, "old": old, "new": new})

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
        self.paused = True

    def on_Unpaused(self, e: Event, a: dict) -> None:
        self.paused = False

    def on_PoolShutDown(self, e: Event, a: dict) -> None:
        self.shutdown = True

    def on_EpochStarted(self, e: Event, a: dict) -> None:
        self.check("5 exits", a["epoch"] > self.epoch, f"epoch {a['epoch']} after {self.epoch}", e)
        self.check(
            "5 exits",
            a["start_assets"] == self.total_assets,
            f"epoch {a['epoch']} snapshot {a['start_assets']} != total_assets {self.total_assets}",
            e,
        )
        self.epoch, self.epoch_start_assets, self.epoch_exited = a["epoch"], a["start_assets"], 0

    # ------------------------------------------------------------ registry

    def on_MerchantAdmitted(self, e: Event, a: dict) -> None:
        m = self.merchants[a["merchant"]]
        m.status, m.contribution_bps, m.daily_cap, m.category = (
            ACTIVE,
            a["contribution_bps"],
            a["daily_cap"],
            a["category"],
        )

    def on_MerchantTermsUpdated(self, e: Event, a: dict) -> None:
        m = self.merchants[a["merchant"]]
        m.contribution_bps, m.daily_cap = a["new_contribution_bps"], a["new_daily_cap"]

    def on_MerchantSuspended(self, e: Event, a: dict) -> None:
        self.merchants[a["merchant"]].status = SUSPENDED

    def on_MerchantReinstated(self, e: Event, a: dict) -> None:
        self.merchants[a["merchant"]].status = ACTIVE

    def on_MerchantRevoked(self, e: Event, a: dict) -> None:
        self.merchants[a["merchant"]].status = REVOKED

    def on_CharityRegistered(self, e: Event, a: dict) -> None:
        self.charities[a["charity"]] = 1

    def on_CharityRemoved(self, e: Event, a: dict) -> None:
        self.charities[a["charity"]] = 2

    # ------------------------------------------------------------ issuance

    def on_PurchaseRecorded(self, e: Event, a: dict) -> None:
        merchant, consumer, order_id = a["merchant"], a["consumer"], a["order_id"]
        amount, contribution, points = a["amount"], a["contribution"], a["points"]
        m = self.merchants[merchant]
        name = "4 purchases"
        self.check(name, m.status == ACTIVE, f"merchant {merchant} not active (status {m.status})", e)
        self.check(name, not self.paused and not self.shutdown, "purchase while paused or shut down", e)
        self.check(name, self.is_consumer(consumer), f"consumer {consumer} is not a consumer", e)
        key = (merchant, order_id)
        self.check(name, key not in self.orders, f"order id {order_id.hex()} of {merchant} recorded twice", e)
        self.check(
            name,
            contribution == pm.contribution_of(amount, m.contribution_bps),
            f"contribution {contribution} != {amount} x {m.contribution_bps} bps",
            e,
        )
        if m.epoch != self.epoch:
            m.epoch, m.epoch_contribution = self.epoch, 0
        m.epoch_contribution += contribution
        self.check(
            name,
            m.epoch_contribution <= m.daily_cap,
            f"merchant {merchant} recorded {m.epoch_contribution} in epoch {self.epoch}, cap {m.daily_cap}",
            e,
        )
        issue_bps = self.rule("issue_bps")
        issued_value = pm.issued_value_of(contribution, issue_bps)
        expected = self.to_points(issued_value)
        self.check(name, points == expected, f"{points} points issued, the rules give {expected}", e)
        self.total_assets += contribution
        self.total_supply += points
        self.contributions += contribution
        self.balances[consumer] += points
        self.basis[consumer] += issued_value
        self.earned[consumer] += issued_value
        self.last_issued_block[consumer] = e.block
        self.orders[key] = {
            "consumer": consumer,
            "block": e.block,
            "tx": e.tx,
            "amount": amount,
            "contribution": contribution,
            "points": points,
            "issued_value": issued_value,
            "reversed": False,
        }
        m.purchases += 1
        m.sales += amount
        m.contributions += contribution
        m.points_issued += points
        self.lots[consumer].append(Lot(merchant, order_id, points))
        self.check(
            "3 supply",
            (a["total_assets"], a["total_supply"]) == (self.total_assets, self.total_supply),
            f"event says pool ({a['total_assets']}, {a['total_supply']}), rebuilt "
            f"({self.total_assets}, {self.total_supply})",
            e,
        )

    def on_PurchaseReversed(self, e: Event, a: dict) -> None:
        merchant, consumer, order_id, points, refund = (
            a["merchant"], a["consumer"], a["order_id"], a["points"], a["refund"]
        )  # fmt: skip
        name = "settlements and reversals"
        order = self.orders.get((merchant, order_id))
        if not self.check(name, order is not None, f"reversal of unknown order {order_id.hex()}", e):
            return
        self.check(name, not order["reversed"], f"order {order_id.hex()} reversed twice", e)
        self.check(
            name, order["consumer"] == consumer and order["points"] == points, "reversal of other points", e
        )
        waited = self.block_time(e.block) - self.block_time(order["block"])
        self.check(name, waited < self.rule("lock_period"), f"reversed {waited}s after the purchase", e)
        expected = min(order["contribution"], self.to_assets(points))
        self.check(name, refund == expected, f"refund {refund}, the rules give {expected}", e)
        self._outflow(consumer, points, e, "reversed", reversal_of=(merchant, order_id))
        self.earned[consumer] -= order["issued_value"]
        self.total_assets -= refund
        self.total_supply -= points
        self.refunds += refund
        self.merchants[merchant].refunds += refund
        order["reversed"] = True
        self.check(
            "3 supply",
            (a["total_assets"], a["total_supply"]) == (self.total_assets, self.total_supply),
            "reversal's pool figures differ from the rebuilt ones",
            e,
        )

    # ------------------------------------------------------------ circulation

    def _outflow(
        self, owner: str, points: int, e: Event, kind: str, *, to=None, order_id=None, reversal_of=None
    ):
        """Balance and basis of `owner` after `points` leave; lots consumed oldest first."""
        balance = self.balances[owner]
        self.check("3 supply", points <= balance, f"{owner} moved {points} points, holds {balance}", e)
        if self.basis[owner]:
            self.basis[owner] = pm.basis_after_outflow(self.basis[owner], balance, points)
        self.balances[owner] = balance - points
        lots = self.lots[owner]
        left = points
        moved: list[Lot] = []
        if reversal_of is not None:  # a reversal burns that purchase's own points first
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

    def _move(self, e: Event, consumer: str, to: str, points: int, kind: str, order_id=None) -> None:
        self.check("7 movements", self.is_consumer(consumer), f"{consumer} is not a consumer", e)
        self._outflow(consumer, points, e, kind, to=to, order_id=order_id)
        self.balances[to] += points

    def on_PointsSpent(self, e: Event, a: dict) -> None:
        merchant = a["merchant"]
        self.check(
            "7 movements", self.merchants[merchant].status == ACTIVE, f"spent at inactive {merchant}", e
        )
        self.check("7 movements", not self.paused, "spend while paused", e)
        self._move(e, a["consumer"], merchant, a["points"], "spent", a["order_id"])
        self.merchants[merchant].receipts_points += a["points"]

    def on_PointsDonated(self, e: Event, a: dict) -> None:
        charity = a["charity"]
        self.check("7 movements", self.charities.get(charity) == 1, f"donated to unregistered {charity}", e)
        self._move(e, a["consumer"], charity, a["points"], "donated")

    def on_PointsSettled(self, e: Event, a: dict) -> None:
        account, points, assets, fee = a["account"], a["points"], a["assets"], a["fee"]
        name = "settlements and reversals"
        self.check(
            name,
            self.merchants[account].status != 0 or self.charities.get(account, 0) != 0,
            f"{account} settled but is neither merchant nor charity",
            e,
        )
        paid, kept = pm.settlement(self.to_assets(points), self.rule("settlement_fee_bps"))
        self.check(
            name,
            (assets, fee) == (paid, kept),
            f"settlement paid {assets}+{fee} fee, rules give {paid}+{kept}",
            e,
        )
        self._outflow(account, points, e, "settled")
        self.total_assets -= assets
        self.total_supply -= points
        self.settlements += assets
        if self.merchants[account].status:
            self.merchants[account].settled_points += points
            self.merchants[account].settled_assets += assets

    def on_PointsExited(self, e: Event, a: dict) -> None:
        account, points, payout, retained = a["account"], a["points"], a["payout"], a["retained"]
        name = "5 exits"
        value = self.to_assets(points)
        if self.shutdown:
            self.check(name, payout == value and retained == 0, f"wind-down exit paid {payout} of {value}", e)
        else:
            self.check(name, self.is_consumer(account), f"{account} exited but is not a consumer", e)
            holding = self.to_assets(self.balances[account])
            trigger = self.rule("exit_trigger_bps")
            self.check(
                name,
                holding * pm.BPS >= self.basis[account] * trigger,
                f"{account} exited with holding {holding} < basis {self.basis[account]} x {trigger} bps",
                e,
            )
            last = self.last_issued_block.get(account)
            if last is not None:
                waited = self.block_time(e.block) - self.block_time(last)
                lock = self.rule("lock_period")
                self.check(
                    name, waited >= lock, f"{account} exited {waited}s after issuance (lock {lock}s)", e
                )
            expected = pm.exit_payout(value, self.rule("exit_payout_bps"))
            self.check(
                name,
                (payout, retained) == (expected, value - expected),
                f"exit paid {payout} (retained {retained}), the rules give {expected}",
                e,
            )
            cap = self.earned[account] * self.rule("return_cap_bps") // pm.BPS
            self.check(
                name,
                self.paid_out[account] + payout <= cap,
                f"{account} paid out {self.paid_out[account] + payout} in all, over its return cap {cap}",
                e,
            )
            self.epoch_exited += payout
            limit = self.epoch_start_assets * self.rule("epoch_exit_limit_bps") // pm.BPS
            self.check(
                name,
                self.epoch_exited <= limit,
                f"epoch {self.epoch} exits {self.epoch_exited} over the limit {limit}",
                e,
            )
        self._outflow(account, points, e, "exited")
        self.total_assets -= payout
        self.total_supply -= points
        self.paid_out[account] += payout
        self.payouts += payout

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

"""The simulation runner: consumers, merchants, charities and adversaries acting day by day.

The runner always keeps the Python model (`greenpoints.model.Model`) of the system, and agents
decide from it (what a wallet would read from the chain: balances, `max_exit`, ...). The backend
carries each action out: the `model` backend does nothing more (very large runs), the `chain`
backends send each action to the real contracts and stop the run at the first disagreement
(a transaction that fails where the model succeeded, a refusal with another reason, or an attempt
the contracts let through). Each day has two phases at fixed times, so every time-dependent rule
(epoch, lock period, reversal window) gives the same answer on chain and in the model:

- morning (08:00): the keeper processes the exit queue (the epoch's first action, so the line is
  paid from the epoch's budget before any new exit), owners claim what their filled requests pay,
  new consumers join, the registrar acts, consumers spend, donate and exit (or request an exit
  when the budget refuses them: `Scenario.exit_request_share`), adversaries try their attempts;
- evening (20:00): merchants reverse yesterday's returns, sponsors record the day's attested green
  actions (an issuance, like a purchase, so it must come in the other phase than exits: the lock
  compares the two), merchants close their tills (the day's purchases in
  `record_purchases` batches of up to 100, each purchase naming its certified product class; sales
  outside every class are not recorded), the rogue merchant acts, merchants and charities settle.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from eth_utils import keccak

from ..model import (
    ACTION,
    MAX_BATCH,
    MAX_PROCESS,
    PRODUCT,
    ExitCancelled,
    ExitFilled,
    Model,
    Purchase,
    PurchaseRecorded,
    Refusal,
)
from ..model.rules import DAY, DEFAULT_RULES
from .scenario import Scenario

MORNING = 8 * 3600
EVENING = 20 * 3600
DEFAULT_START = 1_798_761_600
"""2027-01-01 00:00 UTC: day 0 of a model run that is not checking a chain run."""
LICENSE = b"\x11" * 32
KEEPER = "keeper"
"""Who processes the exit queue at each epoch's start (anyone may: an account of the alliance's)."""
FRACTION_SCALE = 10_000
ATTEMPTS = (
    "replayed order id",
    "issue without whitelist",
    "trade between consumers",
    "exit over the cap",
    "rogue beyond its daily cap",
    "rogue after suspension",
)
"""Kinds of rule-breaking attempt; every one must be refused."""


class Sale(NamedTuple):
    """One sale at a till, about to be recorded (the model's receipt says what it paid and issued)."""

    consumer: str
    amount: int
    order_id: bytes
    class_id: int
    returned: bool
    """The consumer brings it back: the merchant reverses it the next evening."""


class Divergence(RuntimeError):
    """The chain and the model disagreed about an action (a bug in one of them)."""


@dataclass
class Agents:
    """Labels of everyone in the run; backends map labels to addresses."""

    consumers: list[str] = field(default_factory=list)
    joined: list[int] = field(default_factory=list)
    merchants: list[str] = field(default_factory=list)
    merchant_category: dict[str, int] = field(default_factory=dict)
    charities: list[str] = field(default_factory=list)
    sponsors: list[str] = field(default_factory=list)
    rogue: str | None = None
    sybils: list[str] = field(default_factory=list)
    outsider: str = "outsider"

    def holders(self) -> list[str]:
        """Everyone who can hold points, in a fixed order."""
        rogue = [self.rogue] if self.rogue else []
        return self.consumers + self.sybils + self.merchants + rogue + self.charities


@dataclass
class DayTotals:
    """What happened on one day (one row of daily.csv, before the pool's figures are added)."""

    purchases: int = 0
    purchase_amount: int = 0
    contributions: int = 0
    points_issued: int = 0
    issued_value: int = 0
    held_back_by_cap: int = 0
    reversals: int = 0
    refunds: int = 0
    spends: int = 0
    spent_points: int = 0
    donations: int = 0
    donated_points: int = 0
    settlements: int = 0
    settled_assets: int = 0
    exits: int = 0
    exited_points: int = 0
    exit_payouts: int = 0
    exit_demand_over_limit: int = 0
    exit_paid_by_newcomers: int = 0
    """What exits paid above the issued value of the points they burned (their basis): money only
    contributions that arrived after those points were issued can have brought (docs/sweeps.md)."""
    queue_requests: int = 0
    queue_requested_points: int = 0
    queue_fills: int = 0
    queue_filled_points: int = 0
    queue_fill_payouts: int = 0
    queue_paid_by_newcomers: int = 0
    """As `exit_paid_by_newcomers`, for the line's fills (each against the basis its points carried)."""
    queue_given_back_points: int = 0
    """Points of requests beyond their owner's return cap, given back while processing."""
    queue_claims: int = 0
    queue_claimed: int = 0
    attempts: int = 0
    rejected: Counter = field(default_factory=Counter)
    not_green: int = 0
    """Purchases of no certified class: not recorded, no points."""
    actions: int = 0
    action_contributions: int = 0
    action_points: int = 0
    held_back_by_sponsor_cap: int = 0
    co2e_reversed: int = 0
    co2e_purchases: int = 0
    co2e_actions: int = 0
    co2e_by_class: Counter = field(default_factory=Counter)


class Runner:
    """Runs one scenario with one seed on one backend."""

    def __init__(self, scenario: Scenario, seed: int, backend, *, start: int | None = None):
        self.scenario = scenario
        self.seed = seed
        self.backend = backend
        self.rng = np.random.default_rng(seed)
        self.start = start if start is not None else backend.start_time()
        if self.start % DAY:
            raise ValueError("the simulation starts at a day boundary")
        self.rules = DEFAULT_RULES.with_overrides(scenario.rules)
        self.model = Model(
            pool="pool",
            governor="governor",
            registrar="registrar",
            guardian="guardian",
            certifier="certifier",
            asset_decimals=scenario.asset_decimals,
            now=self.start,
            rules=self.rules,
        )
        self.unit = 10**scenario.asset_decimals
        self.days_done = 0
        self.product_classes = scenario.green_classes()
        self.classes: dict[int, tuple[str, str]] = {
            c.class_id: ("product", c.label) for c in self.product_classes
        }
        self.classes |= {a.class_id: ("action", a.label) for a in scenario.action_classes}
        """Every class the run certifies, products then actions: class id -> (kind, label)."""
        # per category: [(cumulative share, class id, factor)], drawn from for each purchase
        self.class_draws: dict[str, list[tuple[float, int, int]]] = defaultdict(list)
        for pc in self.product_classes:
            draws = self.class_draws[pc.category]
            draws.append(((draws[-1][0] if draws else 0.0) + pc.share, pc.class_id, pc.co2e_per_unit))
        self.agents = Agents()
        self.now = self.start
        self.day = 0
        self.today = DayTotals()
        self.rows: list[dict] = []
        self.order_counter: Counter = Counter()
        self.order_prefix: dict[str, int] = {}
        self.recorded: dict[str, list[bytes]] = defaultdict(list)
        self.returns_due: list[tuple[str, bytes, Purchase]] = []  # (merchant, order id, its record)
        self.contributed: Counter = Counter()
        self.passed_on: Counter = Counter()
        self.attempts: dict[str, Counter] = {kind: Counter() for kind in ATTEMPTS}
        self.let_through: list[str] = []
        self.first_exitable: dict[str, int] = {}
        """Consumer -> the first day whose end found its holding over the exit trigger and unlocked
        (what `own_exit_limit` says: it could exit, whatever the epoch's budget)."""
        self._not_yet_exitable: list[str] = []
        self.queue_waits: list[int] = []
        """Days each closed request waited: from the day it was made to the day its last point was
        filled (or given back beyond the return cap)."""
        self.claims_due: dict[int, str] = {}
        """Request id -> owner, for filled requests whose payout is not claimed yet."""
        self.rogue_contributed = 0
        self.actions = 0
        self.elapsed = 0.0
        """Seconds for the whole run, set-up (deployment, admissions) included."""
        self.setup_seconds = 0.0

    # ------------------------------------------------------------ plumbing

    def act(self, op: str, sender: str, *args, attempt: str | None = None):
        """Carry out one action in the model and on the backend; returns (result, refusal reason)."""
        try:
            result, reason = getattr(self.model, op)(sender, *args, now=self.now), None
        except Refusal as refusal:
            result, reason = None, refusal.reason
        self.backend.execute(op, sender, args, reason)
        self.actions += 1
        if reason is not None:
            self.today.rejected[reason] += 1
        if attempt is not None:
            self.today.attempts += 1
            self.attempts[attempt]["attempts"] += 1
            if reason is None:
                self.let_through.append(f"day {self.day}: {attempt} by {sender} was not refused")
            else:
                self.attempts[attempt][reason] += 1
        return result, reason

    def order_id(self, merchant: str) -> bytes:
        """The merchant's next order id: (merchant number << 64 | order number), as bytes32."""
        number = self.order_counter[merchant] = self.order_counter[merchant] + 1
        prefix = self.order_prefix.get(merchant)
        if prefix is None:
            prefix = self.order_prefix[merchant] = (len(self.order_prefix) + 1) << 64
        return (prefix | number).to_bytes(32, "big")

    def begin_phase(self, offset: int) -> None:
        self.now = self.start + self.day * DAY + offset
        self.backend.begin_phase(self.now)

    def pick(self, population: list[str], count: int) -> list[str]:
        if not population or count <= 0:
            return []
        return [population[i] for i in self.rng.integers(0, len(population), size=count).tolist()]

    def fraction(self, amount: int, share: float) -> int:
        return amount * round(share * FRACTION_SCALE) // FRACTION_SCALE

    def active_merchants(self) -> list[str]:
        return [m for m in self.agents.merchants if self.model.is_active(m)]

    # ------------------------------------------------------------ setup

    def setup(self) -> None:
        s, model = self.scenario, self.model
        self.backend.setup(asset_decimals=s.asset_decimals, rules=self.rules, start=self.start)
        weights = np.array([c.weight for c in s.categories])
        categories = self.rng.choice(len(s.categories), size=s.merchants, p=weights / weights.sum())
        for i in range(s.merchants):
            self.admit(f"merchant:{i}", int(categories[i]))
        for i in range(s.charities):
            label = f"charity:{i}"
            self.act("register_charity", "registrar", label, LICENSE)
            self.agents.charities.append(label)
        for pc in self.product_classes:
            self.certify(pc.class_id, PRODUCT, pc.co2e_per_unit, pc.label)
        for ac in s.action_classes:
            self.certify(ac.class_id, ACTION, ac.co2e_per_unit, ac.label)
        for sp in s.sponsors:
            label = f"sponsor:{sp.name}"
            reward = round(sp.reward_per_kg * self.unit)
            self.act("admit_sponsor", "registrar", label, reward, sp.daily_cap * self.unit, LICENSE)
            funds = sp.daily_cap * self.unit * (s.days + 1)
            self.model.asset_mint(label, funds)
            self.model.asset_approve(label, "pool", 2**256 - 1)
            self.backend.fund_merchant(label, funds)
            self.agents.sponsors.append(label)
        if s.rogue is not None:
            cat = next((i for i, c in enumerate(s.categories) if c.name == s.rogue.category), 0)
            self.agents.rogue = self.admit("rogue", cat)
            self.rogue_class = self.product_class_of(cat)
            self.agents.sybils = [f"sybil:{i}" for i in range(s.rogue.sybils)]
        for _ in range(s.consumers):
            self.join()
        assert model.state.total_supply == 0

    def certify(self, class_id: int, kind: int, factor: int, label: str) -> None:
        standard = keccak(text=f"simulated standard for {label}")
        _, reason = self.act("certify_class", "certifier", class_id, kind, factor, standard, label)
        if reason is not None:
            raise ValueError(f"class {class_id} ({label}): the certifier was refused ({reason})")

    def product_class_of(self, category: int) -> int:
        """A class the category sells (adversaries and the rogue name one): its first, or any."""
        draws = self.class_draws.get(self.scenario.categories[category].name)
        return draws[0][1] if draws else self.product_classes[0].class_id

    def admit(self, label: str, category: int) -> str:
        c = self.scenario.categories[category]
        self.act("admit", "registrar", label, c.contribution_bps, c.daily_cap * self.unit, LICENSE, category)
        funds = c.daily_cap * self.unit * (self.scenario.days + 1)
        self.model.asset_mint(label, funds)
        self.model.asset_approve(label, "pool", 2**256 - 1)
        self.backend.fund_merchant(label, funds)
        if label != "rogue":
            self.agents.merchants.append(label)
            self.agents.merchant_category[label] = category
        return label

    def join(self) -> None:
        label = f"consumer:{len(self.agents.consumers)}"
        self.agents.consumers.append(label)
        self.agents.joined.append(self.day)
        self._not_yet_exitable.append(label)

    # ------------------------------------------------------------ the day

    def run(self, on_day=None, stop=None) -> None:
        """Set up, then play every day (`on_day(day)` after each). When `stop` turns true (Ctrl-C:
        `greenpoints.progress.StopFlag`), the run ends after the day in play: `days_done` says how
        many were played, and the results hold those days only."""
        began = time.perf_counter()
        self.setup()
        self.setup_seconds = time.perf_counter() - began
        for day in range(self.scenario.days):
            if stop:
                break
            self.day = day
            self.today = DayTotals()
            self.begin_phase(MORNING)
            self.morning()
            self.begin_phase(EVENING)
            self.evening()
            self.close_day()
            self.days_done = day + 1
            if on_day is not None:
                on_day(day)
        self.elapsed = time.perf_counter() - began

    @property
    def partial(self) -> bool:
        """The run was stopped before its last day."""
        return self.days_done < self.scenario.days

    def morning(self) -> None:
        s, phase = self.scenario, self.scenario.phase_on(self.day)
        if self.model.queue_length():
            self.keeper()
        if self.claims_due:
            self.claims()
        for _ in range(int(self.rng.poisson(phase.new_consumers_per_day))):
            self.join()
        if s.rogue is not None and self.day == s.rogue.suspend_day:
            self.act("suspend", "registrar", "rogue", "fake purchases to its own addresses")
        self.spend_and_donate()
        self.exits(self.agents.consumers, s.exit_propensity)
        if self.agents.sybils and self.day >= s.rogue.start_day:
            self.exits(self.agents.sybils, 1.0)
        self.adversaries()

    def evening(self) -> None:
        due, self.returns_due = self.returns_due, []
        for merchant, order_id, purchase in due:
            receipt, reason = self.act("reverse_purchase", merchant, order_id, purchase)
            if reason is None:
                self.today.reversals += 1
                self.today.refunds += receipt.refund
                self.today.co2e_reversed += receipt.co2e
        self.green_actions()
        self.tills()
        if self.scenario.rogue is not None and self.day >= self.scenario.rogue.start_day:
            self.rogue_day()
        self.settlements()

    # ------------------------------------------------------------ consumers

    def spend_and_donate(self) -> None:
        s, model, consumers = self.scenario, self.model, self.agents.consumers
        merchants = self.active_merchants()
        if merchants:
            for consumer in self.pick(consumers, self.rng.binomial(len(consumers), s.spend_propensity)):
                points = self.fraction(model.balance_of(consumer), s.spend_fraction)
                if points == 0:
                    continue
                merchant = self.pick(merchants, 1)[0]
                value = model.to_assets(points)
                _, reason = self.act("spend", consumer, merchant, points, self.order_id(merchant))
                if reason is None:
                    self.today.spends += 1
                    self.today.spent_points += points
                    self.passed_on[consumer] += value
        charities = [c for c in self.agents.charities if model.is_charity(c)]
        if charities:
            for consumer in self.pick(consumers, self.rng.binomial(len(consumers), s.donate_propensity)):
                points = self.fraction(model.balance_of(consumer), s.donate_fraction)
                if points == 0:
                    continue
                value = model.to_assets(points)
                _, reason = self.act("donate", consumer, self.pick(charities, 1)[0], points)
                if reason is None:
                    self.today.donations += 1
                    self.today.donated_points += points
                    self.passed_on[consumer] += value

    def green_actions(self) -> None:
        """Consumers' attested green actions, each recorded by its sponsor while its cap allows."""
        s, model, rng, consumers = self.scenario, self.model, self.rng, self.agents.consumers
        if not consumers or not s.action_classes:
            return
        activity = s.phase_on(self.day).activity
        for ac in s.action_classes:
            sponsor = f"sponsor:{ac.sponsor}"
            if not model.is_sponsor(sponsor):
                continue
            count = int(rng.poisson(len(consumers) * ac.rate * activity))
            if count == 0:
                continue
            who = rng.integers(0, len(consumers), size=count).tolist()
            quantities = np.maximum(1, rng.poisson(ac.quantity, size=count)).tolist()
            room = model.daily_cap_left(sponsor, self.now)  # a sponsor knows its cap and stops paying
            for i, quantity in zip(who, quantities, strict=True):
                _, contribution = model.action_cost(sponsor, ac.class_id, quantity)
                if contribution > room:
                    self.today.held_back_by_sponsor_cap += 1
                    continue
                consumer = consumers[i]
                receipt, reason = self.act(
                    "record_action", sponsor, consumer, ac.class_id, quantity, self.order_id(sponsor)
                )
                if reason is not None:
                    continue
                room -= receipt.contribution
                t = self.today
                t.actions += 1
                t.action_contributions += receipt.contribution
                t.action_points += receipt.points
                t.issued_value += receipt.issued_value
                t.co2e_actions += receipt.co2e
                t.co2e_by_class[ac.class_id] += receipt.co2e
                self.contributed[consumer] += receipt.contribution

    def exits(self, population: list[str], propensity: float) -> None:
        """Consumers exit what the epoch's budget grants; with `exit_request_share` some of those it
        refuses request the rest. While requests wait, `exit` gives way to the line: a consumer
        (whose wallet reads the line) sends no exit and may request the whole of what it wanted."""
        model, share = self.model, self.scenario.exit_request_share
        for who in self.pick(population, self.rng.binomial(len(population), propensity)):
            wanted = self.fraction(model.own_exit_limit(who, self.now), self.scenario.exit_fraction)
            if wanted == 0:
                continue
            waiting = share and model.queued_points()
            granted = 0 if waiting else min(wanted, model.max_exit(who, self.now))
            shortfall = wanted - granted
            if shortfall:
                self.today.exit_demand_over_limit += model.exit_payout_of(shortfall)
            if granted and model.exit_payout_of(granted):
                receipt, reason = self.act("exit", who, granted)
                if reason is None:
                    self.today.exits += 1
                    self.today.exited_points += granted
                    self.today.exit_payouts += receipt.payout
                    self.today.exit_paid_by_newcomers += receipt.paid_by_newcomers
            if shortfall and share and self.rng.random() < share:
                self.request(who, shortfall)

    # ------------------------------------------------------------ the exit queue

    def request(self, who: str, shortfall: int) -> None:
        """`who` takes a place in line for what the budget refused, as much of it as the exit's other
        conditions allow now (an exit just paid raised the value per point: the return cap may take
        a little of it)."""
        points = min(shortfall, self.model.own_exit_limit(who, self.now))
        if points == 0:
            return
        receipt, reason = self.act("request_exit", who, points)
        if reason is None:
            # A request proves the holding could exit (conditions 1-3) today; it may leave nothing in
            # the balance for the end-of-day check to see (a morning's exits can raise the value per
            # point over a trigger the last evening's check found unmet).
            self.first_exitable.setdefault(who, self.day)
            self.today.queue_requests += 1
            self.today.queue_requested_points += receipt.points

    def keeper(self) -> None:
        """The keeper fills the line from the epoch's budget, `MAX_PROCESS` requests a call at most,
        until the budget or the line runs out; the day's figures come from the receipts."""
        model, t = self.model, self.today
        while model.queue_length() and model.exit_budget_left(self.now):
            head = model.queue_head()
            count = min(MAX_PROCESS, model.next_request_id() - head)
            before = {i: model.exit_request(i) for i in range(head, head + count)}
            receipt, reason = self.act("process_exits", KEEPER, count)
            if reason is not None:
                return
            for event in receipt.events:
                if isinstance(event, ExitFilled):
                    request = before[event.id]
                    basis = request.basis * event.points // request.unfilled
                    t.queue_fills += 1
                    t.queue_filled_points += event.points
                    t.queue_fill_payouts += event.payout
                    t.queue_paid_by_newcomers += max(0, event.payout - basis)
                    self.claims_due[event.id] = event.account
                elif isinstance(event, ExitCancelled):
                    t.queue_given_back_points += event.points
            for i in sorted({event.id for event in receipt.events}):
                request = model.exit_request(i)
                if not request.unfilled:
                    self.queue_waits.append(self.day - self.day_of(request.requested_at))
            if receipt.touched < count:
                return

    def claims(self) -> None:
        """Owners of filled requests claim their payouts (pulled): each on a day it looks at its
        points, with the scenario's `exit_propensity`."""
        due = sorted(self.claims_due)
        looks = self.rng.random(len(due)).tolist()
        for request_id, look in zip(due, looks, strict=True):
            if look >= self.scenario.exit_propensity:
                continue
            receipt, reason = self.act("claim_exit", self.claims_due[request_id], request_id)
            if reason is None:
                del self.claims_due[request_id]
                self.today.queue_claims += 1
                self.today.queue_claimed += receipt.amount

    def day_of(self, timestamp: int) -> int:
        """The run's day a timestamp falls in."""
        return (timestamp - self.start) // DAY

    def queue_figures(self) -> dict:
        """The line at this moment: requests and points waiting, the oldest request's wait in whole
        days (0 when it was made today or none waits), payouts filled but not claimed."""
        model = self.model
        waiting = model.queue_length()
        oldest = self.day - self.day_of(model.exit_request(model.queue_head()).requested_at) if waiting else 0
        return {
            "queue_waiting_requests": waiting,
            "queue_waiting_points": model.queued_points(),
            "queue_oldest_wait_days": oldest,
            "queue_unclaimed": sum(model.exit_request(i).claimable for i in self.claims_due),
        }

    def queued_by_owner(self) -> Counter:
        """Points each owner has waiting in the line (out of its balance, still its claim)."""
        owners: Counter = Counter()
        for _, request in self.model.waiting_requests():
            owners[request.owner] += request.unfilled
        return owners

    # ------------------------------------------------------------ adversaries

    def adversaries(self) -> None:
        a, model, rng = self.scenario.adversaries, self.model, self.rng
        consumers = self.agents.consumers
        wanted = (a.trades_per_day, a.over_cap_exits_per_day)
        holders = [c for c in consumers if model.balance_of(c)] if any(wanted) else []
        for _ in range(int(rng.poisson(a.replayed_orders_per_day))):
            merchant = self.pick([m for m in self.active_merchants() if self.recorded[m]], 1)
            if merchant and consumers:
                old = self.pick(self.recorded[merchant[0]], 1)[0]
                amount = 10 * self.unit
                green = self.product_class_of(self.agents.merchant_category[merchant[0]])
                self.act(
                    "record_purchase", merchant[0], self.pick(consumers, 1)[0], amount, old, green,
                    attempt="replayed order id",
                )  # fmt: skip
        for _ in range(int(rng.poisson(a.outsider_issues_per_day))):
            if consumers:
                who = self.pick(consumers, 1)[0]
                self.act(
                    "record_purchase", self.agents.outsider, who, 100 * self.unit,
                    self.order_id(self.agents.outsider), self.product_classes[0].class_id,
                    attempt="issue without whitelist",
                )  # fmt: skip
        for _ in range(int(rng.poisson(a.trades_per_day))):
            if holders and len(consumers) > 1:
                seller = self.pick(holders, 1)[0]
                buyer = self.pick([c for c in consumers if c != seller], 1)[0]
                points = max(1, model.balance_of(seller) // 2)
                self.act("transfer", seller, buyer, points, attempt="trade between consumers")
        for _ in range(int(rng.poisson(a.over_cap_exits_per_day))):
            if holders:
                who = self.pick(holders, 1)[0]
                allowed, balance = model.max_exit(who, self.now), model.balance_of(who)
                points = allowed + 1 if allowed < balance else balance + 1
                self.act("exit", who, points, attempt="exit over the cap")

    def rogue_day(self) -> None:
        rogue, sybils, model = self.agents.rogue, self.agents.sybils, self.model
        cap = model.merchant(rogue).daily_cap
        # Beyond the cap: one purchase whose contribution alone exceeds what the cap allows (a whole
        # asset unit over it, and 10,000 base units more).
        over = model.sale_for_contribution(rogue, cap + self.unit) + 10_000
        kind = "rogue beyond its daily cap" if model.is_active(rogue) else "rogue after suspension"
        green = self.rogue_class
        self.act("record_purchase", rogue, sybils[0], over, self.order_id(rogue), green, attempt=kind)
        if not model.is_active(rogue):
            return
        each = model.sale_for_contribution(rogue, cap) // len(sybils)
        amounts = [each] * len(sybils)
        ids = [self.order_id(rogue) for _ in sybils]
        classes = [green] * len(sybils)
        receipts, reason = self.act("record_purchases", rogue, list(sybils), amounts, ids, classes)
        if reason is None:
            self.rogue_contributed += sum(r.contribution for r in receipts)
            self.count_issue(receipts)

    # ------------------------------------------------------------ merchants

    def tills(self) -> None:
        s, model, rng = self.scenario, self.model, self.rng
        merchants = self.active_merchants()
        consumers = self.agents.consumers
        activity = s.phase_on(self.day).activity
        count = int(rng.poisson(len(consumers) * s.purchase_rate * activity)) if consumers else 0
        if not merchants or count == 0:
            return
        buyers = rng.integers(0, len(consumers), size=count).tolist()
        at = rng.integers(0, len(merchants), size=count)
        spread = rng.standard_normal(count)
        returned = (rng.random(count) < s.return_rate).tolist()
        kinds = rng.random(count).tolist()  # which certified class, if any, each purchase is of
        # Purchase amounts in cents: log-normal around each merchant's category ticket.
        categories = [s.categories[self.agents.merchant_category[m]] for m in merchants]
        ticket = np.array([c.ticket * 100 for c in categories])[at]
        sigma = np.array([c.ticket_spread for c in categories])[at]
        cents = np.maximum(1, np.rint(ticket * np.exp(sigma * spread))).astype(np.int64).tolist()
        by_merchant: dict[int, list[int]] = defaultdict(list)
        for i, m_index in enumerate(at.tolist()):
            by_merchant[m_index].append(i)
        scale = self.unit // 100
        for m_index in sorted(by_merchant):
            merchant = merchants[m_index]
            sales = by_merchant[m_index]
            # What each sale would pay in, asked of the model once for the till's whole day.
            contributions = model.contributions_of(merchant, [cents[i] * scale for i in sales])
            room = model.daily_cap_left(merchant, self.now)  # a till knows its cap and stops recording
            draws = self.class_draws.get(s.categories[self.agents.merchant_category[merchant]].name, [])
            shares = [share for share, _, _ in draws]
            batch: list[Sale] = []
            for i, contribution in zip(sales, contributions, strict=True):
                drawn = bisect_right(shares, kinds[i])  # the first class whose cumulative share is above
                if drawn == len(draws):
                    self.today.not_green += 1
                    continue
                amount = cents[i] * scale
                if contribution > room:
                    self.today.held_back_by_cap += 1
                    continue
                room -= contribution
                batch.append(
                    Sale(consumers[buyers[i]], amount, self.order_id(merchant), draws[drawn][1], returned[i])
                )
            for start in range(0, len(batch), MAX_BATCH):
                self.record(merchant, batch[start : start + MAX_BATCH])

    def record(self, merchant: str, batch: list[Sale]) -> None:
        """Record one batch of the till's sales in one `record_purchases`; book what the receipts say."""
        receipts, reason = self.act(
            "record_purchases",
            merchant,
            [sale.consumer for sale in batch],
            [sale.amount for sale in batch],
            [sale.order_id for sale in batch],
            [sale.class_id for sale in batch],
        )
        if reason is not None:
            return
        contributed, recorded = self.contributed, self.recorded[merchant]
        for sale, receipt in zip(batch, receipts, strict=True):
            contributed[sale.consumer] += receipt.contribution
            recorded.append(sale.order_id)
            if sale.returned:
                self.returns_due.append((merchant, sale.order_id, Purchase.of(receipt, self.now)))
        self.count_issue(receipts)

    def count_issue(self, receipts: tuple[PurchaseRecorded, ...]) -> None:
        """Book a call's purchases in the day's figures, from their receipts (summed in locals: one
        attribute write per figure per call, not per purchase)."""
        t = self.today
        by_class = t.co2e_by_class
        amount = contribution = points = issued = co2e = 0
        for r in receipts:
            amount += r.amount
            contribution += r.contribution
            points += r.points
            issued += r.issued_value
            co2e += r.co2e
            by_class[r.class_id] += r.co2e
        t.purchases += len(receipts)
        t.purchase_amount += amount
        t.contributions += contribution
        t.points_issued += points
        t.issued_value += issued
        t.co2e_purchases += co2e

    def settlements(self) -> None:
        model = self.model
        rogue = [self.agents.rogue] if self.agents.rogue else []
        accounts = self.agents.merchants + rogue + self.agents.charities
        draws = self.rng.random(len(accounts))
        for account, draw in zip(accounts, draws, strict=True):
            points = model.balance_of(account)
            if points == 0 or draw >= self.scenario.settle_propensity:
                continue
            if model.settlement_of(points)[0] == 0:
                continue
            receipt, reason = self.act("settle", account, points)
            if reason is None:
                self.today.settlements += 1
                self.today.settled_assets += receipt.assets

    # ------------------------------------------------------------ figures

    def _note_exitable(self) -> None:
        """Mark the consumers whose holding could exit from now on (checked at the end of each day,
        for those not yet marked): the model's `newly_exitable` says which."""
        if not self.model.state.total_supply:
            return
        ready, self._not_yet_exitable = self.model.newly_exitable(self._not_yet_exitable, self.now)
        for consumer in ready:  # one marked by its request keeps that day
            self.first_exitable.setdefault(consumer, self.day)

    def close_day(self) -> None:
        self._note_exitable()
        st = self.model.state
        self.backend.end_day(self.day, (st.total_assets, st.total_supply, st.asset_balances.get("pool", 0)))
        limit, used = self.model.epoch_exits(self.now)
        price = self.model.price_per_point()
        t = self.today
        row = {
            "day": self.day,
            "consumers": len(self.agents.consumers),
            "total_assets": st.total_assets,
            "total_supply": st.total_supply,
            "price_per_point": price,
            "value_per_point": price / self.unit,
            "purchases": t.purchases,
            "purchase_amount": t.purchase_amount,
            "contributions": t.contributions,
            "points_issued": t.points_issued,
            "issued_value": t.issued_value,
            "held_back_by_cap": t.held_back_by_cap,
            "reversals": t.reversals,
            "refunds": t.refunds,
            "spends": t.spends,
            "spent_points": t.spent_points,
            "donations": t.donations,
            "donated_points": t.donated_points,
            "settlements": t.settlements,
            "settled_assets": t.settled_assets,
            "exits": t.exits,
            "exited_points": t.exited_points,
            "exit_payouts": t.exit_payouts,
            "exit_demand_over_limit": t.exit_demand_over_limit,
            "exit_paid_by_newcomers": t.exit_paid_by_newcomers,
            "exit_budget": limit,
            "exit_budget_used": used / limit if limit else 0.0,
            "queue_requests": t.queue_requests,
            "queue_requested_points": t.queue_requested_points,
            "queue_fills": t.queue_fills,
            "queue_filled_points": t.queue_filled_points,
            "queue_fill_payouts": t.queue_fill_payouts,
            "queue_paid_by_newcomers": t.queue_paid_by_newcomers,
            "queue_given_back_points": t.queue_given_back_points,
            "queue_claims": t.queue_claims,
            "queue_claimed": t.queue_claimed,
            **self.queue_figures(),
            "attempts": t.attempts,
            "rejected": sum(t.rejected.values()),
            "not_green": t.not_green,
            "green_actions": t.actions,
            "action_contributions": t.action_contributions,
            "action_points": t.action_points,
            "held_back_by_sponsor_cap": t.held_back_by_sponsor_cap,
            "co2e_purchases_g": t.co2e_purchases,
            "co2e_actions_g": t.co2e_actions,
            "co2e_reversed_g": t.co2e_reversed,
            "co2e_g": t.co2e_purchases + t.co2e_actions - t.co2e_reversed,
            "total_carbon_g": st.total_carbon,
        }
        for class_id in self.classes:
            row[f"co2e_g: class {class_id}"] = t.co2e_by_class.get(class_id, 0)
        for reason, n in sorted(t.rejected.items()):
            row[f"rejected: {reason}"] = n
        self.rows.append(row)

    def final_state(self) -> dict:
        """Every figure the run can compare across backends, keyed by agent label."""
        m = self.model
        st = m.state
        accounts = {
            label: {
                "points": m.balance_of(label),
                "basis": m.basis_of(label),
                "earned": m.earned_of(label),
                "paid_out": m.paid_out_of(label),
                "carbon": m.carbon_of(label),
                "assets": st.asset_balances.get(label, 0),
            }
            for label in self.agents.holders()
        }
        pool = {
            "total_assets": st.total_assets,
            "total_supply": st.total_supply,
            "asset_balance": st.asset_balances.get("pool", 0),
            "price_per_point": m.price_per_point(),
            "epoch_exited": st.epoch_exited,
            "total_carbon": st.total_carbon,
            "queue_length": m.queue_length(),
            "queued_points": m.queued_points(),
            "queue_head": m.queue_head(),
            "next_request_id": m.next_request_id(),
        }
        requests = {}
        for i in range(m.next_request_id()):
            r = m.exit_request(i)
            requests[str(i)] = {
                "owner": r.owner,
                "points": r.points,
                "filled": r.filled,
                "claimable": r.claimable,
                "claimed": r.claimed,
            }
        return {"pool": pool, "accounts": accounts, "exit_requests": requests}

"""Stateful fuzzing: random sequences of every operation on the chain and in the model, side by side.

After every step the chain must equal the model exactly (balances, basis, earned, paid out, carbon,
asset balances, total assets, supply, total carbon, epoch figures, budget, max_exit) and SPEC
section 5's invariants 1 to 7, 9 and 10 must hold. Purchases name classes of the green catalog, a
sponsor records green actions, and the certifier certifies and withdraws classes mid-run. At the end
of every example the audit (`greenpoints.audit.audit`) reads the example's whole history from the
chain: it must pass, and the model it replayed the events through must be the machine's model
exactly. Every operation's receipt from the model must equal the event the pool logged, field for
field (a batch: one receipt per PurchaseRecorded, in order). The chain is reset between examples
with the engine's snapshots (tests/stateful/engines.py: anvil, titanoboa, Ape's embedded chain).
Profiles: `ci` on anvil (part of `make test`) and `deep` (`make fuzz`), `smoke` on titanoboa and
Ape, see tests/conftest.py.
"""

from __future__ import annotations

import copy
import logging
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from ape.logging import logger
from eth_utils import keccak
from hypothesis import note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from greenpoints.catalog import SAMPLE_CATALOG
from greenpoints.model import ZERO, Model, Purchase, Refusal
from greenpoints.model.receipts import RECEIPTS
from tests.conftest import GREEN, LICENSE, order
from tests.stateful import strategies as s
from tests.stateful.engines import AnvilEngine, ApeEngine, BoaEngine

EMPTY = b"\x00" * 32
RECEIPT_EVENTS = frozenset(RECEIPTS)
"""The pool's events the model's operations return as receipts."""


def receipts_of(result) -> list:
    """The receipts a model operation returned: one, a batch's tuple of them, or none."""
    if hasattr(result, "_fields"):
        return [result]
    if isinstance(result, tuple):
        return [r for r in result if hasattr(r, "_fields")]
    return []


def _same(value):
    """An event's or a receipt's field in one form: addresses lower-case, bytes as bytes."""
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    return value


MAX = 2**256 - 1
TIMELOCK_DELAY = 3_600
FULL_READ_EVERY = 5
"""On the boa engine, every holder's every figure is read after every 5th step (and at the end of an
example); the steps between read what they can have changed (`PoolMachine._chain_equals_model`)."""


class Env:
    """What every example starts from: a deployed system on `engine`, its actors (addresses), and
    the matching model."""

    def __init__(self, engine, decimals):
        self.chain = engine
        self.decimals = decimals
        self.unit = 10**decimals
        a = engine.accounts
        self.registrar, self.guardian, self.proposer = a[1], a[2], a[3]
        self.certifier, self.sponsor = a[14], a[15]
        deployed = engine.deploy(
            decimals,
            registrar=a[1],
            guardian=a[2],
            certifier=a[14],
            proposer=a[3],
            timelock_delay=TIMELOCK_DELAY,
            catalog=SAMPLE_CATALOG,
        )
        self.pool, self.asset = deployed["pool"], deployed["asset"]
        self.governor, self.registry = deployed["governor"], deployed["registry"]
        self.model = Model(
            pool=self.pool,
            governor=self.governor,
            registrar=a[1],
            guardian=a[2],
            certifier=a[14],
            asset_decimals=decimals,
            now=engine.latest_timestamp,
            registry=self.registry,
        )
        for c in SAMPLE_CATALOG:
            self.model.certify_class(
                a[14], c.class_id, int(c.kind), c.co2e_per_unit, c.standard_hash, c.label
            )
        self.merchants = [a[4], a[5], a[11]]  # the third is admitted only by a rule
        self.charities = [a[6], a[12]]  # the second is registered only by a rule
        self.consumers = [a[7], a[8], a[9], a[10], a[13]]
        for merchant, bps in zip(self.merchants[:2], (3_000, 2_000), strict=True):
            self._setup("registry", "admit", (merchant, bps, 10**9 * self.unit, LICENSE, 1), a[1])
            self.model.admit(a[1], merchant, bps, 10**9 * self.unit, LICENSE, 1)
        self._setup("registry", "register_charity", (self.charities[0], LICENSE), a[1])
        self.model.register_charity(a[1], self.charities[0], LICENSE)
        # a city fund paying 0.05 units per kg of CO2e, up to 10,000 units a day
        reward, cap = self.unit // 20, 10_000 * self.unit
        self._setup("registry", "admit_sponsor", (a[15], reward, cap, LICENSE), a[1])
        self.model.admit_sponsor(a[1], a[15], reward, cap, LICENSE)
        for merchant in [*self.merchants, a[15]]:
            self._setup("asset", "mint", (merchant, 10**12 * self.unit), merchant)
            self._setup("asset", "approve", (self.pool, MAX), merchant)
            self.model.asset_mint(merchant, 10**12 * self.unit)
            self.model.asset_approve(merchant, self.pool, MAX)
        self.holders = self.merchants + self.charities + self.consumers
        self.holder_of = {h.lower(): h for h in self.holders}
        self.targets = [*self.consumers, self.merchants[1], self.charities[0], ZERO, self.pool]
        self.action_targets = [*self.consumers, self.sponsor, self.merchants[0], ZERO]
        queries = [
            ("total_assets", "pool", "total_assets", ()),
            ("total_supply", "pool", "totalSupply", ()),
            ("current_epoch", "pool", "current_epoch", ()),
            ("epoch_start_assets", "pool", "epoch_start_assets", ()),
            ("epoch_exited", "pool", "epoch_exited", ()),
            ("paused", "pool", "paused", ()),
            ("shutdown", "pool", "is_shutdown", ()),
            ("budget", "pool", "exit_budget_left", ()),
            ("pool_assets", "asset", "balanceOf", (self.pool,)),
            ("total_carbon", "pool", "total_carbon", ()),
            ("sponsor_assets", "asset", "balanceOf", (self.sponsor,)),
            # the exit queue (SPEC 11): the line's points (the registry's balance) and its length
            ("queued", "pool", "balanceOf", (self.registry,)),
            ("queue_length", "exit_queue", "queue_length", ()),
            ("next_request_id", "exit_queue", "next_request_id", ()),
        ]
        for holder in self.holders:
            queries += [
                (("balance", holder), "pool", "balanceOf", (holder,)),
                (("basis", holder), "pool", "basis_of", (holder,)),
                (("earned", holder), "pool", "earned_of", (holder,)),
                (("paid_out", holder), "pool", "paid_out_of", (holder,)),
                (("asset", holder), "asset", "balanceOf", (holder,)),
                (("max_exit", holder), "pool", "max_exit", (holder,)),
                (("carbon", holder), "pool", "carbon_of", (holder,)),
            ]
        self.reader = engine.reader(queries)

    def _setup(self, contract, function, args, sender):
        refused = self.chain.send(contract, function, args, sender)
        assert refused is None, f"setting up: {function}{args}: {refused}"


# What the audit's replayed model must share with the machine's (the audit does not model the
# settlement token's balances and allowances outside the pool, nor the points allowances).
MODEL_FIGURES = (
    "rules", "total_assets", "total_supply", "balances", "basis", "earned", "paid_out", "last_issued_at",
    "merchants", "charities", "orders", "roles", "paused", "shutdown", "current_epoch",
    "epoch_start_assets", "epoch_exited", "carbon", "total_carbon", "sponsors", "classes", "actions",
    "exit_requests", "queue_next", "queue_waiting",
)  # fmt: skip


def _lower(value):
    """`value` with every address in lower case, as the audit holds them."""
    if isinstance(value, str):
        return value.lower() if value.startswith("0x") and len(value) == 42 else value
    if isinstance(value, dict):
        return {_lower(k): _lower(v) for k, v in value.items()}
    if hasattr(value, "owner") and hasattr(value, "_replace"):  # an exit request
        return value._replace(owner=value.owner.lower())
    if hasattr(value, "_replace"):  # an Order
        return value._replace(consumer=value.consumer.lower())
    if isinstance(value, tuple):
        return tuple(_lower(v) for v in value)
    if isinstance(value, bool | int | bytes) or value is None:
        return value
    return value


class PoolMachine(RuleBasedStateMachine):
    env: Env  # set by run_machine
    outcomes: Counter  # (operation, "ok" or refusal reason) -> count, over the whole run
    audits: Counter  # examples audited and events they held, over the whole run
    audit_examples: bool  # audit every example in its teardown
    progress: Progress

    def __init__(self):
        super().__init__()
        env = self.env
        self.chain = env.chain  # the engine
        self.snapshot = self.chain.snapshot()
        self.model = copy.deepcopy(env.model)
        self.unit = env.unit
        self.last_price = None  # (total_assets, total_supply) after the previous step
        self.flows = {"contributions": 0, "payouts": 0, "settlements": 0, "refunds": 0}
        self.recorded: list[tuple[int, bytes]] = []  # (merchant index, order id) recorded on chain
        self.progress.examples += 1
        self.steps = 1  # the first step's read is a partial one
        self.touched: set[str] = set()  # holders named since the last read

    def teardown(self):
        try:
            self._chain_equals_model(full=True)
            if self.audit_examples:
                self.audit_rebuilds_the_model()
        finally:
            self.chain.restore(self.snapshot)

    def audit_rebuilds_the_model(self):
        """The audit of this example's history passes and replays it into the machine's model."""
        result = self.chain.audit()
        audits = type(self).audits
        audits["examples"] += 1
        audits["events"] += result.events
        assert result.ok, "the audit failed:\n" + "\n".join(result.failures[:20])
        replayed, ours = result.model.state, self.model.state
        for name in MODEL_FIGURES:
            got, want = getattr(replayed, name), _lower(getattr(ours, name))
            if isinstance(want, dict):  # entries that hold nothing are the same as absent ones
                got = {k: v for k, v in got.items() if v}
                want = {k: v for k, v in want.items() if v}
            assert got == want, f"the audit replayed {name} = {got}, the machine's model has {want}"

    # ------------------------------------------------------------ helpers

    def send(self, contract, function, args, sender):
        """One transaction on the engine: None, or the chain's revert reason. Remembers the holders
        it names (for the next read of the chain)."""
        self._touch([sender, *args])
        return self.chain.send(contract, function, args, sender)

    def _touch(self, values) -> None:
        holders = self.env.holder_of
        for value in values:
            if isinstance(value, str):
                if value.lower() in holders:
                    self.touched.add(holders[value.lower()])
            elif isinstance(value, list | tuple):
                self._touch(value)

    def _apply(self, label, model_call, chain_call):
        """Run one operation on both sides; both must succeed, or both refuse with one reason."""
        now = self.chain.pending_timestamp
        try:
            result, refused = model_call(now), None
        except Refusal as refusal:
            result, refused = None, refusal.reason
        got = chain_call()
        note(f"{label} @ {now}: {'refused ' + repr(refused) if refused else 'ok'}")
        self.outcomes[(label.split()[0], refused or "ok")] += 1
        self.progress.tick()
        if got != refused:
            self.progress.disagreements += 1
        assert got == refused, f"{label}: chain says {got!r}, model says {refused!r}"
        if got is None:
            events = self.chain.pool_events()
            self._touch([list(a.values()) for _, a in events])
            self._count_flows(events)
            self._compare_receipts(label, receipts_of(result), events)
        return refused is None, result

    def _compare_receipts(self, label, receipts, events):
        """The model's receipts equal the pool's events of their kinds, in order, field for field."""
        events = [(name, args) for name, args in events if name in RECEIPT_EVENTS]
        if not receipts and not events:
            return
        kinds = [type(r).__name__ for r in receipts]
        assert kinds == [name for name, _ in events], f"{label}: model's {kinds}, chain's {events}"
        for receipt, (event_name, arguments) in zip(receipts, events, strict=True):
            for name, value in arguments.items():
                mine = getattr(receipt, name)
                assert _same(mine) == _same(value), (
                    f"{label}: {event_name}.{name}: chain {value!r}, model's receipt {mine!r}"
                )
            self.audits["receipts"] += 1

    def _count_flows(self, events):
        for name, a in events:
            if name == "PurchaseRecorded" or name == "ActionRecorded":
                self.flows["contributions"] += a["contribution"]
            elif name == "PointsExited" or name == "ExitFilled":
                self.flows["payouts"] += a["payout"]
            elif name == "PointsSettled":
                self.flows["settlements"] += a["assets"]
            elif name == "PurchaseReversed":
                self.flows["refunds"] += a["refund"]

    def _share(self, account, fraction) -> int:
        balance = self.model.balance_of(account)
        return balance * fraction // 1_000_000 if fraction <= 1_000_000 else balance + 1

    def _holder(self, data, h, prefer):
        """Holder h, or mostly one of `prefer` that holds points (so moves are not all refused)."""
        holding = [x for x in prefer if self.model.balance_of(x)]
        if holding and data.draw(st.integers(0, 3), label="prefer a holder with points"):
            return data.draw(st.sampled_from(holding), label="holder")
        return self.env.holders[h]

    def _amount(self, kind, units, raw) -> int:
        return units * self.unit if kind == "units" else raw

    def _governor_call(self, label, function, args, model_call):
        """Schedule on the timelock, wait out the delay, execute: the model applies it at execution."""
        env, chain = self.env, self.chain
        payload = chain.encode("registry", function, args)
        salt = keccak(text=f"{label}@{chain.block_number}")  # the same change may come again later
        operation = (env.registry, 0, payload, EMPTY, salt)
        refused = self.send("governor", "schedule", (*operation, TIMELOCK_DELAY), env.proposer)
        assert refused is None, f"scheduling {label}: {refused}"
        chain.pending_timestamp = max(chain.pending_timestamp, chain.latest_timestamp + TIMELOCK_DELAY)
        return self._apply(
            label, model_call, lambda: self.send("governor", "execute", operation, env.proposer)
        )

    # ------------------------------------------------------------ issuance

    @initialize(amounts=st.lists(s.whole_units, min_size=4, max_size=4))
    def seed_purchases(self, amounts):
        """Every example starts with four consumers holding points bought at the first merchant."""
        merchant = self.env.merchants[0]
        consumers = self.env.consumers[:4]
        values = [u * self.unit for u in amounts]
        ids = [order(f"seed-{i}") for i in range(4)]
        self._apply(
            f"record_purchases seed {amounts}",
            lambda now: self.model.record_purchases(
                merchant,
                list(consumers),
                values,
                ids,
                [GREEN] * len(consumers),
                now,
            ),
            lambda: self.send(
                "pool", "record_purchases", (consumers, values, ids, [GREEN] * len(consumers)), merchant
            ),
        )
        self.recorded.extend((0, i) for i in ids)

    @rule(
        m=s.purchase_senders,
        c=s.purchase_targets,
        kind=s.amount_kind,
        units=s.whole_units,
        raw=s.raw_amounts,
        n=s.order_numbers,
        k=s.purchase_classes,
    )
    def purchase(self, m, c, kind, units, raw, n, k):
        sender = self.env.merchants[m] if m < 3 else self.env.consumers[0]  # the last one: not a merchant
        consumer = self.env.targets[c]
        amount = self._amount(kind, units, raw)
        self._apply(
            f"record_purchase m{m} -> {consumer[:8]} {amount} #{n} class {k}",
            lambda now: self.model.record_purchase(sender, consumer, amount, order(n), k, now),
            lambda: self.send(
                "pool",
                "record_purchase",
                (consumer, amount, order(n), k),
                sender,
            ),
        )
        if m < 3:
            self.recorded.append((m, order(n)))

    @rule(m=s.purchase_senders.filter(lambda m: m < 3), size=s.batch_sizes, data=st.data())
    def purchase_batch(self, m, size, data):
        sender = self.env.merchants[m]
        entries = data.draw(
            st.lists(
                st.tuples(s.purchase_targets, s.whole_units, s.order_numbers, s.purchase_classes),
                min_size=size,
                max_size=size,
            )
            if size <= 6
            else st.just([(0, 1, i, GREEN) for i in range(size)])
        )
        consumers = [self.env.targets[c] for c, _, _, _ in entries]
        amounts = [u * self.unit for _, u, _, _ in entries]
        ids = [order(n) for _, _, n, _ in entries]
        classes = [k for _, _, _, k in entries]
        ok, _ = self._apply(
            f"record_purchases m{m} x{size} {entries[:6]}",
            lambda now: self.model.record_purchases(sender, list(consumers), amounts, ids, classes, now),
            lambda: self.send("pool", "record_purchases", (consumers, amounts, ids, classes), sender),
        )
        if ok:
            self.recorded.extend((m, i) for i in ids)

    def _record_for(self, merchant, oid, forge):
        """The record to pass back for an order: the model's (the chain's event and block, since
        chain == model), or with field `forge` (0-6) changed; for an order the merchant never
        recorded, a plausible one of the first consumer."""
        true = self.model.purchase_of(merchant, oid)
        if true is None:
            true = Purchase(
                self.env.consumers[0], GREEN, self.unit, self.unit, 1, 0, self.chain.latest_timestamp
            )
        if forge is None:
            return true
        if forge == 0:
            other = next(c for c in self.env.consumers if c.lower() != true.consumer.lower())
            return true._replace(consumer=other)
        return true._replace(**{true._fields[forge]: true[forge] + 1})

    def _reverse(self, label, merchant, oid, forge):
        """Reverse on both sides with the order's record (or a forged one): chain == model, and the
        order's word on chain equals the model's afterwards."""
        purchase = self._record_for(merchant, oid, forge)
        label = f"{label}{'' if forge is None else f' forged {Purchase._fields[forge]}'}"
        self._apply(
            label,
            lambda now: self.model.reverse_purchase(merchant, oid, purchase, now),
            lambda: self.send("pool", "reverse_purchase", (oid, tuple(purchase)), merchant),
        )
        assert self.chain.view("pool", "order_word", merchant, oid) == self.model.order_word(merchant, oid), (
            label
        )

    @rule(data=st.data(), m=st.integers(0, 2), n=s.order_numbers, known=st.booleans(), forge=s.forged_fields)
    def reverse(self, data, m, n, known, forge):
        oid = order(n)
        if known and self.recorded:  # mostly an order some merchant really recorded
            m, oid = data.draw(st.sampled_from(self.recorded))
        self._reverse(f"reverse_purchase m{m} {oid.hex()[:8]}", self.env.merchants[m], oid, forge)

    @rule(
        u=st.integers(0, 4),
        units=s.whole_units,
        wait=st.sampled_from([0, 60, 3_600, 8 * 86_400]),
        spend_first=st.sampled_from([0, 0, 0, 1]),
        forge=s.forged_fields,
    )
    def purchase_then_reverse(self, u, units, wait, spend_first, forge):
        """A purchase, perhaps time passing or a point spent, then the merchant reverses it (with its
        record, or a forged one)."""
        merchant, consumer = self.env.merchants[0], self.env.consumers[u]
        oid = order(f"rev-{self.chain.block_number}")
        amount = units * self.unit
        ok, _ = self._apply(
            f"record_purchase m0 -> u{u} {amount} (to reverse)",
            lambda now: self.model.record_purchase(merchant, consumer, amount, oid, GREEN, now),
            lambda: self.send("pool", "record_purchase", (consumer, amount, oid, GREEN), merchant),
        )
        if not ok:
            return
        self.recorded.append((0, oid))
        if spend_first:
            cafe = self.env.merchants[1]
            self._apply(
                f"spend u{u} -> m1 1",
                lambda now: self.model.spend(consumer, cafe, 1),
                lambda: self.send("pool", "spend", (cafe, 1, EMPTY), consumer),
            )
        self.chain.pending_timestamp = self.chain.pending_timestamp + wait
        self._reverse(f"reverse_purchase m0 {oid.hex()[:8]}", merchant, oid, forge)

    # ------------------------------------------------------------ green actions and the catalog

    @rule(t=st.sampled_from([0, 0, 1, 1, 2, 3, 4, 5, 6, 7]), k=s.action_classes, q=s.action_quantities,
          n=s.action_numbers, by_merchant=st.sampled_from([False] * 9 + [True]))  # fmt: skip
    def green_action(self, t, k, q, n, by_merchant):
        """The sponsor attests an action (t = 5: the sponsor itself, 6: a merchant, 7: zero)."""
        sender = self.env.merchants[0] if by_merchant else self.env.sponsor
        consumer = self.env.action_targets[t]
        self._apply(
            f"record_action {'m0' if by_merchant else 'sponsor'} -> {consumer[:8]} class {k} x{q} #{n}",
            lambda now: self.model.record_action(sender, consumer, k, q, order(f"action-{n}"), now),
            lambda: self.send("pool", "record_action", (consumer, k, q, order(f"action-{n}")), sender),
        )

    @rule(change=s.catalog_changes, by_certifier=st.sampled_from([True] * 9 + [False]))
    def catalog(self, change, by_certifier):
        action, class_id, kind, factor = change
        sender = self.env.certifier if by_certifier else self.env.registrar
        who = sender
        if action == "certify":
            standard = order(f"standard-{class_id}-{factor}")
            self._apply(
                f"certify_class {class_id} kind {kind} {factor} g",
                lambda now: self.model.certify_class(who, class_id, kind, factor, standard, "fuzz"),
                lambda: self.send(
                    "registry", "certify_class", (class_id, kind, factor, standard, "fuzz"), sender
                ),
            )
        else:
            self._apply(
                f"withdraw_class {class_id}",
                lambda now: self.model.withdraw_class(who, class_id, "fuzz"),
                lambda: self.send("registry", "withdraw_class", (class_id, "fuzz"), sender),
            )

    @rule(
        action=st.sampled_from(["suspend", "reinstate", "reinstate", "terms", "terms", "admit", "revoke"]),
        cap=st.sampled_from([1, 100, 10_000]),
        chance=st.integers(0, 3),
    )
    def sponsor_status(self, action, cap, chance):
        """The sponsor's status and terms (a cap of 1 unit a day runs out at once); admitting it
        again is refused. Revoking is final for the example: kept rare."""
        if action == "revoke" and chance:
            action = "reinstate"
        sponsor, reg = self.env.sponsor, self.env.registrar
        who, by = sponsor, reg
        reward = self.unit // 10
        calls = {
            "suspend": (
                lambda now: self.model.suspend(by, who, "fuzz"),
                lambda: self.send("registry", "suspend", (sponsor, "fuzz"), reg),
            ),
            "reinstate": (
                lambda now: self.model.reinstate(by, who),
                lambda: self.send("registry", "reinstate", (sponsor,), reg),
            ),
            "revoke": (
                lambda now: self.model.revoke(by, who, "fuzz"),
                lambda: self.send("registry", "revoke", (sponsor, "fuzz"), reg),
            ),
            "terms": (
                lambda now: self.model.update_sponsor_terms(by, who, reward, cap * self.unit),
                lambda: self.send(
                    "registry", "update_sponsor_terms", (sponsor, reward, cap * self.unit), reg
                ),
            ),
            "admit": (
                lambda now: self.model.admit_sponsor(by, who, reward, cap * self.unit, LICENSE),
                lambda: self.send(
                    "registry", "admit_sponsor", (sponsor, reward, cap * self.unit, LICENSE), reg
                ),
            ),
        }
        kind = {"terms": "update_sponsor_terms", "admit": "admit_sponsor"}.get(action, f"{action}_sponsor")
        self._apply(kind, *calls[action])

    # ------------------------------------------------------------ circulation

    @rule(data=st.data(), u=st.integers(0, 4), m=st.integers(0, 2), fraction=s.fractions)
    def spend(self, data, u, m, fraction):
        consumer, merchant = self._holder(data, 5 + u, self.env.consumers), self.env.merchants[m]
        points = self._share(consumer, fraction)
        self._apply(
            f"spend u{u} -> m{m} {points}",
            lambda now: self.model.spend(consumer, merchant, points),
            lambda: self.send("pool", "spend", (merchant, points, EMPTY), consumer),
        )

    @rule(data=st.data(), u=st.integers(0, 4), c=st.integers(0, 1), fraction=s.fractions)
    def donate(self, data, u, c, fraction):
        consumer, charity = self._holder(data, 5 + u, self.env.consumers), self.env.charities[c]
        points = self._share(consumer, fraction)
        self._apply(
            f"donate u{u} -> c{c} {points}",
            lambda now: self.model.donate(consumer, charity, points),
            lambda: self.send("pool", "donate", (charity, points), consumer),
        )

    @rule(data=st.data(), h=st.integers(0, 9), t=st.integers(0, 8), fraction=s.fractions)
    def transfer(self, data, h, t, fraction):
        holder, target = self._holder(data, h, self.env.holders), self.env.targets[t]
        points = self._share(holder, fraction)
        self._apply(
            f"transfer h{h} -> {target[:8]} {points}",
            lambda now: self.model.transfer(holder, target, points),
            lambda: self.send("pool", "transfer", (target, points), holder),
        )

    @rule(data=st.data(), h=st.integers(0, 5), fraction=s.fractions)  # merchants, charities, a consumer
    def settle(self, data, h, fraction):
        holder = self._holder(data, h, self.env.merchants + self.env.charities)
        points = self._share(holder, fraction)
        self._apply(
            f"settle h{h} {points}",
            lambda now: self.model.settle(holder, points, now),
            lambda: self.send("pool", "settle", (points,), holder),
        )

    @rule(u=st.integers(0, 4), m=st.integers(0, 2), fraction=s.fractions, settle_share=s.fractions)
    def spend_then_settle(self, u, m, fraction, settle_share):
        """A consumer pays a merchant in points, and the merchant settles (part of) what it holds."""
        consumer, merchant = self.env.consumers[u], self.env.merchants[m]
        points = self._share(consumer, fraction)
        self._apply(
            f"spend u{u} -> m{m} {points}",
            lambda now: self.model.spend(consumer, merchant, points),
            lambda: self.send("pool", "spend", (merchant, points, EMPTY), consumer),
        )
        held = self._share(merchant, settle_share)
        self._apply(
            f"settle m{m} {held}",
            lambda now: self.model.settle(merchant, held, now),
            lambda: self.send("pool", "settle", (held,), merchant),
        )

    @rule(data=st.data(), fraction=s.fractions, settle_share=s.fractions)
    def donate_then_settle(self, data, fraction, settle_share):
        """A consumer holding points donates to a registered charity, which settles (part of) it."""
        consumers = [c for c in self.env.consumers if self.model.balance_of(c)]
        charities = [c for c in self.env.charities if self.model.is_charity(c)]
        if not consumers or not charities:
            return
        consumer = data.draw(st.sampled_from(consumers), label="donor")
        charity = data.draw(st.sampled_from(charities), label="charity")
        points = self._share(consumer, fraction)
        self._apply(
            f"donate -> {charity[:8]} {points}",
            lambda now: self.model.donate(consumer, charity, points),
            lambda: self.send("pool", "donate", (charity, points), consumer),
        )
        held = self._share(charity, settle_share)
        self._apply(
            f"settle {charity[:8]} {held}",
            lambda now: self.model.settle(charity, held, now),
            lambda: self.send("pool", "settle", (held,), charity),
        )

    # ------------------------------------------------------------ exit

    @rule(data=st.data(), h=st.integers(0, 9), fraction=s.fractions, use_max=st.booleans())
    def exit(self, data, h, fraction, use_max):
        holder = self._holder(data, h, self.env.consumers)
        if use_max:
            points = self.model.max_exit(holder, self.chain.pending_timestamp)
        else:
            points = self._share(holder, fraction)
        self._apply(
            f"exit h{h} {points}{' (max)' if use_max else ''}",
            lambda now: self.model.exit(holder, points, now),
            lambda: self.send("pool", "exit", (points,), holder),
        )

    @rule(u=st.integers(0, 3), multiple=st.integers(2, 4), fraction=s.fractions, use_max=st.booleans(),
          through_queue=st.sampled_from([False, False, True]))  # fmt: skip
    def grow_then_exit(self, u, multiple, fraction, use_max, through_queue):
        """Others buy big (each contributing `multiple` times the pool's assets, which lifts the value
        per point past 2x), the lock passes, and consumer u exits, or (`through_queue`) requests its
        exit and a keeper processes the line (SPEC 11)."""
        merchant, others = self.env.merchants[0], [c for i, c in enumerate(self.env.consumers) if i != u]
        # contribution = amount * 30%, so an amount of 10/3 * multiple * total_assets contributes multiple x
        amount = max(self.unit, self.model.state.total_assets * multiple * 10 // 3)
        amounts = [amount] * len(others)
        ids = [order(f"grow-{self.chain.block_number}-{i}") for i in range(len(others))]
        self._apply(
            f"record_purchases grow x{len(others)} {amount}",
            lambda now: self.model.record_purchases(
                merchant,
                list(others),
                amounts,
                ids,
                [GREEN] * len(others),
                now,
            ),
            lambda: self.send(
                "pool", "record_purchases", (others, amounts, ids, [GREEN] * len(others)), merchant
            ),
        )
        self.chain.pending_timestamp = self.chain.pending_timestamp + self.model.rule("lock_period")
        holder = self.env.consumers[u]
        if through_queue:
            points = self.model.own_exit_limit(holder, self.chain.pending_timestamp)
            if not use_max:
                points = self._share(holder, fraction)
            self._apply(
                f"request_exit u{u} {points} after growth",
                lambda now: self.model.request_exit(holder, points, now),
                lambda: self.send("exit_queue", "request_exit", (points,), holder),
            )
            last = self.model.next_request_id() - 1
            if last >= 0 and fraction % 4 == 0:  # the owner changes its mind
                self._apply(
                    f"cancel_exit {last} after growth",
                    lambda now: self.model.cancel_exit(holder, last, now),
                    lambda: self.send("exit_queue", "cancel_exit", (last,), holder),
                )
                return
            keeper = self.env.consumers[(u + 1) % len(self.env.consumers)]
            self._apply(
                "process_exits 3 after growth",
                lambda now: self.model.process_exits(keeper, 3, now).events,
                lambda: self.send("exit_queue", "process_exits", (3,), keeper),
            )
            if last >= 0:  # the owner claims what was filled
                self._apply(
                    f"claim_exit {last} after growth",
                    lambda now: self.model.claim_exit(holder, last, now),
                    lambda: self.send("exit_queue", "claim_exit", (last,), holder),
                )
            return
        points = self.model.max_exit(holder, self.chain.pending_timestamp)
        if not use_max:
            points = self._share(holder, fraction)
        self._apply(
            f"exit u{u} {points}{' (max)' if use_max else ''} after growth",
            lambda now: self.model.exit(holder, points, now),
            lambda: self.send("pool", "exit", (points,), holder),
        )

    # ------------------------------------------------------------ the exit queue (SPEC 11)

    @rule(data=st.data(), h=st.integers(0, 9), fraction=s.fractions, use_max=st.booleans())
    def request_exit(self, data, h, fraction, use_max):
        """A holder (mostly a consumer with points) takes a place in line: its whole own limit (what
        the return cap allows) or a share of its balance."""
        holder = self._holder(data, h, self.env.consumers)
        now = self.chain.pending_timestamp
        points = self.model.own_exit_limit(holder, now) if use_max else self._share(holder, fraction)
        self._apply(
            f"request_exit h{h} {points}",
            lambda now: self.model.request_exit(holder, points, now),
            lambda: self.send("exit_queue", "request_exit", (points,), holder),
        )

    @rule(k=st.sampled_from([0, 1, 1, 2, 3, 10]), h=st.integers(0, 9))
    def process_exits(self, k, h):
        """Anyone (a holder here) processes the line: fills in order, in part, to the cap."""
        keeper = self.env.holders[h]
        self._apply(
            f"process_exits {k}",
            lambda now: self.model.process_exits(keeper, k, now).events,
            lambda: self.send("exit_queue", "process_exits", (k,), keeper),
        )

    def _request(self, i, by_owner):
        """Request i (mostly one that exists; one past the last is an unknown id) and who asks: its
        owner, or another consumer."""
        request_id = i % (self.model.next_request_id() + 1)
        owner = None
        if request_id < self.model.next_request_id():
            owner = self.model.state.exit_requests[request_id].owner
        if owner is None or not by_owner:
            others = [c for c in self.env.consumers if c != owner]
            return request_id, others[i % len(others)]
        return request_id, owner

    @rule(i=st.integers(0, 12), by_owner=st.sampled_from([True] * 5 + [False]))
    def claim_exit(self, i, by_owner):
        request_id, sender = self._request(i, by_owner)
        self._apply(
            f"claim_exit {request_id}",
            lambda now: self.model.claim_exit(sender, request_id, now),
            lambda: self.send("exit_queue", "claim_exit", (request_id,), sender),
        )

    @rule(i=st.integers(0, 12), by_owner=st.sampled_from([True] * 5 + [False]))
    def cancel_exit(self, i, by_owner):
        request_id, sender = self._request(i, by_owner)
        self._apply(
            f"cancel_exit {request_id}",
            lambda now: self.model.cancel_exit(sender, request_id, now),
            lambda: self.send("exit_queue", "cancel_exit", (request_id,), sender),
        )

    # ------------------------------------------------------------ time, rules, registry, pause

    @rule(seconds=s.time_jumps)
    def advance_time(self, seconds):
        note(f"time +{seconds}s")
        self.chain.pending_timestamp = self.chain.pending_timestamp + seconds

    @rule(change=s.rule_changes)
    def change_rule(self, change):
        name, value = change
        self._governor_call(
            f"set_rule {name}={value}",
            "set_rule",
            (name, value),
            lambda now: self.model.set_rule(self.model.governor, name, value, now),
        )

    @rule(
        action=st.sampled_from(["suspend", "reinstate", "revoke", "admit", "update"]),
        m=st.sampled_from([0, 1, 2, 2, 3]),
        cap=st.sampled_from([500, 500, 500, 2**100]),
    )
    def merchant_status(self, action, m, cap):
        """m = 3: a consumer (maybe issued points: refused). A cap of 2**100 units: over the 100-bit bound."""
        merchant = self.env.merchants[m] if m < 3 else self.env.consumers[4]
        who, reg = merchant, self.env.registrar
        calls = {
            "suspend": (
                lambda now: self.model.suspend(reg, who, "fuzz"),
                lambda: self.send("registry", "suspend", (merchant, "fuzz"), reg),
            ),
            "reinstate": (
                lambda now: self.model.reinstate(reg, who),
                lambda: self.send("registry", "reinstate", (merchant,), reg),
            ),
            "revoke": (
                lambda now: self.model.revoke(reg, who, "fuzz"),
                lambda: self.send("registry", "revoke", (merchant, "fuzz"), reg),
            ),
            "admit": (
                lambda now: self.model.admit(reg, who, 2_500, 10**6 * self.unit, LICENSE, 2),
                lambda: self.send("registry", "admit", (merchant, 2_500, 10**6 * self.unit, LICENSE, 2), reg),
            ),
            "update": (
                lambda now: self.model.update_terms(reg, who, 1_000, cap * self.unit),
                lambda: self.send("registry", "update_terms", (merchant, 1_000, cap * self.unit), reg),
            ),
        }
        self._apply(f"{'update_terms' if action == 'update' else action} m{m}", *calls[action])

    @rule(action=st.sampled_from(["register", "remove"]), c=st.integers(0, 1))
    def charity_status(self, action, c):
        charity, reg = self.env.charities[c], self.env.registrar
        if action == "register":
            self._apply(
                f"register_charity c{c}",
                lambda now: self.model.register_charity(reg, charity, LICENSE),
                lambda: self.send("registry", "register_charity", (charity, LICENSE), reg),
            )
        else:
            self._apply(
                f"remove_charity c{c}",
                lambda now: self.model.remove_charity(reg, charity, "fuzz"),
                lambda: self.send("registry", "remove_charity", (charity, "fuzz"), reg),
            )

    @rule(chance=st.integers(0, 4))
    def pause(self, chance):
        if chance:  # a pause stops purchases until the governor lifts it: keep it rare
            return
        guardian = self.env.guardian
        self._apply(
            "pause",
            lambda now: self.model.pause(guardian, now),
            lambda: self.send("registry", "pause", (), guardian),
        )

    @precondition(lambda self: self.model.state.paused)
    @rule()
    def unpause(self):
        self._governor_call(
            "unpause", "unpause", (), lambda now: self.model.unpause(self.model.governor, now)
        )

    @rule(units=st.integers(1, 1_000))
    def send_asset_directly(self, units):
        """Tokens sent to the pool by hand do not move the value per point."""
        merchant = self.env.merchants[0]
        self._apply(
            f"asset.transfer to pool {units}",
            lambda now: self.model.asset_transfer(merchant, self.model.pool, units * self.unit),
            lambda: self.send("asset", "transfer", (self.env.pool, units * self.unit), merchant),
        )

    @precondition(lambda self: not self.model.state.shutdown)
    @rule(chance=st.integers(0, 9))
    def shutdown_and_wind_down(self, chance):
        if chance:  # shutdown ends issuance for the rest of the example: keep it rare
            return
        self._governor_call(
            "shutdown", "shutdown", (), lambda now: self.model.shutdown(self.model.governor, now)
        )
        # A shutdown mid-line: the line is filled first, every request at full value (SPEC 11), then
        # the exits that gave way to it go on.
        if self.model.queue_length():
            keeper = self.env.consumers[0]
            self._apply(
                "process_exits after shutdown",
                lambda now: self.model.process_exits(keeper, 256, now).events,
                lambda: self.send("exit_queue", "process_exits", (256,), keeper),
            )
            assert self.model.queue_length() == 0
        # Everyone exits, in passes: a holder refused for dust ("exit pays nothing") may find its
        # points worth a unit once the others' rounding dust has accrued to it (found by `deep`).
        first_pass = True
        while True:
            exited = False
            for i, holder in enumerate(self.env.holders):
                points = self.model.balance_of(holder)
                if not points or (not first_pass and self.model.to_assets(points) == 0):
                    continue
                ok, _ = self._apply(
                    f"wind-down exit h{i} {points}",
                    lambda now, h=holder, p=points: self.model.exit(h, p, now),
                    lambda h=holder, p=points: self.send("pool", "exit", (p,), h),
                )
                exited = exited or ok
            first_pass = False
            if not exited:
                break
        # nothing anyone still holds is worth a unit, and at most one unit of dust per holder stays
        assert all(self.model.value_of(h) == 0 for h in self.env.holders)
        assert self.chain.view("pool", "total_assets") <= len(self.env.holders)

    # ------------------------------------------------------------ invariants

    @invariant()
    def chain_equals_model(self):
        self._chain_equals_model(full=not self.chain.partial_reads or self.steps % FULL_READ_EVERY == 0)
        self.steps += 1
        self.touched.clear()

    def _chain_equals_model(self, full: bool):
        """Every figure of the chain equals the model's. On an engine with `partial_reads` (boa), a
        step reads the pool's figures (on which every `max_exit` depends) and every holder's balance
        (invariant 3), and the other figures (`max_exit`, basis, earned, paid out, carbon, asset
        balance) of the holders the step's transactions named or its events mention; every
        `FULL_READ_EVERY`-th step and at the end of every example it reads everything, so a holder
        changed behind the machine's back is still found within the example."""
        m, st_ = self.model, self.model.state
        now = self.chain.latest_timestamp  # the time views are evaluated at
        expected = {
            "total_assets": st_.total_assets,
            "total_supply": st_.total_supply,
            "current_epoch": st_.current_epoch,
            "epoch_start_assets": st_.epoch_start_assets,
            "epoch_exited": st_.epoch_exited,
            "paused": st_.paused,
            "shutdown": st_.shutdown,
            "budget": m.exit_budget_left(now),
            "pool_assets": st_.asset_balances.get(m.pool, 0),
            "total_carbon": st_.total_carbon,
            "sponsor_assets": st_.asset_balances.get(self.env.sponsor, 0),
            "queued": m.queued_points(),
            "queue_length": m.queue_length(),
            "next_request_id": m.next_request_id(),
        }
        for a in self.env.holders:
            expected[("balance", a)] = m.balance_of(a)
            if full or a in self.touched:
                expected[("max_exit", a)] = m.max_exit(a, now)
                expected[("basis", a)] = m.basis_of(a)
                expected[("earned", a)] = m.earned_of(a)
                expected[("paid_out", a)] = m.paid_out_of(a)
                expected[("asset", a)] = st_.asset_balances.get(a, 0)
                expected[("carbon", a)] = m.carbon_of(a)
        chain = self.env.reader.read(None if full else expected)
        self.audits["full reads" if full else "partial reads"] += 1
        differences = {k: (chain[k], v) for k, v in expected.items() if chain[k] != v}
        self.progress.disagreements += bool(differences)
        assert not differences, f"chain != model (chain, model): {differences}"
        # invariants 3 and 12: the holders' balances and the line's points are the supply (only these
        # actors and the line can ever hold points)
        held = sum(chain[("balance", h)] for h in self.env.holders)
        assert held + chain["queued"] == chain["total_supply"]

    @invariant()
    def solvency_and_exact_books(self):
        # invariant 1: the pool holds at least what it owes; total_assets is exactly the flows
        st_ = self.model.state
        assert st_.asset_balances.get(self.model.pool, 0) >= st_.total_assets
        f = self.flows
        assert st_.total_assets == f["contributions"] - f["payouts"] - f["settlements"] - f["refunds"]

    @invariant()
    def exit_queue_invariants(self):
        """SPEC 11's invariants on the model, which equals the chain after every step: 11, no fill
        behind a waiting request (the epoch's limit on fills is checked by the audit at each fill,
        as a rule change may lower the limit below what an epoch already paid); 12, the pool's
        assets cover total_assets and the unclaimed payouts, and the line holds exactly the
        requests' unfilled points."""
        m, st_ = self.model, self.model.state
        requests = st_.exit_requests
        waiting = [i for i, _ in m.waiting_requests()]
        if waiting:
            assert all(requests[i].filled == 0 for i in waiting[1:]), "a request filled behind a waiting one"
        claimable = sum(r.claimable for r in requests.values())
        assert st_.asset_balances.get(m.pool, 0) >= st_.total_assets + claimable
        assert m.queued_points() == sum(r.unfilled for r in requests.values())
        assert m.queue_length() == len(waiting)

    @invariant()
    def value_per_point_never_falls(self):
        # invariant 2: while points exist, total_assets / total_supply never decreases
        st_ = self.model.state
        now = (st_.total_assets, st_.total_supply)
        if self.last_price and self.last_price[1] and now[1]:
            assert now[0] * self.last_price[1] >= self.last_price[0] * now[1], (self.last_price, now)
        self.last_price = now if now[1] else None

    @invariant()
    def carbon_adds_up(self):
        # invariant 9: the total is the co2e of every purchase and action less reversed purchases,
        # and each consumer's carbon is its share (carbon is a record: it never moves with points)
        st_ = self.model.state
        assert st_.total_carbon == sum(st_.carbon.values())
        booked = sum(o.co2e for o in st_.orders.values() if not o.reversed) + sum(st_.actions.values())
        assert booked == st_.total_carbon

    @invariant()
    def merchants_and_charities_never_have_a_basis(self):
        # invariant 7's other side: points reach merchants and charities only by being paid to
        # them, never issued, so they never carry a cost basis or lifetime earnings
        for holder in self.env.merchants + self.env.charities:
            a = holder
            assert self.model.basis_of(a) == 0 and self.model.earned_of(a) == 0


@pytest.fixture(scope="module")
def boa_env(decimals):
    return Env(BoaEngine(), decimals)


@pytest.fixture(scope="module")
def machine_anvil(decimals):
    engine = AnvilEngine()
    try:
        yield Env(engine, decimals)
    finally:
        engine.close()


@pytest.fixture(scope="module")
def ape_env(chain, accounts, project, decimals):
    return Env(ApeEngine(chain, accounts, project), decimals)


# What a run must have exercised, so a machine that stops exploring fails instead of passing.
MUST_SUCCEED = {
    "record_purchase",
    "record_purchases",
    "record_action",
    "certify_class",
    "withdraw_class",
    "reverse_purchase",
    "spend",
    "donate",
    "settle",
    "exit",
    "set_rule",
}
OPERATIONS = (
    "record_purchase", "record_purchases", "reverse_purchase", "record_action", "certify_class",
    "withdraw_class", "spend", "donate", "transfer", "settle", "exit", "asset.transfer", "set_rule",
    "admit", "update_terms", "suspend", "reinstate", "revoke", "register_charity", "remove_charity",
    "admit_sponsor", "update_sponsor_terms", "suspend_sponsor", "reinstate_sponsor", "revoke_sponsor",
    "pause", "unpause", "shutdown", "wind-down", "request_exit", "process_exits", "claim_exit", "cancel_exit",
)  # fmt: skip
"""Every kind of operation the machine makes (the first word of its label)."""
MIN_DISTINCT_REFUSALS = 15
APE_PROFILE = os.environ.get("GREENPOINTS_APE_PROFILE", "smoke")
"""The Ape engine's profile (docs/testing.md measures the engines with the same one)."""
BOA_PROFILE = os.environ.get("GREENPOINTS_BOA_PROFILE", "smoke")
"""titanoboa's profile: a short run of py-evm beside anvil's revm in `make test` (`make fuzz
FUZZ_ENGINE=boa` gives it `deep`)."""
MIN_EXAMPLES_FOR_COVERAGE = 20  # the small `dev` and `smoke` profiles are not held to it
MODEL_DIR = Path(__file__).resolve().parents[2] / "greenpoints" / "model"


def model_refusals() -> set[str]:
    """The refusal reasons written out in the model (`"module: reason"` literals; reasons built at
    run time are not listed)."""
    found = set()
    for path in MODEL_DIR.glob("*.py"):
        found.update(re.findall(r'"([a-z_0-9]+: [a-z0-9][^"{}]*)"', path.read_text()))
    return found


class Progress:
    """A line on stderr every `every` seconds (0: never) with the operations made so far."""

    def __init__(self, label: str, outcomes: Counter, every: float):
        self.label, self.outcomes, self.every = label, outcomes, every
        self.began = time.monotonic()
        self.next = self.began + every
        self.examples = 0
        self.disagreements = 0
        """Chain and model disagreeing (a reason or a figure): each fails its example."""

    def tick(self) -> None:
        if self.every and time.monotonic() >= self.next:
            self.next += self.every
            print(self.line(), file=sys.__stderr__, flush=True)

    def line(self) -> str:
        elapsed = time.monotonic() - self.began
        n = sum(self.outcomes.values())
        return (
            f"[{self.label}] {elapsed / 60:5.1f} min: {n:,} operations in {self.examples:,} examples "
            f"({n / max(elapsed, 1e-9):.1f}/s), {self.disagreements} disagreements so far"
        )


def run_machine(env: Env, run_settings, label: str) -> Counter:
    """Run the machine on `env` with `run_settings`; print what it reached; check its coverage."""
    PoolMachine.env = env
    PoolMachine.outcomes = outcomes = Counter()
    PoolMachine.audits = audits = Counter()
    PoolMachine.audit_examples = True
    PoolMachine.progress = progress = Progress(
        label, outcomes, float(os.environ.get("GREENPOINTS_MACHINE_PROGRESS", "0"))
    )
    began = time.monotonic()
    run_state_machine_as_test(PoolMachine, settings=run_settings)
    elapsed = time.monotonic() - began
    print(f"\n--- {label}: operations reached, by kind and outcome")
    print("\n".join(f"{n:8,d}  {op}: {what}" for (op, what), n in sorted(outcomes.items())))
    total = sum(outcomes.values())
    print(
        f"{total:,} operations on chain and model in {progress.examples:,} examples, {elapsed:.0f} s "
        f"({total / max(elapsed, 1e-9):.1f} operations/s), {progress.disagreements} disagreements"
    )
    print(
        f"{audits['examples']} examples audited ({audits['events']} events), "
        f"each passing and replayed exactly; {audits['receipts']} receipts equal to the pool's events; "
        f"chain read in full {audits['full reads']} times, in part {audits['partial reads']} times"
    )
    reached = {op for op, _ in outcomes}
    succeeded = {op for (op, what) in outcomes if what == "ok"}
    refusals = {what for (_, what) in outcomes if what != "ok"}
    small = run_settings.max_examples < MIN_EXAMPLES_FOR_COVERAGE  # `dev`, `smoke`: too few to judge
    for op in () if small else OPERATIONS:
        if op not in reached:
            print(f"FINDING: operation {op} never reached")
        elif op not in succeeded:
            print(f"FINDING: operation {op} never succeeded")
    unmet = sorted(model_refusals() - refusals)
    print(f"{len(refusals)} kinds of refusal met; refusals written in the model and not met: {len(unmet)}")
    print("\n".join(f"    {reason}" for reason in (() if small else unmet)))
    if not small:
        never = MUST_SUCCEED - succeeded
        assert not never, f"never succeeded: {never}"
        assert len(refusals) >= MIN_DISTINCT_REFUSALS, f"only {len(refusals)} kinds of refusal: {refusals}"
    return outcomes


def test_pool_machine__anvil_random_sequences__chain_equals_model(machine_anvil, decimals):
    """The machine on anvil (revm, raw JSON-RPC) with the loaded profile (`ci` in `make test`,
    `deep` in `make fuzz`)."""
    run_machine(machine_anvil, settings.default, f"anvil dec{decimals}")


def test_pool_machine__boa_random_sequences__chain_equals_model(boa_env, decimals):
    """The machine on titanoboa (py-evm in this process), `smoke` profile (or
    `GREENPOINTS_BOA_PROFILE`): the same contracts on a second EVM, on the same sequences."""
    run_machine(boa_env, settings.get_profile(BOA_PROFILE), f"boa dec{decimals}")


def test_pool_machine__ape_smoke__chain_equals_model(ape_env, decimals):
    """The same machine on Ape's embedded chain, `smoke` profile (or `GREENPOINTS_APE_PROFILE`):
    Ape's handles, receipt decoding, gas and the full audit (web3 reads, bytecode) stay in every
    `make test`."""
    # Every refused call is mined as a failed transaction (explicit gas limit, so the chain and the
    # model see the same timestamp); Ape logs each one as an error, which here is expected.
    with logger.at_level(logging.CRITICAL):
        run_machine(ape_env, settings.get_profile(APE_PROFILE), f"ape dec{decimals}")

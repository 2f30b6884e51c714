"""Stateful fuzzing: random sequences of every operation on the chain and in the model, side by side.

After every step the chain must equal the model exactly (balances, basis, earned, paid out, carbon,
asset balances, total assets, supply, total carbon, epoch figures, budget, max_exit) and SPEC
section 5's invariants 1 to 7, 9 and 10 must hold. Purchases name classes of the green catalog, a
sponsor records green actions, and the certifier certifies and withdraws classes mid-run. At the end
of every example the audit (`greenpoints.audit.audit`) reads the example's whole history from the
chain: it must pass, and the model it replayed the events through must be the machine's model
exactly. Every operation's receipt from the model must equal the event the pool logged, field for
field (a batch: one receipt per PurchaseRecorded, in order). The chain is reset between examples
with Ape's snapshots.
Profiles: `ci` (part of `make test`) and `deep` (`make fuzz`), see tests/conftest.py.
"""

from __future__ import annotations

import copy
import logging
from collections import Counter

import pytest
from ape.exceptions import ContractLogicError
from ape.logging import logger
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

from greenpoints import governance
from greenpoints.audit import audit
from greenpoints.catalog import SAMPLE_CATALOG
from greenpoints.deploy import deploy_system
from greenpoints.model import (
    ZERO,
    ActionRecorded,
    Model,
    PointsDonated,
    PointsExited,
    PointsSettled,
    PointsSpent,
    PurchaseRecorded,
    PurchaseReversed,
    Refusal,
)
from tests.conftest import GREEN, LICENSE, order
from tests.stateful import strategies as s
from tests.stateful.reader import Reader

EMPTY = b"\x00" * 32
RECEIPT_EVENTS = frozenset(
    kind.__name__
    for kind in (PurchaseRecorded, ActionRecorded, PurchaseReversed, PointsSpent)
    + (PointsDonated, PointsSettled, PointsExited)
)
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
GAS = 30_000_000
TIMELOCK_DELAY = 3_600


class Env:
    """What every example starts from: a deployed system, its actors, and the matching model."""

    def __init__(self, chain, accounts, project, decimals):
        self.chain = chain
        self.decimals = decimals
        self.unit = 10**decimals
        a = accounts
        self.registrar, self.guardian, self.proposer = a[1], a[2], a[3]
        self.certifier, self.sponsor = a[14], a[15]
        self.system = deploy_system(
            a[0],
            registrar=a[1],
            guardian=a[2],
            certifier=a[14],
            proposer=a[3],
            asset_decimals=decimals,
            timelock_delay=TIMELOCK_DELAY,
            catalog=SAMPLE_CATALOG,
        )
        self.pool, self.asset, self.governor = self.system.pool, self.system.asset, self.system.governor
        self.registry = self.system.registry
        self.model = Model(
            pool=str(self.pool.address),
            governor=str(self.governor.address),
            registrar=str(a[1].address),
            guardian=str(a[2].address),
            certifier=str(a[14].address),
            asset_decimals=decimals,
            now=chain.blocks.head.timestamp,
        )
        for c in SAMPLE_CATALOG:
            self.model.certify_class(
                str(a[14].address), c.class_id, int(c.kind), c.co2e_per_unit, c.standard_hash, c.label
            )
        self.merchants = [a[4], a[5], a[11]]  # the third is admitted only by a rule
        self.charities = [a[6], a[12]]  # the second is registered only by a rule
        self.consumers = [a[7], a[8], a[9], a[10], a[13]]
        for merchant, bps in zip(self.merchants[:2], (3_000, 2_000), strict=True):
            self.registry.admit(merchant, bps, 10**9 * self.unit, LICENSE, 1, sender=a[1])
            self.model.admit(str(a[1].address), str(merchant.address), bps, 10**9 * self.unit, LICENSE, 1)
        self.registry.register_charity(self.charities[0], LICENSE, sender=a[1])
        self.model.register_charity(str(a[1].address), str(self.charities[0].address), LICENSE)
        # a city fund paying 0.05 units per kg of CO2e, up to 10,000 units a day
        reward, cap = self.unit // 20, 10_000 * self.unit
        self.registry.admit_sponsor(a[15], reward, cap, LICENSE, sender=a[1])
        self.model.admit_sponsor(str(a[1].address), str(a[15].address), reward, cap, LICENSE)
        for merchant in [*self.merchants, a[15]]:
            self.asset.mint(merchant, 10**12 * self.unit, sender=merchant)
            self.asset.approve(self.pool, MAX, sender=merchant)
            self.model.asset_mint(str(merchant.address), 10**12 * self.unit)
            self.model.asset_approve(str(merchant.address), str(self.pool.address), MAX)
        self.holders = self.merchants + self.charities + self.consumers
        self.targets = [*self.consumers, self.merchants[1], self.charities[0], ZERO, str(self.pool.address)]
        self.action_targets = [*self.consumers, self.sponsor, self.merchants[0], ZERO]
        pool, asset = self.pool, self.asset
        queries = [
            ("total_assets", pool, "total_assets", ()),
            ("total_supply", pool, "totalSupply", ()),
            ("current_epoch", pool, "current_epoch", ()),
            ("epoch_start_assets", pool, "epoch_start_assets", ()),
            ("epoch_exited", pool, "epoch_exited", ()),
            ("paused", pool, "paused", ()),
            ("shutdown", pool, "is_shutdown", ()),
            ("budget", pool, "exit_budget_left", ()),
            ("pool_assets", asset, "balanceOf", (pool,)),
            ("total_carbon", pool, "total_carbon", ()),
            ("sponsor_assets", asset, "balanceOf", (self.sponsor,)),
        ]
        for holder in self.holders:
            addr = str(holder.address)
            queries += [
                (("balance", addr), pool, "balanceOf", (addr,)),
                (("basis", addr), pool, "basis_of", (addr,)),
                (("earned", addr), pool, "earned_of", (addr,)),
                (("paid_out", addr), pool, "paid_out_of", (addr,)),
                (("asset", addr), asset, "balanceOf", (addr,)),
                (("max_exit", addr), pool, "max_exit", (addr,)),
                (("carbon", addr), pool, "carbon_of", (addr,)),
            ]
        self.reader = Reader(project.MulticallMock.deploy(sender=a[0]), queries)


# What the audit's replayed model must share with the machine's (the audit does not model the
# settlement token's balances and allowances outside the pool, nor the points allowances).
MODEL_FIGURES = (
    "rules", "total_assets", "total_supply", "balances", "basis", "earned", "paid_out", "last_issued_at",
    "merchants", "charities", "orders", "roles", "paused", "shutdown", "current_epoch",
    "epoch_start_assets", "epoch_exited", "carbon", "total_carbon", "sponsors", "classes", "actions",
)  # fmt: skip


def _lower(value):
    """`value` with every address in lower case, as the audit holds them."""
    if isinstance(value, str):
        return value.lower() if value.startswith("0x") and len(value) == 42 else value
    if isinstance(value, dict):
        return {_lower(k): _lower(v) for k, v in value.items()}
    if hasattr(value, "_replace"):  # an Order
        return value._replace(consumer=value.consumer.lower())
    if isinstance(value, tuple):
        return tuple(_lower(v) for v in value)
    if isinstance(value, bool | int | bytes) or value is None:
        return value
    return value


class PoolMachine(RuleBasedStateMachine):
    env: Env  # set by the test function
    outcomes: Counter  # (operation, "ok" or refusal reason) -> count, over the whole run
    audits: Counter  # examples audited and events they held, over the whole run

    def __init__(self):
        super().__init__()
        env = self.env
        self.chain, self.pool, self.asset, self.registry = env.chain, env.pool, env.asset, env.registry
        self.snapshot = self.chain.snapshot()
        self.model = copy.deepcopy(env.model)
        self.unit = env.unit
        self.last_price = None  # (total_assets, total_supply) after the previous step
        self.flows = {"contributions": 0, "payouts": 0, "settlements": 0, "refunds": 0}
        self.recorded: list[tuple[int, bytes]] = []  # (merchant index, order id) recorded on chain

    def teardown(self):
        try:
            self.audit_rebuilds_the_model()
        finally:
            self.chain.restore(self.snapshot)

    def audit_rebuilds_the_model(self):
        """The audit of this example's history passes and replays it into the machine's model."""
        report = audit(self.env.system, start_block=self.env.system.deployment_block)
        audits = type(self).audits
        audits["examples"] += 1
        audits["events"] += report.stats["events"]
        assert report.ok, "the audit failed:\n" + "\n".join(report.failures[:20])
        replayed, ours = report.ledger.model.state, self.model.state
        for name in MODEL_FIGURES:
            got, want = getattr(replayed, name), _lower(getattr(ours, name))
            if isinstance(want, dict):  # entries that hold nothing are the same as absent ones
                got = {k: v for k, v in got.items() if v}
                want = {k: v for k, v in want.items() if v}
            assert got == want, f"the audit replayed {name} = {got}, the machine's model has {want}"

    # ------------------------------------------------------------ helpers

    def _apply(self, label, model_call, chain_call):
        """Run one operation on both sides; both must succeed, or both refuse with one reason."""
        now = self.chain.pending_timestamp
        try:
            result, refused = model_call(now), None
        except Refusal as refusal:
            result, refused = None, refusal.reason
        try:
            tx, got = chain_call(), None
        except ContractLogicError as err:
            tx, got = None, err.message
        note(f"{label} @ {now}: {'refused ' + repr(refused) if refused else 'ok'}")
        self.outcomes[(label.split()[0], refused or "ok")] += 1
        assert got == refused, f"{label}: chain says {got!r}, model says {refused!r}"
        if tx is not None:
            self._count_flows(tx)
            self._compare_receipts(label, receipts_of(result), tx)
        return refused is None, result

    def _compare_receipts(self, label, receipts, tx):
        """The model's receipts equal the pool's events of their kinds, in order, field for field."""
        events = [
            e for e in tx.events if e.contract_address == self.pool.address and e.event_name in RECEIPT_EVENTS
        ]
        if not receipts and not events:
            return
        kinds = [type(r).__name__ for r in receipts]
        assert kinds == [e.event_name for e in events], f"{label}: model's {kinds}, chain's {events}"
        for receipt, event in zip(receipts, events, strict=True):
            for name, value in event.event_arguments.items():
                mine = getattr(receipt, name)
                assert _same(mine) == _same(value), (
                    f"{label}: {event.event_name}.{name}: chain {value!r}, model's receipt {mine!r}"
                )
            self.audits["receipts"] += 1

    def _count_flows(self, tx):
        pool = self.pool
        for event in tx.events:
            if event.contract_address != pool.address:
                continue
            name = event.event_name
            if name == "PurchaseRecorded" or name == "ActionRecorded":
                self.flows["contributions"] += event.contribution
            elif name == "PointsExited":
                self.flows["payouts"] += event.payout
            elif name == "PointsSettled":
                self.flows["settlements"] += event.assets
            elif name == "PurchaseReversed":
                self.flows["refunds"] += event.refund

    def _share(self, account, fraction) -> int:
        balance = self.model.balance_of(str(account.address))
        return balance * fraction // 1_000_000 if fraction <= 1_000_000 else balance + 1

    def _holder(self, data, h, prefer):
        """Holder h, or mostly one of `prefer` that holds points (so moves are not all refused)."""
        holding = [x for x in prefer if self.model.balance_of(str(x.address))]
        if holding and data.draw(st.integers(0, 3), label="prefer a holder with points"):
            return data.draw(st.sampled_from(holding), label="holder")
        return self.env.holders[h]

    def _amount(self, kind, units, raw) -> int:
        return units * self.unit if kind == "units" else raw

    def _governor_call(self, label, function, args, model_call):
        """Schedule on the timelock, wait out the delay, execute: the model applies it at execution."""
        operation = governance.schedule(self.env.system, function, *args, description=label)
        self.chain.pending_timestamp = max(self.chain.pending_timestamp, operation.ready_at)
        return self._apply(
            label, model_call, lambda: governance.execute(self.env.system, operation, gas_limit=GAS)
        )

    def _addr(self, target) -> str:
        return target if isinstance(target, str) else str(target.address)

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
                str(merchant.address),
                [str(c.address) for c in consumers],
                values,
                ids,
                [GREEN] * len(consumers),
                now,
            ),
            lambda: self.pool.record_purchases(
                consumers, values, ids, [GREEN] * len(consumers), sender=merchant, gas_limit=GAS
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
            f"record_purchase m{m} -> {self._addr(consumer)[:8]} {amount} #{n} class {k}",
            lambda now: self.model.record_purchase(
                str(sender.address), self._addr(consumer), amount, order(n), k, now
            ),
            lambda: self.pool.record_purchase(consumer, amount, order(n), k, sender=sender, gas_limit=GAS),
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
            lambda now: self.model.record_purchases(
                str(sender.address), [self._addr(c) for c in consumers], amounts, ids, classes, now
            ),
            lambda: self.pool.record_purchases(
                consumers, amounts, ids, classes, sender=sender, gas_limit=GAS
            ),
        )
        if ok:
            self.recorded.extend((m, i) for i in ids)

    @rule(data=st.data(), m=st.integers(0, 2), n=s.order_numbers, known=st.booleans())
    def reverse(self, data, m, n, known):
        oid = order(n)
        if known and self.recorded:  # mostly an order some merchant really recorded
            m, oid = data.draw(st.sampled_from(self.recorded))
        sender = self.env.merchants[m]
        self._apply(
            f"reverse_purchase m{m} {oid.hex()[:8]}",
            lambda now: self.model.reverse_purchase(str(sender.address), oid, now),
            lambda: self.pool.reverse_purchase(oid, sender=sender, gas_limit=GAS),
        )

    @rule(
        u=st.integers(0, 4),
        units=s.whole_units,
        wait=st.sampled_from([0, 60, 3_600, 8 * 86_400]),
        spend_first=st.sampled_from([0, 0, 0, 1]),
    )
    def purchase_then_reverse(self, u, units, wait, spend_first):
        """A purchase, perhaps time passing or a point spent, then the merchant reverses it."""
        merchant, consumer = self.env.merchants[0], self.env.consumers[u]
        oid = order(f"rev-{self.chain.blocks.head.number}")
        amount = units * self.unit
        ok, _ = self._apply(
            f"record_purchase m0 -> u{u} {amount} (to reverse)",
            lambda now: self.model.record_purchase(
                str(merchant.address), str(consumer.address), amount, oid, GREEN, now
            ),
            lambda: self.pool.record_purchase(consumer, amount, oid, GREEN, sender=merchant, gas_limit=GAS),
        )
        if not ok:
            return
        self.recorded.append((0, oid))
        if spend_first:
            cafe = self.env.merchants[1]
            self._apply(
                f"spend u{u} -> m1 1",
                lambda now: self.model.spend(str(consumer.address), str(cafe.address), 1),
                lambda: self.pool.spend(cafe, 1, EMPTY, sender=consumer, gas_limit=GAS),
            )
        self.chain.pending_timestamp = self.chain.pending_timestamp + wait
        self._apply(
            f"reverse_purchase m0 {oid.hex()[:8]}",
            lambda now: self.model.reverse_purchase(str(merchant.address), oid, now),
            lambda: self.pool.reverse_purchase(oid, sender=merchant, gas_limit=GAS),
        )

    # ------------------------------------------------------------ green actions and the catalog

    @rule(t=st.sampled_from([0, 0, 1, 1, 2, 3, 4, 5, 6, 7]), k=s.action_classes, q=s.action_quantities,
          n=s.action_numbers, by_merchant=st.sampled_from([False] * 9 + [True]))  # fmt: skip
    def green_action(self, t, k, q, n, by_merchant):
        """The sponsor attests an action (t = 5: the sponsor itself, 6: a merchant, 7: zero)."""
        sender = self.env.merchants[0] if by_merchant else self.env.sponsor
        consumer = self.env.action_targets[t]
        self._apply(
            f"record_action {'m0' if by_merchant else 'sponsor'} -> {self._addr(consumer)[:8]} "
            f"class {k} x{q} #{n}",
            lambda now: self.model.record_action(
                str(sender.address), self._addr(consumer), k, q, order(f"action-{n}"), now
            ),
            lambda: self.pool.record_action(
                consumer, k, q, order(f"action-{n}"), sender=sender, gas_limit=GAS
            ),
        )

    @rule(change=s.catalog_changes, by_certifier=st.sampled_from([True] * 9 + [False]))
    def catalog(self, change, by_certifier):
        action, class_id, kind, factor = change
        sender = self.env.certifier if by_certifier else self.env.registrar
        who = str(sender.address)
        if action == "certify":
            standard = order(f"standard-{class_id}-{factor}")
            self._apply(
                f"certify_class {class_id} kind {kind} {factor} g",
                lambda now: self.model.certify_class(who, class_id, kind, factor, standard, "fuzz"),
                lambda: self.registry.certify_class(
                    class_id, kind, factor, standard, "fuzz", sender=sender, gas_limit=GAS
                ),
            )
        else:
            self._apply(
                f"withdraw_class {class_id}",
                lambda now: self.model.withdraw_class(who, class_id, "fuzz"),
                lambda: self.registry.withdraw_class(class_id, "fuzz", sender=sender, gas_limit=GAS),
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
        who, by = str(sponsor.address), str(reg.address)
        reward = self.unit // 10
        calls = {
            "suspend": (
                lambda now: self.model.suspend(by, who, "fuzz"),
                lambda: self.registry.suspend(sponsor, "fuzz", sender=reg, gas_limit=GAS),
            ),
            "reinstate": (
                lambda now: self.model.reinstate(by, who),
                lambda: self.registry.reinstate(sponsor, sender=reg, gas_limit=GAS),
            ),
            "revoke": (
                lambda now: self.model.revoke(by, who, "fuzz"),
                lambda: self.registry.revoke(sponsor, "fuzz", sender=reg, gas_limit=GAS),
            ),
            "terms": (
                lambda now: self.model.update_sponsor_terms(by, who, reward, cap * self.unit),
                lambda: self.registry.update_sponsor_terms(
                    sponsor, reward, cap * self.unit, sender=reg, gas_limit=GAS
                ),
            ),
            "admit": (
                lambda now: self.model.admit_sponsor(by, who, reward, cap * self.unit, LICENSE),
                lambda: self.registry.admit_sponsor(
                    sponsor, reward, cap * self.unit, LICENSE, sender=reg, gas_limit=GAS
                ),
            ),
        }
        self._apply(f"{action} sponsor", *calls[action])

    # ------------------------------------------------------------ circulation

    @rule(data=st.data(), u=st.integers(0, 4), m=st.integers(0, 2), fraction=s.fractions)
    def spend(self, data, u, m, fraction):
        consumer, merchant = self._holder(data, 5 + u, self.env.consumers), self.env.merchants[m]
        points = self._share(consumer, fraction)
        self._apply(
            f"spend u{u} -> m{m} {points}",
            lambda now: self.model.spend(str(consumer.address), str(merchant.address), points),
            lambda: self.pool.spend(merchant, points, EMPTY, sender=consumer, gas_limit=GAS),
        )

    @rule(data=st.data(), u=st.integers(0, 4), c=st.integers(0, 1), fraction=s.fractions)
    def donate(self, data, u, c, fraction):
        consumer, charity = self._holder(data, 5 + u, self.env.consumers), self.env.charities[c]
        points = self._share(consumer, fraction)
        self._apply(
            f"donate u{u} -> c{c} {points}",
            lambda now: self.model.donate(str(consumer.address), str(charity.address), points),
            lambda: self.pool.donate(charity, points, sender=consumer, gas_limit=GAS),
        )

    @rule(data=st.data(), h=st.integers(0, 9), t=st.integers(0, 8), fraction=s.fractions)
    def transfer(self, data, h, t, fraction):
        holder, target = self._holder(data, h, self.env.holders), self.env.targets[t]
        points = self._share(holder, fraction)
        self._apply(
            f"transfer h{h} -> {self._addr(target)[:8]} {points}",
            lambda now: self.model.transfer(str(holder.address), self._addr(target), points),
            lambda: self.pool.transfer(target, points, sender=holder, gas_limit=GAS),
        )

    @rule(data=st.data(), h=st.integers(0, 5), fraction=s.fractions)  # merchants, charities, a consumer
    def settle(self, data, h, fraction):
        holder = self._holder(data, h, self.env.merchants + self.env.charities)
        points = self._share(holder, fraction)
        self._apply(
            f"settle h{h} {points}",
            lambda now: self.model.settle(str(holder.address), points, now),
            lambda: self.pool.settle(points, sender=holder, gas_limit=GAS),
        )

    @rule(u=st.integers(0, 4), m=st.integers(0, 2), fraction=s.fractions, settle_share=s.fractions)
    def spend_then_settle(self, u, m, fraction, settle_share):
        """A consumer pays a merchant in points, and the merchant settles (part of) what it holds."""
        consumer, merchant = self.env.consumers[u], self.env.merchants[m]
        points = self._share(consumer, fraction)
        self._apply(
            f"spend u{u} -> m{m} {points}",
            lambda now: self.model.spend(str(consumer.address), str(merchant.address), points),
            lambda: self.pool.spend(merchant, points, EMPTY, sender=consumer, gas_limit=GAS),
        )
        held = self._share(merchant, settle_share)
        self._apply(
            f"settle m{m} {held}",
            lambda now: self.model.settle(str(merchant.address), held, now),
            lambda: self.pool.settle(held, sender=merchant, gas_limit=GAS),
        )

    @rule(data=st.data(), fraction=s.fractions, settle_share=s.fractions)
    def donate_then_settle(self, data, fraction, settle_share):
        """A consumer holding points donates to a registered charity, which settles (part of) it."""
        consumers = [c for c in self.env.consumers if self.model.balance_of(str(c.address))]
        charities = [c for c in self.env.charities if self.model.is_charity(str(c.address))]
        if not consumers or not charities:
            return
        consumer = data.draw(st.sampled_from(consumers), label="donor")
        charity = data.draw(st.sampled_from(charities), label="charity")
        points = self._share(consumer, fraction)
        self._apply(
            f"donate -> {str(charity.address)[:8]} {points}",
            lambda now: self.model.donate(str(consumer.address), str(charity.address), points),
            lambda: self.pool.donate(charity, points, sender=consumer, gas_limit=GAS),
        )
        held = self._share(charity, settle_share)
        self._apply(
            f"settle {str(charity.address)[:8]} {held}",
            lambda now: self.model.settle(str(charity.address), held, now),
            lambda: self.pool.settle(held, sender=charity, gas_limit=GAS),
        )

    # ------------------------------------------------------------ exit

    @rule(data=st.data(), h=st.integers(0, 9), fraction=s.fractions, use_max=st.booleans())
    def exit(self, data, h, fraction, use_max):
        holder = self._holder(data, h, self.env.consumers)
        if use_max:
            points = self.model.max_exit(str(holder.address), self.chain.pending_timestamp)
        else:
            points = self._share(holder, fraction)
        self._apply(
            f"exit h{h} {points}{' (max)' if use_max else ''}",
            lambda now: self.model.exit(str(holder.address), points, now),
            lambda: self.pool.exit(points, sender=holder, gas_limit=GAS),
        )

    @rule(u=st.integers(0, 3), multiple=st.integers(2, 4), fraction=s.fractions, use_max=st.booleans())
    def grow_then_exit(self, u, multiple, fraction, use_max):
        """Others buy big (each contributing `multiple` times the pool's assets, which lifts the value
        per point past 2x), the lock passes, and consumer u exits."""
        merchant, others = self.env.merchants[0], [c for i, c in enumerate(self.env.consumers) if i != u]
        # contribution = amount * 30%, so an amount of 10/3 * multiple * total_assets contributes multiple x
        amount = max(self.unit, self.model.state.total_assets * multiple * 10 // 3)
        amounts = [amount] * len(others)
        ids = [order(f"grow-{self.chain.blocks.head.number}-{i}") for i in range(len(others))]
        self._apply(
            f"record_purchases grow x{len(others)} {amount}",
            lambda now: self.model.record_purchases(
                str(merchant.address),
                [str(c.address) for c in others],
                amounts,
                ids,
                [GREEN] * len(others),
                now,
            ),
            lambda: self.pool.record_purchases(
                others, amounts, ids, [GREEN] * len(others), sender=merchant, gas_limit=GAS
            ),
        )
        self.chain.pending_timestamp = self.chain.pending_timestamp + self.model.rule("lock_period")
        holder = self.env.consumers[u]
        points = self.model.max_exit(str(holder.address), self.chain.pending_timestamp)
        if not use_max:
            points = self._share(holder, fraction)
        self._apply(
            f"exit u{u} {points}{' (max)' if use_max else ''} after growth",
            lambda now: self.model.exit(str(holder.address), points, now),
            lambda: self.pool.exit(points, sender=holder, gas_limit=GAS),
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
        who, reg = str(merchant.address), self.env.registrar
        calls = {
            "suspend": (
                lambda now: self.model.suspend(str(reg.address), who, "fuzz"),
                lambda: self.registry.suspend(merchant, "fuzz", sender=reg, gas_limit=GAS),
            ),
            "reinstate": (
                lambda now: self.model.reinstate(str(reg.address), who),
                lambda: self.registry.reinstate(merchant, sender=reg, gas_limit=GAS),
            ),
            "revoke": (
                lambda now: self.model.revoke(str(reg.address), who, "fuzz"),
                lambda: self.registry.revoke(merchant, "fuzz", sender=reg, gas_limit=GAS),
            ),
            "admit": (
                lambda now: self.model.admit(str(reg.address), who, 2_500, 10**6 * self.unit, LICENSE, 2),
                lambda: self.registry.admit(
                    merchant, 2_500, 10**6 * self.unit, LICENSE, 2, sender=reg, gas_limit=GAS
                ),
            ),
            "update": (
                lambda now: self.model.update_terms(str(reg.address), who, 1_000, cap * self.unit),
                lambda: self.registry.update_terms(
                    merchant, 1_000, cap * self.unit, sender=reg, gas_limit=GAS
                ),
            ),
        }
        self._apply(f"{action} m{m}", *calls[action])

    @rule(action=st.sampled_from(["register", "remove"]), c=st.integers(0, 1))
    def charity_status(self, action, c):
        charity, reg = self.env.charities[c], self.env.registrar
        if action == "register":
            self._apply(
                f"register_charity c{c}",
                lambda now: self.model.register_charity(str(reg.address), str(charity.address), LICENSE),
                lambda: self.registry.register_charity(charity, LICENSE, sender=reg, gas_limit=GAS),
            )
        else:
            self._apply(
                f"remove_charity c{c}",
                lambda now: self.model.remove_charity(str(reg.address), str(charity.address), "fuzz"),
                lambda: self.registry.remove_charity(charity, "fuzz", sender=reg, gas_limit=GAS),
            )

    @rule(chance=st.integers(0, 4))
    def pause(self, chance):
        if chance:  # a pause stops purchases until the governor lifts it: keep it rare
            return
        guardian = self.env.guardian
        self._apply(
            "pause",
            lambda now: self.model.pause(str(guardian.address), now),
            lambda: self.registry.pause(sender=guardian, gas_limit=GAS),
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
            lambda now: self.model.asset_transfer(str(merchant.address), self.model.pool, units * self.unit),
            lambda: self.asset.transfer(self.pool, units * self.unit, sender=merchant, gas_limit=GAS),
        )

    @precondition(lambda self: not self.model.state.shutdown)
    @rule(chance=st.integers(0, 9))
    def shutdown_and_wind_down(self, chance):
        if chance:  # shutdown ends issuance for the rest of the example: keep it rare
            return
        self._governor_call(
            "shutdown", "shutdown", (), lambda now: self.model.shutdown(self.model.governor, now)
        )
        # Everyone exits, in passes: a holder refused for dust ("exit pays nothing") may find its
        # points worth a unit once the others' rounding dust has accrued to it (found by `deep`).
        first_pass = True
        while True:
            exited = False
            for i, holder in enumerate(self.env.holders):
                points = self.model.balance_of(str(holder.address))
                if not points or (not first_pass and self.model.to_assets(points) == 0):
                    continue
                ok, _ = self._apply(
                    f"wind-down exit h{i} {points}",
                    lambda now, h=holder, p=points: self.model.exit(str(h.address), p, now),
                    lambda h=holder, p=points: self.pool.exit(p, sender=h, gas_limit=GAS),
                )
                exited = exited or ok
            first_pass = False
            if not exited:
                break
        # nothing anyone still holds is worth a unit, and at most one unit of dust per holder stays
        assert all(self.model.value_of(str(h.address)) == 0 for h in self.env.holders)
        assert self.pool.total_assets() <= len(self.env.holders)

    # ------------------------------------------------------------ invariants

    @invariant()
    def chain_equals_model(self):
        m, st_ = self.model, self.model.state
        now = self.chain.blocks.head.timestamp  # views are evaluated at the latest block
        chain = self.env.reader.read()
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
            "sponsor_assets": st_.asset_balances.get(str(self.env.sponsor.address), 0),
        }
        for holder in self.env.holders:
            a = str(holder.address)
            expected[("balance", a)] = m.balance_of(a)
            expected[("basis", a)] = m.basis_of(a)
            expected[("earned", a)] = m.earned_of(a)
            expected[("paid_out", a)] = m.paid_out_of(a)
            expected[("asset", a)] = st_.asset_balances.get(a, 0)
            expected[("max_exit", a)] = m.max_exit(a, now)
            expected[("carbon", a)] = m.carbon_of(a)
        differences = {k: (chain[k], v) for k, v in expected.items() if chain[k] != v}
        assert not differences, f"chain != model (chain, model): {differences}"
        # invariant 3: the sum of balances is the supply (only these actors can ever hold points)
        assert sum(chain[("balance", str(h.address))] for h in self.env.holders) == chain["total_supply"]

    @invariant()
    def solvency_and_exact_books(self):
        # invariant 1: the pool holds at least what it owes; total_assets is exactly the flows
        st_ = self.model.state
        assert st_.asset_balances.get(self.model.pool, 0) >= st_.total_assets
        f = self.flows
        assert st_.total_assets == f["contributions"] - f["payouts"] - f["settlements"] - f["refunds"]

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
            a = str(holder.address)
            assert self.model.basis_of(a) == 0 and self.model.earned_of(a) == 0


@pytest.fixture(scope="module")
def env(chain, accounts, project, decimals):
    return Env(chain, accounts, project, decimals)


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
MIN_DISTINCT_REFUSALS = 15
MIN_EXAMPLES_FOR_COVERAGE = 20  # the small `dev` profile is for iterating and is not held to it


def test_pool_machine__random_sequences__chain_equals_model(env):
    PoolMachine.env = env
    PoolMachine.outcomes = Counter()
    PoolMachine.audits = Counter()
    # Every refused call is mined as a failed transaction (explicit gas limit, so the chain and the
    # model see the same timestamp); Ape logs each one as an error, which here is expected.
    with logger.at_level(logging.CRITICAL):
        run_state_machine_as_test(PoolMachine)
    outcomes = PoolMachine.outcomes
    print("\n".join(f"{n:6d}  {op}: {what}" for (op, what), n in sorted(outcomes.items())))
    print(f"{sum(outcomes.values())} operations on chain and model")
    audits = PoolMachine.audits
    print(
        f"{audits['examples']} examples audited ({audits['events']} events), "
        f"each passing and replayed exactly; {audits['receipts']} receipts equal to the pool's events"
    )
    if settings.default.max_examples < MIN_EXAMPLES_FOR_COVERAGE:
        return
    succeeded = {op for (op, what) in outcomes if what == "ok"}
    refusals = {what for (_, what) in outcomes if what != "ok"}
    never = MUST_SUCCEED - succeeded
    assert not never, f"never succeeded: {never}"
    assert len(refusals) >= MIN_DISTINCT_REFUSALS, f"only {len(refusals)} kinds of refusal: {refusals}"

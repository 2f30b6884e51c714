"""Property: over random states (both decimals), each preview equals what its action then does, every
figure, or both refuse with one reason; and the model's preview (greenpoints/model/previews.py) equals
the chain's. Every purchase, action, exit and settlement that builds the state is itself checked so.
The chain is put back between examples with `chain.snapshot()` / `chain.restore()`."""

from __future__ import annotations

import pytest
from ape.exceptions import ContractLogicError
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from greenpoints.catalog import SAMPLE_CATALOG
from greenpoints.model import Model, Refusal
from tests.conftest import ACTION_CLASS, GREEN, LICENSE, order

MAX = 2**256 - 1
EMPTY = b"\x00" * 32
DAY = 86_400
UNCERTIFIED = 999


def _chain_answer(call):
    try:
        return tuple(call()), None
    except ContractLogicError as err:
        return None, err.message


def _model_answer(call):
    try:
        return tuple(call()), None
    except Refusal as refusal:
        return None, refusal.reason


class World:
    """The session system with members admitted on the chain and in a model built beside it."""

    def __init__(self, system, accounts, chain, decimals):
        self.chain, self.system, self.unit = chain, system, 10**decimals
        self.pool, self.lens, self.registry = system.pool, system.lens, system.registry
        a = accounts
        registrar = a[1]
        self.model = Model(
            pool=str(self.pool.address),
            governor=str(system.governor.address),
            registrar=str(registrar.address),
            guardian=str(a[2].address),
            certifier=str(a[11].address),
            asset_decimals=decimals,
            now=chain.blocks.head.timestamp,
        )
        self.model.state.current_epoch = self.pool.current_epoch()
        self.model.state.epoch_start_assets = self.pool.epoch_start_assets()
        for c in SAMPLE_CATALOG:
            self.model.certify_class(
                str(a[11].address), c.class_id, int(c.kind), c.co2e_per_unit, c.standard_hash, c.label
            )
        self.merchants, self.charity, self.sponsor = [a[4], a[5]], a[6], a[12]
        self.consumers = [a[7], a[8], a[9]]
        now = chain.pending_timestamp
        for merchant, bps, cap in ((a[4], 3_000, 10**9), (a[5], 500, 50)):
            self._both(
                lambda m=merchant, b=bps, c=cap: self.registry.admit(
                    m, b, c * self.unit, LICENSE, 1, sender=registrar
                ),
                lambda m=merchant, b=bps, c=cap: self.model.admit(
                    str(registrar.address), str(m.address), b, c * self.unit, LICENSE, 1, now
                ),
            )
        reward, cap = self.unit // 20, 100 * self.unit
        self.registry.admit_sponsor(self.sponsor, reward, cap, LICENSE, sender=registrar)
        self.model.admit_sponsor(str(registrar.address), str(self.sponsor.address), reward, cap, LICENSE)
        self.registry.register_charity(self.charity, LICENSE, sender=registrar)
        self.model.register_charity(str(registrar.address), str(self.charity.address), LICENSE)
        for payer in [*self.merchants, self.sponsor]:
            system.asset.mint(payer, 10**12 * self.unit, sender=payer)
            system.asset.approve(self.pool, MAX, sender=payer)
            self.model.asset_mint(str(payer.address), 10**12 * self.unit)
            self.model.asset_approve(str(payer.address), str(self.pool.address), MAX)
        self.orders = 0

    @staticmethod
    def _both(chain_call, model_call):
        chain_call()
        model_call()

    def check(self, label, preview, model_preview, action, figures):
        """Preview on chain and in the model, then the action: every figure equal, or one reason."""
        now = self.chain.pending_timestamp
        on_chain, chain_reason = _chain_answer(preview)
        in_model, model_reason = _model_answer(lambda: model_preview(now))
        assert (in_model, model_reason) == (on_chain, chain_reason), f"{label}: model != chain's preview"
        try:
            tx, reason = action(now), None
        except ContractLogicError as err:
            tx, reason = None, err.message
        note(f"{label} @ {now}: preview {on_chain or chain_reason!r}")
        assert reason == chain_reason, f"{label}: the action says {reason!r}, its preview {chain_reason!r}"
        if tx is not None:
            assert figures(tx) == on_chain, (
                f"{label}: the action recorded {figures(tx)}, its preview {on_chain}"
            )

    def move_time(self, hours: int):
        """Move the clock, keeping the next few minutes inside one epoch (a preview and its action see
        the same day) and far from a 7-day lock's end."""
        target = self.chain.pending_timestamp + hours * 3_600
        if target % DAY > DAY - 900:
            target += 1_800
        self.chain.mine(timestamp=target)

    # ------------------------------------------------------------ checked operations

    def purchase(self, merchant, consumer, amount, class_id):
        self.orders += 1
        oid, m, c = order(f"prop-{self.orders}"), merchant, consumer

        def act(now):
            tx = self.pool.record_purchase(c, amount, oid, class_id, sender=m)
            self.model.record_purchase(str(m.address), str(c.address), amount, oid, class_id, now)
            return tx

        def figures(tx):
            e = tx.events.filter(self.pool.PurchaseRecorded)[0]
            return e.contribution, e.points, e.co2e

        self.check(
            f"purchase {amount} class {class_id}",
            lambda: self.lens.preview_purchase(m, amount, class_id),
            lambda now: self.model.preview_purchase(str(m.address), amount, class_id, now),
            act,
            figures,
        )

    def action(self, consumer, quantity, class_id):
        self.orders += 1
        aid, s = order(f"action-{self.orders}"), self.sponsor

        def act(now):
            tx = self.pool.record_action(consumer, class_id, quantity, aid, sender=s)
            self.model.record_action(str(s.address), str(consumer.address), class_id, quantity, aid, now)
            return tx

        def figures(tx):
            e = tx.events.filter(self.pool.ActionRecorded)[0]
            return e.contribution, e.points, e.co2e

        self.check(
            f"action {quantity} class {class_id}",
            lambda: self.lens.preview_action(s, class_id, quantity),
            lambda now: self.model.preview_action(str(s.address), class_id, quantity, now),
            act,
            figures,
        )

    def exit(self, account, points):
        def act(now):
            tx = self.pool.exit(points, sender=account)
            self.model.exit(str(account.address), points, now)
            return tx

        def figures(tx):
            e = tx.events.filter(self.pool.PointsExited)[0]
            return e.payout, e.retained

        self.check(
            f"exit {points}",
            lambda: self.lens.preview_exit(account, points),
            lambda now: self.model.preview_exit(str(account.address), points, now),
            act,
            figures,
        )

    def settle(self, account, points):
        def act(now):
            tx = self.pool.settle(points, sender=account)
            self.model.settle(str(account.address), points, now)
            return tx

        def figures(tx):
            e = tx.events.filter(self.pool.PointsSettled)[0]
            return e.assets, e.fee

        self.check(
            f"settle {points}",
            lambda: self.lens.preview_settle(account, points),
            lambda now: self.model.preview_settle(str(account.address), points, now),
            act,
            figures,
        )

    def spend(self, consumer, merchant, share_bps):
        points = self.pool.balanceOf(consumer) * share_bps // 10_000
        if points == 0:
            return
        now = self.chain.pending_timestamp
        self.pool.spend(merchant, points, EMPTY, sender=consumer)
        self.model.spend(str(consumer.address), str(merchant.address), points, EMPTY, now)


STEP = st.one_of(
    st.tuples(
        st.just("purchase"),
        st.integers(0, 1),
        st.integers(0, 2),
        st.integers(0, 400),
        st.sampled_from([GREEN, GREEN, ACTION_CLASS, UNCERTIFIED]),
    ),
    st.tuples(
        st.just("action"),
        st.integers(0, 2),
        st.integers(0, 2_000),
        st.sampled_from([ACTION_CLASS, ACTION_CLASS, GREEN]),
    ),
    st.tuples(st.just("exit"), st.integers(0, 3), st.integers(0, 10_000)),
    st.tuples(st.just("settle"), st.integers(0, 2), st.integers(0, 10_000)),
    st.tuples(st.just("spend"), st.integers(0, 2), st.integers(0, 1), st.integers(1, 10_000)),
    st.tuples(st.just("time"), st.sampled_from([1, 3, 20, 24 * 8])),
)


@pytest.fixture
def world(system, accounts, chain, decimals):
    return lambda: World(system, accounts, chain, decimals)


@settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(STEP, min_size=6, max_size=14))
def test_previews__random_states__equal_the_actions_and_the_model(world, chain, steps):
    snapshot = chain.snapshot()
    try:
        w = world()
        unit = w.unit
        for step in steps:
            kind = step[0]
            if kind == "purchase":
                _, m, c, units, class_id = step
                w.purchase(w.merchants[m], w.consumers[c], units * unit // 4, class_id)
            elif kind == "action":
                _, c, quantity, class_id = step
                w.action(w.consumers[c], quantity, class_id)
            elif kind == "exit":
                _, who, share = step
                account = [*w.consumers, w.merchants[0]][who]
                w.exit(account, w.pool.balanceOf(account) * share // 10_000)
            elif kind == "settle":
                _, who, share = step
                account = [*w.merchants, w.charity][who]
                w.settle(account, w.pool.balanceOf(account) * share // 10_000)
            elif kind == "spend":
                _, c, m, share = step
                w.spend(w.consumers[c], w.merchants[m], share)
            else:
                w.move_time(step[1])
    finally:
        chain.restore(snapshot)

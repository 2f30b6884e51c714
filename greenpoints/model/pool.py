"""Mirror of contracts/ValuePool.vy: issuance, reversal, circulation, settlement and exit, and the
settlement token's side of each (snekmate's erc20, as the mock stablecoin is)."""

from __future__ import annotations

from ..statuses import NONE, CharityStatus, MerchantStatus
from . import pool_math as pm
from .orders import Purchase
from .receipts import (
    ActionRecorded,
    PointsDonated,
    PointsExited,
    PointsSettled,
    PointsSpent,
    PurchaseRecorded,
    PurchaseReversed,
)
from .state import (
    ACTION,
    EMPTY32,
    MAX_BATCH,
    MAX_CARBON,
    MAX_U128,
    MAX_U256,
    NO_CHARITY,
    NO_MERCHANT,
    NO_SPONSOR,
    PRODUCT,
    ZERO,
    Merchant,
    Order,
    Sponsor,
    State,
    atomic,
)


class Pool:
    state: State
    pool: str
    asset_modeled: bool

    # ------------------------------------------------------------ the settlement token (snekmate erc20)

    def asset_mint(self, to: str, amount: int) -> None:
        self.state.asset_balances[to] = self.state.asset_balances.get(to, 0) + amount

    def asset_approve(self, owner: str, spender: str, amount: int) -> None:
        self.state.asset_allowances[(owner, spender)] = amount

    @atomic
    def asset_transfer(self, sender: str, to: str, amount: int) -> None:
        """A direct transfer of the asset (e.g. sent to the pool by hand: it does not count)."""
        self._asset_move(sender, to, amount)

    def _asset_move(self, owner: str, to: str, amount: int) -> None:
        balance = self.state.asset_balances.get(owner, 0)
        self.require(balance >= amount, "erc20: transfer amount exceeds balance")
        self.state.asset_balances[owner] = balance - amount
        self.state.asset_balances[to] = self.state.asset_balances.get(to, 0) + amount

    def _pull(self, merchant: str, amount: int) -> None:
        if not self.asset_modeled:
            return
        allowance = self.state.asset_allowances.get((merchant, self.pool), 0)
        if allowance < MAX_U256:
            self.require(allowance >= amount, "erc20: insufficient allowance")
            self.state.asset_allowances[(merchant, self.pool)] = allowance - amount
        self._asset_move(merchant, self.pool, amount)

    def _pay(self, to: str, amount: int) -> None:
        if self.asset_modeled:
            self._asset_move(self.pool, to, amount)

    # ------------------------------------------------------------ issuance

    def _begin_issue(self, sender: str, now: int, by_sponsor: bool = False) -> Merchant | Sponsor:
        """Checks before any purchase (or action) of a call, then the epoch's sync; returns the
        calling merchant's (or sponsor's) record."""
        if self.state.paused:
            self.refuse("pausable: contract is paused")
        if self.state.shutdown:
            self.refuse("pool: shut down")
        member = self._active_sponsor(sender) if by_sponsor else self._active_merchant(sender)
        self._sync_epoch(now)
        return member

    def _finish_issue(self, sender: str, contribution: int, now: int, by_sponsor: bool = False) -> None:
        """After the purchases (or the action) of a call: the pool word's bounds, the daily cap, the pull."""
        self._check_totals()
        if by_sponsor:
            self._use_cap(
                self.state.sponsors, sender, contribution, now, "registry: sponsor daily cap exceeded"
            )
        else:
            self._use_cap(self.state.merchants, sender, contribution, now, "registry: daily cap exceeded")
        self._pull(sender, contribution)

    def _issue_points(self, consumer, contribution, issue_bps, co2e, now, no_points: str) -> tuple[int, int]:
        """`ValuePool._issue_points`: the points `contribution` buys, issued to `consumer` with `co2e`
        grams; refuses with `no_points` when they round to nothing. Returns (points, issued value)."""
        issued_value = contribution * issue_bps // pm.BPS
        points = self.observe("points", self.to_points(issued_value))
        if points == 0:
            self.refuse(no_points)
        if points > MAX_U128:
            self.refuse("pool: amount too large")
        self._issue(consumer, points, issued_value, co2e, now)
        return points, issued_value

    def _consumer_check(self, consumer: str) -> None:
        """`ValuePool._consumer_book`: the zero address, the pool and any member are refused."""
        st = self.state
        if consumer == ZERO:
            self.refuse("pool: consumer is the zero address")
        if consumer == self.pool:
            self.refuse("pool: consumer is the pool")
        if st.merchants.get(consumer, NO_MERCHANT).status != NONE:
            self.refuse("pool: consumer is a merchant")
        if st.charities.get(consumer, NO_CHARITY).status != NONE:
            self.refuse("pool: consumer is a charity")
        if st.sponsors.get(consumer, NO_SPONSOR).status != NONE:
            self.refuse("pool: consumer is a sponsor")

    def _record(
        self, merchant, contribution_bps, consumer, amount, order_id, class_id, now
    ) -> PurchaseRecorded:
        # The simulation's hot path: the same checks, in the contract's order, with local names.
        st = self.state
        self._consumer_check(consumer)
        if amount == 0:
            self.refuse("pool: amount is zero")
        if amount > MAX_U128:
            self.refuse("pool: amount too large")
        key = (merchant, order_id)
        if key in st.orders:
            self.refuse("pool: order id already recorded")
        co2e = self.observe("co2e", self.co2e_of_sale(amount, self._class_factor(class_id, PRODUCT)))
        contribution = self.observe("contribution", pm.contribution_of(amount, contribution_bps))
        issue_bps = st.rules["issue_bps"]
        points, issued_value = self._issue_points(
            consumer, contribution, issue_bps, co2e, now, "pool: purchase issues no points"
        )
        st.orders[key] = Order(consumer, now, issue_bps, points, contribution, co2e, False, class_id, amount)
        st.total_assets += contribution
        st.total_carbon += co2e
        return PurchaseRecorded(
            merchant, consumer, order_id, class_id, amount, contribution, points, co2e,
            st.total_assets, st.total_supply, issued_value,
        )  # fmt: skip

    @atomic
    def record_purchase(self, sender, consumer, amount, order_id, class_id, now) -> PurchaseRecorded:
        bps = self._begin_issue(sender, now).contribution_bps
        receipt = self._record(sender, bps, consumer, amount, order_id, class_id, now)
        self._finish_issue(sender, receipt.contribution, now)
        return receipt

    @atomic
    def record_purchases(
        self, sender, consumers, amounts, order_ids, class_ids, now
    ) -> tuple[PurchaseRecorded, ...]:
        """Up to MAX_BATCH purchases in one call, all or nothing; one receipt per purchase, in order."""
        count = len(consumers)
        self.require(
            len(amounts) == count and len(order_ids) == count and len(class_ids) == count,
            "pool: batch lengths differ",
        )
        self.require(count != 0, "pool: batch is empty")
        self.require(count <= MAX_BATCH, "pool: batch too large")
        bps = self._begin_issue(sender, now).contribution_bps
        record = self._record
        receipts = tuple(
            record(sender, bps, consumer, amount, order_id, class_id, now)
            for consumer, amount, order_id, class_id in zip(
                consumers, amounts, order_ids, class_ids, strict=True
            )
        )
        self._finish_issue(sender, sum(r.contribution for r in receipts), now)
        return receipts

    @atomic
    def record_action(self, sender, consumer, class_id, quantity, action_id, now) -> ActionRecorded:
        """A green action attested and paid for by an active sponsor (SPEC 8.3)."""
        st = self.state
        reward = self._begin_issue(sender, now, by_sponsor=True).reward_per_kg
        self._consumer_check(consumer)
        self.require(quantity != 0, "pool: quantity is zero")
        self.require(quantity <= MAX_U128, "pool: quantity too large")
        key = (sender, action_id)
        if key in st.actions:
            self.refuse("pool: action id already recorded")
        co2e = self.observe("co2e", quantity * self._class_factor(class_id, ACTION))
        self.require(co2e <= MAX_CARBON, "ledger: carbon too large")
        contribution = self.observe("contribution", pm.action_contribution(co2e, reward))
        points, issued_value = self._issue_points(
            consumer, contribution, st.rules["issue_bps"], co2e, now, "pool: action issues no points"
        )
        st.actions[key] = co2e
        st.total_assets += contribution
        st.total_carbon += co2e
        receipt = ActionRecorded(
            sender, consumer, class_id, action_id, quantity, co2e, contribution, points,
            st.total_assets, st.total_supply, issued_value,
        )  # fmt: skip
        self._finish_issue(sender, contribution, now, by_sponsor=True)
        return receipt

    def order_word(self, merchant: str, order_id: bytes) -> int:
        """`ValuePool.order_word`: the one word the pool keeps for an order (0: the id is unused)."""
        order = self.state.orders.get((merchant, order_id))
        return 0 if order is None else order.word

    def purchase_of(self, merchant: str, order_id: bytes) -> Purchase | None:
        """The record `reverse_purchase` takes back for an order (None: the merchant never used the id)."""
        order = self.state.orders.get((merchant, order_id))
        return None if order is None else order.purchase

    @atomic
    def reverse_purchase(self, sender, order_id, purchase, now) -> PurchaseReversed:
        """`purchase`: the order's record (`Purchase`), checked against the one the pool committed to."""
        order = self.state.orders.get((sender, order_id))
        if order is None:
            raise_refusal(self, "pool: unknown order")
        if not order.purchase.same_as(Purchase(*purchase)):
            raise_refusal(self, "orders: record does not match")
        self.require(not order.reversed, "pool: order already reversed")
        self.require(now < order.issued_at + self.rule("lock_period"), "pool: reversal window over")
        self.require(
            self.balance_of(order.consumer) >= order.points, "pool: consumer no longer holds the points"
        )
        self._sync_epoch(now)
        refund = self.observe("refund", min(order.contribution, self.to_assets(order.points)))
        self.observe("co2e", order.co2e)
        self._pay_refund(order.consumer, order.points, order.issued_value, order.co2e, refund)
        st = self.state
        st.orders[(sender, order_id)] = order._replace(reversed=True)
        self._pay(sender, refund)
        return PurchaseReversed(
            sender, order.consumer, order_id, order.points, refund, order.co2e,
            st.total_assets, st.total_supply,
        )  # fmt: skip

    # ------------------------------------------------------------ circulation

    def _move(self, owner: str, to: str, points: int) -> None:
        self.require(self.is_consumer(owner), "pool: only consumers move points")
        self.require(points != 0, "pool: points is zero")
        self._reduce_basis(owner, points)
        self._transfer(owner, to, points)

    @atomic
    def spend(self, sender, merchant, points, order_id=EMPTY32, now=0) -> PointsSpent:
        self.require(not self.state.paused, "pausable: contract is paused")
        self.require(self.merchant(merchant).status == MerchantStatus.ACTIVE, "pool: merchant not active")
        self._move(sender, merchant, points)
        return PointsSpent(sender, merchant, points, order_id)

    @atomic
    def donate(self, sender, charity, points, now=0) -> PointsDonated:
        self.require(self.charity(charity).status == CharityStatus.REGISTERED, "pool: charity not registered")
        self._move(sender, charity, points)
        return PointsDonated(sender, charity, points)

    def _route(self, owner: str, to: str, amount: int) -> PointsSpent | PointsDonated:
        """ERC-20 transfers: to an active merchant a spend (no order id), to a registered charity a
        donation; the receipt is the event the pool logs."""
        if self.merchant(to).status == MerchantStatus.ACTIVE:
            self.require(not self.state.paused, "pausable: contract is paused")
            self._move(owner, to, amount)
            return PointsSpent(owner, to, amount, EMPTY32)
        if self.charity(to).status == CharityStatus.REGISTERED:
            self._move(owner, to, amount)
            return PointsDonated(owner, to, amount)
        raise_refusal(self, "pool: points go only to an active merchant or a registered charity")

    @atomic
    def transfer(self, sender, to, amount, now=0) -> PointsSpent | PointsDonated:
        return self._route(sender, to, amount)

    @atomic
    def approve(self, sender, spender, amount, now=0):
        self.require(sender != ZERO, "erc20: approve from the zero address")
        self.require(spender != ZERO, "erc20: approve to the zero address")
        self.state.allowances[(sender, spender)] = amount

    @atomic
    def transfer_from(self, sender, owner, to, amount, now=0) -> PointsSpent | PointsDonated:
        allowance = self.state.allowances.get((owner, sender), 0)
        if allowance < MAX_U256:
            self.require(allowance >= amount, "erc20: insufficient allowance")
            self.state.allowances[(owner, sender)] = allowance - amount
        return self._route(owner, to, amount)

    @atomic
    def settle(self, sender, points, now) -> PointsSettled:
        self.require(self._is_merchant_or_charity(sender), "pool: only merchants and charities settle")
        self.require(points != 0, "pool: points is zero")
        self.require(points <= self.balance_of(sender), "pool: amount exceeds balance")
        self._sync_epoch(now)
        paid, fee = self.settlement_of(points)
        paid = self.observe("paid", paid)
        fee = self.observe("fee", fee)
        self.require(paid != 0, "pool: settlement pays nothing")
        self._pay_settlement(sender, points, paid)
        self._pay(sender, paid)
        return PointsSettled(sender, points, paid, fee)

    # ------------------------------------------------------------ exit

    @atomic
    def exit(self, sender, points, now) -> PointsExited:
        self.require(points != 0, "exit_rule: points is zero")
        self.require(self.balance_of(self.queue_holder) == 0, "exit_rule: requests wait in the exit queue")
        self.require(points <= self.balance_of(sender), "exit_rule: amount exceeds balance")
        self._sync_epoch(now)
        worth, payout = self._check_exit(sender, points, now)
        retained = self.observe("retained", worth - payout)
        self.require(payout != 0, "exit_rule: exit pays nothing")
        basis = self.basis_of(sender)
        self._pay_exit(sender, points, payout)
        self._pay(sender, payout)
        return PointsExited(sender, points, payout, retained, basis - self.basis_of(sender))


def raise_refusal(model, reason: str):
    """A refusal after which the operation cannot go on, even when an audit replays it."""
    model.refuse(reason, final=True)

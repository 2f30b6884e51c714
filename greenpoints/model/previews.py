"""Mirror of contracts/Lens.vy: what an action would do, asked before doing it (ERC-4626's previews).

`preview_purchase`, `preview_action`, `preview_exit` and `preview_settle` run their action's own
steps, the model's helpers of `pool`, `exit_rule`, `ledger` and `members` (the epoch's sync, the
class's factor, the conversion, the exit's four conditions, the daily cap's use), in the action's
order, inside `rolled_back`: they return the action's figures, or refuse with `Refusal(reason)` where
the chain's preview reverts, and change no state. As on chain, they make no check on what they are
not given: the consumer, the order or action id, the merchant's or sponsor's asset allowance and
balance.
"""

from __future__ import annotations

from . import pool_math as pm
from .receipts import ExitPreview, IssuePreview, SettlePreview
from .state import ACTION, MAX_CARBON, MAX_PAID_OUT, MAX_U128, PRODUCT, State, rolled_back


class Previews:
    state: State

    def preview_purchase(self, merchant: str, amount: int, class_id: int, now: int) -> IssuePreview:
        """`Lens.preview_purchase`: (contribution, points, co2e) of `record_purchase` by `merchant`."""
        with rolled_back(self.state):
            bps = self._begin_issue(merchant, now).contribution_bps
            self.require(amount != 0, "pool: amount is zero")
            self.require(amount <= MAX_U128, "pool: amount too large")
            co2e = self.co2e_of_sale(amount, self._class_factor(class_id, PRODUCT))
            contribution = pm.contribution_of(amount, bps)
            points = self._preview_points(contribution, "pool: purchase issues no points")
            self._preview_finish(merchant, contribution, co2e, now, by_sponsor=False)
            return IssuePreview(contribution, points, co2e)

    def preview_action(self, sponsor: str, class_id: int, quantity: int, now: int) -> IssuePreview:
        """`Lens.preview_action`: (contribution, points, co2e) of `record_action` by `sponsor`."""
        with rolled_back(self.state):
            reward = self._begin_issue(sponsor, now, by_sponsor=True).reward_per_kg
            self.require(quantity != 0, "pool: quantity is zero")
            self.require(quantity <= MAX_U128, "pool: quantity too large")
            co2e = quantity * self._class_factor(class_id, ACTION)
            self.require(co2e <= MAX_CARBON, "ledger: carbon too large")
            contribution = pm.action_contribution(co2e, reward)
            points = self._preview_points(contribution, "pool: action issues no points")
            self._preview_finish(sponsor, contribution, co2e, now, by_sponsor=True)
            return IssuePreview(contribution, points, co2e)

    def preview_exit(self, account: str, points: int, now: int) -> ExitPreview:
        """`Lens.preview_exit`: (payout, retained) of `exit(points)` by `account`."""
        with rolled_back(self.state):
            self.require(points != 0, "exit_rule: points is zero")
            self.require(points <= self.balance_of(account), "exit_rule: amount exceeds balance")
            self._sync_epoch(now)
            worth, payout = self._check_exit(account, points, now)
            self.require(payout != 0, "exit_rule: exit pays nothing")
            self.require(self.paid_out_of(account) + payout <= MAX_PAID_OUT, "ledger: payouts too large")
            return ExitPreview(payout, worth - payout)

    def preview_settle(self, account: str, points: int, now: int) -> SettlePreview:
        """`Lens.preview_settle`: (assets, fee) of `settle(points)` by `account`."""
        self.require(self._is_merchant_or_charity(account), "pool: only merchants and charities settle")
        self.require(points != 0, "pool: points is zero")
        self.require(points <= self.balance_of(account), "pool: amount exceeds balance")
        paid, fee = self.settlement_of(points)
        self.require(paid != 0, "pool: settlement pays nothing")
        return SettlePreview(paid, fee)

    # ------------------------------------------------------------ the steps an issuance shares

    def _preview_points(self, contribution: int, no_points: str) -> int:
        """`Pool._issue_points` without the consumer: the points `contribution` buys."""
        points = self.to_points(pm.issued_value_of(contribution, self.rule("issue_bps")))
        if points == 0:
            self.refuse(no_points)
        self.require(points <= MAX_U128, "pool: amount too large")
        return points

    def _preview_finish(self, member: str, contribution: int, co2e: int, now: int, *, by_sponsor: bool):
        """`Pool._finish_issue` without the pull: the pool's bounds once the issuance is booked, then
        the member's daily cap (all rolled back by the caller)."""
        st = self.state
        st.total_assets += contribution
        st.total_carbon += co2e
        self._check_totals()
        if by_sponsor:
            self._use_cap(st.sponsors, member, contribution, now, "registry: sponsor daily cap exceeded")
        else:
            self._use_cap(st.merchants, member, contribution, now, "registry: daily cap exceeded")

"""Mirror of contracts/modules/exit_rule.vy: the epoch snapshot and the capped exit (SPEC 4.5)."""

from __future__ import annotations

from . import pool_math as pm
from .state import State


class ExitRule:
    state: State

    def _sync_epoch(self, now: int) -> None:
        """A new epoch when the clock has moved into one: snapshot total_assets, reset the exits."""
        st = self.state
        epoch = now // st.rules["epoch_length"]
        if epoch != st.current_epoch:
            st.current_epoch = epoch
            st.epoch_start_assets = st.total_assets
            st.epoch_exited = 0

    def _exit_limit(self, start_assets: int) -> int:
        """`epoch_exit_limit_bps` of an epoch's start assets, rounded down as `_check_exit` does."""
        return pm.epoch_exit_limit(start_assets, self.rule("epoch_exit_limit_bps"))

    def epoch_exit_limit(self) -> int:
        """The exit limit of the last snapshotted epoch (the chain's `epoch_start_assets()` times the
        rule)."""
        return self._exit_limit(self.state.epoch_start_assets)

    def epoch_exits(self, now: int) -> tuple[int, int]:
        """(limit, exited) of the epoch `now` falls in: its exit limit and the payouts made in it
        (a new epoch not yet snapshotted starts from the current total_assets and nothing exited)."""
        if now // self.rule("epoch_length") == self.state.current_epoch:
            return self.epoch_exit_limit(), self.state.epoch_exited
        return self._exit_limit(self.state.total_assets), 0

    def exit_budget_left(self, now: int) -> int:
        limit, exited = self.epoch_exits(now)
        return max(0, limit - exited)

    def _triggered(self, account: str) -> bool:
        return self.value_of(account) * pm.BPS >= self.basis_of(account) * self.rule("exit_trigger_bps")

    def _unlocked(self, account: str, now: int) -> bool:
        return now >= self.last_issued_at(account) + self.rule("lock_period")

    def newly_exitable(self, accounts: list[str], now: int) -> tuple[list[str], list[str]]:
        """Split `accounts` into those whose holding could exit now if the epoch's budget allowed
        (`own_exit_limit` above 0: trigger reached, unlocked, room under the return cap) and the
        others, in their order. Most holdings are far from the trigger, so a float estimate of it
        (the holding's value against its basis, with slack on the side of letting through) first
        sets aside those far from it; the rule decides every other one (a third of a baseline
        simulation's time went here without it)."""
        st = self.state
        if not st.total_supply:
            return [], list(accounts)
        price = st.total_assets / st.total_supply * pm.BPS * (1 + 1e-9)
        trigger = self.rule("exit_trigger_bps")
        balances, basis = st.balances, st.basis
        ready, waiting = [], []
        for account in accounts:
            held = balances.get(account, 0)
            if (
                held
                and held * price >= basis.get(account, 0) * trigger
                and self._unlocked(account, now)  # cheap, and what often holds a near one back
                and self.own_exit_limit(account, now)
            ):
                ready.append(account)
            else:
                waiting.append(account)
        return ready, waiting

    def exit_payout_of(self, points: int) -> int:
        """What exiting `points` would pay at the current value per point, before the exit's
        conditions (after the shutdown an exit pays full value instead)."""
        return pm.exit_payout(self.to_assets(points), self.rule("exit_payout_bps"))

    def cap_left(self, account: str) -> int:
        """Exit payouts `account` may still receive under the return cap."""
        cap = self.earned_of(account) * self.rule("return_cap_bps") // pm.BPS
        return max(0, cap - self.paid_out_of(account))

    def _check_exit(self, account: str, points: int, now: int) -> tuple[int, int]:
        """The four conditions in order, each refusal naming its condition; books the payout against
        the epoch's budget. After the shutdown: full value, no condition. Returns (value, payout)."""
        worth = self.to_assets(points)
        if self.state.shutdown:
            return worth, self.observe("payout", worth)
        self.require(self.is_consumer(account), "exit_rule: merchants and charities settle instead")
        self.require(self._triggered(account), "exit_rule: holding not worth the exit trigger")
        self.require(self._unlocked(account, now), "exit_rule: points still locked")
        payout = self.observe("payout", pm.exit_payout(worth, self.rule("exit_payout_bps")))
        cap = self.earned_of(account) * self.rule("return_cap_bps") // pm.BPS
        self.require(self.paid_out_of(account) + payout <= cap, "exit_rule: return cap reached")
        exited = self.state.epoch_exited + payout
        self.require(exited <= self.epoch_exit_limit(), "exit_rule: epoch exit limit reached")
        self.state.epoch_exited = exited
        return worth, payout

    def own_exit_limit(self, account: str, now: int) -> int:
        """Points `account` could exit now if the epoch's budget were unlimited (trigger, lock and
        return cap applied): what a consumer asks for before the anti-bank-run limit cuts it."""
        balance = self.balance_of(account)
        if not self.is_consumer(account) or balance == 0 or self.state.shutdown:
            return self.max_exit(account, now)
        if not self._triggered(account) or not self._unlocked(account, now):
            return 0
        most = pm.max_points_for_payout(
            self.cap_left(account),
            self.state.total_assets,
            self.state.total_supply,
            self.rule("exit_payout_bps"),
        )
        return min(balance, most)

    def max_exit(self, account: str, now: int) -> int:
        """`ValuePool.max_exit`: the points `account` could exit right now (0 when any condition fails)."""
        balance = self.balance_of(account)
        if self.state.shutdown:
            return balance
        if not self.is_consumer(account) or balance == 0:
            return 0
        if not self._triggered(account) or not self._unlocked(account, now):
            return 0
        limit = min(self.cap_left(account), self.exit_budget_left(now))
        most = pm.max_points_for_payout(
            limit, self.state.total_assets, self.state.total_supply, self.rule("exit_payout_bps")
        )
        return min(balance, most)

"""Mirror of contracts/modules/ledger.vy (with the points token, snekmate's erc20): the books.

Conversions between assets and points, each consumer's basis, lifetime issued value, lifetime exit
payouts and last issuance time, and every movement of money in or out of `total_assets`. Rounding is
`greenpoints.pool_math`'s, the contract's exactly.
"""

from __future__ import annotations

from .. import pool_math as pm
from .state import MAX_EARNED, MAX_PAID_OUT, MAX_TOTAL_ASSETS, State


class Ledger:
    state: State
    asset_decimals: int

    # ------------------------------------------------------------ reading

    def balance_of(self, account: str) -> int:
        return self.state.balances.get(account, 0)

    def basis_of(self, account: str) -> int:
        return self.state.basis.get(account, 0)

    def earned_of(self, account: str) -> int:
        return self.state.earned.get(account, 0)

    def paid_out_of(self, account: str) -> int:
        return self.state.paid_out.get(account, 0)

    def last_issued_at(self, account: str) -> int:
        return self.state.last_issued_at.get(account, 0)

    def to_points(self, assets: int) -> int:
        return pm.to_points(assets, self.state.total_assets, self.state.total_supply, self.asset_decimals)

    def to_assets(self, points: int) -> int:
        return pm.to_assets(points, self.state.total_assets, self.state.total_supply, self.asset_decimals)

    def value_of(self, account: str) -> int:
        return self.to_assets(self.balance_of(account))

    def price_per_point(self) -> int:
        return self.to_assets(pm.POINT)

    # ------------------------------------------------------------ the points token (snekmate erc20)

    def _mint(self, to: str, points: int) -> None:
        st = self.state
        st.total_supply += points
        st.balances[to] = st.balances.get(to, 0) + points

    def _burn(self, owner: str, points: int) -> None:
        balance = self.balance_of(owner)
        self.require(balance >= points, "erc20: burn amount exceeds balance")
        self.state.balances[owner] = balance - points
        self.state.total_supply -= points

    def _transfer(self, owner: str, to: str, points: int) -> None:
        balance = self.balance_of(owner)
        self.require(balance >= points, "erc20: transfer amount exceeds balance")
        self.state.balances[owner] = balance - points
        self.state.balances[to] = self.balance_of(to) + points

    # ------------------------------------------------------------ money in and out

    def _issue(self, consumer: str, points: int, issued_value: int, now: int) -> None:
        """An issuance: basis and lifetime earnings grow by `issued_value`, the lock restarts, the
        points are minted. (The contribution reaches total_assets in the caller.)"""
        st = self.state
        earned = st.earned.get(consumer, 0) + issued_value
        if earned > MAX_EARNED:
            self.refuse("ledger: issued value too large")
        st.basis[consumer] = st.basis.get(consumer, 0) + issued_value
        st.earned[consumer] = earned
        st.last_issued_at[consumer] = now
        st.total_supply += points
        st.balances[consumer] = st.balances.get(consumer, 0) + points

    def _check_total_assets(self) -> None:
        if self.state.total_assets > MAX_TOTAL_ASSETS:
            self.refuse("ledger: total assets too large")

    def _reduce_basis(self, account: str, points: int) -> None:
        """The basis follows `points` out of `account` pro rata (the cut rounds down); call before
        the balance changes."""
        basis = self.basis_of(account)
        if basis == 0:
            return
        balance = self.balance_of(account)
        self.require(points <= balance, "ledger: amount exceeds balance")
        self.state.basis[account] = pm.basis_after_outflow(basis, balance, points)

    def _pay_exit(self, account: str, points: int, payout: int) -> None:
        self._reduce_basis(account, points)
        self._burn(account, points)
        self.state.total_assets -= payout
        paid = self.paid_out_of(account) + payout
        self.require(paid <= MAX_PAID_OUT, "ledger: payouts too large")
        self.state.paid_out[account] = paid

    def _pay_settlement(self, account: str, points: int, paid: int) -> None:
        self._burn(account, points)
        self.state.total_assets -= paid

    def _pay_refund(self, consumer: str, points: int, issued_value: int, refund: int) -> None:
        self._reduce_basis(consumer, points)
        self.state.earned[consumer] = self.earned_of(consumer) - issued_value
        self._burn(consumer, points)
        self.state.total_assets -= refund

"""Mirror of contracts/modules/ledger.vy (with the points token, snekmate's erc20): the books.

Conversions between assets and points, each consumer's basis, lifetime issued value, lifetime exit
payouts, last issuance time and carbon, and every movement of money in or out of `total_assets`. Rounding is
`greenpoints.model.pool_math`'s, the contract's exactly.
"""

from __future__ import annotations

from . import pool_math as pm
from .state import MAX_CARBON, MAX_EARNED, MAX_PAID_OUT, MAX_TOTAL_ASSETS, MAX_TOTAL_CARBON, State


class Ledger:
    state: State
    asset_decimals: int
    asset_unit: int
    """10**asset_decimals: a product class's factor is per whole asset unit of sale."""

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

    def carbon_of(self, account: str) -> int:
        return self.state.carbon.get(account, 0)

    def total_carbon(self) -> int:
        return self.state.total_carbon

    def co2e_of_sale(self, amount: int, co2e_per_unit: int) -> int:
        """Grams a sale of `amount` base units of a product class avoids (SPEC 8.2: rounded down)."""
        return amount * co2e_per_unit // self.asset_unit

    def to_points(self, assets: int) -> int:
        st = self.state
        if st.total_supply and not st.total_assets:  # (an audit's replay of a broken pool)
            self.refuse("ledger: points without assets", final=True)  # the contract divides by zero
        return pm.to_points(assets, st.total_assets, st.total_supply, self.asset_decimals)

    def to_assets(self, points: int) -> int:
        return pm.to_assets(points, self.state.total_assets, self.state.total_supply, self.asset_decimals)

    def value_of(self, account: str) -> int:
        return self.to_assets(self.balance_of(account))

    def price_per_point(self) -> int:
        return self.to_assets(pm.POINT)

    def settlement_of(self, points: int) -> tuple[int, int]:
        """(assets paid, fee) for settling `points` at the current value per point."""
        return pm.settlement(self.to_assets(points), self.rule("settlement_fee_bps"))

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

    def _issue(self, consumer: str, points: int, issued_value: int, co2e: int, now: int) -> None:
        """An issuance: basis and lifetime earnings grow by `issued_value`, the consumer's carbon by
        `co2e`, the lock restarts, the points are minted. (The contribution and the carbon reach the
        pool's totals in the caller.)"""
        st = self.state
        earned = st.earned.get(consumer, 0) + issued_value
        if earned > MAX_EARNED:
            self.refuse("ledger: issued value too large")
        carbon = st.carbon.get(consumer, 0) + co2e
        if carbon > MAX_CARBON:
            self.refuse("ledger: carbon too large")
        if co2e:
            st.carbon[consumer] = carbon
        st.basis[consumer] = st.basis.get(consumer, 0) + issued_value
        st.earned[consumer] = earned
        st.last_issued_at[consumer] = now
        st.total_supply += points
        st.balances[consumer] = st.balances.get(consumer, 0) + points

    def _check_totals(self) -> None:
        """The pool word's bounds, checked when it is stored (after the issuances of a call)."""
        if self.state.total_assets > MAX_TOTAL_ASSETS:
            self.refuse("ledger: total assets too large")
        if self.state.total_carbon > MAX_TOTAL_CARBON:
            self.refuse("ledger: total carbon too large")

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

    def _pay_refund(self, consumer: str, points: int, issued_value: int, co2e: int, refund: int) -> None:
        self._reduce_basis(consumer, points)
        self.state.earned[consumer] = self.earned_of(consumer) - issued_value
        if co2e:
            self.state.carbon[consumer] = self.carbon_of(consumer) - co2e
            self.state.total_carbon -= co2e
        self._burn(consumer, points)
        self.state.total_assets -= refund

"""Mirror of contracts/modules/accounts.vy and members.vy: who an address is, and what a purchase
reads of a merchant (its contribution rate, its daily cap and the day's running total)."""

from __future__ import annotations

from ..statuses import NONE, CharityStatus, MerchantStatus, Standing
from .state import NO_CHARITY, NO_MERCHANT, ZERO, Charity, Merchant, State


class Members:
    state: State
    pool: str

    def merchant(self, account: str) -> Merchant:
        return self.state.merchants.get(account, NO_MERCHANT)

    def charity(self, account: str) -> Charity:
        return self.state.charities.get(account, NO_CHARITY)

    def is_active(self, account: str) -> bool:
        return self.merchant(account).status == MerchantStatus.ACTIVE

    def is_charity(self, account: str) -> bool:
        return self.charity(account).status == CharityStatus.REGISTERED

    def is_merchant(self, account: str) -> bool:
        return self.merchant(account).status != NONE

    def is_consumer(self, account: str) -> bool:
        """No member kind, not the zero address, not the pool."""
        return (
            account != ZERO
            and account != self.pool
            and self.merchant(account).status == NONE
            and self.charity(account).status == NONE
        )

    def _is_merchant_or_charity(self, account: str) -> bool:
        return self.merchant(account).status != NONE or self.charity(account).status != NONE

    def standing_of(self, account: str) -> Standing:
        """`ValuePool.standing_of`: the member kinds of `account` and whether it is active."""
        standing = Standing(0)
        status = self.merchant(account).status
        if status:
            standing |= Standing.MERCHANT | (Standing.ACTIVE if status == MerchantStatus.ACTIVE else 0)
        charity = self.charity(account).status
        if charity:
            standing |= Standing.CHARITY | (Standing.ACTIVE if charity == CharityStatus.REGISTERED else 0)
        return standing

    def _active_merchant(self, sender: str) -> Merchant:
        merchant = self.state.merchants.get(sender, NO_MERCHANT)
        if merchant.status != MerchantStatus.ACTIVE:
            self.refuse("registry: caller not an active merchant")
        return merchant

    def epoch_contribution(self, merchant: str, now: int) -> int:
        """What `merchant` has recorded in the current epoch (0 on a new day)."""
        m = self.merchant(merchant)
        return m.epoch_contribution if m.epoch == now // self.rule("epoch_length") else 0

    def daily_cap_left(self, merchant: str, now: int) -> int:
        """The contribution `merchant` may still record in the current epoch."""
        return max(0, self.merchant(merchant).daily_cap - self.epoch_contribution(merchant, now))

    def _use_daily_cap(self, merchant: str, contribution: int, now: int) -> None:
        m = self.state.merchants[merchant]
        epoch = now // self.rule("epoch_length")
        used = (m.epoch_contribution if m.epoch == epoch else 0) + contribution
        if used > m.daily_cap:
            self.refuse("registry: daily cap exceeded")
        self.state.merchants[merchant] = Merchant(
            m.status, m.category, m.contribution_bps, m.daily_cap, m.license_hash, epoch, used
        )

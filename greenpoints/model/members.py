"""Mirror of contracts/modules/accounts.vy, members.vy and catalog.vy: who an address is, what a
purchase reads of a merchant (its contribution rate, its daily cap and the day's running total) and
an action of a sponsor (its reward per kg, its daily cap and running total), and the pool's copy of
the green catalog."""

from __future__ import annotations

from ..statuses import NONE, CharityStatus, MerchantStatus, Standing
from . import pool_math as pm
from .state import (
    ACTION,
    NO_CHARITY,
    NO_CLASS,
    NO_MERCHANT,
    NO_SPONSOR,
    PRODUCT,
    ZERO,
    Charity,
    ClassRecord,
    Merchant,
    Sponsor,
    State,
)

_ACTIVE = MerchantStatus.ACTIVE
"""Bound once: an enum member costs an attribute lookup through its class (about 0.3 us on Python
3.11), and `_active_merchant` runs once per purchase the simulation records or the audit replays."""


class Members:
    state: State
    pool: str

    def merchant(self, account: str) -> Merchant:
        return self.state.merchants.get(account, NO_MERCHANT)

    def charity(self, account: str) -> Charity:
        return self.state.charities.get(account, NO_CHARITY)

    def sponsor(self, account: str) -> Sponsor:
        return self.state.sponsors.get(account, NO_SPONSOR)

    def green_class(self, class_id: int) -> ClassRecord:
        return self.state.classes.get(class_id, NO_CLASS)

    def is_certified(self, class_id: int) -> bool:
        return self.green_class(class_id).certified

    def is_sponsor(self, account: str) -> bool:
        return self.sponsor(account).status == MerchantStatus.ACTIVE

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
            and self.sponsor(account).status == NONE
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
        sponsor = self.sponsor(account).status
        if sponsor:
            standing |= Standing.SPONSOR | (Standing.ACTIVE if sponsor == MerchantStatus.ACTIVE else 0)
        return standing

    def _active_merchant(self, sender: str) -> Merchant:
        merchant = self.state.merchants.get(sender, NO_MERCHANT)
        if merchant.status != _ACTIVE:
            self.refuse("registry: caller not an active merchant")
        return merchant

    def _active_sponsor(self, sender: str) -> Sponsor:
        sponsor = self.state.sponsors.get(sender, NO_SPONSOR)
        if sponsor.status != MerchantStatus.ACTIVE:
            self.refuse("registry: sponsor not active")
        return sponsor

    def _member_record(self, account: str) -> Merchant | Sponsor:
        """The merchant's or sponsor's record (they share the daily cap's logic)."""
        return self.state.sponsors.get(account) or self.merchant(account)

    def epoch_contribution(self, member: str, now: int) -> int:
        """What a merchant or sponsor has recorded in the current epoch (0 on a new day)."""
        m = self._member_record(member)
        return m.epoch_contribution if m.epoch == now // self.rule("epoch_length") else 0

    def contributions_of(self, merchant: str, amounts: list[int]) -> list[int]:
        """The contribution each sale of `amounts` pays into the pool at `merchant`'s rate (a till's
        day, in one call)."""
        bps, of = self.merchant(merchant).contribution_bps, pm.contribution_of
        return [of(amount, bps) for amount in amounts]

    def sale_for_contribution(self, merchant: str, contribution: int) -> int:
        """The sale worth `contribution` at `merchant`'s rate, rounded down (its contribution is at
        most `contribution`)."""
        return pm.sale_for_contribution(contribution, self.merchant(merchant).contribution_bps)

    def action_cost(self, sponsor: str, class_id: int, quantity: int) -> tuple[int, int]:
        """(co2e, contribution) of `quantity` units of action class `class_id` paid by `sponsor`: the
        grams the class's factor books and what the sponsor pays for them at its reward_per_kg."""
        co2e = quantity * self.green_class(class_id).co2e_per_unit
        return co2e, pm.action_contribution(co2e, self.sponsor(sponsor).reward_per_kg)

    def cap_use(self, member: str) -> tuple[int, int]:
        """(used, cap): the contribution a merchant or sponsor recorded in the pool's current
        (last snapshotted) epoch, and its daily cap."""
        m = self._member_record(member)
        return (m.epoch_contribution if m.epoch == self.state.current_epoch else 0), m.daily_cap

    def daily_cap_left(self, member: str, now: int) -> int:
        """The contribution a merchant or sponsor may still record in the current epoch."""
        return max(0, self._member_record(member).daily_cap - self.epoch_contribution(member, now))

    def _use_cap(self, records: dict, member: str, contribution: int, now: int, reason: str) -> None:
        """`members._use_daily_cap` for a merchant or a sponsor (`records` holds its kind); the
        caller names whose cap in `reason`."""
        m = records.get(member)
        if m is None:  # replaying a call by no merchant (or sponsor): refused at its start already
            return
        epoch = now // self.state.rules["epoch_length"]
        used = (m.epoch_contribution if m.epoch == epoch else 0) + contribution
        if used > m.daily_cap:
            self.refuse(reason)
        # A copy with the day's total, without dataclasses.replace's checks: a purchase's hot path (the
        # audit replays one per PurchaseRecorded). The record stays frozen to everyone else.
        new = object.__new__(type(m))
        new.__dict__.update(m.__dict__, epoch=epoch, epoch_contribution=used)
        records[member] = new

    def _class_factor(self, class_id: int, kind: int) -> int:
        """`catalog._factor`: the factor of a class certified now and of `kind`."""
        record = self.state.classes.get(class_id, NO_CLASS)
        if not record.certified:
            self.refuse("catalog: class not certified")
        if kind == PRODUCT and record.kind != PRODUCT:
            self.refuse("catalog: not a product class")
        if kind == ACTION and record.kind != ACTION:
            self.refuse("catalog: not an action class")
        return record.co2e_per_unit

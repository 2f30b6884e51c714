"""Mirror of contracts/Registry.vy: the whitelist (merchants, sponsors, charities), the green catalog,
the roles, the rules, the pause and the shutdown.

Every change the registry pushes into the pool (`set_config`) first syncs the pool's epoch under the
old rules, as the pool's hook does.
"""

from __future__ import annotations

from dataclasses import replace

from ..statuses import NONE, CharityStatus, MerchantStatus
from .rules import BOUNDS, followable
from .state import (
    ACTION,
    CERTIFIER_ROLE,
    DEFAULT_ADMIN_ROLE,
    EMPTY32,
    GUARDIAN_ROLE,
    MAX_DAILY_CAP,
    MAX_FACTOR,
    NO_CLASS,
    PRODUCT,
    REGISTRAR_ROLE,
    ZERO,
    Charity,
    ClassRecord,
    Merchant,
    Sponsor,
    State,
    atomic,
)


class Registry:
    state: State
    pool: str
    governor: str

    # ------------------------------------------------------------ roles (snekmate access_control)

    def has_role(self, role: str, account: str) -> bool:
        return self.state.roles.get((role, account), False)

    def _check_role(self, role: str, sender: str) -> None:
        self.require(self.has_role(role, sender), "access_control: account is missing role")

    @atomic
    def grant_role(self, sender: str, role: str, account: str, now: int = 0) -> None:
        self._check_role(DEFAULT_ADMIN_ROLE, sender)
        self.state.roles[(role, account)] = True

    @atomic
    def revoke_role(self, sender: str, role: str, account: str, now: int = 0) -> None:
        self._check_role(DEFAULT_ADMIN_ROLE, sender)
        self.state.roles.pop((role, account), None)

    # ------------------------------------------------------------ merchants

    def _check_never_issued(self, account: str) -> None:
        self.require(self.balance_of(account) == 0, "registry: address holds points")
        self.require(self.last_issued_at(account) == 0, "registry: address was issued points")

    def _check_terms(self, contribution_bps: int, daily_cap: int) -> None:
        self.require(
            contribution_bps >= self.rule("min_contribution_bps"), "registry: contribution below bounds"
        )
        self.require(
            contribution_bps <= self.rule("max_contribution_bps"), "registry: contribution above bounds"
        )
        self.require(daily_cap != 0, "registry: daily cap is zero")
        self.require(daily_cap <= MAX_DAILY_CAP, "registry: daily cap too large")

    @atomic
    def admit(self, sender, merchant, contribution_bps, daily_cap, license_hash, category, now=0):
        self._check_role(REGISTRAR_ROLE, sender)
        self.require(merchant != ZERO, "registry: merchant is the zero address")
        self.require(merchant != self.pool, "registry: merchant is the pool")
        self.require(self.sponsor(merchant).status == NONE, "registry: address is a sponsor")
        status = self.merchant(merchant).status
        self.require(status != MerchantStatus.REVOKED, "registry: merchant revoked for good")
        self.require(status == NONE, "registry: merchant already admitted")
        self.require(self.charity(merchant).status == NONE, "registry: address is a charity")
        self._check_never_issued(merchant)
        self._check_terms(contribution_bps, daily_cap)
        self.require(license_hash != EMPTY32, "registry: license hash is empty")
        self.state.merchants[merchant] = Merchant(
            MerchantStatus.ACTIVE, category, contribution_bps, daily_cap, license_hash, 0, 0
        )

    @atomic
    def update_terms(self, sender, merchant, contribution_bps, daily_cap, now=0):
        self._check_role(REGISTRAR_ROLE, sender)
        status = self._member_record(merchant).status
        self.require(
            status in (MerchantStatus.ACTIVE, MerchantStatus.SUSPENDED), "registry: not a current merchant"
        )
        self.require(self.sponsor(merchant).status == NONE, "registry: address is a sponsor")
        self._check_terms(contribution_bps, daily_cap)
        _amend(self.state.merchants, merchant, contribution_bps=contribution_bps, daily_cap=daily_cap)

    @atomic
    def suspend(self, sender, merchant, reason="", now=0):
        self._check_role(REGISTRAR_ROLE, sender)
        self.require(
            self._member_record(merchant).status == MerchantStatus.ACTIVE, "registry: merchant not active"
        )
        self._set_status(merchant, MerchantStatus.SUSPENDED)

    @atomic
    def reinstate(self, sender, merchant, now=0):
        self._check_role(REGISTRAR_ROLE, sender)
        self.require(
            self._member_record(merchant).status == MerchantStatus.SUSPENDED,
            "registry: merchant not suspended",
        )
        self._set_status(merchant, MerchantStatus.ACTIVE)

    @atomic
    def revoke(self, sender, merchant, reason="", now=0):
        self._check_role(REGISTRAR_ROLE, sender)
        status = self._member_record(merchant).status
        self.require(
            status in (MerchantStatus.ACTIVE, MerchantStatus.SUSPENDED), "registry: not a current merchant"
        )
        self._set_status(merchant, MerchantStatus.REVOKED)

    def _set_status(self, member: str, status: MerchantStatus) -> None:
        """A merchant's or a sponsor's new status (they share the registrar's functions)."""
        records = self.state.sponsors if member in self.state.sponsors else self.state.merchants
        _amend(records, member, status=status)

    # ------------------------------------------------------------ sponsors (SPEC 8.3)

    def _check_sponsor_terms(self, reward_per_kg: int, daily_cap: int) -> None:
        self.require(reward_per_kg != 0, "registry: reward is zero")
        self.require(reward_per_kg <= MAX_DAILY_CAP, "registry: reward too large")
        self.require(daily_cap != 0, "registry: daily cap is zero")
        self.require(daily_cap <= MAX_DAILY_CAP, "registry: daily cap too large")

    @atomic
    def admit_sponsor(self, sender, sponsor, reward_per_kg, daily_cap, license_hash, now=0):
        self._check_role(REGISTRAR_ROLE, sender)
        self.require(sponsor != ZERO, "registry: sponsor is the zero address")
        self.require(sponsor != self.pool, "registry: sponsor is the pool")
        status = self.sponsor(sponsor).status
        if status != NONE:
            self.require(status != MerchantStatus.REVOKED, "registry: sponsor revoked for good")
            self.refuse("registry: sponsor already admitted")
        self.require(self.merchant(sponsor).status == NONE, "registry: address is a merchant")
        self.require(self.charity(sponsor).status == NONE, "registry: address is a charity")
        self._check_never_issued(sponsor)
        self._check_sponsor_terms(reward_per_kg, daily_cap)
        self.require(license_hash != EMPTY32, "registry: license hash is empty")
        self.state.sponsors[sponsor] = Sponsor(
            MerchantStatus.ACTIVE, reward_per_kg, daily_cap, license_hash, *self._running_total(sponsor)
        )

    def _running_total(self, sponsor: str) -> tuple[int, int]:
        """(epoch, epoch_contribution) a sponsor keeps (none for a new one)."""
        record = self.state.sponsors.get(sponsor)
        return (record.epoch, record.epoch_contribution) if record else (0, 0)

    @atomic
    def update_sponsor_terms(self, sender, sponsor, reward_per_kg, daily_cap, now=0):
        self._check_role(REGISTRAR_ROLE, sender)
        self.require(
            self.sponsor(sponsor).status in (MerchantStatus.ACTIVE, MerchantStatus.SUSPENDED),
            "registry: not a current sponsor",
        )
        self._check_sponsor_terms(reward_per_kg, daily_cap)
        _amend(self.state.sponsors, sponsor, reward_per_kg=reward_per_kg, daily_cap=daily_cap)

    # ------------------------------------------------------------ the green catalog (SPEC 8.1)

    @atomic
    def certify_class(self, sender, class_id, kind, co2e_per_unit, standard_hash, label="", now=0):
        self._check_role(CERTIFIER_ROLE, sender)
        self.require(class_id != 0, "registry: class id is zero")
        self.require(kind in (PRODUCT, ACTION), "registry: unknown class kind")
        self.require(co2e_per_unit <= MAX_FACTOR, "registry: factor too large")
        self.require(standard_hash != EMPTY32, "registry: standard hash is empty")
        old = self.state.classes.get(class_id, NO_CLASS)
        self.require(old.kind in (0, kind), "registry: class kind cannot change")
        self.state.classes[class_id] = ClassRecord(kind, True, co2e_per_unit, standard_hash)
        return old.co2e_per_unit

    @atomic
    def withdraw_class(self, sender, class_id, reason="", now=0):
        self._check_role(CERTIFIER_ROLE, sender)
        record = self.state.classes.get(class_id, NO_CLASS)
        self.require(record.certified, "registry: class not certified")
        self.state.classes[class_id] = replace(record, certified=False)

    # ------------------------------------------------------------ charities

    @atomic
    def register_charity(self, sender, charity, license_hash, now=0):
        self._check_role(REGISTRAR_ROLE, sender)
        self.require(charity != ZERO, "registry: charity is the zero address")
        self.require(charity != self.pool, "registry: charity is the pool")
        self.require(self.sponsor(charity).status == NONE, "registry: address is a sponsor")
        self.require(self.merchant(charity).status == NONE, "registry: address is a merchant")
        status = self.charity(charity).status
        self.require(status != CharityStatus.REGISTERED, "registry: charity already registered")
        if status == NONE:
            self._check_never_issued(charity)
        self.require(license_hash != EMPTY32, "registry: license hash is empty")
        self.state.charities[charity] = Charity(CharityStatus.REGISTERED, license_hash)

    @atomic
    def remove_charity(self, sender, charity, reason="", now=0):
        self._check_role(REGISTRAR_ROLE, sender)
        self.require(
            self.charity(charity).status == CharityStatus.REGISTERED, "registry: charity not registered"
        )
        _amend(self.state.charities, charity, status=CharityStatus.REMOVED)

    # ------------------------------------------------------------ rules, pause, shutdown

    def rule(self, name: str) -> int:
        return self.state.rules[name]

    @atomic
    def set_rule(self, sender, rule, value, now):
        self.require(sender == self.governor, "pool: caller is not the governor")
        if rule not in BOUNDS:
            self.refuse("rules: unknown rule")
            return  # replayed by an audit: an unknown rule changes nothing it can follow
        lo, hi = BOUNDS[rule]
        if not followable(rule, value):
            self.refuse("rules: value out of bounds", final=True)
        self.require(lo <= value <= hi, "rules: value out of bounds")
        if rule == "min_contribution_bps":
            self.require(value <= self.rule("max_contribution_bps"), "rules: min contribution above max")
        if rule == "max_contribution_bps":
            self.require(value >= self.rule("min_contribution_bps"), "rules: max contribution below min")
        self._sync_epoch(now)
        self.state.rules[rule] = value

    @atomic
    def pause(self, sender, now):
        self.require(
            sender == self.governor or self.has_role(GUARDIAN_ROLE, sender),
            "pool: caller is not the guardian or governor",
        )
        self.require(not self.state.paused, "pausable: contract is paused")
        self._sync_epoch(now)
        self.state.paused = True

    @atomic
    def unpause(self, sender, now):
        self.require(sender == self.governor, "pool: caller is not the governor")
        self.require(self.state.paused, "pausable: contract is not paused")
        self._sync_epoch(now)
        self.state.paused = False

    @atomic
    def shutdown(self, sender, now):
        self.require(sender == self.governor, "pool: caller is not the governor")
        self.require(not self.state.shutdown, "pool: already shut down")
        self._sync_epoch(now)
        self.state.shutdown = True


def _amend(records: dict, member: str, **changes) -> None:
    """`member`'s record in `records` (merchants, sponsors or charities) with `changes`; nothing for an
    address with no record, which only an audit's replay reaches (its refusal already reported:
    there is nothing to follow)."""
    if member in records:
        records[member] = replace(records[member], **changes)

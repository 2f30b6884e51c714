"""The whole system as a pure-Python model: the readable statement of the rules.

Every operation checks its conditions in the contract's order, refuses with the contract's revert
reason (`Refusal(reason)`), and otherwise changes state exactly as the chain does, with the same
integer rounding (`greenpoints.pool_math`). A refused operation changes nothing (all or nothing).
Operations take `sender` and `now` (the block timestamp) explicitly; addresses are strings.

Used by the stateful tests (chain == model after every step), and meant for the simulation's model
backend and the audit's replay.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import NamedTuple

from . import pool_math as pm
from .rules import BOUNDS, DEFAULT_RULES, Rules

ZERO = "0x0000000000000000000000000000000000000000"
MAX_U128 = 2**128 - 1
MAX_U256 = 2**256 - 1
MAX_BATCH = 100

STATUS_NONE, STATUS_ACTIVE, STATUS_SUSPENDED, STATUS_REVOKED = 0, 1, 2, 3
CHARITY_NONE, CHARITY_REGISTERED, CHARITY_REMOVED = 0, 1, 2


class Refusal(Exception):
    """An operation the contracts refuse; `reason` is the contract's revert reason."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Journal:
    """The undo log of the operation in progress (None outside an operation)."""

    __slots__ = ("entries",)

    def __init__(self):
        self.entries: list | None = None


_MISSING = object()


class JournaledDict(dict):
    """A dict that records each overwritten entry in its journal, so a refused operation can be
    undone in time proportional to what it changed (a deep copy per operation made large
    simulations quadratic)."""

    __slots__ = ("journal",)

    def __init__(self, journal: Journal, *args):
        super().__init__(*args)
        self.journal = journal

    def __setitem__(self, key, value):
        entries = self.journal.entries
        if entries is not None:
            entries.append((self, key, self.get(key, _MISSING)))
        super().__setitem__(key, value)

    def __reduce__(self):  # copy/deepcopy/pickle keep the journal link
        return (JournaledDict, (self.journal, dict(self)))


def require(condition: bool, reason: str) -> None:
    if not condition:
        raise Refusal(reason)


@dataclass(frozen=True)
class Merchant:
    status: int = STATUS_NONE
    category: int = 0
    contribution_bps: int = 0
    daily_cap: int = 0
    license_hash: bytes = b"\x00" * 32
    epoch: int = 0
    epoch_contribution: int = 0


@dataclass(frozen=True)
class Charity:
    status: int = CHARITY_NONE
    license_hash: bytes = b"\x00" * 32


class Order(NamedTuple):
    """One recorded purchase (a named tuple: the simulation creates one per purchase)."""

    consumer: str
    issued_at: int
    issue_bps: int
    points: int
    contribution: int
    reversed: bool = False

    @property
    def issued_value(self) -> int:
        return pm.issued_value_of(self.contribution, self.issue_bps)


@dataclass
class State:
    """Everything the contracts store (the asset token's balances included)."""

    rules: dict[str, int]
    total_assets: int = 0
    total_supply: int = 0
    balances: dict[str, int] = field(default_factory=dict)
    allowances: dict[tuple[str, str], int] = field(default_factory=dict)
    basis: dict[str, int] = field(default_factory=dict)
    earned: dict[str, int] = field(default_factory=dict)
    paid_out: dict[str, int] = field(default_factory=dict)
    last_issued_at: dict[str, int] = field(default_factory=dict)
    merchants: dict[str, Merchant] = field(default_factory=dict)
    charities: dict[str, Charity] = field(default_factory=dict)
    orders: dict[tuple[str, bytes], Order] = field(default_factory=dict)
    registrars: set[str] = field(default_factory=set)
    guardians: set[str] = field(default_factory=set)
    paused: bool = False
    shutdown: bool = False
    current_epoch: int = 0
    epoch_start_assets: int = 0
    epoch_exited: int = 0
    asset_balances: dict[str, int] = field(default_factory=dict)
    asset_allowances: dict[tuple[str, str], int] = field(default_factory=dict)
    journal: Journal = field(default_factory=Journal, repr=False, compare=False)

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if type(value) is dict:
                setattr(self, f.name, JournaledDict(self.journal, value))

    def scalars(self) -> tuple:
        """The fields that are not journaled dicts (saved whole at the start of an operation)."""
        return tuple(getattr(self, name) for name in _SCALARS)

    def restore_scalars(self, saved: tuple) -> None:
        for name, value in zip(_SCALARS, saved, strict=True):
            setattr(self, name, value)


_SCALARS = (
    "total_supply",
    "total_assets",
    "paused",
    "shutdown",
    "current_epoch",
    "epoch_start_assets",
    "epoch_exited",
)
NO_MERCHANT = Merchant()
NO_CHARITY = Charity()


class Model:
    """The system's rules over a `State`. Public methods mirror the contracts' external functions."""

    def __init__(
        self,
        *,
        pool: str,
        governor: str,
        registrar: str,
        guardian: str,
        asset_decimals: int,
        now: int,
        rules: Rules = DEFAULT_RULES,
    ):
        rules.check()
        self.pool = pool
        self.governor = governor
        self.asset_decimals = asset_decimals
        self.state = State(rules=rules.as_dict(), registrars={registrar}, guardians={guardian})
        self._sync_epoch(now)

    # ------------------------------------------------------------ plumbing

    def _atomic(self, operation, *args):
        """Run `operation`; on a Refusal undo everything it changed (all or nothing)."""
        state = self.state
        journal = state.journal
        if journal.entries is not None:  # already inside an operation
            return operation(*args)
        saved = state.scalars()
        journal.entries = []
        try:
            return operation(*args)
        except Refusal:
            for mapping, key, old in reversed(journal.entries):
                if old is _MISSING:
                    dict.pop(mapping, key, None)
                else:
                    dict.__setitem__(mapping, key, old)
            state.restore_scalars(saved)
            raise
        finally:
            journal.entries = None

    def rule(self, name: str) -> int:
        return self.state.rules[name]

    def balance_of(self, account: str) -> int:
        return self.state.balances.get(account, 0)

    def basis_of(self, account: str) -> int:
        return self.state.basis.get(account, 0)

    def earned_of(self, account: str) -> int:
        return self.state.earned.get(account, 0)

    def paid_out_of(self, account: str) -> int:
        return self.state.paid_out.get(account, 0)

    def merchant(self, account: str) -> Merchant:
        return self.state.merchants.get(account, NO_MERCHANT)

    def charity(self, account: str) -> Charity:
        return self.state.charities.get(account, NO_CHARITY)

    def to_points(self, assets: int) -> int:
        return pm.to_points(assets, self.state.total_assets, self.state.total_supply, self.asset_decimals)

    def to_assets(self, points: int) -> int:
        return pm.to_assets(points, self.state.total_assets, self.state.total_supply, self.asset_decimals)

    def value_of(self, account: str) -> int:
        return self.to_assets(self.balance_of(account))

    def price_per_point(self) -> int:
        return self.to_assets(pm.POINT)

    def is_active(self, account: str) -> bool:
        return self.merchant(account).status == STATUS_ACTIVE

    def is_charity(self, account: str) -> bool:
        return self.charity(account).status == CHARITY_REGISTERED

    def is_consumer(self, account: str) -> bool:
        return (
            account != ZERO
            and account != self.pool
            and self.merchant(account).status == STATUS_NONE
            and self.charity(account).status == CHARITY_NONE
        )

    def _is_merchant_or_charity(self, account: str) -> bool:
        return self.merchant(account).status != STATUS_NONE or self.charity(account).status != CHARITY_NONE

    # ------------------------------------------------------------ asset token (snekmate erc20)

    def asset_mint(self, to: str, amount: int) -> None:
        self.state.asset_balances[to] = self.state.asset_balances.get(to, 0) + amount

    def asset_approve(self, owner: str, spender: str, amount: int) -> None:
        self.state.asset_allowances[(owner, spender)] = amount

    def asset_transfer(self, sender: str, to: str, amount: int) -> None:
        """A direct transfer of the asset (e.g. sent to the pool by hand: it does not count)."""
        self._atomic(self._asset_move, sender, to, amount)

    def _asset_move(self, owner: str, to: str, amount: int) -> None:
        balance = self.state.asset_balances.get(owner, 0)
        require(balance >= amount, "erc20: transfer amount exceeds balance")
        self.state.asset_balances[owner] = balance - amount
        self.state.asset_balances[to] = self.state.asset_balances.get(to, 0) + amount

    def _pull(self, merchant: str, amount: int) -> None:
        allowance = self.state.asset_allowances.get((merchant, self.pool), 0)
        if allowance < MAX_U256:
            require(allowance >= amount, "erc20: insufficient allowance")
            self.state.asset_allowances[(merchant, self.pool)] = allowance - amount
        self._asset_move(merchant, self.pool, amount)

    def _pay(self, to: str, amount: int) -> None:
        self._asset_move(self.pool, to, amount)

    # ------------------------------------------------------------ points token internals

    def _mint(self, to: str, points: int) -> None:
        self.state.total_supply += points
        self.state.balances[to] = self.balance_of(to) + points

    def _burn(self, owner: str, points: int) -> None:
        balance = self.balance_of(owner)
        require(balance >= points, "erc20: burn amount exceeds balance")
        self.state.balances[owner] = balance - points
        self.state.total_supply -= points

    def _transfer(self, owner: str, to: str, points: int) -> None:
        balance = self.balance_of(owner)
        require(balance >= points, "erc20: transfer amount exceeds balance")
        self.state.balances[owner] = balance - points
        self.state.balances[to] = self.balance_of(to) + points

    def _reduce_basis(self, account: str, points: int) -> None:
        basis = self.basis_of(account)
        if basis == 0:
            return
        balance = self.balance_of(account)
        require(points <= balance, "ledger: amount exceeds balance")
        self.state.basis[account] = pm.basis_after_outflow(basis, balance, points)

    def _sync_epoch(self, now: int) -> None:
        epoch = now // self.rule("epoch_length")
        if epoch != self.state.current_epoch:
            self.state.current_epoch = epoch
            self.state.epoch_start_assets = self.state.total_assets
            self.state.epoch_exited = 0

    # ------------------------------------------------------------ registry

    def _check_registrar(self, sender: str) -> None:
        require(sender in self.state.registrars, "access_control: account is missing role")

    def _check_terms(self, contribution_bps: int, daily_cap: int) -> None:
        require(contribution_bps >= self.rule("min_contribution_bps"), "registry: contribution below bounds")
        require(contribution_bps <= self.rule("max_contribution_bps"), "registry: contribution above bounds")
        require(daily_cap != 0, "registry: daily cap is zero")

    def admit(self, sender, merchant, contribution_bps, daily_cap, license_hash, category, now=0):
        def op():
            self._check_registrar(sender)
            require(merchant != ZERO, "registry: merchant is the zero address")
            require(merchant != self.pool, "registry: merchant is the pool")
            status = self.merchant(merchant).status
            require(status != STATUS_REVOKED, "registry: merchant revoked for good")
            require(status == STATUS_NONE, "registry: merchant already admitted")
            require(self.charity(merchant).status == CHARITY_NONE, "registry: address is a charity")
            require(self.balance_of(merchant) == 0, "registry: address holds points")
            self._check_terms(contribution_bps, daily_cap)
            require(license_hash != b"\x00" * 32, "registry: license hash is empty")
            self.state.merchants[merchant] = Merchant(
                STATUS_ACTIVE, category, contribution_bps, daily_cap, license_hash, 0, 0
            )

        return self._atomic(op)

    def update_terms(self, sender, merchant, contribution_bps, daily_cap, now=0):
        def op():
            self._check_registrar(sender)
            status = self.merchant(merchant).status
            require(status in (STATUS_ACTIVE, STATUS_SUSPENDED), "registry: not a current merchant")
            self._check_terms(contribution_bps, daily_cap)
            merchants = self.state.merchants
            merchants[merchant] = replace(
                merchants[merchant], contribution_bps=contribution_bps, daily_cap=daily_cap
            )

        return self._atomic(op)

    def suspend(self, sender, merchant, reason="", now=0):
        def op():
            self._check_registrar(sender)
            require(self.merchant(merchant).status == STATUS_ACTIVE, "registry: merchant not active")
            self._set_status(merchant, STATUS_SUSPENDED)

        return self._atomic(op)

    def reinstate(self, sender, merchant, now=0):
        def op():
            self._check_registrar(sender)
            require(self.merchant(merchant).status == STATUS_SUSPENDED, "registry: merchant not suspended")
            self._set_status(merchant, STATUS_ACTIVE)

        return self._atomic(op)

    def revoke(self, sender, merchant, reason="", now=0):
        def op():
            self._check_registrar(sender)
            status = self.merchant(merchant).status
            require(status in (STATUS_ACTIVE, STATUS_SUSPENDED), "registry: not a current merchant")
            self._set_status(merchant, STATUS_REVOKED)

        return self._atomic(op)

    def _set_status(self, merchant: str, status: int) -> None:
        merchants = self.state.merchants
        merchants[merchant] = replace(merchants[merchant], status=status)

    def register_charity(self, sender, charity, license_hash, now=0):
        def op():
            self._check_registrar(sender)
            require(charity != ZERO, "registry: charity is the zero address")
            require(charity != self.pool, "registry: charity is the pool")
            require(self.merchant(charity).status == STATUS_NONE, "registry: address is a merchant")
            status = self.charity(charity).status
            require(status != CHARITY_REGISTERED, "registry: charity already registered")
            if status == CHARITY_NONE:
                require(self.balance_of(charity) == 0, "registry: address holds points")
            require(license_hash != b"\x00" * 32, "registry: license hash is empty")
            self.state.charities[charity] = Charity(CHARITY_REGISTERED, license_hash)

        return self._atomic(op)

    def remove_charity(self, sender, charity, reason="", now=0):
        def op():
            self._check_registrar(sender)
            require(self.charity(charity).status == CHARITY_REGISTERED, "registry: charity not registered")
            charities = self.state.charities
            charities[charity] = replace(charities[charity], status=CHARITY_REMOVED)

        return self._atomic(op)

    # ------------------------------------------------------------ issuance

    def _check_can_issue(self, sender: str) -> int:
        require(not self.state.paused, "pausable: contract is paused")
        require(not self.state.shutdown, "pool: shut down")
        require(self.merchant(sender).status == STATUS_ACTIVE, "registry: caller not an active merchant")
        return self.merchant(sender).contribution_bps

    def _record(self, merchant, contribution_bps, consumer, amount, order_id, now) -> tuple[int, int]:
        # The simulation's hot path: the same checks, in the contract's order, with local names.
        st = self.state
        if consumer == ZERO:
            raise Refusal("pool: consumer is the zero address")
        if consumer == self.pool:
            raise Refusal("pool: consumer is the pool")
        if st.merchants.get(consumer, NO_MERCHANT).status != STATUS_NONE:
            raise Refusal("pool: consumer is a merchant")
        if st.charities.get(consumer, NO_CHARITY).status != CHARITY_NONE:
            raise Refusal("pool: consumer is a charity")
        if amount == 0:
            raise Refusal("pool: amount is zero")
        if amount > MAX_U128:
            raise Refusal("pool: amount too large")
        key = (merchant, order_id)
        if key in st.orders:
            raise Refusal("pool: order id already recorded")
        self._sync_epoch(now)
        contribution = amount * contribution_bps // pm.BPS
        issue_bps = st.rules["issue_bps"]
        issued_value = contribution * issue_bps // pm.BPS
        points = self.to_points(issued_value)
        if points == 0:
            raise Refusal("pool: purchase issues no points")
        if points > MAX_U128:
            raise Refusal("pool: amount too large")
        st.total_assets += contribution
        st.basis[consumer] = st.basis.get(consumer, 0) + issued_value
        st.earned[consumer] = st.earned.get(consumer, 0) + issued_value
        st.last_issued_at[consumer] = now
        st.total_supply += points
        st.balances[consumer] = st.balances.get(consumer, 0) + points
        st.orders[key] = Order(consumer, now, issue_bps, points, contribution)
        return points, contribution

    def _use_daily_cap(self, merchant: str, contribution: int, now: int) -> None:
        m = self.state.merchants[merchant]
        epoch = now // self.rule("epoch_length")
        used = (m.epoch_contribution if m.epoch == epoch else 0) + contribution
        require(used <= m.daily_cap, "registry: daily cap exceeded")
        self.state.merchants[merchant] = replace(m, epoch=epoch, epoch_contribution=used)

    def record_purchase(self, sender, consumer, amount, order_id, now) -> int:
        def op():
            bps = self._check_can_issue(sender)
            points, contribution = self._record(sender, bps, consumer, amount, order_id, now)
            self._use_daily_cap(sender, contribution, now)
            self._pull(sender, contribution)
            return points

        return self._atomic(op)

    def record_purchases(self, sender, consumers, amounts, order_ids, now) -> int:
        def op():
            count = len(consumers)
            require(len(amounts) == count and len(order_ids) == count, "pool: batch lengths differ")
            require(count != 0, "pool: batch is empty")
            require(count <= MAX_BATCH, "pool: batch too large")
            bps = self._check_can_issue(sender)
            total_points = total_contribution = 0
            for consumer, amount, order_id in zip(consumers, amounts, order_ids, strict=True):
                points, contribution = self._record(sender, bps, consumer, amount, order_id, now)
                total_points += points
                total_contribution += contribution
            self._use_daily_cap(sender, total_contribution, now)
            self._pull(sender, total_contribution)
            return total_points

        return self._atomic(op)

    def reverse_purchase(self, sender, order_id, now) -> int:
        def op():
            order = self.state.orders.get((sender, order_id))
            require(order is not None, "pool: unknown order")
            require(not order.reversed, "pool: order already reversed")
            require(now < order.issued_at + self.rule("lock_period"), "pool: reversal window over")
            require(
                self.balance_of(order.consumer) >= order.points, "pool: consumer no longer holds the points"
            )
            self._sync_epoch(now)
            refund = min(order.contribution, self.to_assets(order.points))
            self._reduce_basis(order.consumer, order.points)
            self.state.earned[order.consumer] = self.earned_of(order.consumer) - order.issued_value
            self._burn(order.consumer, order.points)
            self.state.total_assets -= refund
            self.state.orders[(sender, order_id)] = order._replace(reversed=True)
            self._pay(sender, refund)
            return refund

        return self._atomic(op)

    # ------------------------------------------------------------ circulation

    def _move(self, owner: str, to: str, points: int) -> None:
        require(self.is_consumer(owner), "pool: only consumers move points")
        require(points != 0, "pool: points is zero")
        self._reduce_basis(owner, points)
        self._transfer(owner, to, points)

    def spend(self, sender, merchant, points, order_id=b"\x00" * 32, now=0):
        def op():
            require(not self.state.paused, "pausable: contract is paused")
            require(self.merchant(merchant).status == STATUS_ACTIVE, "pool: merchant not active")
            self._move(sender, merchant, points)

        return self._atomic(op)

    def donate(self, sender, charity, points, now=0):
        def op():
            require(self.charity(charity).status == CHARITY_REGISTERED, "pool: charity not registered")
            self._move(sender, charity, points)

        return self._atomic(op)

    def _route(self, owner: str, to: str, amount: int) -> None:
        if self.merchant(to).status == STATUS_ACTIVE:
            require(not self.state.paused, "pausable: contract is paused")
            self._move(owner, to, amount)
        elif self.charity(to).status == CHARITY_REGISTERED:
            self._move(owner, to, amount)
        else:
            raise Refusal("pool: points go only to an active merchant or a registered charity")

    def transfer(self, sender, to, amount, now=0):
        return self._atomic(self._route, sender, to, amount)

    def approve(self, sender, spender, amount, now=0):
        require(sender != ZERO, "erc20: approve from the zero address")
        require(spender != ZERO, "erc20: approve to the zero address")
        self.state.allowances[(sender, spender)] = amount

    def transfer_from(self, sender, owner, to, amount, now=0):
        def op():
            allowance = self.state.allowances.get((owner, sender), 0)
            if allowance < MAX_U256:
                require(allowance >= amount, "erc20: insufficient allowance")
                self.state.allowances[(owner, sender)] = allowance - amount
            self._route(owner, to, amount)

        return self._atomic(op)

    def settle(self, sender, points, now) -> int:
        def op():
            require(self._is_merchant_or_charity(sender), "pool: only merchants and charities settle")
            require(points != 0, "pool: points is zero")
            require(points <= self.balance_of(sender), "pool: amount exceeds balance")
            self._sync_epoch(now)
            value = self.to_assets(points)
            paid, _fee = pm.settlement(value, self.rule("settlement_fee_bps"))
            require(paid != 0, "pool: settlement pays nothing")
            self._burn(sender, points)
            self.state.total_assets -= paid
            self._pay(sender, paid)
            return paid

        return self._atomic(op)

    # ------------------------------------------------------------ exit

    def _triggered(self, account: str) -> bool:
        return self.value_of(account) * pm.BPS >= self.basis_of(account) * self.rule("exit_trigger_bps")

    def _unlocked(self, account: str, now: int) -> bool:
        return now >= self.state.last_issued_at.get(account, 0) + self.rule("lock_period")

    def exit(self, sender, points, now) -> int:
        def op():
            require(points != 0, "exit_rule: points is zero")
            require(points <= self.balance_of(sender), "exit_rule: amount exceeds balance")
            self._sync_epoch(now)
            if self.state.shutdown:
                value = payout = self.to_assets(points)
            else:
                require(self.is_consumer(sender), "exit_rule: merchants and charities settle instead")
                require(self._triggered(sender), "exit_rule: holding not worth the exit trigger")
                require(self._unlocked(sender, now), "exit_rule: points still locked")
                value = self.to_assets(points)
                payout = pm.exit_payout(value, self.rule("exit_payout_bps"))
                cap = self.earned_of(sender) * self.rule("return_cap_bps") // pm.BPS
                require(self.paid_out_of(sender) + payout <= cap, "exit_rule: return cap reached")
                exited = self.state.epoch_exited + payout
                limit = self.state.epoch_start_assets * self.rule("epoch_exit_limit_bps") // pm.BPS
                require(exited <= limit, "exit_rule: epoch exit limit reached")
                self.state.epoch_exited = exited
            require(payout != 0, "exit_rule: exit pays nothing")
            self._reduce_basis(sender, points)
            self._burn(sender, points)
            self.state.total_assets -= payout
            self.state.paid_out[sender] = self.paid_out_of(sender) + payout
            self._pay(sender, payout)
            return payout

        return self._atomic(op)

    def exit_budget_left(self, now: int) -> int:
        start, exited = self.state.total_assets, 0
        if now // self.rule("epoch_length") == self.state.current_epoch:
            start, exited = self.state.epoch_start_assets, self.state.epoch_exited
        limit = start * self.rule("epoch_exit_limit_bps") // pm.BPS
        return max(0, limit - exited)

    def own_exit_limit(self, account: str, now: int) -> int:
        """Points `account` could exit now if the epoch's budget were unlimited (trigger, lock and
        return cap applied): what a consumer asks for before the anti-bank-run limit cuts it."""
        balance = self.balance_of(account)
        if not self.is_consumer(account) or balance == 0 or self.state.shutdown:
            return self.max_exit(account, now)
        if not self._triggered(account) or not self._unlocked(account, now):
            return 0
        cap_left = max(
            0, self.earned_of(account) * self.rule("return_cap_bps") // pm.BPS - self.paid_out_of(account)
        )
        most = pm.max_points_for_payout(
            cap_left, self.state.total_assets, self.state.total_supply, self.rule("exit_payout_bps")
        )
        return min(balance, most)

    def max_exit(self, account: str, now: int) -> int:
        balance = self.balance_of(account)
        if self.state.shutdown:
            return balance
        if not self.is_consumer(account) or balance == 0:
            return 0
        if not self._triggered(account) or not self._unlocked(account, now):
            return 0
        cap = self.earned_of(account) * self.rule("return_cap_bps") // pm.BPS
        cap_left = max(0, cap - self.paid_out_of(account))
        limit = min(cap_left, self.exit_budget_left(now))
        most = pm.max_points_for_payout(
            limit, self.state.total_assets, self.state.total_supply, self.rule("exit_payout_bps")
        )
        return min(balance, most)

    # ------------------------------------------------------------ governance

    def set_rule(self, sender, rule, value, now):
        def op():
            require(sender == self.governor, "pool: caller is not the governor")
            self._sync_epoch(now)
            if rule not in BOUNDS:
                raise Refusal("rules: unknown rule")
            lo, hi = BOUNDS[rule]
            require(lo <= value <= hi, "rules: value out of bounds")
            if rule == "min_contribution_bps":
                require(value <= self.rule("max_contribution_bps"), "rules: min contribution above max")
            if rule == "max_contribution_bps":
                require(value >= self.rule("min_contribution_bps"), "rules: max contribution below min")
            self.state.rules[rule] = value

        return self._atomic(op)

    def pause(self, sender, now=0):
        def op():
            require(
                sender == self.governor or sender in self.state.guardians,
                "pool: caller is not the guardian or governor",
            )
            require(not self.state.paused, "pausable: contract is paused")
            self.state.paused = True

        return self._atomic(op)

    def unpause(self, sender, now=0):
        def op():
            require(sender == self.governor, "pool: caller is not the governor")
            require(self.state.paused, "pausable: contract is not paused")
            self.state.paused = False

        return self._atomic(op)

    def shutdown(self, sender, now=0):
        def op():
            require(sender == self.governor, "pool: caller is not the governor")
            require(not self.state.shutdown, "pool: already shut down")
            self.state.shutdown = True

        return self._atomic(op)

"""The whole system as a pure-Python model: the readable statement of the rules, and the one rulebook
the simulation, the stateful tests and the audit share.

The package mirrors the contracts' modules: `registry` (contracts/Registry.vy: whitelist, catalog,
roles, rules, pause, shutdown), `members` (accounts.vy, members.vy and catalog.vy: who an address is,
a merchant's or sponsor's daily total, the pool's copy of the catalog), `ledger` (ledger.vy and the
points token), `exit_rule` (exit_rule.vy), `pool` (ValuePool.vy) and `previews` (Lens.vy: what an
action would do, asked before doing it). Every operation checks its
conditions in the contract's order, refuses with the contract's revert reason (`Refusal(reason)`),
and otherwise changes state exactly as the chain does, with the same integer rounding
(`greenpoints.model.pool_math`). A refused operation changes nothing (`@atomic`). A pool operation
returns a receipt shaped like the event the contract logs (`receipts`: `PurchaseRecorded`, ...,
`PointsExited` with the basis the exited points took), and the views (`epoch_exit_limit`,
`exit_budget_left`, `price_per_point`, `cap_use`, `settlement_of`, `exit_payout_of`, ...) answer what
a reader would otherwise work out again: this package is the one place outside the contracts where a
rule is computed (docs/design.md, "Where a rule lives"; ruff's banned-api keeps `pool_math` here).
Operations take `sender` and `now` (the block timestamp) explicitly; addresses are strings.

Two ways to run it:
- strict (the default): a broken rule raises `Refusal`;
- replaying (`model.replay` set, as the audit does): the model follows what the chain did. A broken
  rule is reported to the replay with the contract's own reason and the operation goes on; every
  figure the rules compute (points, contribution, refund, payout, settlement) is handed to
  `replay.observe`, which compares it with the event's and returns the event's, so the state keeps
  following the chain. Refusals after which nothing can be followed (an unknown order) are final.
"""

from __future__ import annotations

from .exit_queue import MAX_PROCESS, ExitQueue, ExitRequest, epochs_to_fill
from .exit_rule import ExitRule
from .ledger import Ledger
from .members import Members
from .orders import Purchase, order_word
from .pool import Pool
from .pool_math import epoch_exit_limit, exit_payout, value_per_point
from .previews import Previews
from .receipts import (
    NEWCOMERS_PAY_MOST,
    ActionRecorded,
    ExitCancelled,
    ExitClaimed,
    ExitFilled,
    ExitPreview,
    ExitRequested,
    ExitsProcessed,
    IssuePreview,
    PointsDonated,
    PointsExited,
    PointsSettled,
    PointsSpent,
    PurchaseRecorded,
    PurchaseReversed,
    Receipt,
    SettlePreview,
)
from .registry import Registry
from .rules import DEFAULT_RULES, Rules
from .state import (
    ACTION,
    CERTIFIER_ROLE,
    DEFAULT_ADMIN_ROLE,
    GUARDIAN_ROLE,
    MAX_BATCH,
    MAX_CARBON,
    MAX_DAILY_CAP,
    MAX_EARNED,
    MAX_FACTOR,
    MAX_TOTAL_ASSETS,
    MAX_U128,
    MAX_U256,
    NO_CHARITY,
    NO_MERCHANT,
    PRODUCT,
    REGISTRAR_ROLE,
    ZERO,
    Charity,
    ClassRecord,
    Merchant,
    Order,
    Refusal,
    Sponsor,
    State,
    atomic,
)


class Model(Previews, ExitQueue, Pool, ExitRule, Ledger, Members, Registry):
    """The system's rules over a `State`. Public methods mirror the contracts' external functions."""

    replay = None
    """While an audit replays the chain: the object told of broken rules and observed figures."""

    def __init__(
        self,
        *,
        pool: str,
        governor: str,
        registrar: str | None,
        guardian: str | None,
        certifier: str | None = None,
        asset_decimals: int,
        now: int,
        rules: Rules = DEFAULT_RULES,
        asset_modeled: bool = True,
        undo: bool = True,
        registry: str = "registry",
    ):
        """`asset_modeled=False` leaves the settlement token out (merchants' balances and allowances,
        payouts): the audit, which sees only the token's transfers to and from the pool.
        `undo=False` keeps no undo journal: only for a model that will replay (`replay` set)."""
        rules.check()
        self.pool = pool
        self.governor = governor
        self.queue_holder = registry
        self.asset_decimals = asset_decimals
        self.asset_unit = 10**asset_decimals
        self.asset_modeled = asset_modeled
        roles = {(DEFAULT_ADMIN_ROLE, governor): True}
        if registrar is not None:
            roles[(REGISTRAR_ROLE, registrar)] = True
        if guardian is not None:
            roles[(GUARDIAN_ROLE, guardian)] = True
        if certifier is not None:
            roles[(CERTIFIER_ROLE, certifier)] = True
        self.state = State(rules=rules.as_dict(), roles=roles, undo=undo)
        self._sync_epoch(now)

    def refuse(self, reason: str, *, final: bool = False) -> None:
        """A broken rule: raise `Refusal`, or, while replaying, report it and go on (unless `final`)."""
        replay = self.replay
        if replay is None or final:
            raise Refusal(reason)
        replay.broken(reason)

    def require(self, condition: bool, reason: str) -> None:
        if not condition:
            self.refuse(reason)

    def observe(self, name: str, value: int) -> int:
        """A figure the rules computed; while replaying, the chain's figure (compared with it)."""
        replay = self.replay
        return value if replay is None else replay.observe(name, value)


__all__ = [
    "ACTION",
    "NEWCOMERS_PAY_MOST",
    "ActionRecorded",
    "ExitCancelled",
    "ExitClaimed",
    "ExitFilled",
    "ExitPreview",
    "ExitRequest",
    "ExitRequested",
    "ExitsProcessed",
    "MAX_PROCESS",
    "epochs_to_fill",
    "IssuePreview",
    "SettlePreview",
    "PointsDonated",
    "PointsExited",
    "PointsSettled",
    "PointsSpent",
    "PurchaseRecorded",
    "PurchaseReversed",
    "Receipt",
    "value_per_point",
    "epoch_exit_limit",
    "exit_payout",
    "DEFAULT_RULES",
    "Rules",
    "CERTIFIER_ROLE",
    "DEFAULT_ADMIN_ROLE",
    "GUARDIAN_ROLE",
    "MAX_BATCH",
    "MAX_CARBON",
    "MAX_DAILY_CAP",
    "MAX_EARNED",
    "MAX_FACTOR",
    "MAX_TOTAL_ASSETS",
    "MAX_U128",
    "MAX_U256",
    "NO_CHARITY",
    "NO_MERCHANT",
    "PRODUCT",
    "REGISTRAR_ROLE",
    "ZERO",
    "Charity",
    "ClassRecord",
    "Merchant",
    "Model",
    "Order",
    "Purchase",
    "order_word",
    "Sponsor",
    "Refusal",
    "State",
    "atomic",
]

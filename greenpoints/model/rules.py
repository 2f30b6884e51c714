"""The pool's rules: defaults and hard bounds, mirrored from contracts/modules/rules.vy.

The contract is the authority; this module lets Python refuse a bad value with a clear message
before a transaction is sent, and names the rules for the deploy record and the timelock helpers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

BPS = 10_000
DAY = 86_400
HOUR = 3_600


@dataclass(frozen=True)
class Rules:
    """Every rule of the pool (SPEC 4.6). Amounts in basis points (10_000 = 100%) or seconds."""

    issue_bps: int = 7_000
    """Share of a merchant's contribution issued to the consumer as points; the rest raises the
    value of every point already out."""
    exit_trigger_bps: int = 20_000
    """A consumer may exit once the holding is worth this share of its cost basis (2x)."""
    exit_payout_bps: int = 8_000
    """Share of the exited points' value paid out; the rest stays in the pool."""
    return_cap_bps: int = 30_000
    """Lifetime exit payouts at most this share of lifetime issued value (3x)."""
    epoch_exit_limit_bps: int = 1_000
    """Exit payouts per epoch at most this share of the pool's assets at the epoch's start."""
    epoch_length: int = DAY
    """Length of an epoch in seconds: the exit-limit window and the merchants' daily-cap day."""
    lock_period: int = 7 * DAY
    """Seconds after a consumer's last issuance before they may exit; also the reversal window."""
    settlement_fee_bps: int = 100
    """Share of the value the pool keeps when a merchant or charity settles points."""
    min_contribution_bps: int = 100
    """Lowest contribution rate the registrar may grant a merchant."""
    max_contribution_bps: int = 5_000
    """Highest contribution rate the registrar may grant a merchant."""

    def as_tuple(self) -> tuple[int, ...]:
        """The rules in the order of the contract's `Rules` struct."""
        return tuple(getattr(self, f.name) for f in fields(self))

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def with_overrides(self, overrides: dict[str, int] | None) -> Rules:
        """A copy with `overrides` applied; unknown names and out-of-bounds values raise ValueError."""
        overrides = dict(overrides or {})
        unknown = sorted(set(overrides) - set(RULE_NAMES))
        if unknown:
            raise ValueError(f"unknown rule(s): {', '.join(unknown)}; known: {', '.join(RULE_NAMES)}")
        new = replace(self, **{k: int(v) for k, v in overrides.items()})
        new.check()
        return new

    def check(self) -> None:
        """Raise ValueError naming the first rule outside its hard bounds."""
        for name in RULE_NAMES:
            check_rule(name, getattr(self, name))
        if self.min_contribution_bps > self.max_contribution_bps:
            raise ValueError("min_contribution_bps is above max_contribution_bps")


RULE_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Rules))

# Hard bounds fixed in contracts/modules/rules.vy (inclusive).
BOUNDS: dict[str, tuple[int, int]] = {
    "issue_bps": (1_000, 9_000),
    "exit_trigger_bps": (10_000, 50_000),
    "exit_payout_bps": (1_000, 9_000),
    "return_cap_bps": (10_000, 50_000),
    "epoch_exit_limit_bps": (10, 5_000),
    "epoch_length": (HOUR, 30 * DAY),
    "lock_period": (HOUR, 90 * DAY),
    "settlement_fee_bps": (0, 500),
    "min_contribution_bps": (10, 5_000),
    "max_contribution_bps": (10, 5_000),
}


def followable(name: str, value: int) -> bool:
    """Whether the model can run with `value` of rule `name`, bounds or not: an audit replaying a
    broken chain follows its out-of-bounds values (reporting them), all but a zero or negative epoch
    length (the epoch is the clock divided by it: the contract itself could not run with it)."""
    return name != "epoch_length" or value > 0


def check_rule(name: str, value: int) -> None:
    """Raise ValueError unless `name` is a rule and `value` is within its hard bounds."""
    if name not in BOUNDS:
        raise ValueError(f"unknown rule {name!r}; known: {', '.join(RULE_NAMES)}")
    lo, hi = BOUNDS[name]
    if not lo <= int(value) <= hi:
        raise ValueError(f"{name}={value} is outside its hard bounds [{lo}, {hi}]")


DEFAULT_RULES = Rules()

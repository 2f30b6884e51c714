"""Simulation scenarios: frozen dataclasses, loaded from `scenarios/*.yaml` with every field checked.

A scenario says who shops where, how often and for how much, what consumers do with their points,
how the population grows or stalls, and which adversaries try what. Randomness comes only from the
run's seed: the same scenario and seed give the same run, on every backend.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..catalog import MAX_FACTOR
from ..model.rules import BOUNDS, DAY, DEFAULT_RULES

SCENARIO_DIR = Path(__file__).resolve().parents[2] / "scenarios"
# Rules a scenario may override. epoch_length stays one day: the simulation's day is the pool's epoch.
SCENARIO_RULES = frozenset(BOUNDS) - {"epoch_length"}


LIMITS = {"days": 3_650, "consumers": 1_000_000, "merchants": 10_000}
"""The largest runs accepted: ten years, a million consumers on day 0 (0.9 GB peak on the model
backend over 30 days, measured in docs/simulation.md), ten thousand merchants."""
LIMITS_WHY = "split a longer or larger study into several runs"


class ScenarioError(ValueError):
    """A scenario that cannot be run; the message names the field and what is wrong with it."""


def _fail(where: str, message: str) -> typing.NoReturn:
    raise ScenarioError(f"{where}: {message}")


def _check_fraction(where: str, value: float) -> None:
    if not 0 <= value <= 1:
        _fail(where, f"must be between 0 and 1, got {value}")


def _check_positive(where: str, value: float, *, zero_ok: bool = False) -> None:
    if value < 0 or (value == 0 and not zero_ok) or (isinstance(value, float) and math.isnan(value)):
        _fail(where, f"must be {'0 or more' if zero_ok else 'above 0'}, got {value}")


@dataclass(frozen=True)
class Category:
    """A kind of merchant: its terms with the pool and the size of its sales."""

    name: str
    """Readable name (grocery, transport, ...)."""
    contribution_bps: int
    """Share of each sale the merchant pays into the pool, in basis points (within the pool's bounds)."""
    ticket: float
    """Median purchase amount, in whole asset units."""
    daily_cap: int
    """Most contribution (whole asset units) the merchant may record per day (SPEC 4.2)."""
    weight: float = 1.0
    """Relative share of merchants in this category."""
    ticket_spread: float = 0.6
    """Spread of purchase amounts (sigma of a log-normal around `ticket`)."""

    def check(self, where: str, lo: int, hi: int) -> None:
        if not lo <= self.contribution_bps <= hi:
            _fail(f"{where}.contribution_bps", f"must be within {lo}..{hi}, got {self.contribution_bps}")
        _check_positive(f"{where}.ticket", self.ticket)
        _check_positive(f"{where}.daily_cap", self.daily_cap)
        _check_positive(f"{where}.weight", self.weight)
        _check_positive(f"{where}.ticket_spread", self.ticket_spread, zero_ok=True)


@dataclass(frozen=True)
class ProductClass:
    """A certified green product class sold by one merchant category (SPEC 8.1, kind 1)."""

    class_id: int
    """The catalog's id (1 to 2**32 - 1, distinct across the scenario's classes)."""
    label: str
    category: str
    """The merchant category whose sales include it."""
    share: float
    """Share of that category's purchases that are of this class (the rest of its sales is not
    certified green and earns nothing: it is not recorded)."""
    co2e_per_unit: int
    """Grams of CO2e avoided per whole asset unit of sale."""

    def check(self, where: str, categories: list[str]) -> None:
        _check_class(where, self.class_id, self.label, self.co2e_per_unit)
        if self.category not in categories:
            _fail(f"{where}.category", f"unknown category {self.category!r} (known: {', '.join(categories)})")
        _check_fraction(f"{where}.share", self.share)


@dataclass(frozen=True)
class ActionClass:
    """A certified green action class, paid for by one sponsor (SPEC 8.1, kind 2; 8.3)."""

    class_id: int
    label: str
    sponsor: str
    """The sponsor (by name) that pays for the points issued on it."""
    co2e_per_unit: int
    """Grams of CO2e avoided per unit of the action (a kilometre, a refill)."""
    rate: float
    """Mean actions per consumer per day (Poisson), before the phase's activity multiplier."""
    quantity: float = 1.0
    """Mean units per action (Poisson, at least one)."""

    def check(self, where: str, sponsors: list[str]) -> None:
        _check_class(where, self.class_id, self.label, self.co2e_per_unit)
        if self.sponsor not in sponsors:
            _fail(
                f"{where}.sponsor",
                f"unknown sponsor {self.sponsor!r} (known: {', '.join(sponsors) or 'none'})",
            )
        _check_positive(f"{where}.rate", self.rate, zero_ok=True)
        _check_positive(f"{where}.quantity", self.quantity)


@dataclass(frozen=True)
class SponsorSpec:
    """A sponsor of green actions (a city carbon fund, a transit operator)."""

    name: str
    reward_per_kg: float
    """Whole asset units it pays per kilogram of CO2e."""
    daily_cap: int
    """Most contribution (whole asset units) it pays per day."""

    def check(self, where: str) -> None:
        _check_positive(f"{where}.reward_per_kg", self.reward_per_kg)
        _check_positive(f"{where}.daily_cap", self.daily_cap)


def _check_class(where: str, class_id: int, label: str, co2e_per_unit: int) -> None:
    if not 0 < class_id < 2**32:
        _fail(f"{where}.class_id", f"must be between 1 and 2**32 - 1, got {class_id}")
    if len(label.encode()) > 64:
        _fail(f"{where}.label", "must be at most 64 bytes")
    if not 0 <= co2e_per_unit <= MAX_FACTOR:
        _fail(f"{where}.co2e_per_unit", f"must be grams between 0 and 2**64 - 1, got {co2e_per_unit}")


@dataclass(frozen=True)
class Phase:
    """From `start_day` on (until the next phase): how fast consumers join and how much they shop."""

    start_day: int
    """First day of the phase (the first phase starts on day 0)."""
    new_consumers_per_day: float = 0.0
    """Mean number of consumers joining each day (Poisson)."""
    activity: float = 1.0
    """Multiplier on `purchase_rate` (below 1: shopping declines; 0: no purchases at all)."""

    def check(self, where: str) -> None:
        _check_positive(f"{where}.start_day", self.start_day, zero_ok=True)
        _check_positive(f"{where}.new_consumers_per_day", self.new_consumers_per_day, zero_ok=True)
        _check_positive(f"{where}.activity", self.activity, zero_ok=True)


@dataclass(frozen=True)
class Adversaries:
    """Attempts that break a rule; each must be refused by the contracts and is counted by reason."""

    replayed_orders_per_day: float = 0.0
    """A merchant's till resubmits an order id it already recorded."""
    outsider_issues_per_day: float = 0.0
    """An address that was never admitted tries to record a purchase (issuing without the whitelist)."""
    trades_per_day: float = 0.0
    """A consumer tries to transfer points to another consumer (resale between consumers)."""
    over_cap_exits_per_day: float = 0.0
    """A consumer tries to exit more points than `max_exit` allows (trigger, lock, cap or epoch limit)."""

    def check(self, where: str) -> None:
        for f in dataclasses.fields(self):
            _check_positive(f"{where}.{f.name}", getattr(self, f.name), zero_ok=True)


@dataclass(frozen=True)
class Rogue:
    """One merchant turns rogue: it records fake purchases for its own sybil consumers up to its
    daily cap (and tries beyond it), until the registrar suspends it."""

    start_day: int
    """Day the fake purchases begin."""
    suspend_day: int
    """Day the registrar suspends the merchant (it keeps trying afterwards, and is refused)."""
    sybils: int = 10
    """Consumer addresses the rogue controls."""
    category: str = ""
    """Category whose terms the rogue was admitted under (default: the first)."""

    def check(self, where: str, days: int) -> None:
        _check_positive(f"{where}.start_day", self.start_day, zero_ok=True)
        if not self.start_day < self.suspend_day:
            _fail(
                f"{where}.suspend_day",
                f"must come after start_day ({self.start_day}), got {self.suspend_day}",
            )
        _check_positive(f"{where}.sybils", self.sybils)


@dataclass(frozen=True)
class Scenario:
    """One simulated run: population, shops, behaviour, growth, adversaries and rule overrides."""

    name: str
    """Short name (file name without .yaml)."""
    days: int
    """Number of simulated days (one day is one pool epoch)."""
    consumers: int
    """Consumers on day 0."""
    merchants: int
    """Honest merchants admitted on day 0 (the rogue, if any, comes on top)."""
    categories: tuple[Category, ...]
    """Merchant categories; merchants are spread over them by weight."""
    purchase_rate: float
    """Mean purchases per consumer per day (Poisson), before the phase's activity multiplier."""
    description: str = ""
    """What the scenario shows."""
    charities: int = 2
    """Registered charities."""
    spend_propensity: float = 0.05
    """Chance per day that a consumer holding points spends some at a merchant."""
    spend_fraction: float = 0.5
    """Share of the holding spent when they do."""
    donate_propensity: float = 0.01
    """Chance per day that a consumer holding points donates some to a charity."""
    donate_fraction: float = 0.2
    """Share of the holding donated when they do."""
    exit_propensity: float = 0.2
    """Chance per day that a consumer looks at exiting; they exit only if eligible."""
    exit_fraction: float = 1.0
    """Share of their own exitable amount (trigger, lock, cap) they want to take; the epoch limit may
    grant less (the shortfall is reported as exit demand over the limit)."""
    exit_request_share: float = 0.0
    """Share of consumers whose exit the epoch's budget refuses (in whole or in part, or because
    requests already wait in the exit queue) who take a place in the line (`request_exit`) for what
    they could not exit; the others try again another day. 0 (the default for a scenario that does
    not say): nobody requests, the line stays empty and the run is what it was before the queue."""
    settle_propensity: float = 0.3
    """Chance per day that a merchant or charity holding points settles them all."""
    return_rate: float = 0.01
    """Share of purchases returned the next day (the merchant reverses them)."""
    phases: tuple[Phase, ...] = (Phase(start_day=0),)
    """Growth or decline of the population and of shopping over time."""
    adversaries: Adversaries = field(default_factory=Adversaries)
    """Rule-breaking attempts per day."""
    rogue: Rogue | None = None
    """A merchant that issues fake points until suspended (none by default)."""
    rules: dict[str, int] = field(default_factory=dict)
    """Overrides of the pool's rules, each within its hard bounds (epoch_length stays one day;
    lock_period in whole days)."""
    asset_decimals: int = 6
    """Decimals of the mock settlement asset (6 like most stablecoins, or 18)."""
    cohort_days: int = 30
    """Consumers are grouped into cohorts by the period they joined in, this many days long."""
    product_classes: tuple[ProductClass, ...] = ()
    """The certified product classes each category sells (SPEC 8.2). None given: each category's
    sales are all of one class of its own whose carbon is not estimated (0 g per unit)."""
    sponsors: tuple[SponsorSpec, ...] = ()
    """Sponsors of green actions (SPEC 8.3)."""
    action_classes: tuple[ActionClass, ...] = ()
    """Certified green actions consumers take, each paid for by a sponsor."""

    def __post_init__(self) -> None:
        where = f"scenario {self.name!r}"
        for name in ("days", "merchants"):
            _check_positive(f"{where}: {name}", getattr(self, name))
        for name, most in LIMITS.items():
            if getattr(self, name) > most:
                _fail(f"{where}: {name}", f"at most {most:,} (got {getattr(self, name):,}); {LIMITS_WHY}")
        _check_positive(f"{where}: consumers", self.consumers, zero_ok=True)
        _check_positive(f"{where}: charities", self.charities, zero_ok=True)
        _check_positive(f"{where}: purchase_rate", self.purchase_rate, zero_ok=True)
        _check_positive(f"{where}: cohort_days", self.cohort_days)
        for name in (
            "spend_propensity",
            "spend_fraction",
            "donate_propensity",
            "donate_fraction",
            "exit_propensity",
            "exit_fraction",
            "exit_request_share",
            "settle_propensity",
            "return_rate",
        ):
            _check_fraction(f"{where}: {name}", getattr(self, name))
        if not self.categories:
            _fail(f"{where}: categories", "at least one category is needed")
        names = [c.name for c in self.categories]
        if len(set(names)) != len(names):
            _fail(f"{where}: categories", f"names must be distinct, got {names}")
        lo = self.rules.get("min_contribution_bps", DEFAULT_RULES.min_contribution_bps)
        hi = self.rules.get("max_contribution_bps", DEFAULT_RULES.max_contribution_bps)
        for c in self.categories:
            c.check(f"{where}: categories[{c.name}]", lo, hi)
        if not self.phases or self.phases[0].start_day != 0:
            _fail(f"{where}: phases", "the first phase must start on day 0")
        starts = [p.start_day for p in self.phases]
        if starts != sorted(set(starts)):
            _fail(f"{where}: phases", f"start days must increase, got {starts}")
        for i, p in enumerate(self.phases):
            p.check(f"{where}: phases[{i}]")
        self.adversaries.check(f"{where}: adversaries")
        if self.rogue is not None:
            self.rogue.check(f"{where}: rogue", self.days)
            if self.rogue.category and self.rogue.category not in names:
                _fail(f"{where}: rogue.category", f"unknown category {self.rogue.category!r}")
        for i, pc in enumerate(self.product_classes):
            pc.check(f"{where}: product_classes[{i}]", names)
        for name in names:
            share = sum(pc.share for pc in self.product_classes if pc.category == name)
            if share > 1 + 1e-9:
                _fail(
                    f"{where}: product_classes",
                    f"the shares of category {name!r} add up to {share:g}, over 1",
                )
        sponsors = [sp.name for sp in self.sponsors]
        if len(set(sponsors)) != len(sponsors):
            _fail(f"{where}: sponsors", f"names must be distinct, got {sponsors}")
        for i, sp in enumerate(self.sponsors):
            sp.check(f"{where}: sponsors[{i}]")
        for i, ac in enumerate(self.action_classes):
            ac.check(f"{where}: action_classes[{i}]", sponsors)
        ids = [c.class_id for c in (*self.product_classes, *self.action_classes)]
        if len(set(ids)) != len(ids):
            _fail(f"{where}: classes", f"class ids must be distinct, got {sorted(ids)}")
        for rule, value in self.rules.items():
            if rule not in SCENARIO_RULES:
                _fail(
                    f"{where}: rules.{rule}",
                    f"unknown or fixed rule (allowed: {', '.join(sorted(SCENARIO_RULES))})",
                )
            lo, hi = BOUNDS[rule]
            if not isinstance(value, int) or not lo <= value <= hi:
                _fail(f"{where}: rules.{rule}", f"must be an integer within {lo}..{hi}, got {value!r}")
        lock = self.rules.get("lock_period", DEFAULT_RULES.lock_period)
        if lock % DAY:
            _fail(f"{where}: rules.lock_period", "must be a whole number of days (in seconds)")
        if lock < 2 * DAY:  # returns are reversed the next evening: the window must outlast a day
            _fail(f"{where}: rules.lock_period", "at least 2 days in a simulation (returns come a day later)")
        if self.asset_decimals not in range(2, 19):
            _fail(f"{where}: asset_decimals", f"must be within 2..18, got {self.asset_decimals}")

    def phase_on(self, day: int) -> Phase:
        """The phase in force on `day`."""
        current = self.phases[0]
        for p in self.phases:
            if p.start_day <= day:
                current = p
        return current

    def category(self, name: str) -> Category:
        return next(c for c in self.categories if c.name == name)

    def green_classes(self) -> tuple[ProductClass, ...]:
        """The product classes the run certifies: the scenario's, or one per category whose carbon
        is not estimated when it names none."""
        if self.product_classes:
            return self.product_classes
        base = max((a.class_id for a in self.action_classes), default=0)
        return tuple(
            ProductClass(base + i + 1, f"{c.name} (carbon not estimated)"[:64], c.name, 1.0, 0)
            for i, c in enumerate(self.categories)
        )

    def with_overrides(self, **overrides) -> Scenario:
        """A copy with some top-level fields replaced (None values ignored), checked again."""
        given = {k: v for k, v in overrides.items() if v is not None}
        return dataclasses.replace(self, **given) if given else self

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


# ------------------------------------------------------------------ loading


def _build(cls, data, where: str):
    """An instance of dataclass `cls` from a mapping, refusing unknown fields and wrong types."""
    if not isinstance(data, dict):
        _fail(where, f"must be a mapping, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        _fail(where, f"unknown field {unknown[0]!r} (known: {', '.join(known)})")
    missing = [n for n, f in known.items() if n not in data and _required(f)]
    if missing and not (cls is Scenario and missing == ["name"]):
        _fail(where, f"missing field {missing[0]!r}")
    values = {name: _convert(hints[name], value, f"{where}.{name}") for name, value in data.items()}
    return values


def _required(f: dataclasses.Field) -> bool:
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


def _convert(hint, value, where: str):
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        hint = next(a for a in args if a is not type(None))
        return _convert(hint, value, where)
    if origin is tuple:
        if not isinstance(value, list):
            _fail(where, f"must be a list, got {value!r}")
        return tuple(_convert(args[0], v, f"{where}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            _fail(where, f"must be a mapping, got {value!r}")
        return dict(value)
    if dataclasses.is_dataclass(hint):
        return hint(**_build(hint, value, where))
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            _fail(where, f"must be an integer, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            _fail(where, f"must be a number, got {value!r}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            _fail(where, f"must be text, got {value!r}")
        return value
    raise TypeError(f"{where}: unsupported field type {hint}")  # pragma: no cover - a bug, not input


def scenario_from_dict(data, name: str) -> Scenario:
    """A checked Scenario from parsed YAML; ScenarioError names the first bad field."""
    values = _build(Scenario, data, f"scenario {name!r}")
    values.setdefault("name", name)
    try:
        return Scenario(**values)
    except TypeError as err:  # pragma: no cover - _build already checks fields
        raise ScenarioError(f"scenario {name!r}: {err}") from err


def scenario_path(name_or_file: str) -> Path:
    """The file for a scenario given by name (scenarios/NAME.yaml) or by path."""
    path = Path(name_or_file)
    if path.suffix in (".yaml", ".yml") or path.is_file():
        if not path.is_file():
            raise ScenarioError(f"no scenario file at {path}")
        return path
    candidate = SCENARIO_DIR / f"{name_or_file}.yaml"
    if not candidate.is_file():
        known = ", ".join(sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml")))
        raise ScenarioError(f"no scenario named {name_or_file!r} (known: {known}; or give a .yaml file)")
    return candidate


def load_scenario(name_or_file: str) -> Scenario:
    """Load and check a scenario by name or file path."""
    path = scenario_path(name_or_file)
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        first = str(err).strip().splitlines()[0]
        mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
        where = f"{path}, line {mark.line + 1}, column {mark.column + 1}" if mark is not None else str(path)
        problem = getattr(err, "problem", None)
        what = (
            f"{problem} ({getattr(err, 'context', None)})"
            if problem and getattr(err, "context", None)
            else problem
        )
        raise ScenarioError(f"{where}: not valid YAML ({what or first})") from err
    return scenario_from_dict(data, path.stem)


def known_scenarios() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))

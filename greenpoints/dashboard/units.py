"""How the dashboard writes a figure, in one place (docs/dashboard.md, "Amounts and units").

- An amount of the asset or of points: the exact decimal value of the integer (never rounded nor
  truncated), thousands separators in the whole part, at least two decimals and no trailing zeros
  beyond them, a space and the symbol: `"10,356.90 USDC"`, `"0.494319755098771875 GCP"`. Beside it,
  `<field>_raw`: the integer in the smallest unit (1e-18 for points) as decimal text,
  `"494319755098771875"`, which every JSON reader keeps exact.
- Carbon in kilograms with three decimals (the events count grams) and thousands separators:
  `"84,927.128"`; the column says `kg CO2e`.
- A rule in human units with the raw value beside: `"70.00% (7000 bps)"`, `"7 days (604800 s)"`.
"""

from __future__ import annotations

import ast
import inspect

from ..model.rules import Rules

POINTS_SYMBOL = "GCP"
"""The points token's symbol (`ValuePool.symbol()`), used when the pool cannot be asked."""
DAY, HOUR, MINUTE = 86_400, 3_600, 60


def amount(value: int, decimals: int, symbol: str) -> str:
    """`value` smallest units as exact decimal text with `symbol` (see the module doc)."""
    return f"{decimal(value, decimals)} {symbol}".rstrip()


def decimal(value: int, decimals: int, separators: bool = True) -> str:
    """`value` smallest units as exact decimal text: every digit, at least two decimals."""
    value = int(value)
    sign = "-" if value < 0 else ""
    whole, frac = divmod(abs(value), 10**decimals)
    digits = str(frac).rjust(decimals, "0").rstrip("0").ljust(min(2, decimals), "0") if decimals else ""
    head = f"{whole:,}" if separators else str(whole)
    return sign + head + (f".{digits}" if digits else "")


def raw(value: int) -> str:
    """An integer as decimal text, exact for any JSON reader."""
    return str(int(value))


def kg(grams: int) -> str:
    """Grams as kilograms with three decimals and thousands separators: `"84,927.128"`."""
    grams = int(grams)
    sign = "-" if grams < 0 else ""
    whole, rest = divmod(abs(grams), 1_000)
    return f"{sign}{whole:,}.{rest:03d}"


def percent_of_bps(bps: int) -> str:
    """Basis points as an exact percentage with two decimals: 7000 -> `"70.00%"`."""
    bps = int(bps)
    sign = "-" if bps < 0 else ""
    whole, rest = divmod(abs(bps), 100)
    return f"{sign}{whole:,}.{rest:02d}%"


def duration(seconds: int) -> str:
    """Seconds in the largest whole units: 604800 -> `"7 days"`, 5400 -> `"1 h 30 min"`."""
    seconds = int(seconds)
    if seconds and seconds % DAY == 0:
        days = seconds // DAY
        return f"{days} day" + ("s" if days != 1 else "")
    parts = []
    for size, unit in ((DAY, "d"), (HOUR, "h"), (MINUTE, "min"), (1, "s")):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {unit}")
    return " ".join(parts) or "0 s"


def _rule_meanings() -> dict[str, str]:
    """Each rule's docstring in `greenpoints.model.rules.Rules`, as one line: the page's hover text."""
    tree = ast.parse(inspect.getsource(Rules))
    body = tree.body[0].body
    meanings = {}
    for node, following in zip(body, body[1:], strict=False):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            meanings[node.target.id] = " ".join(following.value.value.split())
    return meanings


RULE_MEANINGS = _rule_meanings()


def rule(name: str, value: int) -> dict:
    """One rule as the page shows it: `{"name", "value" (human, raw beside), "raw", "meaning"}`."""
    if name.endswith("_bps"):
        text = f"{percent_of_bps(value)} ({value} bps)"
    elif name in ("epoch_length", "lock_period") or name.endswith(("_period", "_length", "_delay")):
        text = f"{duration(value)} ({value} s)"
    else:
        text = str(value)
    return {"name": name, "value": text, "raw": raw(value), "meaning": RULE_MEANINGS.get(name, "")}

"""The pool's integer arithmetic, rounding exactly as contracts/ValuePool.vy and its modules do.

Every function rounds down, in the pool's favour. Tests, the model and the audit use these, so
chain and Python can be compared for equality, never closeness.
"""

from __future__ import annotations

BPS = 10_000
POINT = 10**18
"""One whole point."""


def par_scale(asset_decimals: int) -> int:
    """Points per smallest asset unit at par: 10**18 points per 10**decimals asset units."""
    if not 0 <= asset_decimals <= 18:
        raise ValueError("asset decimals must be between 0 and 18")
    return 10 ** (18 - asset_decimals)


def to_points(assets: int, total_assets: int, total_supply: int, asset_decimals: int) -> int:
    """Points worth `assets` at the current value per point (par when no points exist)."""
    if total_supply == 0:
        return assets * par_scale(asset_decimals)
    return assets * total_supply // total_assets


def to_assets(points: int, total_assets: int, total_supply: int, asset_decimals: int) -> int:
    """Assets `points` are worth at the current value per point."""
    if total_supply == 0:
        return points // par_scale(asset_decimals)
    return points * total_assets // total_supply


def contribution_of(amount: int, contribution_bps: int) -> int:
    return amount * contribution_bps // BPS


def sale_for_contribution(contribution: int, contribution_bps: int) -> int:
    """The sale worth `contribution` at `contribution_bps`, rounded down (its contribution is at most
    `contribution`)."""
    return contribution * BPS // contribution_bps


def action_contribution(co2e: int, reward_per_kg: int) -> int:
    """What a sponsor pays for `co2e` grams at `reward_per_kg` asset units per kilogram."""
    return co2e * reward_per_kg // 1_000


def value_per_point(total_assets: int, total_supply: int, asset_decimals: int) -> int:
    """Asset units one whole point is worth (`ledger.price_per_point`; par when no points exist)."""
    return to_assets(POINT, total_assets, total_supply, asset_decimals)


def issued_value_of(contribution: int, issue_bps: int) -> int:
    return contribution * issue_bps // BPS


def settlement(value: int, fee_bps: int) -> tuple[int, int]:
    """(paid, fee) for settling points worth `value`: the payout rounds down, the fee keeps the rest."""
    paid = value * (BPS - fee_bps) // BPS
    return paid, value - paid


def exit_payout(value: int, payout_bps: int) -> int:
    return value * payout_bps // BPS


def epoch_exit_limit(start_assets: int, epoch_exit_limit_bps: int) -> int:
    """An epoch's exit budget: `epoch_exit_limit_bps` of its start assets, rounded down (`_check_exit`)."""
    return start_assets * epoch_exit_limit_bps // BPS


def basis_after_outflow(basis: int, balance: int, points: int) -> int:
    """Basis left after `points` of a `balance` leave the account (the cut rounds down)."""
    if basis == 0:
        return 0
    return basis - basis * points // balance


def max_points_for_payout(max_payout: int, total_assets: int, total_supply: int, payout_bps: int) -> int:
    """The most points whose exit payout is at most `max_payout` (exact inverse of the payout)."""
    if total_supply == 0 or total_assets == 0:
        return 0
    max_value = ((max_payout + 1) * BPS - 1) // payout_bps
    return ((max_value + 1) * total_supply - 1) // total_assets

"""Test helpers for the monitor: keyword options split into its settings object and the rest."""

from dataclasses import fields

from greenpoints.audit.monitor import MonitorSettings

SETTINGS = frozenset(f.name for f in fields(MonitorSettings))


def split(options: dict) -> dict:
    """`options` (page=1, guardian=..., ...) as Monitor's keywords: the settings gathered in one
    `MonitorSettings`, everything else (guardian, on_page, ...) as it was."""
    settings = {k: v for k, v in options.items() if k in SETTINGS}
    rest = {k: v for k, v in options.items() if k not in SETTINGS}
    return {**rest, "settings": MonitorSettings(**settings)}


def open_line(system, merchant, consumer, other_consumer, unit) -> None:
    """Make an exit queue likely on `system` (a funded `merchant` admitted): `consumer` bought for
    1,000 units and `other_consumer` for 1,000,000, both may exit (trigger 1x, an hour's lock, over),
    and an epoch's exit budget is 0.1% of the pool (a few hundred units); the clock is at the start
    of the next epoch."""
    from ape import chain

    from greenpoints import governance
    from tests.conftest import GREEN, order

    system.pool.record_purchase(consumer, 1_000 * unit, order("line-1"), GREEN, sender=merchant)
    system.pool.record_purchase(other_consumer, 1_000_000 * unit, order("line-2"), GREEN, sender=merchant)
    for rule, value in (("exit_trigger_bps", 10_000), ("lock_period", 3_600), ("epoch_exit_limit_bps", 10)):
        governance.change_rule(system, rule, value)
    length = system.registry.epoch_length()
    chain.mine(timestamp=(chain.pending_timestamp // length + 1) * length)


def points_for_budgets(system, budgets: float) -> int:
    """Points whose exit would pay about `budgets` epochs of exit budget now (rounded down)."""
    pool, registry = system.pool, system.registry
    assets, supply = pool.total_assets(), pool.totalSupply()
    budget = assets * registry.epoch_exit_limit_bps() // 10_000
    value = int(budget * budgets) * 10_000 // registry.exit_payout_bps()
    return value * supply // assets

"""SPEC section 1's worked example played on a deployed system, step by step, with the chain's figures.

Every number printed is read back from the chain after the step's transaction, never computed here.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_utils import keccak

from .client import Client
from .formatting import fmt_points, fmt_units

LICENSE = keccak(text="demo licence")
ORGANIC = 2
"""The sample catalog's organic food (60 g of CO2e per whole unit): what the grocer sells."""


@dataclass(frozen=True)
class Step:
    what: str
    total_assets: int
    total_supply: int
    price_per_point: int
    detail: str


def _step(pool, what: str, detail: str = "") -> Step:
    return Step(what, pool.total_assets(), pool.totalSupply(), pool.price_per_point(), detail)


def play_worked_example(system, *, merchant, cafe, charity, consumer_a, consumer_b) -> list[Step]:
    """Admit a grocer (30%) and a cafe, register a charity, then: A buys 1,000 of organic food (210
    points, 60 kg of CO2e), B buys 1,000 (147 points), A spends 10 points at the cafe, A donates 5,
    the cafe settles. The system must have the sample catalog certified (`greenpoints.catalog`)."""
    pool, asset, client = system.pool, system.asset, Client(system)
    unit = 10 ** int(asset.decimals())
    registrar = system.registrar
    cap = 1_000_000 * unit
    client.admit(registrar, merchant, 3_000, cap, LICENSE, 1)
    client.admit(registrar, cafe, 2_000, cap, LICENSE, 2)
    client.register_charity(registrar, charity, LICENSE)
    client.send("mint", merchant, merchant, 10_000 * unit)
    client.send("asset_approve", merchant, pool, 2**256 - 1)
    steps = [_step(pool, "grocer (30%), cafe (20%), charity admitted")]

    client.record_purchase(merchant, consumer_a, 1_000 * unit, keccak(text="grocer-0001"), ORGANIC)
    steps.append(
        _step(
            pool,
            "A buys 1,000.00 of organic food at the grocer",
            f"A holds {fmt_points(pool.balanceOf(consumer_a), 2)} points; "
            f"{fmt_units(pool.carbon_of(consumer_a), 3, 3)} kg of CO2e avoided",
        )
    )
    client.record_purchase(merchant, consumer_b, 1_000 * unit, keccak(text="grocer-0002"), ORGANIC)
    steps.append(
        _step(
            pool,
            "B buys 1,000.00 at the grocer",
            f"B holds {fmt_points(pool.balanceOf(consumer_b), 2)} points",
        )
    )
    decimals = int(asset.decimals())
    steps.append(
        _step(
            pool,
            "A's holding",
            f"worth {fmt_units(pool.value_of(consumer_a), decimals, 2)} against a basis of "
            f"{fmt_units(pool.basis_of(consumer_a), decimals, 2)}; exitable now: "
            f"{fmt_points(pool.max_exit(consumer_a), 2)} points (needs 2x and 7 days)",
        )
    )
    client.spend(consumer_a, cafe, 10 * 10**18, keccak(text="cafe-0001"))
    client.donate(consumer_a, charity, 5 * 10**18)
    steps.append(
        _step(
            pool,
            "A spends 10 points at the cafe, donates 5",
            f"A's basis now {fmt_units(pool.basis_of(consumer_a), decimals, 2)}",
        )
    )
    settled = client.settle(cafe, 10 * 10**18)
    steps.append(
        _step(
            pool,
            "the cafe settles its 10 points",
            f"paid {fmt_units(settled.assets, decimals, 2)}, "
            f"fee {fmt_units(settled.fee, decimals, 6)} stays in the pool",
        )
    )
    return steps


def render(steps: list[Step], decimals: int) -> str:
    lines = [f"{'step':<52} {'pool assets':>14} {'points out':>14} {'value/point':>12}"]
    for s in steps:
        lines.append(
            f"{s.what:<52} {fmt_units(s.total_assets, decimals, 2):>14} "
            f"{fmt_points(s.total_supply, 2):>14} {fmt_units(s.price_per_point, decimals, 6):>12}"
        )
        if s.detail:
            lines.append(f"    {s.detail}")
    return "\n".join(lines)

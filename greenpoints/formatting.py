"""Readable figures: integer amounts shown as decimals without ever passing through floats."""

from __future__ import annotations

from datetime import UTC, datetime

UTC_SECONDS = "%Y-%m-%d %H:%M:%S UTC"
"""The reports' and the page's time of day: 2026-12-04 12:30:00 UTC."""


def utc(timestamp: int, fmt: str = UTC_SECONDS) -> str:
    """A chain timestamp as a UTC date written by `fmt`. One past the calendar's last day (a governor
    delay or a certificate's end of 2**256 - 1 seconds, which a chain may log) is written as such,
    never an error: "after 9999-12-31 (timestamp N)"."""
    try:
        return datetime.fromtimestamp(int(timestamp), UTC).strftime(fmt)
    except (OverflowError, OSError, ValueError):
        return f"{'after 9999-12-31' if timestamp > 0 else 'before 0001-01-01'} (timestamp {timestamp})"


def fmt_units(amount: int, decimals: int, places: int = 6) -> str:
    """`amount` smallest units as a decimal string with `places` digits, truncated (exact, no floats)."""
    sign = "-" if amount < 0 else ""
    amount = abs(int(amount))
    whole, frac = divmod(amount, 10**decimals)
    digits = str(frac).rjust(decimals, "0")[:places] if decimals else ""
    digits = digits.ljust(places, "0")
    return f"{sign}{whole:,}" + (f".{digits}" if places else "")


def fmt_points(points: int, places: int = 6) -> str:
    return fmt_units(points, 18, places)


def pool_figures(pool, decimals: int) -> dict[str, str]:
    return {
        "total_assets": fmt_units(pool.total_assets(), decimals),
        "total_supply": fmt_points(pool.totalSupply()),
        "price_per_point": fmt_units(pool.price_per_point(), decimals),
    }


def deployment_summary(system) -> str:
    pool = system.pool
    decimals = int(system.asset.decimals())
    lines = [
        "greenpoints deployed",
        f"  asset      {system.asset.address}  ({decimals} decimals)",
        f"  pool       {pool.address}  (also the points token GCP)",
        f"  registry   {system.registry.address}  (members, catalog, roles, rules, pause)",
        f"  governor   {system.governor.address}  (timelock, delay {system.timelock_delay}s)",
        f"  registrar  {getattr(system.registrar, 'address', system.registrar)}",
        f"  guardian   {getattr(system.guardian, 'address', system.guardian)}",
        f"  certifier  {getattr(system.certifier, 'address', system.certifier)}",
        f"  proposer   {getattr(system.proposer, 'address', system.proposer)}",
        f"  from block {system.deployment_block}",
        "  rules      " + ", ".join(f"{k}={v}" for k, v in system.rules.as_dict().items()),
    ]
    return "\n".join(lines)


def association_summary(association) -> str:
    contract = association.contract
    lines = [
        "greenpoints association deployed",
        f"  association {association.address}  (admin {_address(association.admin)})",
        f"  min delay   {association.min_timelock_delay}s",
    ]
    for name, address in association.blueprints.items():
        getter = {"ValuePool": "pool", "Registry": "registry", "Governor": "governor"}[name]
        codehash = "0x" + bytes(getattr(contract, f"{getter}_blueprint_codehash")()).hex()
        lines.append(f"  {name:<11} blueprint {address}  code hash {codehash}")
    for system in association.platforms:
        lines.append(
            f"  platform {system.platform_id}  {system.name}: pool {system.pool.address}, "
            f"registry {system.registry.address}, governor {system.governor.address}"
        )
    if not association.platforms:
        lines.append("  no platform yet: ape run association launch --name NAME")
    return "\n".join(lines)


def _address(handle) -> str:
    return str(getattr(handle, "address", handle))

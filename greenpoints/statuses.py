"""The contracts' status flags, mirrored once for all the Python code (model, audit, simulation, scripts).

Vyper numbers a `flag`'s members 1, 2, 4, ... in declaration order; the empty flag (0) means "none".
"""

from __future__ import annotations

from enum import IntFlag


class MerchantStatus(IntFlag):
    """`Registry.MerchantStatus`. 0: never admitted. REVOKED is final."""

    ACTIVE = 1
    SUSPENDED = 2
    REVOKED = 4


class CharityStatus(IntFlag):
    """`Registry.CharityStatus`. 0: never registered. A REMOVED charity may be registered again."""

    REGISTERED = 1
    REMOVED = 2


class Standing(IntFlag):
    """`accounts.Standing`, the pool's copy of who an address is (`ValuePool.standing_of`). 0: a consumer.
    The kind flags are never cleared once set; ACTIVE is set while a merchant is active or a charity
    registered."""

    MERCHANT = 1
    CHARITY = 2
    SPONSOR = 4
    ACTIVE = 8


NONE = 0
"""The empty flag: never admitted, never registered."""


def merchant_status_name(status: int) -> str:
    """`active`, `suspended`, `revoked`, or `none`."""
    return MerchantStatus(status).name.lower() if status else "none"


def charity_status_name(status: int) -> str:
    """`registered`, `removed`, or `none`."""
    return CharityStatus(status).name.lower() if status else "none"


ROLES = {1: "operator", 2: "registrar", 3: "certifier", 4: "guardian"}
"""The association's role numbers and names (SPEC 12; `greenpoints.qualifications` uses them)."""
ROLE_IDS = {name: number for number, name in ROLES.items()}

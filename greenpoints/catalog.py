"""The green catalog (SPEC 8.1) in Python: class kinds, a class's terms, a sample catalog.

A product class's factor is grams of CO2e avoided per whole asset unit of sale (10**decimals base
units); an action class's factor is grams per unit of the action (a kilometre by metro, a refill
in an own cup). The certifier keeps the catalog on `System.registry`; the pool reads each class's
kind, certification and factor from its own copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from eth_utils import keccak

MAX_FACTOR = 2**64 - 1
"""A class's factor takes 64 bits in the pool (`contracts/modules/catalog.vy`)."""


class ClassKind(IntEnum):
    """The kinds of class (SPEC 8.1), as the contracts number them."""

    PRODUCT = 1
    ACTION = 2


def kind_name(kind: int, unknown: str | None = None) -> str:
    """`product` or `action`; for another number, `unknown` (default: "kind N")."""
    if kind in (ClassKind.PRODUCT, ClassKind.ACTION):
        return ClassKind(kind).name.lower()
    return f"kind {kind}" if unknown is None else unknown


@dataclass(frozen=True)
class GreenClass:
    """One class of the catalog, as the certifier certifies it."""

    class_id: int
    kind: ClassKind
    co2e_per_unit: int
    """Grams of CO2e avoided per unit (product: per whole asset unit of sale; action: per unit)."""
    standard: str
    """The standard the class is certified under (its keccak is the on-chain `standard_hash`)."""
    label: str

    def __post_init__(self):
        if not 0 < self.class_id < 2**32:
            raise ValueError(f"class {self.class_id}: the id must be between 1 and 2**32 - 1")
        if self.kind not in (ClassKind.PRODUCT, ClassKind.ACTION):
            raise ValueError(f"class {self.class_id}: kind must be 1 (product) or 2 (action)")
        if not 0 <= self.co2e_per_unit <= MAX_FACTOR:
            raise ValueError(f"class {self.class_id}: co2e_per_unit must be between 0 and 2**64 - 1 grams")
        if not self.standard:
            raise ValueError(f"class {self.class_id}: the standard is empty")
        if len(self.label.encode()) > 64:
            raise ValueError(f"class {self.class_id}: the label is longer than 64 bytes")

    @property
    def standard_hash(self) -> bytes:
        return keccak(text=self.standard)


SAMPLE_CATALOG: tuple[GreenClass, ...] = (
    GreenClass(
        1, ClassKind.PRODUCT, 300, "China Energy Label grade 1 (GB 12021)", "energy-efficient appliances"
    ),
    GreenClass(2, ClassKind.PRODUCT, 60, "Organic product certification (GB/T 19630)", "organic food"),
    GreenClass(3, ClassKind.PRODUCT, 400, "Certified refurbished electronics", "refurbished electronics"),
    GreenClass(
        101, ClassKind.ACTION, 150, "Carbon-inclusion method: metro instead of car", "metro ride (per km)"
    ),
    GreenClass(102, ClassKind.ACTION, 25, "Carbon-inclusion method: own cup", "own-cup refill"),
    GreenClass(103, ClassKind.ACTION, 10, "Carbon-inclusion method: no plastic bag", "no plastic bag"),
)
"""A small catalog that `ape run deploy` certifies on a local chain, so that a new user can record
purchases and actions at once. Factors are round figures of the published orders of magnitude:
an efficient appliance avoids a few hundred grams per unit of price over its life, a kilometre by
metro instead of by car about 150 g, a refill in an own cup about 25 g (the disposable cup)."""


def certify(registry, certifier, classes) -> list:
    """Certify each class of `classes` on `registry` as `certifier`; returns the receipts."""
    return [
        registry.certify_class(
            c.class_id, int(c.kind), c.co2e_per_unit, c.standard_hash, c.label, sender=certifier
        )
        for c in classes
    ]

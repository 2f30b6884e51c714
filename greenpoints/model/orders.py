"""A purchase's record and the one word the pool keeps for it (SPEC 4.3, contracts/modules/orders.vy).

The pool keeps, per (merchant, order id), one 32-byte word: the top 241 bits of the keccak256 of the
purchase's record (abi-encoded as `orders.Purchase`: consumer, class_id, amount, contribution,
points, co2e, recorded_at), the issue rate in force at the purchase in bits 1..14, and bit 0 set once
the order is reversed. `reverse_purchase` takes the record back and refuses one that does not hash to
the word. Everything in the record is in the purchase's `PurchaseRecorded` event and its block's
timestamp, so anyone can rebuild it (`Purchase.of`) and recompute the word (`order_word`).
"""

from __future__ import annotations

from typing import NamedTuple

from eth_hash.auto import keccak

REVERSED = 1
"""Bit 0 of an order's word: the order was reversed."""
RATE_SHIFT = 1
"""Bits 1..14 of an order's word: the issue rate (basis points) the purchase was issued at."""
HASH_MASK = (2**256 - 1) ^ (2**15 - 1)
"""The bits of an order's word that hold its record's hash (15..255)."""
MASK14 = 2**14 - 1


class Purchase(NamedTuple):
    """A purchase as its `PurchaseRecorded` event and block recorded it: what `reverse_purchase`
    takes back (`ValuePool`'s `orders.Purchase`, in its field order)."""

    consumer: str
    class_id: int
    amount: int
    contribution: int
    points: int
    co2e: int
    recorded_at: int
    """The timestamp of the block that recorded the purchase."""

    @classmethod
    def of(cls, recorded, timestamp: int) -> Purchase:
        """The record of a purchase from its `PurchaseRecorded` (the model's receipt or the decoded
        event: anything with the event's field names) and its block's timestamp."""
        return cls(
            str(recorded.consumer), int(recorded.class_id), int(recorded.amount), int(recorded.contribution),
            int(recorded.points), int(recorded.co2e), int(timestamp),
        )  # fmt: skip

    def encoded(self) -> bytes:
        """The record abi-encoded as the pool encodes `orders.Purchase` (seven static words)."""
        head = bytes(12) + bytes.fromhex(self.consumer[2:])
        return head + b"".join(int(v).to_bytes(32, "big") for v in self[1:])

    def same_as(self, other: Purchase) -> bool:
        """Field for field equal (addresses compared whatever their letter case)."""
        return self.consumer.lower() == other.consumer.lower() and self[1:] == tuple(other[1:])


def order_word(purchase: Purchase, issue_bps: int, reversed_: bool = False) -> int:
    """The word the pool keeps for an order: the record's hash, the issue rate, the reversed bit."""
    digest = int.from_bytes(keccak(purchase.encoded()), "big")
    return (digest & HASH_MASK) | (issue_bps << RATE_SHIFT) | (REVERSED if reversed_ else 0)


def issue_rate_of(word: int) -> int:
    """The issue rate an order's word holds."""
    return (word >> RATE_SHIFT) & MASK14

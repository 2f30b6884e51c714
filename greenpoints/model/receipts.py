"""What the model's operations return: one frozen record per event the contract logs, with the
event's name and fields in the event's order (contracts/ValuePool.vy), so a caller reads the figures
the rules computed instead of working them out again, and a test compares a receipt with the
chain's event field for field (`receipt._asdict()` against the decoded event's arguments).

Records are `NamedTuple`s: immutable, cheap to build on the simulation's hot path (one per
purchase). Addresses are the model's strings, ids are bytes. A receipt carries a figure the event
does not only where the model knows it and a reader needs it: the value a purchase or action issued
(`issued_value`) and `PointsExited.basis`, the cost basis the exited points took with them, which
defines "paid by newcomers" (below) in one place. `greenpoints.client` builds the same records from
the chain's events; there those figures are None (the event does not carry them).
"""

from __future__ import annotations

from typing import NamedTuple

NEWCOMERS_PAY_MOST = 0.5
"""Newcomers pay most of the exits when more than this share of the exit payouts was paid above the
exited points' basis (`PointsExited.paid_by_newcomers`): the sweeps' verdict and the monitor's
`paid_by_newcomers` warning read this one threshold (docs/sweeps.md, "paid by newcomers")."""


class PurchaseRecorded(NamedTuple):
    """`ValuePool.PurchaseRecorded`: one purchase (a batch gives one per purchase, in order)."""

    merchant: str
    consumer: str
    order_id: bytes
    class_id: int
    amount: int
    contribution: int
    """Asset units pulled from the merchant into the pool for this purchase."""
    points: int
    co2e: int
    """Grams of CO2e the purchase avoided."""
    total_assets: int
    """The pool's assets after this purchase."""
    total_supply: int
    """Points outstanding after this purchase."""
    issued_value: int | None = None
    """The part of the contribution issued to the consumer as points (the rest raised the value per
    point): the consumer's basis and lifetime issued value grew by it. Not in the event (None in a
    receipt read from the chain); it is the contribution times the issue rate the order's word keeps
    (`order_word`, greenpoints.model.orders)."""


class ActionRecorded(NamedTuple):
    """`ValuePool.ActionRecorded`: a green action attested and paid for by a sponsor."""

    sponsor: str
    consumer: str
    class_id: int
    action_id: bytes
    quantity: int
    co2e: int
    contribution: int
    points: int
    total_assets: int
    total_supply: int
    issued_value: int | None = None
    """As `PurchaseRecorded.issued_value` (not in the event)."""


class PurchaseReversed(NamedTuple):
    """`ValuePool.PurchaseReversed`: the points burned, the merchant refunded, the carbon taken back."""

    merchant: str
    consumer: str
    order_id: bytes
    points: int
    refund: int
    co2e: int
    total_assets: int
    total_supply: int


class PointsSpent(NamedTuple):
    """`ValuePool.PointsSpent`: a consumer paid an active merchant (also an ERC-20 transfer to one)."""

    consumer: str
    merchant: str
    points: int
    order_id: bytes


class PointsDonated(NamedTuple):
    """`ValuePool.PointsDonated`: a consumer gave points to a registered charity."""

    consumer: str
    charity: str
    points: int


class PointsSettled(NamedTuple):
    """`ValuePool.PointsSettled`: a merchant or charity burned points for assets, less the fee."""

    account: str
    points: int
    assets: int
    fee: int


class PointsExited(NamedTuple):
    """`ValuePool.PointsExited`: a consumer cashed out under the capped exit (or after shutdown)."""

    account: str
    points: int
    payout: int
    retained: int
    """The part of the points' value that stayed in the pool."""
    basis: int | None = None
    """The cost basis the exited points took with them (not in the event: the chain's `basis_of`
    before and after; None in a receipt read from the chain)."""

    @property
    def paid_by_newcomers(self) -> int:
        """The part of the payout above what the exited points were issued for: money only
        contributions made after those points were issued can have brought."""
        if self.basis is None:
            raise ValueError("this exit's receipt was read from the chain: the event carries no basis")
        return max(0, self.payout - self.basis)


class ExitRequested(NamedTuple):
    """`ExitQueue.ExitRequested`: a consumer took a place in the exit queue (SPEC 11)."""

    id: int
    account: str
    points: int
    basis: int
    """The basis that left the consumer's books with the points."""


class ExitFilled(NamedTuple):
    """`ExitQueue.ExitFilled`: points of a request burned and paid as an exit (claimable)."""

    id: int
    account: str
    points: int
    payout: int
    retained: int


class ExitClaimed(NamedTuple):
    """`ExitQueue.ExitClaimed`: a request's owner received what its fills paid."""

    id: int
    account: str
    amount: int


class ExitCancelled(NamedTuple):
    """`ExitQueue.ExitCancelled`: a request's unfilled points went back to its owner with their basis
    (a cancel, or the rest beyond the owner's return cap while processing)."""

    id: int
    account: str
    points: int
    basis: int


class ExitsProcessed(NamedTuple):
    """What one `process_exits` call did: the requests touched, and its events in order
    (`ExitFilled`, and `ExitCancelled` for a rest beyond the return cap)."""

    touched: int
    events: tuple


Receipt = (
    PurchaseRecorded
    | ActionRecorded
    | PurchaseReversed
    | PointsSpent
    | PointsDonated
    | PointsSettled
    | PointsExited
    | ExitRequested
    | ExitFilled
    | ExitClaimed
    | ExitCancelled
)
"""Any receipt of the pool's and the exit queue's operations."""

RECEIPTS: dict[str, type] = {kind.__name__: kind for kind in Receipt.__args__}
"""The receipt type of each of the pool's events that a model operation returns, by event name."""


class IssuePreview(NamedTuple):
    """`preview_purchase` and `preview_action` (the lens's and the model's): what the issuance would
    record, the figures its `PurchaseRecorded` or `ActionRecorded` would carry."""

    contribution: int
    points: int
    co2e: int


class ExitPreview(NamedTuple):
    """`preview_exit`: what the exit would pay and leave in the pool (its `PointsExited`'s figures)."""

    payout: int
    retained: int


class SettlePreview(NamedTuple):
    """`preview_settle`: what the settlement would pay and keep (its `PointsSettled`'s figures)."""

    assets: int
    fee: int

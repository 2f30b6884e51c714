"""One front for the operations the system's roles send: which contract serves each, the event it
logs, and a typed method per operation that sends it and returns what the chain logged.

    client = Client(system)
    bought = client.record_purchase(merchant, consumer, amount, order_id, class_id)
    bought.points, bought.contribution, bought.co2e        # the pool's PurchaseRecorded, decoded

The pool's operations return the model's receipt types (`greenpoints.model.receipts`) built from the
event the pool logged, so what the chain did and what the model says compare with `==` on the
event's fields; the figures an event does not carry (`issued_value`, an exit's `basis`) are None in a
receipt read from the chain. The registry's operations return the decoded registry event (Ape's
`ContractLog`: `MerchantAdmitted`, `Paused`, ...). A refusal raises Ape's `ContractLogicError` with
the contract's reason; `Client.refusal(op, sender, *args)` asks the chain with `eth_call` instead and
returns the reason (None: it would pass). Rule changes, unpause and shutdown go through the governor's
delay: `greenpoints.governance`.

`OPERATIONS` is the one table of which contract serves which operation, the event it logs and which of
its arguments are accounts; the simulation's chain backends map their agents through it too.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from ape.api import AccountAPI, ReceiptAPI
from ape.contracts import ContractInstance, ContractLog
from ape.logging import LogLevel, logger
from ape.types import AddressType

from .model.orders import Purchase
from .model.receipts import (
    RECEIPTS,
    ActionRecorded,
    ExitCancelled,
    ExitClaimed,
    ExitFilled,
    ExitPreview,
    ExitRequested,
    IssuePreview,
    PointsDonated,
    PointsExited,
    PointsSettled,
    PointsSpent,
    PurchaseRecorded,
    PurchaseReversed,
    Receipt,
    SettlePreview,
)

if TYPE_CHECKING:
    from .deploy import System

Account = AccountAPI | ContractInstance | AddressType | str
"""Anything that names an account: a handle or its address."""


class Serves(StrEnum):
    """The contract of a system that serves an operation (a field of `System`)."""

    POOL = "pool"
    REGISTRY = "registry"
    EXIT_QUEUE = "exit_queue"
    ASSET = "asset"


@dataclass(frozen=True)
class Operation:
    """An operation a role sends: the contract that serves it, the events it logs (a receipt's kinds),
    and which of its arguments are accounts (one each, or lists of them)."""

    serves: Serves
    events: tuple[str, ...] = ()
    accounts: tuple[int, ...] = ()
    account_lists: tuple[int, ...] = ()
    batch: bool = False
    """One event per entry of the first list (`record_purchases`)."""
    function: str | None = None
    """The contract's function, when it is not the operation's name (`asset_approve`: `approve`)."""
    records: tuple[int, ...] = ()
    """Arguments that are a purchase's record (`Purchase`: its first field is an account), each right
    after its order id (`reverse_purchase`)."""


_POINTS_MOVED = ("PointsSpent", "PointsDonated")
OPERATIONS: dict[str, Operation] = {
    # the pool: issuance, circulation, settlement, exit
    "record_purchase": Operation(Serves.POOL, ("PurchaseRecorded",), accounts=(0,)),
    "record_purchases": Operation(Serves.POOL, ("PurchaseRecorded",), account_lists=(0,), batch=True),
    "record_action": Operation(Serves.POOL, ("ActionRecorded",), accounts=(0,)),
    "reverse_purchase": Operation(Serves.POOL, ("PurchaseReversed",), records=(1,)),
    "spend": Operation(Serves.POOL, ("PointsSpent",), accounts=(0,)),
    "donate": Operation(Serves.POOL, ("PointsDonated",), accounts=(0,)),
    "transfer": Operation(Serves.POOL, _POINTS_MOVED, accounts=(0,)),
    "transferFrom": Operation(Serves.POOL, _POINTS_MOVED, accounts=(0, 1)),
    "approve": Operation(Serves.POOL, ("Approval",), accounts=(0,)),
    "settle": Operation(Serves.POOL, ("PointsSettled",)),
    "exit": Operation(Serves.POOL, ("PointsExited",)),
    # the exit queue (SPEC 11): a consumer's place in line, anyone's processing, the owner's claim
    "request_exit": Operation(Serves.EXIT_QUEUE, ("ExitRequested",)),
    "process_exits": Operation(Serves.EXIT_QUEUE, ("ExitFilled", "ExitCancelled")),
    "claim_exit": Operation(Serves.EXIT_QUEUE, ("ExitClaimed",)),
    "cancel_exit": Operation(Serves.EXIT_QUEUE, ("ExitCancelled",)),
    # the registry: the registrar's whitelist, the certifier's catalog, the guardian's pause
    "admit": Operation(Serves.REGISTRY, ("MerchantAdmitted",), accounts=(0,)),
    "update_terms": Operation(Serves.REGISTRY, ("MerchantTermsUpdated",), accounts=(0,)),
    "suspend": Operation(Serves.REGISTRY, ("MerchantSuspended",), accounts=(0,)),
    "reinstate": Operation(Serves.REGISTRY, ("MerchantReinstated",), accounts=(0,)),
    "revoke": Operation(Serves.REGISTRY, ("MerchantRevoked",), accounts=(0,)),
    "admit_sponsor": Operation(Serves.REGISTRY, ("SponsorAdmitted",), accounts=(0,)),
    "update_sponsor_terms": Operation(Serves.REGISTRY, ("SponsorTermsUpdated",), accounts=(0,)),
    "register_charity": Operation(Serves.REGISTRY, ("CharityRegistered",), accounts=(0,)),
    "remove_charity": Operation(Serves.REGISTRY, ("CharityRemoved",), accounts=(0,)),
    "certify_class": Operation(Serves.REGISTRY, ("ClassCertified",)),
    "withdraw_class": Operation(Serves.REGISTRY, ("ClassWithdrawn",)),
    "pause": Operation(Serves.REGISTRY, ("Paused",)),
    # the settlement token (the mock's faucet on a local chain, and a merchant's approval of the pool)
    "mint": Operation(Serves.ASSET, ("Transfer",), accounts=(0,)),
    "asset_approve": Operation(Serves.ASSET, ("Approval",), accounts=(0,), function="approve"),
}
"""Every operation a role sends to a system, by name (the contract's function name, except
`asset_approve`: the token's `approve`)."""


def address_of(account: Account) -> str:
    """The address of an account handle, a contract handle or an address."""
    return str(getattr(account, "address", account))


def receipt_from_log(log: ContractLog) -> Receipt:
    """The model's receipt type for one of the pool's events, from the decoded log (figures the event
    does not carry are None)."""
    kind = RECEIPTS[log.event_name]
    args = log.event_arguments
    fields = {name: _plain(args[name]) for name in kind._fields if name in args}
    return kind(**fields)


def _plain(value: Any) -> Any:
    """An event argument as the model holds it: bytes as bytes, addresses as text, integers as int."""
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, bool | int):
        return value
    return str(value)


@contextmanager
def traces_hidden(shown_from: LogLevel = LogLevel.INFO):
    """ape-foundry prints the call trace of every reverted transaction or call on stdout; a refusal
    asked for on purpose (`Client.refusal`, the simulation's rule-breaking attempts) is an answer,
    not a failure, so unless Ape logs at `shown_from` or more (`-v INFO` or `-v DEBUG` for the
    simulation, `-v DEBUG` for a refusal) stdout points at /dev/null meanwhile."""
    if logger.level <= shown_from.value:
        yield
        return
    sys.stdout.flush()
    saved, null = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.close(null)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


class Client:
    """The operations of one deployed system (`greenpoints.deploy.System`), each sent by the account
    given and answered with what the chain logged."""

    def __init__(self, system: System):
        self.system = system

    # ------------------------------------------------------------ the table

    def contract(self, operation: str) -> ContractInstance:
        """The contract that serves `operation` (KeyError naming the known ones for another)."""
        return getattr(self.system, self._operation(operation).serves.value)

    @staticmethod
    def _operation(operation: str) -> Operation:
        try:
            return OPERATIONS[operation]
        except KeyError:
            raise KeyError(f"no operation {operation!r}; known: {', '.join(sorted(OPERATIONS))}") from None

    def _method(self, operation: str):
        """The contract function that serves `operation` (Ape's handle)."""
        op = self._operation(operation)
        return getattr(getattr(self.system, op.serves.value), op.function or operation)

    def send(self, operation: str, sender: AccountAPI, *args, **tx) -> ReceiptAPI:
        """Send `operation(*args)` from `sender` (Ape's transaction options in `tx`); the receipt."""
        return self._method(operation)(*args, sender=sender, **tx)

    def refusal(self, operation: str, sender: Account, *args) -> str | None:
        """Ask the chain with `eth_call` whether `sender` may send `operation(*args)`: the contract's
        reason if not, None if it would pass."""
        from ape.exceptions import ContractLogicError

        try:
            with traces_hidden(shown_from=LogLevel.DEBUG):
                self._method(operation).call(*args, sender=address_of(sender))
        except ContractLogicError as err:
            return err.message or "reverted without a reason"
        return None

    def logged(self, operation: str, tx: ReceiptAPI) -> list[ContractLog]:
        """The events of `operation`'s kinds that its contract logged in `tx`, in order."""
        op = self._operation(operation)
        address = str(self.contract(operation).address)
        return [e for e in tx.events if str(e.contract_address) == address and e.event_name in op.events]

    def _one(self, operation: str, tx: ReceiptAPI) -> ContractLog:
        logs = self.logged(operation, tx)
        if len(logs) != 1:
            raise RuntimeError(
                f"{operation}: expected one {'/'.join(OPERATIONS[operation].events)}, got {logs}"
            )
        return logs[0]

    def _receipt(self, operation: str, sender: AccountAPI, *args, **tx) -> Receipt:
        return receipt_from_log(self._one(operation, self.send(operation, sender, *args, **tx)))

    # ------------------------------------------------------------ the pool

    def record_purchase(
        self, merchant: AccountAPI, consumer: Account, amount: int, order_id: bytes, class_id: int, **tx
    ) -> PurchaseRecorded:
        """A merchant records a purchase of a certified class (SPEC 4.3, 8.2)."""
        return self._receipt(
            "record_purchase", merchant, address_of(consumer), amount, order_id, class_id, **tx
        )

    def record_purchases(
        self,
        merchant: AccountAPI,
        consumers: Sequence[Account],
        amounts: Sequence[int],
        order_ids: Sequence[bytes],
        class_ids: Sequence[int],
        **tx,
    ) -> tuple[PurchaseRecorded, ...]:
        """Up to MAX_BATCH purchases in one transaction: one receipt per purchase, in order."""
        sent = self.send(
            "record_purchases", merchant, [address_of(c) for c in consumers], list(amounts), list(order_ids),
            list(class_ids), **tx,
        )  # fmt: skip
        return tuple(receipt_from_log(log) for log in self.logged("record_purchases", sent))

    def record_action(
        self, sponsor: AccountAPI, consumer: Account, class_id: int, quantity: int, action_id: bytes, **tx
    ) -> ActionRecorded:
        """A sponsor records (and pays for) an attested green action (SPEC 8.3)."""
        return self._receipt(
            "record_action", sponsor, address_of(consumer), class_id, quantity, action_id, **tx
        )

    def purchase_record(self, merchant: Account, order_id: bytes, *, block: int | None = None) -> Purchase:
        """The record `reverse_purchase` takes back for `merchant`'s order: its `PurchaseRecorded`
        event (found by its indexed merchant and order id, in `block` when the caller knows the block
        the purchase was recorded in, else from the deployment block) and the timestamp of the block
        that logged it. LookupError when the merchant never recorded it (there)."""
        from ape import chain

        pool = self.system.pool
        start = self.system.deployment_block if block is None else block
        stop = chain.blocks.height + 1 if block is None else block + 1
        found = list(
            pool.PurchaseRecorded.range(
                start,
                stop,
                search_topics={"merchant": address_of(merchant), "order_id": bytes(order_id)},
            )
        )
        if not found:
            raise LookupError(f"no purchase {bytes(order_id).hex()} recorded by {address_of(merchant)}")
        log = found[0]
        return Purchase.of(receipt_from_log(log), chain.blocks[log.block_number].timestamp)

    def reverse_purchase(
        self, merchant: AccountAPI, order_id: bytes, purchase: Purchase | None = None, **tx
    ) -> PurchaseReversed:
        """The merchant reverses a purchase within the lock period. `purchase`, the order's record, is
        built from the chain's `PurchaseRecorded` when not given (`purchase_record`)."""
        if purchase is None:
            purchase = self.purchase_record(merchant, order_id)
        return self._receipt("reverse_purchase", merchant, order_id, tuple(purchase), **tx)

    def spend(
        self, consumer: AccountAPI, merchant: Account, points: int, order_id: bytes, **tx
    ) -> PointsSpent:
        return self._receipt("spend", consumer, address_of(merchant), points, order_id, **tx)

    def donate(self, consumer: AccountAPI, charity: Account, points: int, **tx) -> PointsDonated:
        return self._receipt("donate", consumer, address_of(charity), points, **tx)

    def transfer(self, consumer: AccountAPI, to: Account, points: int, **tx) -> PointsSpent | PointsDonated:
        """An ERC-20 transfer: to an active merchant a spend, to a registered charity a donation."""
        return self._receipt("transfer", consumer, address_of(to), points, **tx)

    def settle(self, account: AccountAPI, points: int, **tx) -> PointsSettled:
        """A merchant or charity burns points for their value less the settlement fee."""
        return self._receipt("settle", account, points, **tx)

    def exit(self, consumer: AccountAPI, points: int, **tx) -> PointsExited:
        """A consumer cashes out under the capped exit (SPEC 4.5)."""
        return self._receipt("exit", consumer, points, **tx)

    # ------------------------------------------------------------ the exit queue (SPEC 11)

    def request_exit(self, consumer: AccountAPI, points: int, **tx) -> ExitRequested:
        """A consumer whose exit is allowed takes a place in the line (whatever the epoch's budget)."""
        return self._receipt("request_exit", consumer, points, **tx)

    def process_exits(
        self, keeper: AccountAPI, max_requests: int, **tx
    ) -> tuple[ExitFilled | ExitCancelled, ...]:
        """Anyone fills the oldest requests from the epoch's budget: the fills (and the rests given
        back beyond an owner's return cap), in order."""
        sent = self.send("process_exits", keeper, max_requests, **tx)
        return tuple(receipt_from_log(log) for log in self.logged("process_exits", sent))

    def claim_exit(self, owner: AccountAPI, request_id: int, **tx) -> ExitClaimed:
        """The request's owner receives what its fills paid."""
        return self._receipt("claim_exit", owner, request_id, **tx)

    def cancel_exit(self, owner: AccountAPI, request_id: int, **tx) -> ExitCancelled:
        """The request's owner takes its unfilled points back, with their basis."""
        return self._receipt("cancel_exit", owner, request_id, **tx)

    def exit_requests_of(self, account: Account) -> list[dict]:
        """Every request `account` made, with its figures now and the points ahead of it in line (the
        queue's `ExitRequested` events, indexed by account, and its views)."""
        from ape import chain

        queue = self.system.exit_queue
        found = queue.ExitRequested.range(
            self.system.deployment_block,
            chain.blocks.height + 1,
            search_topics={"account": address_of(account)},
        )
        out = []
        for log in found:
            request_id = int(log.id)
            owner, points, filled, claimable, claimed, requested_at = queue.exit_request(request_id)
            out.append(
                {
                    "id": request_id, "points": int(points), "filled": int(filled),
                    "claimable": int(claimable), "claimed": int(claimed), "requested_at": int(requested_at),
                    "points_ahead": int(queue.points_ahead(request_id)) if points != filled else 0,
                }
            )  # fmt: skip
        return out

    # ------------------------------------------------------------ previews (the system's lens)

    def _lens(self) -> ContractInstance:
        lens = getattr(self.system, "lens", None)
        if lens is None:
            raise LookupError(
                "this system has no lens on record: deploy one with greenpoints.deploy.deploy_lens"
            )
        return lens

    def preview_purchase(self, merchant: Account, amount: int, class_id: int) -> IssuePreview:
        """What `record_purchase` by `merchant` would record now (the lens's `preview_purchase`)."""
        return IssuePreview(*self._lens().preview_purchase(address_of(merchant), amount, class_id))

    def preview_action(self, sponsor: Account, class_id: int, quantity: int) -> IssuePreview:
        """What `record_action` by `sponsor` would record now."""
        return IssuePreview(*self._lens().preview_action(address_of(sponsor), class_id, quantity))

    def preview_exit(self, account: Account, points: int) -> ExitPreview:
        """What `exit(points)` by `account` would pay now."""
        return ExitPreview(*self._lens().preview_exit(address_of(account), points))

    def preview_settle(self, account: Account, points: int) -> SettlePreview:
        """What `settle(points)` by `account` would pay now."""
        return SettlePreview(*self._lens().preview_settle(address_of(account), points))

    # ------------------------------------------------------------ the registry

    def admit(
        self,
        registrar: AccountAPI,
        merchant: Account,
        contribution_bps: int,
        daily_cap: int,
        license_hash: bytes,
        category: int,
        **tx,
    ) -> ContractLog:
        """The registrar admits a merchant: `MerchantAdmitted`."""
        args = (address_of(merchant), contribution_bps, daily_cap, license_hash, category)
        return self._one("admit", self.send("admit", registrar, *args, **tx))

    def admit_sponsor(
        self,
        registrar: AccountAPI,
        sponsor: Account,
        reward_per_kg: int,
        daily_cap: int,
        license_hash: bytes,
        **tx,
    ) -> ContractLog:
        """The registrar admits a sponsor of green actions: `SponsorAdmitted`."""
        args = (address_of(sponsor), reward_per_kg, daily_cap, license_hash)
        return self._one("admit_sponsor", self.send("admit_sponsor", registrar, *args, **tx))

    def register_charity(
        self, registrar: AccountAPI, charity: Account, license_hash: bytes, **tx
    ) -> ContractLog:
        """The registrar registers a charity: `CharityRegistered`."""
        sent = self.send("register_charity", registrar, address_of(charity), license_hash, **tx)
        return self._one("register_charity", sent)

    def suspend(self, registrar: AccountAPI, merchant: Account, reason: str, **tx) -> ContractLog:
        """The registrar suspends a merchant: `MerchantSuspended`."""
        return self._one("suspend", self.send("suspend", registrar, address_of(merchant), reason, **tx))

    def certify_class(
        self,
        certifier: AccountAPI,
        class_id: int,
        kind: int,
        co2e_per_unit: int,
        standard_hash: bytes,
        label: str,
        **tx,
    ) -> ContractLog:
        """The certifier certifies a green class: `ClassCertified`."""
        sent = self.send(
            "certify_class", certifier, class_id, kind, co2e_per_unit, standard_hash, label, **tx
        )
        return self._one("certify_class", sent)

    def pause(self, guardian: AccountAPI, **tx) -> ContractLog:
        """The guardian pauses issuance, spending and settlement: snekmate's `Paused`."""
        return self._one("pause", self.send("pause", guardian, **tx))

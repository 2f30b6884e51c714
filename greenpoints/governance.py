"""Governor (timelock) helpers: schedule a call on the registry, wait out the delay, execute it.

Every rule change, unpause, shutdown and role rotation goes through here; nothing calls the
registry's governor functions directly. On a local chain `wait_and_execute` moves the chain's clock
past the delay.
"""

from __future__ import annotations

from dataclasses import dataclass

from ape import chain
from eth_utils import keccak

from .model.rules import check_rule

EMPTY_BYTES32 = b"\x00" * 32


@dataclass(frozen=True)
class Operation:
    """One call scheduled on the governor."""

    target: str
    payload: bytes
    salt: bytes
    ready_at: int
    """Earliest timestamp at which anyone may execute it."""
    description: str


def _salt(description: str) -> bytes:
    # Unique per (description, block): the same change may be scheduled again later.
    return keccak(text=f"{description}@{chain.blocks.head.number}")


def schedule(
    system,
    function: str,
    *args,
    description: str | None = None,
    delay: int | None = None,
    target=None,
) -> Operation:
    """Schedule `<target>.<function>(*args)` on the governor, by the system's proposer. The target is
    the registry (rules, pause, shutdown, roles) unless another contract is given."""
    target = system.registry if target is None else target
    handler = getattr(target, function)
    payload = bytes(handler.encode_input(*args))
    delay = system.timelock_delay if delay is None else delay
    description = description or f"{function}{args}"
    salt = _salt(description)
    tx = system.governor.schedule(
        target.address, 0, payload, EMPTY_BYTES32, salt, delay, sender=system.proposer
    )
    block_time = chain.provider.get_block(tx.block_number).timestamp
    return Operation(str(target.address), payload, salt, block_time + delay, description)


def execute(system, operation: Operation, sender=None, **tx_kwargs):
    """Execute a ready operation (the executor role is open: anyone may). `tx_kwargs` go to Ape,
    e.g. `gas_limit`."""
    return system.governor.execute(
        operation.target,
        0,
        operation.payload,
        EMPTY_BYTES32,
        operation.salt,
        sender=sender or system.proposer,
        **tx_kwargs,
    )


def wait_and_execute(system, operation: Operation, sender=None):
    """On a local chain: move the clock to the operation's ready time, then execute it."""
    if chain.pending_timestamp < operation.ready_at:
        chain.pending_timestamp = operation.ready_at
    return execute(system, operation, sender=sender)


def propose_rule(system, rule: str, value: int) -> Operation:
    """Schedule a rule change after checking the rule's name and hard bounds in Python."""
    check_rule(rule, value)
    return schedule(system, "set_rule", rule, value, description=f"set_rule {rule}={value}")


def change_rule(system, rule: str, value: int):
    """Schedule, wait out the delay (local chain) and apply a rule change; returns the receipt."""
    return wait_and_execute(system, propose_rule(system, rule, value))


def unpause(system):
    return wait_and_execute(system, schedule(system, "unpause", description="unpause"))


def shutdown(system):
    return wait_and_execute(system, schedule(system, "shutdown", description="shutdown"))

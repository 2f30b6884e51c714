"""Contract types built from `contracts/interfaces/*.vyi`, for contracts this project did not compile.

The settlement token on a real network is someone else's contract (a stablecoin): Python talks to it
through `ISettlementToken.vyi`, the same interface the pool calls it through, so the ABI is written
once, in the contracts. `interface("ISettlementToken")` compiles the interface's ABI with the
project's Vyper (cached); `interface_at(name, address)` is an Ape contract handle.
"""

from __future__ import annotations

import functools

from ape import chain, project
from ethpm_types import ContractType
from vyper.cli.vyper_compile import compile_files


@functools.cache
def interface(name: str) -> ContractType:
    """The contract type (ABI only) of `contracts/interfaces/<name>.vyi`."""
    path = project.contracts_folder / "interfaces" / f"{name}.vyi"
    if not path.is_file():
        raise FileNotFoundError(f"no interface {name} at {path}")
    abi = next(iter(compile_files([path], ("abi",)).values()))["abi"]
    return ContractType(abi=abi, contractName=name)


def runs(code: bytes, contract_type: ContractType) -> bool:
    """`code` (deployed bytes) is `contract_type`'s compiled runtime: Vyper appends immutables after
    it, so the deployed code starts with it. False when the type has no runtime."""
    compiled = contract_type.runtime_bytecode.bytecode if contract_type.runtime_bytecode else None
    return bool(compiled) and bytes(code).startswith(bytes.fromhex(compiled.removeprefix("0x")))


def interface_at(name: str, address: str):
    """An Ape handle on the contract at `address` through interface `name`, and only that: not the
    contract type Ape may have cached for the address (a token it deployed itself, say)."""
    from ape.contracts import ContractInstance

    return ContractInstance(
        chain.provider.network.ecosystem.decode_address(address), contract_type=interface(name)
    )

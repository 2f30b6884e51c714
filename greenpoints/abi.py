"""The ABI files a third-party client needs, shipped in `abi/` and named by every deployment record.

`abi/ValuePool.json` (the pool, which is also the points token), `abi/Lens.json` (the pool's
previews), `abi/ExitQueue.json` (its exit queue, SPEC 11), `abi/Registry.json`, `abi/Governor.json`,
`abi/Association.json` and `abi/ISettlementToken.json` (the ERC-20 the pool holds) are the compiled
ABIs as plain JSON arrays: cast, ethers, web3.py or any other client reads them without this toolchain.
`python -m greenpoints.abi` writes them again after a contract changes;
tests/unit/deploy/test_client_record.py fails while they differ from the compiled contracts.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

ABI_DIR = Path(__file__).resolve().parents[1] / "abi"
"""The shipped ABI files (the repository's `abi/` folder)."""
CONTRACTS = ("ValuePool", "Lens", "ExitQueue", "Registry", "Governor", "Association")
"""The project's contracts a deployment is made of."""
INTERFACES = ("ISettlementToken",)
"""Interfaces of contracts that are not ours (the settlement token)."""
RECORD_ABIS = {
    "asset": "ISettlementToken",
    "pool": "ValuePool",
    "lens": "Lens",
    "exit_queue": "ExitQueue",
    "registry": "Registry",
    "governor": "Governor",
    "association": "Association",
}
"""A system's record: which ABI file serves each contract."""


def compiled_abi(name: str) -> list[dict]:
    """The ABI of a project contract or interface, as the compiler gives it."""
    from ape import project

    from .interfaces import interface

    contract_type = interface(name) if name in INTERFACES else getattr(project, name).contract_type
    return [item.model_dump(mode="json", by_alias=True, exclude_none=True) for item in contract_type.abi]


def abi_path(name: str) -> Path:
    return ABI_DIR / f"{name}.json"


def relative_path(name: str) -> str:
    """The ABI file's path from the repository's root, as records give it."""
    return f"abi/{name}.json"


def render(abi: list[dict]) -> str:
    return json.dumps(abi, indent=1, sort_keys=True) + "\n"


def write_all() -> list[Path]:
    """Write every ABI file from the compiled contracts; returns the paths."""
    ABI_DIR.mkdir(exist_ok=True)
    written = []
    for name in CONTRACTS + INTERFACES:
        path = abi_path(name)
        path.write_text(render(compiled_abi(name)))
        written.append(path)
    return written


if __name__ == "__main__":  # python -m greenpoints.abi (inside `ape`'s project: run from the repo root)
    import ape  # noqa: F401  (loads the project)

    for written in write_all():
        print(written)


@functools.cache
def view_types(contract: str, function: str) -> tuple[str, ...]:
    """The ABI types a view of `contract` returns, read from its shipped ABI file, with a single
    struct flattened into its fields: what a raw `eth_call` answer decodes as (the audit reads the
    registry's records this way, so a struct that gains a field is decoded right, not typed twice)."""
    for item in json.loads(abi_path(contract).read_text()):
        if item.get("type") == "function" and item.get("name") == function:
            outputs = item["outputs"]
            if len(outputs) == 1 and outputs[0]["type"] == "tuple":
                outputs = outputs[0]["components"]
            return tuple(out["type"] for out in outputs)
    raise KeyError(f"{contract} has no view {function!r} in {relative_path(contract)}")

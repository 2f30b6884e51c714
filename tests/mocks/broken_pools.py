"""Deliberately broken variants of the pool, for showing that the audit catches broken rules.

Each variant is the real `contracts/` tree with one small source change (asserted to apply, so a
refactor of the contracts cannot silently turn a variant into the honest pool), compiled with
Vyper into an Ape contract container. Never deployed outside tests.
"""

from __future__ import annotations

import functools
import shutil
import tempfile
from pathlib import Path

from ape.contracts import ContractContainer
from ethpm_types import ContractType
from vyper.cli.vyper_compile import compile_files

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"

VARIANTS: dict[str, tuple[str, str, str, str]] = {
    # name: (file, text to find, replacement, the rule it breaks)
    "mints_without_contribution": (
        "ValuePool.vy",
        "# ---------------------------------------------------------------- governance\n",
        "@external\ndef airdrop(to: address, amount: uint256):\n    erc20._mint(to, amount)\n\n\n"
        "# ---------------------------------------------------------------- governance\n",
        "points minted without a purchase (invariant 3)",
    ),
    "value_per_point_falls": (
        "ValuePool.vy",
        "points: uint256 = ledger._to_points(issued_value)",
        "points: uint256 = ledger._to_points(issued_value * 2)",
        "issues twice the points its rules give, so the value per point falls (invariant 2)",
    ),
    "exit_over_cap": (
        "modules/exit_rule.vy",
        "ledger.earned_of[account] * rules.return_cap_bps // rules.BPS, (",
        "ledger.earned_of[account] * rules.return_cap_bps // rules.BPS * 100, (",
        "pays exits up to 100x the return cap (invariant 5)",
    ),
    "diverts_escrow": (
        "ValuePool.vy",
        "# ---------------------------------------------------------------- governance\n",
        "@external\ndef withdraw(to: address, amount: uint256):\n"
        "    assert extcall IERC20(asset).transfer(to, amount, default_return_value=True)\n\n\n"
        "# ---------------------------------------------------------------- governance\n",
        "lets anyone take the escrowed assets without an event (invariant 1)",
    ),
    "skips_timelock": (
        "ValuePool.vy",
        '    assert msg.sender == governor, "pool: caller is not the governor"\n'
        "    exit_rule._sync_epoch()\n    rules._set_rule(rule, new_value)",
        "    exit_rule._sync_epoch()\n    rules._set_rule(rule, new_value)",
        "lets anyone change a rule at once (invariant 6)",
    ),
}


@functools.cache
def broken_pool(name: str) -> ContractContainer:
    """The compiled variant `name` of ValuePool."""
    file, find, replace, _ = VARIANTS[name]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "contracts"
        shutil.copytree(CONTRACTS, root)
        target = root / file
        source = target.read_text()
        if source.count(find) != 1:
            raise AssertionError(f"variant {name}: {find!r} must occur exactly once in {file}")
        target.write_text(source.replace(find, replace))
        compiled = compile_files(
            [str(root / "ValuePool.vy")], ("abi", "bytecode", "bytecode_runtime"), paths=[str(root)]
        )
        out = next(iter(compiled.values()))
    contract_type = ContractType(
        contractName=f"ValuePool_{name}",
        abi=out["abi"],
        deploymentBytecode={"bytecode": out["bytecode"]},
        runtimeBytecode={"bytecode": out["bytecode_runtime"]},
    )
    return ContractContainer(contract_type)

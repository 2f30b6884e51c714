"""Deliberately broken variants of the pool and its registry, and of the association, for showing
that the audit catches broken rules.

Each variant is the real `contracts/` tree with one small source change (asserted to apply, so a
refactor of the contracts cannot silently turn a variant into the honest system), compiled with
Vyper into an Ape contract container: a broken `ValuePool`, or a broken `Registry` (deployed as the
blueprint the honest pool creates its registry from). Never deployed outside tests.
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
        "# ---------------------------------------------------------------- the registry's hooks\n",
        "@external\ndef airdrop(to: address, amount: uint256):\n    erc20._mint(to, amount)\n\n\n"
        "# ---------------------------------------------------------------- the registry's hooks\n",
        "points minted without a purchase (invariant 3)",
    ),
    "value_per_point_falls": (
        "ValuePool.vy",
        "points = issued_value * supply // assets",
        "points = issued_value * 2 * supply // assets",
        "issues twice the points its rules give, so the value per point falls (invariant 2)",
    ),
    "exit_over_cap": (
        "modules/exit_rule.vy",
        '// rules.BPS, "exit_rule: return cap reached"',
        '// rules.BPS * 100, "exit_rule: return cap reached"',
        "pays exits up to 100x the return cap (invariant 5)",
    ),
    "diverts_escrow": (
        "ValuePool.vy",
        "# ---------------------------------------------------------------- the registry's hooks\n",
        "@external\ndef withdraw(to: address, amount: uint256):\n"
        "    assert extcall ISettlementToken(asset).transfer(to, amount, default_return_value=True)\n\n\n"
        "# ---------------------------------------------------------------- the registry's hooks\n",
        "lets anyone take the escrowed assets without an event (invariant 1)",
    ),
    "ignores_the_catalog": (
        "modules/catalog.vy",
        "    word: uint256 = self._classes[class_id]\n"
        "    if word & (_CERTIFIED | 255) != _CERTIFIED | kind:\n",
        "    word: uint256 = self._classes[class_id]\n    if word & 255 != kind:\n",
        "issues points for a purchase of a withdrawn class (invariant 10)",
    ),
    "inflates_carbon": (
        "modules/ledger.vy",
        "return amount * co2e_per_unit // _UNIT",
        "return amount * co2e_per_unit * 2 // _UNIT",
        "books twice the CO2e a purchase's class gives (invariant 9)",
    ),
    "commits_other_records": (
        "ValuePool.vy",
        "abi_encode(consumer, class_id, amount, contribution, points, co2e, block.timestamp)",
        "abi_encode(consumer, class_id, amount, contribution * 2, points, co2e, block.timestamp)",
        "commits each order to twice its contribution, so its merchant could reverse it for up to twice "
        "the refund: the stored words differ from the events (SPEC 4.3)",
    ),
    "skips_timelock": (
        "Registry.vy",
        '    assert msg.sender == governor, "pool: caller is not the governor"\n'
        "    rules._set_rule(rule, new_value)",
        "    rules._set_rule(rule, new_value)",
        "lets anyone change a rule at once (invariant 6)",
    ),
}


ASSOCIATION_VARIANTS: dict[str, tuple[str, str, str, str]] = {
    # name: (file, text to find, replacement, the rule it breaks)
    "launches_unqualified": (
        "Association.vy",
        "    assert self._is_qualified(certifier, ROLE_CERTIFIER), "
        '"association: certifier is not qualified"\n',
        "",
        "launches a platform whose certifier no trainer qualified (SPEC 12)",
    ),
}
"""Broken associations (the audit's people check catches them)."""


def is_registry_variant(name: str) -> bool:
    """True when the variant breaks the registry (else the pool)."""
    return VARIANTS[name][0] == "Registry.vy"


@functools.cache
def broken_pool(name: str) -> ContractContainer:
    """The compiled variant `name`: a ValuePool, or a Registry for the registry's variants."""
    return _compile("Registry" if is_registry_variant(name) else "ValuePool", name, VARIANTS[name])


@functools.cache
def broken_association(name: str) -> ContractContainer:
    """The compiled association variant `name` (deployed over the honest release's blueprints)."""
    return _compile("Association", name, ASSOCIATION_VARIANTS[name])


def _compile(contract: str, name: str, variant: tuple[str, str, str, str]) -> ContractContainer:
    file, find, replace, _ = variant
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "contracts"
        shutil.copytree(CONTRACTS, root)
        target = root / file
        source = target.read_text()
        if source.count(find) != 1:
            raise AssertionError(f"variant {name}: {find!r} must occur exactly once in {file}")
        target.write_text(source.replace(find, replace))
        compiled = compile_files(
            [str(root / f"{contract}.vy")], ("abi", "bytecode", "bytecode_runtime"), paths=[str(root)]
        )
        out = next(iter(compiled.values()))
    contract_type = ContractType(
        contractName=f"{contract}_{name}",
        abi=out["abi"],
        deploymentBytecode={"bytecode": out["bytecode"]},
        runtimeBytecode={"bytecode": out["bytecode_runtime"]},
    )
    return ContractContainer(contract_type)

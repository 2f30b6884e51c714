"""The system as it was before issue 14 (one contract, unpacked storage), rebuilt from git, so that
`make bench` measures the gas "before" and "after" in the same run, on the same node.

The contracts of commit `BASELINE` are read with `git show`, compiled with the project's Vyper, and
deployed with the constructor they had then. In a clone without that history (a shallow clone) the
baseline is reported as unavailable instead of being guessed.
"""

from __future__ import annotations

import functools
import subprocess
import tempfile
from pathlib import Path
from types import SimpleNamespace

from ape import project
from ape.contracts import ContractContainer
from ethpm_types import ContractType
from vyper.cli.vyper_compile import compile_files

from greenpoints.deploy import ZERO_ADDRESS
from greenpoints.model.rules import DEFAULT_RULES

BASELINE = "20f3106"
"""The last commit before issue 14 (benchmarks/results.md of 2026-11-22 was measured on it)."""
ROOT = Path(__file__).resolve().parents[1]


class BaselineUnavailable(RuntimeError):
    """The baseline's sources are not in this clone's history."""


def _git(*args: str) -> str:
    result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    if result.returncode:
        raise BaselineUnavailable(f"git {' '.join(args)}: {result.stderr.strip() or 'failed'}")
    return result.stdout


@functools.cache
def baseline_pool() -> ContractContainer:
    """The ValuePool of commit BASELINE, compiled."""
    files = [
        f for f in _git("ls-tree", "-r", "--name-only", BASELINE, "contracts").split() if f.endswith(".vy")
    ]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name in files:
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(_git("show", f"{BASELINE}:{name}"))
        compiled = compile_files(
            [str(root / "contracts" / "ValuePool.vy")],
            ("abi", "bytecode", "bytecode_runtime"),
            paths=[str(root / "contracts")],
        )
        out = next(iter(compiled.values()))
    return ContractContainer(
        ContractType(
            contractName="ValuePool_before",
            abi=out["abi"],
            deploymentBytecode={"bytecode": out["bytecode"]},
            runtimeBytecode={"bytecode": out["bytecode_runtime"]},
        )
    )


def deploy_baseline(deployer, *, registrar, guardian, asset_decimals: int, rules: dict) -> SimpleNamespace:
    """The baseline system: the mock asset, the governor (unchanged since), and the old pool, which
    was its own registry."""
    the_rules = DEFAULT_RULES.with_overrides(rules)
    asset = project.MockStablecoin.deploy(asset_decimals, sender=deployer)
    governor = project.Governor.deploy(
        3_600, [str(deployer.address)], [ZERO_ADDRESS], ZERO_ADDRESS, sender=deployer
    )
    pool = baseline_pool().deploy(
        asset.address,
        governor.address,
        registrar.address,
        guardian.address,
        the_rules.as_tuple(),
        sender=deployer,
    )
    return SimpleNamespace(asset=asset, pool=pool, registry=pool, governor=governor)

"""What loading the scripts costs every `ape run`: Ape imports every script in `scripts/` to list its
commands, whichever one is run, so a script's top level imports only what its options need
(greenpoints.cli says why); the work is imported inside the commands."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCRIPTS = sorted(p.stem for p in (ROOT / "scripts").glob("*.py") if not p.stem.startswith("_"))
HEAVY = (
    "eth_tester",  # the embedded chain: connecting imports it, listing the commands does not
    "pandas",
    "sqlalchemy",
    "fastapi",
    "vyper",
    "ape.managers.chain",
    "greenpoints.audit",
    "greenpoints.deploy",
    "greenpoints.sim.backends",
    "greenpoints.dashboard",
)

_LOAD = """
import runpy, sys
sys.path.insert(0, {root!r})
for name in {names!r}:
    runpy.run_module("scripts." + name)
"""


def _new_modules(code: str) -> list[str]:
    """The modules that running `code` imports, in a fresh process."""
    probe = "\n".join(
        [
            "import json, sys",
            "before = set(sys.modules)",
            code,
            "print(json.dumps(sorted(set(sys.modules) - before)))",
        ]
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(out.stdout)


def _heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY)]


def test_scripts__loaded_to_list_the_commands__nothing_heavy_imported():
    loaded = _new_modules(_LOAD.format(root=str(ROOT), names=SCRIPTS))  # as Ape does: runpy.run_module
    assert {"click", "greenpoints.cli", "greenpoints.paths"} <= set(loaded)  # the scripts were loaded
    assert _heavy(loaded) == []


@pytest.mark.parametrize("module", ["greenpoints.deploy", "greenpoints.audit"])
def test_heavy__a_script_importing_the_work_at_its_top__named(module):
    """The check above can fail: a module that imports the work at its top is caught."""
    assert module in _heavy(_new_modules(f"import {module}"))

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
import json, runpy, sys
sys.path.insert(0, {root!r})
names = json.loads(sys.argv[1])
before = set(sys.modules)
for name in names:
    runpy.run_module("scripts." + name)
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def _modules_loaded_by(names: list[str]) -> list[str]:
    """The modules that loading `names` (as Ape does: `runpy.run_module`) imports, in a fresh process."""
    out = subprocess.run(
        [sys.executable, "-c", _LOAD.format(root=str(ROOT)), json.dumps(names)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(out.stdout)


def _heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY)]


def test_scripts__loaded_to_list_the_commands__nothing_heavy_imported():
    loaded = _modules_loaded_by(SCRIPTS)
    assert {"click", "greenpoints.cli", "greenpoints.paths"} <= set(loaded)  # the scripts were loaded
    assert _heavy(loaded) == []


@pytest.mark.parametrize("module", ["greenpoints.deploy", "greenpoints.audit"])
def test_heavy__a_script_importing_the_work_at_its_top__named(module, tmp_path):
    """The check above can fail: a module that imports the work at its top is caught."""
    script = f"import {module}\n"
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import json, sys; before = set(sys.modules); exec({script!r}); "
            "print(json.dumps(sorted(set(sys.modules) - before)))",
        ],  # fmt: skip
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert module in _heavy(json.loads(out.stdout))

"""One rulebook (docs/design.md, "Where a rule lives"): ruff's banned-api lets only the model, the
audit's independent ledger and the tests import the pool's arithmetic; everything else asks the model."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
IMPORTS = (
    "from ..model import pool_math as pm\n",
    "from greenpoints.model.pool_math import settlement\n",
    "import greenpoints.model.pool_math\n",
)


def _ruff() -> str:
    found = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(found).exists():
        pytest.fail("ruff is not installed in the environment (make install puts it in .venv/bin)")
    return found


def ruff_says(source: str, as_file: str) -> str:
    """ruff's findings for `source` checked as if it were the project's file `as_file`."""
    result = subprocess.run(
        [_ruff(), "check", "--no-cache", "--select", "TID251", "--stdin-filename", as_file, "-"],
        input=source,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    return result.stdout + result.stderr


OUTSIDE = [
    (source, as_file)
    for as_file in (
        "greenpoints/sim/runner.py",
        "greenpoints/dashboard/supervisor.py",
        "greenpoints/audit/monitor.py",
        "scripts/simulate.py",
        "benchmarks/sim_speed.py",
    )
    for source in IMPORTS
    if as_file.startswith("greenpoints/") or not source.startswith("from ..")  # relative: package only
]


@pytest.mark.parametrize(("source", "as_file"), OUTSIDE)
def test_banned_api__arithmetic_imported_outside_the_model__refused(source, as_file):
    assert "TID251" in ruff_says(source, as_file)


@pytest.mark.parametrize("source", IMPORTS)
@pytest.mark.parametrize(
    "as_file",
    ["greenpoints/model/pool.py", "greenpoints/audit/ledger.py", "tests/unit/value_pool/test_exit.py"],
)
def test_banned_api__arithmetic_imported_by_model_audit_ledger_or_tests__allowed(source, as_file):
    assert "TID251" not in ruff_says(source, as_file)


def test_banned_api__asking_the_model__allowed():
    source = "from ..model import value_per_point\nfrom ..model import Model\n"
    assert "TID251" not in ruff_says(source, "greenpoints/dashboard/supervisor.py")

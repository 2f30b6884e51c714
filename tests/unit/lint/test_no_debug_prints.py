"""The tests skip Ape's debug-log trace of each transaction (tests/conftest.py): safe only while no
contract writes a Vyper `print` line, which that trace exists to show."""

from __future__ import annotations

import re

from tests.cli import ROOT

CONTRACTS = ROOT / "contracts"
PRINT = re.compile(r"^\s*print\(", re.MULTILINE)


def test_contracts__vyper_sources__no_print_statement():
    sources = sorted(CONTRACTS.rglob("*.vy"))
    assert sources, f"no Vyper sources under {CONTRACTS}"
    printing = [str(path.relative_to(CONTRACTS)) for path in sources if PRINT.search(path.read_text())]
    assert printing == [], f"these contracts print debug lines the tests would not show: {printing}"


def test_print_pattern__a_print_line__found():
    assert PRINT.search("@external\ndef f():\n    print(msg.sender)\n")
    assert not PRINT.search("    pool: address = create_from_blueprint(x)\n")

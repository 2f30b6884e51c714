"""The mutator of `make mutants` (tests/mutation): which mutants it makes of a source, and its table."""

from pathlib import Path

import pytest

from tests.mutation.__main__ import table
from tests.mutation.mutants import Mutant, mutants_of

SOURCE = '''# @version 0.4.3
"""
@notice A docstring that says a < b and assert x // y, never mutated.
"""

LIMIT: constant(uint256) = 100  # a constant's literal is not a bound


@internal
def _f(a: uint256, b: uint256, flag: bool) -> uint256:
    # a comment: a <= b, a + b
    assert a < b, "f: a below b"
    assert b != 0 or flag, "f: b set"
    x: uint256 = a * b // 3
    x += min(a, 7) - b
    if a >= 5:
        return x
    return x
'''


@pytest.fixture
def mutants(tmp_path: Path) -> list[Mutant]:
    (tmp_path / "f.vy").write_text(SOURCE)
    return mutants_of(tmp_path, "f.vy")


def test_mutants_of__one_function__every_operator_once_in_code_only(mutants):
    changes = {(m.operator, m.original, m.replacement) for m in mutants}
    assert changes == {
        ("assert", "a < b", "True"),
        ("cmp", "<", "<="),
        ("assert", "b != 0 or flag", "True"),
        ("cmp", "!=", "=="),
        ("bound", "0", "1"),
        ("bool", "or", "and"),
        ("round", "a * b // 3", "((a * b) + (3) - 1) // (3)"),
        ("arith", "+=", "-="),
        ("minmax", "min", "max"),
        ("arith", "-", "+"),
        ("cmp", ">=", ">"),
        ("bound", "5", "6"),
    }
    assert all(m.line >= 10 for m in mutants), "the docstring, the comment and the constant are not code"


def test_apply__each_mutant__changes_only_its_span(mutants):
    for m in mutants:
        mutated = m.apply(SOURCE)
        assert mutated[: m.start] == SOURCE[: m.start]
        assert mutated[m.start + len(m.replacement) :] == SOURCE[m.end :]


def test_apply__source_changed_since__refused(mutants):
    moved = "\n" + SOURCE
    with pytest.raises(AssertionError, match="the source has moved"):
        next(m for m in mutants if m.operator == "round").apply(moved)


def test_table__fates__counts_and_kill_rate_without_stillborn():
    fate = {"path": "contracts/x.vy", "operator": "cmp"}
    fates = [
        fate | {"mutant": "a", "status": "killed", "by": "machine dec18"},
        fate | {"mutant": "b", "status": "killed", "by": "unit tests"},
        fate | {"mutant": "c", "status": "survived", "by": "machine and unit tests"},
        fate | {"mutant": "d", "status": "stillborn", "by": "TypeMismatch"},
    ]
    text = table(fates)
    assert "| `contracts/x.vy` | 4 | 1 | 1 | 1 | 1 | 66.7% |" in text
    assert "| cmp | 3 | 2 | 1 |" in text
    assert text.endswith("- `c`")

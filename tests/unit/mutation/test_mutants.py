"""The mutator of `make mutants` (tests/mutation): which mutants it makes of a source, and its table."""

import json
from pathlib import Path

import pytest

from tests.mutation.__main__ import table, targeted_tests
from tests.mutation.mutants import Mutant, all_mutants, mutants_of

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


def test_all_mutants__same_change_twice_on_a_line__names_unique_with_occurrence(tmp_path: Path):
    (tmp_path / "contracts" / "modules").mkdir(parents=True)
    (tmp_path / "contracts" / "modules" / "g.vy").write_text(
        "@internal\ndef _g(a: uint256, b: uint256) -> bool:\n    return a != 0 and b != 0\n"
    )
    names = [m.name for m in all_mutants(tmp_path)]
    assert len(names) == len(set(names))
    assert "g:3:cmp:!=->==" in names and "g:3:cmp:!=->==#2" in names
    assert "g:3:cmp:!=->==#3" not in names


def test_targeted_tests__assert_with_a_reason__the_files_naming_it_first(tmp_path: Path):
    (tmp_path / "f.vy").write_text(SOURCE)
    naming = tmp_path / "tests" / "unit" / "value_pool" / "test_naming.py"
    naming.parent.mkdir(parents=True)
    naming.write_text('REASON = "f: a below b"\n')
    (naming.parent / "test_other.py").write_text('REASON = "f: b set"\n')
    first = next(m for m in mutants_of(tmp_path, "f.vy") if m.operator == "assert")
    assert targeted_tests(first, tmp_path) == ["tests/unit/value_pool/test_naming.py"]
    (tmp_path / "h.vy").write_text("@internal\ndef _spend_h(a: uint256) -> uint256:\n    return a + 1\n")
    (naming.parent / "test_spend.py").write_text("pool.spend_h(1)\n")
    (arith,) = mutants_of(tmp_path, "h.vy")
    assert targeted_tests(arith, tmp_path) == ["tests/unit/value_pool/test_spend.py"], (
        "no reason: its function"
    )


def test_targeted_tests__reason_built_by_the_test__the_files_naming_its_words(tmp_path: Path):
    (tmp_path / "f.vy").write_text(SOURCE)
    folder = tmp_path / "tests" / "unit" / "deploy"
    folder.mkdir(parents=True)
    (folder / "test_built.py").write_text('REASON = f"f: {name} below b"\n')
    (folder / "test_unrelated.py").write_text('REASON = "f: b set"\n')
    first = next(m for m in mutants_of(tmp_path, "f.vy") if m.operator == "assert")
    assert targeted_tests(first, tmp_path) == ["tests/unit/deploy/test_built.py"]


def test_main_table__fate_of_another_text_of_its_file__stale_not_counted(tmp_path: Path, capsys):
    from tests.mutation.__main__ import ROOT, main, source_hash

    mutant = next(m for m in all_mutants(ROOT) if m.path == "contracts/modules/catalog.vy")
    fate = {"mutant": mutant.name, "path": mutant.path, "operator": mutant.operator, "line": mutant.line,
            "status": "killed", "by": "machine dec18"}  # fmt: skip
    out = tmp_path / "fates.jsonl"
    out.write_text(json.dumps(fate | {"source": "0" * 16}) + "\n")
    assert main(["--table", "--only", mutant.name, "--out", str(out)]) == 0
    assert "1 fates in" in capsys.readouterr().out
    out.write_text(json.dumps(fate | {"source": source_hash(ROOT / mutant.path)}) + "\n")
    assert main(["--table", "--only", mutant.name, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "were judged on other texts" not in printed and "1 of 1 mutants judged" in printed


def test_main_table__skip__those_mutants_left_out(tmp_path: Path, capsys):
    from tests.mutation.__main__ import ROOT, main

    catalog = [m for m in all_mutants(ROOT) if m.path == "contracts/modules/catalog.vy"]
    assert main(["--table", "--only", "catalog:", "--out", str(tmp_path / "none.jsonl")]) == 0
    assert f"0 of {len(catalog)} mutants judged" in capsys.readouterr().out
    skipped = catalog[0].name
    assert (
        main(["--table", "--only", "catalog:", "--skip", skipped, "--out", str(tmp_path / "none.jsonl")]) == 0
    )
    assert f"0 of {len(catalog) - 1} mutants judged" in capsys.readouterr().out

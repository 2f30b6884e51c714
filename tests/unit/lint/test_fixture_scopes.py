"""A fixture name means one scope across the whole test tree: Ape's isolation snapshots by fixture
name, and a module-scoped `platform` in tests/browser beside a function-scoped `platform` in
tests/unit/association left every later test of the session on an un-reverted chain (issue 31)."""

import ast
from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).resolve().parents[2]


def _scope(decorator: ast.expr) -> str | None:
    """The scope of a `pytest.fixture` / `pytest.fixture(scope=...)` decorator, None if it is not one."""
    call = decorator if isinstance(decorator, ast.Call) else None
    target = call.func if call else decorator
    if not (isinstance(target, ast.Attribute) and target.attr == "fixture"):
        return None
    for keyword in call.keywords if call else []:
        if keyword.arg == "scope" and isinstance(keyword.value, ast.Constant):
            return keyword.value.value
    return "function"


def fixture_scopes(root: Path) -> dict[str, set[tuple[str, str]]]:
    """Every fixture name under `root` -> {(scope, file)}."""
    found = defaultdict(set)
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef):
                for decorator in node.decorator_list:
                    scope = _scope(decorator)
                    if scope is not None:
                        found[node.name].add((scope, str(path.relative_to(root.parent))))
    return found


def test_fixture_scopes__whole_test_tree__each_name_one_scope():
    mixed = {
        name: sorted(places)
        for name, places in fixture_scopes(TESTS).items()
        if len({s for s, _ in places}) > 1
    }
    assert mixed == {}, f"fixtures named alike with different scopes (rename one): {mixed}"


def test_fixture_scopes__a_name_with_two_scopes__found(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "a.py").write_text(
        "import pytest\n@pytest.fixture(scope='module')\ndef platform(): ...\n"
    )
    (tmp_path / "tests" / "b.py").write_text("import pytest\n@pytest.fixture\ndef platform(): ...\n")
    scopes = fixture_scopes(tmp_path / "tests")
    assert {scope for scope, _ in scopes["platform"]} == {"module", "function"}

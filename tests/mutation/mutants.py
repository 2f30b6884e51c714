"""The mutants of the contracts' source: small deliberate mistakes the tests should notice.

Each mutant changes one expression of one file, found with the Vyper compiler's own parser (so
comments, docstrings and NatSpec are never touched) and written back as text at the node's source
span. The operators are the classic ones for contracts (after universalmutator and vertigo-rs,
narrowed to what Vyper's syntax allows):

- `cmp`: a comparison's boundary moved (`<` and `<=`, `>` and `>=` swapped) or `==` and `!=` swapped;
- `assert`: an `assert`'s condition replaced by `True` (the check removed, its reason kept);
- `round`: a floor division rounding up instead of down (`a // b` becomes `(a + b - 1) // b`);
- `arith`: `+` and `-` swapped, in an expression or an augmented assignment (`+=`, `-=`);
- `bound`: an integer literal a comparison is made against moved by one (`n` becomes `n + 1`);
- `minmax`: `min` and `max` swapped;
- `bool`: `and` and `or` swapped.

A mutant that does not compile is "stillborn" and not counted (tests/mutation/__main__.py).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import vyper.ast.nodes as vy
from vyper.ast import parse_to_ast

CMP = {
    vy.Lt: ("<", "<="), vy.LtE: ("<=", "<"), vy.Gt: (">", ">="), vy.GtE: (">=", ">"),
    vy.Eq: ("==", "!="), vy.NotEq: ("!=", "=="),
}  # fmt: skip
ARITH = {vy.Add: ("+", "-"), vy.Sub: ("-", "+")}
BOOL = {vy.And: ("and", "or"), vy.Or: ("or", "and")}


@dataclass(frozen=True)
class Mutant:
    """One change: `path`'s text with `start:end` replaced by `replacement`."""

    path: str
    """Relative to the checkout's root, e.g. `contracts/modules/ledger.vy`."""
    operator: str
    line: int
    start: int
    end: int
    original: str
    replacement: str
    occurrence: int = 1
    """The same change on the same line a second time (two `!=` in one assert) is `#2`."""

    @property
    def name(self) -> str:
        """A stable id: file, line, operator and the change (and `#k` for its k-th on the line)."""
        change = f"{self.original.strip()}->{self.replacement.strip()}"
        again = f"#{self.occurrence}" if self.occurrence > 1 else ""
        return f"{Path(self.path).stem}:{self.line}:{self.operator}:{change}{again}"

    def apply(self, source: str) -> str:
        assert source[self.start : self.end] == self.original, f"{self.name}: the source has moved"
        return source[: self.start] + self.replacement + source[self.end :]


class _Spans:
    """(line, column) of the parser's nodes to offsets into the source text."""

    def __init__(self, source: str):
        self.source = source
        self.starts = [0]
        for line in source.splitlines(keepends=True):
            self.starts.append(self.starts[-1] + len(line))

    def start(self, node) -> int:
        return self.starts[node.lineno - 1] + node.col_offset

    def end(self, node) -> int:
        return self.starts[node.end_lineno - 1] + node.end_col_offset

    def text(self, node) -> str:
        return self.source[self.start(node) : self.end(node)]


def _between(spans: _Spans, left, right, token: str) -> tuple[int, int] | None:
    """Where `token` is written between two nodes (once, as a word), or None."""
    lo, hi = spans.end(left), spans.start(right)
    gap = spans.source[lo:hi]
    stripped = gap.replace("(", " ").replace(")", " ")
    if stripped.split() != [token]:
        return None
    at = lo + gap.index(token)
    return at, at + len(token)


def mutants_of(root: Path, path: str) -> list[Mutant]:
    """Every mutant of the file `root / path`, in source order."""
    source = (root / path).read_text()
    tree = parse_to_ast(source)
    spans = _Spans(source)
    found: list[Mutant] = []

    def add(operator, node, start, end, replacement):
        found.append(Mutant(path, operator, node.lineno, start, end, source[start:end], replacement))

    functions = tree.get_children(vy.FunctionDef)
    for function in functions:
        for node in function.get_descendants(vy.Compare):
            kind = type(node.op)
            if kind in CMP:
                was, now = CMP[kind]
                where = _between(spans, node.left, node.right, was)
                if where:
                    add("cmp", node, *where, now)
            if isinstance(node.right, vy.Int):
                add(
                    "bound",
                    node.right,
                    spans.start(node.right),
                    spans.end(node.right),
                    str(node.right.value + 1),
                )
        for node in function.get_descendants(vy.Assert):
            if not (isinstance(node.test, vy.NameConstant) and node.test.value is True):
                add("assert", node.test, spans.start(node.test), spans.end(node.test), "True")
        for node in function.get_descendants(vy.BinOp):
            kind = type(node.op)
            if kind is vy.FloorDiv:
                left, right = spans.text(node.left), spans.text(node.right)
                add(
                    "round",
                    node,
                    spans.start(node),
                    spans.end(node),
                    f"(({left}) + ({right}) - 1) // ({right})",
                )
            elif kind in ARITH:
                was, now = ARITH[kind]
                where = _between(spans, node.left, node.right, was)
                if where:
                    add("arith", node, *where, now)
        for node in function.get_descendants(vy.AugAssign):
            kind = type(node.op)
            if kind in ARITH:
                was, now = ARITH[kind]
                where = _between(spans, node.target, node.value, was + "=")
                if where:
                    add("arith", node, *where, now + "=")
        for node in function.get_descendants(vy.Call):
            if isinstance(node.func, vy.Name) and node.func.id in ("min", "max"):
                name = node.func
                add("minmax", name, spans.start(name), spans.end(name), "max" if name.id == "min" else "min")
        for node in function.get_descendants(vy.BoolOp):
            was, now = BOOL[type(node.op)]
            for left, right in zip(node.values, node.values[1:], strict=False):
                where = _between(spans, left, right, was)
                if where:
                    add("bool", node, *where, now)
    found.sort(key=lambda m: (m.start, m.operator))
    return found


TARGETS = ("contracts/modules/*.vy", "contracts/ValuePool.vy", "contracts/Registry.vy")
"""What issue 28 mutates: the pool's modules, the pool and the registry."""


def all_mutants(root: Path) -> list[Mutant]:
    """Every mutant of every target file under `root`."""
    paths = [str(p.relative_to(root)) for pattern in TARGETS for p in sorted(root.glob(pattern))]
    seen: Counter[str] = Counter()
    mutants = []
    for m in (m for path in paths for m in mutants_of(root, path)):
        seen[m.name] += 1
        mutants.append(replace(m, occurrence=seen[m.name]))
    return mutants

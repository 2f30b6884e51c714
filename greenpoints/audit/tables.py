"""What a report shows, built once and written by `greenpoints.audit.render` as markdown and as HTML.

A `Table` keeps the raw values of its rows; each `Column` says how a value is shown, so both formats
show the same cells. A `Page` is a title and its blocks in order: tables, paragraphs, bullet lists and
images (images are for the HTML page only).

    table = Table("Rule history", (Column("block", numeric=True), Column("rule")), rows=[(4, "issue_bps")])
    render.markdown(Page("greenpoints audit", [table])), render.html(Page("greenpoints audit", [table]))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


def thousands(value: int) -> str:
    """An integer with thousands separators: 936808 -> '936,808'."""
    return f"{value:,}"


@dataclass(frozen=True)
class Column:
    """One column: its header, how a value is shown, and what it means."""

    header: str
    """The column's header in both formats."""
    format: Callable[[Any], str] = str
    """A value of the column as text (`str` by default; `thousands` for counts)."""
    numeric: bool = False
    """Figures to compare down the column: right-aligned in markdown."""
    description: str = ""
    """What the column holds, in a sentence: the header's hover text on the HTML page."""

    def cell(self, value: Any) -> str:
        return self.format(value)


@dataclass(frozen=True)
class Table:
    """Rows of raw values under `columns`, with an optional heading and a note above the rows."""

    title: str | None
    """The heading above the table (`None`: the table continues the section before it)."""
    columns: Sequence[Column]
    """The columns, in order; each row holds one value per column."""
    rows: Sequence[Sequence[Any]] = ()
    """The rows' raw values; `cells()` shows them through the columns."""
    note: str = ""
    """A sentence between the heading and the rows (a total, a unit)."""
    empty: str = "None."
    """What both formats say instead of the rows when there are none."""
    line: str | None = None
    """In markdown, each row as a bullet of this `str.format` pattern over its cells (`"{0}: {1}"`)
    instead of a grid: short figure lists read better so. The HTML page keeps the grid."""

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(
                    f"table {self.title!r}: a row of {len(row)} values for {len(self.columns)} columns"
                )

    def headers(self) -> list[str]:
        return [column.header for column in self.columns]

    def cells(self) -> list[list[str]]:
        """Every row as the text both formats show."""
        return [[c.cell(v) for c, v in zip(self.columns, row, strict=True)] for row in self.rows]


@dataclass(frozen=True)
class Paragraph:
    """A sentence or two of text."""

    text: str


@dataclass(frozen=True)
class Bullets:
    """A heading and a list of lines (failures, for instance); nothing at all when there are none."""

    title: str
    items: Sequence[str]


@dataclass(frozen=True)
class Image:
    """A PNG under a heading, embedded in the HTML page (markdown leaves it out)."""

    title: str
    alt: str
    png: bytes


Block = Table | Paragraph | Bullets | Image


@dataclass(frozen=True)
class Page:
    """A document: its title, whether it passed (a verdict after the title, `None` for none), its blocks."""

    title: str
    blocks: Sequence[Block] = field(default_factory=tuple)
    passed: bool | None = None

    @property
    def heading(self) -> str:
        if self.passed is None:
            return self.title
        return f"{self.title}: {'PASSED' if self.passed else 'FAILED'}"

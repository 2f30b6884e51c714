"""The one renderer of reports: a `Page` of `greenpoints.audit.tables` as markdown or as one
self-contained HTML page (images inlined as base64, nothing loaded from elsewhere).

Both formats show the cells the tables' columns make, so a figure cannot read one way in audit.md and
another in audit.html. Every text is escaped on the HTML page; markdown cells have their `|` escaped
and their line breaks folded so that a label cannot break the grid.
"""

from __future__ import annotations

import base64
from html import escape

from .tables import Bullets, Image, Page, Paragraph, Table

PASSED_COLOUR = "#1a7f37"
FAILED_COLOUR = "#cf222e"
STYLE = (
    "body{font-family:sans-serif;margin:2em;max-width:1100px}"
    "table{border-collapse:collapse;margin:1em 0}"
    "td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px;text-align:left}"
)


# ---------------------------------------------------------------- markdown


def markdown(page: Page) -> str:
    """The page as markdown: the title as `#`, each table's title as `##`, blocks a blank line apart."""
    chunks = [f"# {page.heading}"]
    for block in page.blocks:
        chunks += _markdown_block(block)
    return "\n\n".join(chunks) + "\n"


def _markdown_block(block) -> list[str]:
    if isinstance(block, Paragraph):
        return [block.text]
    if isinstance(block, Bullets):
        return [f"## {block.title}", "\n".join(f"- {item}" for item in block.items)] if block.items else []
    if isinstance(block, Image):
        return []
    if isinstance(block, Table):
        return _markdown_table(block)
    raise TypeError(f"not a block of a page: {block!r}")


def _markdown_table(table: Table) -> list[str]:
    chunks = [f"## {table.title}"] if table.title else []
    if table.note:
        chunks.append(table.note)
    rows = table.cells()
    if not rows:
        return [*chunks, table.empty]
    if table.line is not None:
        return [*chunks, "\n".join("- " + table.line.format(*row) for row in rows)]
    grid = [
        _markdown_row(table.headers()),
        "|" + "|".join("---:" if c.numeric else "---" for c in table.columns) + "|",
        *(_markdown_row(row) for row in rows),
    ]
    return [*chunks, "\n".join(grid)]


def _markdown_row(cells: list[str]) -> str:
    return "| " + " | ".join(_markdown_cell(c) for c in cells) + " |"


def _markdown_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\r", " ").replace("\n", " ")


# ---------------------------------------------------------------- HTML


def html(page: Page) -> str:
    """The page as one HTML document with today's look (`STYLE`, the verdict's colour on the title)."""
    style = STYLE
    if page.passed is not None:
        style += f"h1{{color:{PASSED_COLOUR if page.passed else FAILED_COLOUR}}}"
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(page.title)}</title>"
        f"<style>{style}</style></head><body>",
        f"<h1>{escape(page.heading)}</h1>",
    ]
    parts += [_html_block(block) for block in page.blocks]
    parts.append("</body></html>")
    return "".join(parts)


def _html_block(block) -> str:
    if isinstance(block, Paragraph):
        return f"<p>{escape(block.text)}</p>"
    if isinstance(block, Bullets):
        if not block.items:
            return ""
        items = "".join(f"<li>{escape(item)}</li>" for item in block.items)
        return f"<h2>{escape(block.title)}</h2><ul>{items}</ul>"
    if isinstance(block, Image):
        data = base64.b64encode(block.png).decode()
        return (
            f"<h2>{escape(block.title)}</h2>"
            f"<img alt='{escape(block.alt)}' src='data:image/png;base64,{data}'>"
        )
    if isinstance(block, Table):
        return _html_table(block)
    raise TypeError(f"not a block of a page: {block!r}")


def _html_table(table: Table) -> str:
    parts = [f"<h2>{escape(table.title)}</h2>"] if table.title else []
    if table.note:
        parts.append(f"<p>{escape(table.note)}</p>")
    rows = table.cells()
    if not rows:
        parts.append(f"<p>{escape(table.empty)}</p>")
        return "".join(parts)
    head = "".join(_html_header(c.header, c.description) for c in table.columns)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    parts.append(f"<table><tr>{head}</tr>{body}</table>")
    return "".join(parts)


def _html_header(header: str, description: str) -> str:
    if description:
        return f"<th title='{escape(description)}'>{escape(header)}</th>"
    return f"<th>{escape(header)}</th>"

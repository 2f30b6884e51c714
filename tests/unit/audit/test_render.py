"""The table model and the one renderer: markdown and HTML from the same `Table`s (no chain needed)."""

from html.parser import HTMLParser

import pytest

from greenpoints.audit.render import html, markdown
from greenpoints.audit.tables import Bullets, Column, Image, Page, Paragraph, Table, thousands

HOSTILE = "<script>alert('x')</script>"


def figures_table(rows=((1, "organic food", 52_857), (102, "own-cup refill", 350)), **kwargs) -> Table:
    return Table(
        "Carbon",
        (
            Column("class", numeric=True),
            Column("label"),
            Column("CO2e g", thousands, numeric=True, description="grams avoided"),
        ),
        rows,
        **kwargs,
    )


class _Cells(HTMLParser):
    """The text of every <td> of an HTML page, row by row."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self._in_cell = False

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        self._in_cell = tag == "td"

    def handle_endtag(self, tag):
        if tag == "td":
            self._in_cell = False

    def handle_data(self, data):
        if self._in_cell:
            self.rows[-1].append(data)


def html_cells(page: str) -> list[list[str]]:
    parser = _Cells()
    parser.feed(page)
    return [row for row in parser.rows if row]


def markdown_cells(text: str) -> list[list[str]]:
    lines = [line for line in text.splitlines() if line.startswith("| ")]
    return [[c.strip() for c in line.strip("|").split(" | ")] for line in lines[1:]]  # after the header


def test_markdown_and_html__one_table__same_cells_in_both():
    page = Page("greenpoints audit", [figures_table()])
    expected = [["1", "organic food", "52,857"], ["102", "own-cup refill", "350"]]
    assert markdown_cells(markdown(page)) == expected
    assert html_cells(html(page)) == expected


def test_markdown__one_table__heading_grid_and_numeric_columns_right_aligned():
    page = Page("greenpoints audit", [Paragraph("Blocks 1-9."), figures_table(note="Total 53,207 g.")])
    assert markdown(page) == (
        "# greenpoints audit\n\nBlocks 1-9.\n\n## Carbon\n\nTotal 53,207 g.\n\n"
        "| class | label | CO2e g |\n|---:|---|---:|\n"
        "| 1 | organic food | 52,857 |\n| 102 | own-cup refill | 350 |\n"
    )


def test_html__hostile_text__escaped_everywhere():
    table = Table(HOSTILE, (Column(HOSTILE, description=HOSTILE),), [(HOSTILE,)], note=HOSTILE)
    page = Page(
        HOSTILE, [Paragraph(HOSTILE), table, Bullets(HOSTILE, [HOSTILE]), Image(HOSTILE, HOSTILE, b"")]
    )
    out = html(page)
    assert "<script>" not in out and "alert('x')" not in out
    assert out.count("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;") == 12  # every text the page holds
    assert html_cells(out) == [[HOSTILE]]  # the reader sees the text as written


def test_markdown__pipe_or_line_break_in_a_cell__kept_inside_its_cell():
    page = Page("t", [Table(None, (Column("label"), Column("n")), [("a | b\nc", 1)])])
    assert "| a \\| b c | 1 |" in markdown(page)


@pytest.mark.parametrize("empty", ["None.", "None scheduled."])
def test_markdown_and_html__empty_table__say_so(empty):
    table = figures_table(rows=(), empty=empty)
    assert markdown(Page("t", [table])) == f"# t\n\n## Carbon\n\n{empty}\n"
    page = html(Page("t", [table]))
    assert f"<h2>Carbon</h2><p>{empty}</p>" in page and "<table>" not in page


def test_markdown__table_with_a_line__bullets_of_the_same_cells():
    table = Table(
        "Run", (Column("figure"), Column("value", thousands)), [("events", 14_294)], line="{0}: {1}"
    )
    assert markdown(Page("t", [table])) == "# t\n\n## Run\n\n- events: 14,294\n"
    assert html_cells(html(Page("t", [table]))) == [["events", "14,294"]]


def test_html__column_with_description__hover_text_on_its_header():
    page = html(Page("t", [figures_table()]))
    assert "<th title='grams avoided'>CO2e g</th>" in page and "<th>label</th>" in page


def test_markdown_and_html__image__inlined_in_html_left_out_of_markdown():
    page = Page("t", [Image("Chart", "a chart", b"\x89PNG")])
    assert markdown(page) == "# t\n"
    assert "<h2>Chart</h2><img alt='a chart' src='data:image/png;base64,iVBORw==" in html(page)


def test_markdown_and_html__bullets_without_items__nothing():
    page = Page("t", [Bullets("Failures", [])])
    assert markdown(page) == "# t\n"
    assert "Failures" not in html(page)


@pytest.mark.parametrize(
    ("passed", "heading", "colour"), [(True, "PASSED", "#1a7f37"), (False, "FAILED", "#cf222e")]
)
def test_html__verdict__in_the_title_and_its_colour(passed, heading, colour):
    page = html(Page("greenpoints audit", [], passed=passed))
    assert f"<h1>greenpoints audit: {heading}</h1>" in page and f"h1{{color:{colour}}}" in page
    assert "<title>greenpoints audit</title>" in page
    assert markdown(Page("greenpoints audit", [], passed=passed)) == f"# greenpoints audit: {heading}\n"


def test_table__row_of_the_wrong_width__refused():
    with pytest.raises(ValueError, match="a row of 2 values for 3 columns"):
        figures_table(rows=((1, "organic food"),))


def test_association_page__two_platforms__same_rows_in_markdown_and_html():
    from greenpoints.audit.association import AssociationReport
    from greenpoints.audit.ledger import Ledger
    from greenpoints.audit.report import Report

    def platform(pid, name, events):
        ledger = Ledger(pool=f"0x{pid:040x}", governor="0x" + "0" * 40, asset_decimals=6, block_time=int)
        entry = {"id": pid, "name": name, "status": "active", "pool": ledger.pool}
        return entry, Report(ledger=ledger, system=None, start_block=0, end_block=9, stats={"events": events})

    report = AssociationReport(
        address="0x" + "a" * 40,
        platforms=[platform(0, "Shenzhen <centre>", 1_234), platform(1, "Hangzhou", 5)],
        release_checked=9,
    )
    page = report.page()
    expected = [
        ["0", "Shenzhen <centre>", "active", "0x" + "0" * 40, "1,234", "PASSED"],
        ["1", "Hangzhou", "active", f"0x{1:040x}", "5", "PASSED"],
    ]
    assert markdown_cells(markdown(page)) == expected and html_cells(html(page)) == expected
    assert markdown(page).startswith("# greenpoints association audit: PASSED\n\nAssociation 0xaaaa")
    assert "Shenzhen &lt;centre&gt;" in html(page)

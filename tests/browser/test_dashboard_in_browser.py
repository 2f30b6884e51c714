"""What a regulator sees in the browser (SPEC 10): every platform with its figures, a chart drawn,
a new purchase and an alert appearing without a reload, lookups, and a node that goes away."""

import csv
import io
import json
import re
import urllib.request
from pathlib import Path

import pytest

from greenpoints.dashboard import units
from tests.browser.conftest import open_page, order_id, screenshot


def _api(base, path):
    with urllib.request.urlopen(base + path, timeout=10) as answer:
        return json.loads(answer.read())


def test_page__association__every_platform_listed_with_its_figures(page, dashboard):
    base = dashboard[0]
    rows = page.locator("#platforms tbody tr[data-platform]")
    assert rows.count() == 2
    for platform in _api(base, "/api/platforms"):
        row = page.locator(f"#platforms tbody tr[data-platform='{platform['id']}']")
        text = row.inner_text()
        assert platform["name"] in text and platform["total_assets"] in text
        assert platform["value_per_point"] in text and platform["carbon_kg"] in text
    screenshot(page, "dashboard-overview")


def test_page__amounts_and_rules__exact_text_with_units_and_meanings_on_hover(page, dashboard):
    base = dashboard[0]
    platform = _api(base, "/api/platforms/0")
    row = page.locator("#platforms tbody tr[data-platform='0']")
    assert f"{platform['total_assets']}" in row.inner_text() and platform["total_assets"].endswith(" mUSD")
    exact = f"exact: {platform['total_assets_raw']} (1e-{platform['asset_decimals']} mUSD)"
    assert row.locator("td").nth(5).get_attribute("title") == exact
    assert row.locator("td").nth(10).inner_text() == "1"  # merchant and charity with points: not counted
    # the rules table is drawn from its own request, after the platforms the page fixture waits for
    page.locator("#rules tbody tr", has_text="lock_period").first.wait_for()
    rules = {r.locator("td").nth(0).inner_text(): r for r in page.locator("#rules tbody tr").all()}
    assert rules["lock_period"].locator("td").nth(1).inner_text() == "7 days (604800 s)"
    assert "reversal window" in rules["lock_period"].locator("td").nth(0).get_attribute("title")
    headers = page.locator("#overview th, #detail th")
    assert all(h.get_attribute("title") for h in headers.all())


def test_page__platform_chart__drawn_with_points(page):
    page.wait_for_function(
        "() => Chart.getChart('chart-value') && Chart.getChart('chart-value').data.labels.length > 0"
    )
    points = page.evaluate("() => Chart.getChart('chart-assets').data.datasets[0].data")
    assert points and points[-1] > 0
    painted = page.evaluate("""() => {
        const c = document.getElementById('chart-assets');
        const pixels = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) n++;
        return n; }""")  # fmt: skip
    assert painted > 1_000


def test_page__new_purchase__appears_without_reload(page, dashboard):
    base, _, chain, _ = dashboard
    page.evaluate("() => { window.notReloaded = true; }")
    consumers = "#platforms tbody tr[data-platform='0'] td:nth-child(11)"
    before = int(page.locator(consumers).inner_text())
    chain.buy(0, chain.accounts[4], chain.accounts[9], 25, order_id("live-purchase"))
    page.wait_for_function(
        "([cell, want]) => +document.querySelector(cell).textContent === want",
        arg=[consumers, before + 1],
        timeout=15_000,
    )
    assert page.evaluate("() => window.notReloaded") is True


def test_page__platform_suspended__alerts_appear_without_reload(page, dashboard):
    base, _, chain, _ = dashboard
    page.evaluate("() => { window.notReloaded = true; }")
    admin = chain.record["admin"]
    chain.association.functions.suspend_platform(1, "escrow statement overdue").transact({"from": admin})
    page.wait_for_selector("#alerts li[data-kind='platform_suspended']", timeout=15_000)
    page.wait_for_selector("#alerts li[data-kind='paused']", timeout=15_000)
    assert (
        "escrow statement overdue" in page.locator("#alerts li[data-kind='platform_suspended']").inner_text()
    )
    row = "#platforms tbody tr[data-platform='1']"
    page.wait_for_function("(row) => document.querySelector(row).textContent.includes('suspended')", arg=row)
    assert page.evaluate("() => window.notReloaded") is True
    screenshot(page, "dashboard-alerts")


def test_lookup__order_id__shows_the_fates_of_its_points(page):
    page.fill("#lookup-input", "0x" + order_id("first-0").hex())
    page.click("#lookup-button")
    table = page.wait_for_selector("#lookup-result table.fates")
    text = table.inner_text()
    assert "spent" in text and "donated" in text and "held" in text
    line = page.locator("#lookup-result p").first.inner_text()
    assert "sale 100.00 mUSD" in line and "class 1 (" in line and "kg CO2e" in line and " g " not in line
    screenshot(page, "dashboard-lookup")


def test_lookup__bad_order_id__message_not_an_error_page(page):
    page.fill("#lookup-input", "0x1234")
    page.click("#lookup-button")
    message = page.wait_for_selector("#lookup-result .error")
    assert "is not an order id" in message.inner_text()
    page.fill("#lookup-input", "0x" + "00" * 32)
    page.click("#lookup-button")
    page.wait_for_function(
        "() => document.querySelector('#lookup-result .error').textContent.includes('no purchase')"
    )
    assert page.locator("#platforms tbody tr[data-platform]").count() == 2  # the page is still there


def test_page__node_goes_away__says_so_and_recovers(page, dashboard):
    base, proxy, chain, err = dashboard
    proxy.cut()
    try:
        page.wait_for_selector("#banner", state="visible", timeout=30_000)
        banner = page.locator("#banner").inner_text()
        assert re.search(
            rf"^node at {re.escape(proxy.url)} not answering since \d\d:\d\d:\d\d UTC; retrying\.", banner
        )
        assert "HTTPConnectionPool" not in banner and "Max retries" not in banner
        assert page.locator("#platforms tbody tr[data-platform]").count() == 2  # figures still shown
        screenshot(page, "dashboard-node-away")
    finally:
        proxy.restore()
    page.wait_for_selector("#banner", state="hidden", timeout=30_000)
    assert "following" in page.locator("#node-status").inner_text()


NO_HORIZONTAL_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


def _box(page, selector):
    return page.locator(selector).bounding_box()


@pytest.mark.parametrize("width", [390, 768, 1440])
def test_page__screen_width__no_horizontal_scroll_and_nothing_over_the_charts(browser, dashboard, width):
    with open_page(browser, dashboard[0], width=width, height=900) as page:
        page.wait_for_function("() => Chart.getChart('chart-value')")
        widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert page.evaluate(NO_HORIZONTAL_SCROLL), f"page {widths[0]} px wide in a {widths[1]} px window"
        detail, aside = _box(page, "#detail"), _box(page, "aside")
        assert detail["width"] >= min(width, 1100) * 0.55  # the platform panel is not squeezed
        if width < 1100:  # stacked: lookup and alerts below the platform, not beside or over it
            assert aside["y"] >= detail["y"] + detail["height"]
        else:
            assert aside["x"] >= detail["x"] + detail["width"]
        chart = _box(page, "#chart-value")
        assert chart["width"] > 150 and chart["x"] + chart["width"] <= width
        if width == 390:
            table = page.evaluate(
                "() => { const w = document.querySelector('#platforms').closest('.table-wrap');"
                " return [w.scrollWidth, w.clientWidth]; }"
            )
            assert table[0] > table[1]  # the wide table scrolls inside its own box
            screenshot(page, "dashboard-phone")


def test_page__printed_at_a4__report_as_of_block_without_controls_or_scroll(browser, dashboard, tmp_path):
    base = dashboard[0]
    status = _api(base, "/api/status")
    with open_page(browser, base, width=794, height=1123) as page:
        page.wait_for_function("() => Chart.getChart('chart-value')")
        page.emulate_media(media="print")
        heading = page.locator("#print-heading")
        assert heading.is_visible()
        text = heading.inner_text()
        assert re.search(r"^Report of platform 0 \(.+\), pool 0x[0-9a-fA-F]{40}, as of block \d+, "
                         r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC; printed ", text), text  # fmt: skip
        assert int(re.search(r"as of block (\d+)", text)[1]) >= status["cursor"]
        for hidden in ("#node-status", "#lookup", "#lookup-form", "footer"):
            assert not page.locator(hidden).is_visible(), hidden
        assert page.evaluate(NO_HORIZONTAL_SCROLL)
        breaks = "() => getComputedStyle(document.querySelector('#detail')).breakBefore"
        assert page.evaluate(breaks) == "page"
        screenshot(page, "dashboard-print")
        pdf = page.pdf(format="A4", print_background=True)
        pages = re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf)
        assert pdf.startswith(b"%PDF") and len(pages) >= 2  # the platform's section starts a new page


def test_page__platforms_csv_link__downloaded_file_equals_the_chain(browser, dashboard):
    base, _, chain, _ = dashboard
    with open_page(browser, base, accept_downloads=True) as page:
        with page.expect_download() as download:
            page.click("#csv-platforms")
        text = Path(download.value.path()).read_text()
    assert download.value.suggested_filename.startswith("greenpoints-platforms-block-")
    rows = {int(r["id"]): r for r in csv.DictReader(io.StringIO(text))}
    assert set(rows) == {0, 1}
    for pid, row in rows.items():
        pool = chain.platform(pid)["pool"]
        assert row["total_points_raw"] == str(pool.functions.totalSupply().call())
        assert row["total_assets_raw"] == str(pool.functions.total_assets().call())
        assert row["value_per_point_raw"] == str(pool.functions.price_per_point().call())
        assert row["pool"].lower() == pool.address.lower()


def test_page__address_names_platform_1__opens_on_it_and_a_click_changes_the_address(browser, dashboard):
    with open_page(browser, dashboard[0], path="/#/platform/1") as page:
        page.wait_for_function("() => document.getElementById('detail-name').textContent.startsWith('1: ')")
        page.click("#platforms tbody tr[data-platform='0']")
        page.wait_for_function("() => document.getElementById('detail-name').textContent.startsWith('0: ')")
        assert page.evaluate("() => location.hash") == "#/platform/0"
        assert page.locator("#csv-merchants").get_attribute("href") == "/api/platforms/0/merchants.csv"
    with open_page(browser, dashboard[0], path="/?platform=1") as page:
        page.wait_for_function("() => document.getElementById('detail-name').textContent.startsWith('1: ')")


def test_page__platform_chosen_while_a_refresh_is_in_flight__the_chosen_one_shown(browser, dashboard):
    # A new block starts a refresh of platform 0; the regulator picks platform 1 while platform 0's
    # figures are still on their way. The page ends on platform 1, not on the answer that came last.
    with open_page(browser, dashboard[0], path="/#/platform/0") as page:
        page.wait_for_function("() => document.getElementById('detail-name').textContent.startsWith('0: ')")
        page.evaluate("""async () => {
            const fetchNow = window.fetch;
            window.fetch = async (url, ...rest) => {
              if (String(url).startsWith('/api/platforms/0')) await new Promise((r) => setTimeout(r, 1500));
              return fetchNow(url, ...rest);
            };
            refreshAll();
            await new Promise((r) => setTimeout(r, 300));
            location.hash = '#/platform/1';
        }""")  # fmt: skip
        page.wait_for_timeout(2_500)  # platform 0's late answer has arrived and been drawn
        page.wait_for_function(
            "() => document.getElementById('detail-name').textContent.startsWith('1: ')", timeout=10_000
        )  # the platform asked for, without another block
        assert page.evaluate("() => location.hash") == "#/platform/1"


def test_page__merchant_row_clicked__its_view_with_sales_equal_to_the_chain(browser, dashboard):
    base, _, chain, _ = dashboard
    merchant = chain.accounts[4].lower()
    pool = chain.platform(0)["pool"]
    sold = pool.events.PurchaseRecorded().get_logs(
        from_block=0, argument_filters={"merchant": chain.accounts[4]}
    )
    sales = units.amount(sum(log.args.amount for log in sold), 18, "mUSD")
    with open_page(browser, base, path="/#/platform/0") as page:
        page.click(f"#merchants tbody tr[data-merchant='{merchant}']")
        page.wait_for_selector("#merchant-view:not([hidden]) #merchant-books tr[data-figure='sales']")
        assert page.evaluate("() => location.hash") == f"#/platform/0/merchant/{merchant}"
        page.wait_for_function(
            "(want) => document.querySelector(\"#merchant-books tr[data-figure='sales'] td:nth-child(2)\")"
            ".textContent === want",
            arg=sales,
            timeout=15_000,
        )
        months = page.locator("#merchant-months tbody tr[data-month]")
        assert months.count() >= 1
        href = page.locator("#csv-merchant").get_attribute("href")
        assert href == f"/api/platforms/0/merchants/{merchant}.csv"
        # The association's totals above the platforms table: assets of both platforms, one asset symbol.
        total = sum(chain.platform(pid)["pool"].functions.total_assets().call() for pid in (0, 1))
        page.wait_for_function(
            "(want) => document.querySelector('#totals [data-total=assets]').textContent === want",
            arg=units.amount(total, 18, "mUSD"),
            timeout=15_000,
        )
        screenshot(page, "dashboard-merchant")


def test_page__chart_range_7_days__dates_with_the_year_and_no_more_points_than_all(page):
    # The chart is made once the platform's history arrives (a slow machine: after the page loads).
    page.wait_for_function("() => Chart.getChart('chart-value')?.data.labels.length > 0")
    labels = page.evaluate("() => Chart.getChart('chart-value').data.labels")
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", label) for label in labels), labels
    page.click("#range button[data-days='7']")
    assert page.locator("#range button[data-days='7']").get_attribute("aria-pressed") == "true"
    page.wait_for_function("() => Chart.getChart('chart-value')?.data.labels.length > 0")
    assert page.evaluate("() => Chart.getChart('chart-value').data.labels.length") <= len(labels)


def test_alerts__filtered_by_platform_and_severity__only_those_with_links_to_platform(page):
    """After the suspension of platform 1 (test above): its alerts link to it; filters hide the rest."""
    page.wait_for_selector("#alerts li[data-kind='platform_suspended']")
    suspended = page.locator("#alerts li[data-kind='platform_suspended']")
    assert suspended.locator("a.platform-link").get_attribute("href") == "#/platform/1"
    assert re.fullmatch(r"0x[0-9a-f]{64}", suspended.locator(".tx").inner_text())
    page.select_option("#alert-platform", "0")
    assert page.locator("#alerts li:not([hidden])[data-platform='1']").count() == 0
    page.select_option("#alert-platform", "1")
    visible = page.locator("#alerts li:not([hidden])")
    assert visible.count() >= 2 and visible.count() == page.locator("#alerts li[data-platform='1']").count()
    page.select_option("#alert-severity", "critical")
    assert page.locator("#alerts li:not([hidden])").count() == 0
    assert page.locator("#csv-alerts").get_attribute("href") == "/api/alerts.csv?platform=1&severity=critical"
    suspended_link = page.locator("#alerts li[data-kind='platform_suspended'] a.platform-link")
    page.select_option("#alert-severity", "")
    suspended_link.click()
    page.wait_for_function("() => document.getElementById('detail-name').textContent.startsWith('1: ')")

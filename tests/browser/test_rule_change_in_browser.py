"""A regulator's first action in the browser (SPEC 4.6, 10): a rule change scheduled on a platform's
governor while the page is open, executed after the delay, a purchase after it, and the page restarted
on the same database. The change goes through `greenpoints.governance`, as the project's own
scripts make it, with Ape connected to the anvil the page follows."""

from datetime import UTC, datetime

from ape import networks

from greenpoints import governance
from greenpoints.deploy import load_association
from tests.browser.conftest import open_page, order_id, screenshot, serve_dashboard
from tests.browser.test_dashboard_in_browser import _api

CALL = "set_rule('issue_bps', 6500)"
CONSUMERS = "#platforms tbody tr[data-platform='0'] td:nth-child(11)"


def _iso(timestamp: int) -> str:
    """As the page writes a ready time."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _governance_row(page):
    return page.locator("#governance tbody tr", has_text=CALL)


def _rule_shown(page, rule: str, value: int) -> None:
    """The rule in human units with the raw value beside: `65.00% (6500 bps)`."""
    shown = f"{value // 100}.{value % 100:02d}% ({value} bps)"
    page.wait_for_function(
        """([rule, shown]) => [...document.querySelectorAll('#rules tbody tr')].some(
               (tr) => tr.cells[0].textContent === rule && tr.cells[1].textContent === shown)""",
        arg=[rule, shown],
        timeout=15_000,
    )


def test_page__rule_change_through_the_governor__scheduled_executed_and_kept_across_a_restart(
    browser, chain_with_activity, tmp_path
):
    chain, record_path, url, env = chain_with_activity
    db = tmp_path / "dashboard.sqlite"
    with networks.parse_network_choice("ethereum:local:foundry"):
        system = load_association(record_path).platforms[0]
        with serve_dashboard(record_path, url, db, env) as (base, _), open_page(browser, base) as page:
            page.evaluate("() => { window.notReloaded = true; }")
            _rule_shown(page, "issue_bps", 7_000)
            operation = governance.propose_rule(system, "issue_bps", 6_500)

            alert = page.wait_for_selector("#alerts li[data-kind='rule_change_scheduled']", timeout=15_000)
            assert CALL in alert.inner_text() and "takes effect at" in alert.inner_text()
            _governance_row(page).wait_for(timeout=15_000)
            row = _governance_row(page).inner_text()
            assert "pending" in row and _iso(operation.ready_at) in row
            _rule_shown(page, "issue_bps", 7_000)  # not before the delay
            screenshot(page, "dashboard-rule-scheduled")

            governance.wait_and_execute(system, operation)  # moves the chain's clock past the delay
            page.wait_for_selector("#alerts li[data-kind='rule_changed']", timeout=15_000)
            _rule_shown(page, "issue_bps", 6_500)
            page.wait_for_function(
                "(call) => [...document.querySelectorAll('#governance tbody tr')].some("
                "(tr) => tr.textContent.includes(call) && tr.textContent.includes('executed at block'))",
                arg=CALL,
                timeout=15_000,
            )

            consumers = int(page.locator(CONSUMERS).inner_text())
            chain.buy(0, chain.accounts[4], chain.accounts[10], 20, order_id("after-the-rule"))
            page.wait_for_function(
                "([cell, want]) => +document.querySelector(cell).textContent === want",
                arg=[CONSUMERS, consumers + 1],
                timeout=15_000,
            )
            assert page.evaluate("() => window.notReloaded") is True
            before = _api(base, "/api/platforms/0")
            alerts_before = _api(base, "/api/alerts")

        with serve_dashboard(record_path, url, db, env) as (base, err), open_page(browser, base) as page:
            assert any("resumed from the store" in line for line in err.lines), err.lines
            _rule_shown(page, "issue_bps", 6_500)
            page.wait_for_selector("#alerts li[data-kind='rule_change_scheduled']", timeout=15_000)
            page.wait_for_selector("#alerts li[data-kind='rule_changed']", timeout=15_000)
            assert "executed at block" in _governance_row(page).inner_text()
            assert int(page.locator(CONSUMERS).inner_text()) == consumers + 1
            assert _api(base, "/api/platforms/0") == before
            assert _api(base, "/api/alerts") == alerts_before

"""The exit queue on the page (SPEC 11): requests made on chain while the page is open appear without a
reload (the line grows, the monitor's `exit_queue_growing` arrives in the feed), then the line clears
when they are processed and claimed; the account lookup shows the consumer's requests; a phone-sized
screen reads the panel without scrolling the page sideways."""

import json
import urllib.request

import pytest

from tests.browser.conftest import open_page, screenshot
from tests.cli import node_contract

POINT = 10**18
WAITING = "#exit-queue-figures [data-queue='waiting']"
NO_HORIZONTAL_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


def _api(base, path):
    with urllib.request.urlopen(base + path, timeout=10) as answer:
        return json.loads(answer.read())


def _shown(page, selector: str, text: str) -> None:
    page.wait_for_function(
        "([selector, text]) => { const node = document.querySelector(selector);"
        " return node !== null && node.textContent === text; }",
        arg=[selector, text],
        timeout=20_000,
    )


@pytest.fixture(scope="module")
def line_platform(chain_with_activity):
    """Platform 0 with an exit queue likely: the consumer may exit (trigger 1x, lock an hour, over) and
    an epoch's exit budget is 0.1% of the pool (a few hundredths of a unit here). Returns the
    association's record. The rules change through raw transactions (`Chain.change_rule`): Ape stays
    on its own chain, whose isolation the later tests of the session rely on."""
    chain, record_path, url, env = chain_with_activity
    for rule, value in (("exit_trigger_bps", 10_000), ("lock_period", 3_600), ("epoch_exit_limit_bps", 10)):
        chain.change_rule(0, rule, value)
    return record_path


def _queue(chain):
    return node_contract(chain.web3, chain.record["platforms"][0]["contracts"]["exit_queue"], "ExitQueue")


def _send(chain, call, sender: str) -> None:
    """Send `call` from `sender` and wait for its receipt (anvil prunes history: a read right after an
    unmined send can ask for a block whose state is gone)."""
    receipt = chain.web3.eth.wait_for_transaction_receipt(call.transact({"from": sender}))
    assert receipt["status"] == 1


def _lookup(page, account: str, want: list[list[str]]) -> None:
    """Look `account` up (again, until the page has folded what the chain did) until its exit requests
    are `want`: [id, state] in order."""
    from playwright.sync_api import TimeoutError as PageTimeout

    for _ in range(10):
        page.fill("#lookup-input", account)
        page.click("#lookup-button")
        try:
            page.wait_for_function(
                "(want) => { const rows = [...document.querySelectorAll("
                "'#lookup-result table.exit-requests tbody tr')];"
                " return rows.length === want.length && want.every(([id, state], i) =>"
                " rows[i].dataset.request === id && rows[i].cells[1].textContent === state); }",
                arg=want,
                timeout=2_000,
            )
            return
        except PageTimeout:
            continue
    raise AssertionError(
        f"the lookup of {account} never showed {want}: {page.locator('#lookup-result').inner_text()}"
    )


def test_page__requests_made_then_processed_and_claimed__line_grows_and_clears_without_reload(
    browser, dashboard, line_platform
):
    base, _, chain, _ = dashboard
    consumer, keeper = chain.accounts[7], chain.accounts[0]
    queue = _queue(chain)
    with open_page(browser, base, path="/#/platform/0") as page:
        page.evaluate("() => { window.notReloaded = true; }")
        _shown(page, WAITING, "0")
        assert page.locator("#exit-queue tbody").inner_text().strip() == "no request waits"

        _send(chain, queue.functions.request_exit(POINT), consumer)
        _shown(page, WAITING, "1")
        _send(chain, queue.functions.request_exit(POINT // 2), consumer)
        _shown(page, WAITING, "2")
        line = _api(base, "/api/platforms/0/exit-queue")
        assert line["queued_points_raw"] == str(queue.functions.queued_points().call()) == str(3 * POINT // 2)
        assert line["epochs_to_clear"] > 3  # a budget of 0.1% of the pool: the line is long
        _shown(page, "#exit-queue-figures [data-queue='epochs']", f"about {line['epochs_to_clear']}")
        _shown(page, "#exit-queue-figures [data-queue='points']", line["queued_points"])
        rows = page.locator("#exit-queue tbody tr[data-request]")
        assert rows.count() == 2 and consumer.lower() in rows.nth(1).inner_text()
        assert line["requests"][1]["points_ahead"] in rows.nth(1).inner_text()
        alert = page.wait_for_selector("#alerts li[data-kind='exit_queue_growing']", timeout=20_000)
        assert "exit queue holds" in alert.inner_text()
        _lookup(page, consumer, [["0", "waiting"], ["1", "waiting"]])
        screenshot(page, "dashboard-exit-queue")

        # The budget raised to 10% of the pool; a keeper processes the line, epoch after epoch.
        chain.change_rule(0, "epoch_exit_limit_bps", 1_000)
        for _ in range(10):
            _send(chain, queue.functions.process_exits(256), keeper)
            if queue.functions.queue_length().call() == 0:
                break
            chain.web3.provider.make_request("evm_increaseTime", [86_400])
            chain.web3.provider.make_request("evm_mine", [])
        assert queue.functions.queue_length().call() == 0
        _shown(page, WAITING, "0")
        _shown(page, "#exit-queue-figures [data-queue='oldest']", "none waits")
        assert page.locator("#exit-queue tbody tr[data-request]").count() == 0
        _lookup(page, consumer, [["0", "filled: to claim"], ["1", "filled: to claim"]])

        for request_id in (0, 1):
            _send(chain, queue.functions.claim_exit(request_id), consumer)
        _lookup(page, consumer, [["0", "claimed"], ["1", "claimed"]])
        assert page.evaluate("() => window.notReloaded") is True
        assert (
            _api(base, "/api/status")["notice"] is None
        )  # the chain was followed, never replaced under the page


def test_page__phone_width__exit_queue_readable_without_sideways_scroll(browser, dashboard, line_platform):
    base, _, chain, _ = dashboard
    _send(chain, _queue(chain).functions.request_exit(POINT // 10), chain.accounts[7])
    with open_page(browser, base, width=390, height=800, path="/#/platform/0") as page:
        page.wait_for_selector("#exit-queue tbody tr[data-request]", timeout=20_000)
        assert (
            _api(base, "/api/status")["notice"] is None
        )  # the chain the first test left, followed as it was
        assert page.evaluate(NO_HORIZONTAL_SCROLL)
        for name in ("waiting", "points", "oldest", "epochs"):
            box = page.locator(f"#exit-queue-figures [data-queue='{name}']").bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, name
        wrap = page.evaluate(
            "() => { const w = document.querySelector('#exit-queue').closest('.table-wrap');"
            " return [w.scrollWidth, w.clientWidth, w.getBoundingClientRect().right]; }"
        )
        assert wrap[2] <= 390  # the table's box fits the screen; a wide table scrolls inside it
        screenshot(page, "dashboard-exit-queue-phone")

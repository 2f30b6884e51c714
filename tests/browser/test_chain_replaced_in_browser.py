"""A chain replaced under the open page: the node it follows is restarted empty on the same port
(as `anvil` or `ape run node start --fresh` does). The page must say so in one line and fold the new
chain from scratch, not go on showing a history the node no longer has."""

from greenpoints.anvil import anvil_node
from tests.browser.conftest import FOUNDRY, open_page, screenshot, serve_dashboard
from tests.browser.test_dashboard_in_browser import _api
from tests.cli import node_web3, run_env, steady_port


def test_page__node_restarted_empty_on_the_same_port__banner_names_it_and_the_page_folds_again(
    browser, tmp_path
):
    port = steady_port()
    first = anvil_node(port)
    url = first.__enter__()
    try:
        env = {"APE_FOUNDRY_HOST": url}
        record = tmp_path / "association.json"
        deployed = run_env(env, "deploy", "--association", "--platforms", "1", "--timelock-delay", "3600",
                           "--out", str(record), *FOUNDRY)  # fmt: skip
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        with serve_dashboard(record, url, tmp_path / "dashboard.sqlite", env) as (base, err):
            with open_page(browser, base) as page:
                assert page.locator("#platforms tbody tr[data-platform]").count() == 1
                assert page.locator("#banner").is_hidden()
                folded = _api(base, "/api/status")["cursor"]
                first.__exit__(None, None, None)
                first = None
                with anvil_node(port):
                    page.wait_for_function(
                        "() => document.getElementById('banner').textContent.includes('chain changed')",
                        timeout=30_000,
                    )
                    banner = page.locator("#banner").inner_text()
                    assert (
                        f"block {folded}, the last one folded, is gone: the node's chain ends at block 0"
                        in banner
                    )
                    assert "Traceback" not in banner and "Error" not in banner and "\n" not in banner.strip()
                    page.wait_for_selector("#platforms tbody td.muted:has-text('no platform yet')")
                    status = _api(base, "/api/status")
                    assert status["notice"] and status["platforms"] == 0
                    assert _api(base, "/api/platforms") == [] and _api(base, "/api/alerts") == []
                    screenshot(page, "dashboard-chain-replaced")
            assert any("chain changed under the page" in line for line in err.rest(timeout=1))
    finally:
        if first is not None:
            first.__exit__(None, None, None)


def test_page__same_node_following__no_chain_notice(browser, tmp_path):
    with anvil_node() as url:
        record = tmp_path / "association.json"
        env = {"APE_FOUNDRY_HOST": url}
        deployed = run_env(env, "deploy", "--association", "--platforms", "1", "--out", str(record), *FOUNDRY)
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        with (
            serve_dashboard(record, url, tmp_path / "dashboard.sqlite", env) as (base, _),
            open_page(browser, base) as page,
        ):
            before = _api(base, "/api/status")["cursor"]
            node_web3(url).provider.make_request("evm_mine", [])
            page.wait_for_function(
                f"() => document.getElementById('target').textContent.endsWith('block {before + 1}')"
            )
            assert page.locator("#banner").is_hidden()
            assert _api(base, "/api/status")["notice"] is None

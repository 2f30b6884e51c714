"""The association's people on the page (SPEC 12): each platform's role holders with their trainer,
certificate and standing, the trainers' list, and a platform's governor granting a role to an
account no trainer qualified, shown in the alert feed and the people panel while the page is open.
The grant goes through `greenpoints.governance`, as the project's scripts make it, with Ape
connected to the anvil the page follows."""

import urllib.request

from ape import networks

from greenpoints import governance
from greenpoints.deploy import load_association
from greenpoints.qualifications import SAMPLE_TRAINER_NAME
from tests.browser.conftest import open_page, screenshot, serve_dashboard


def _people_row(page, holder: str):
    return page.locator(f"#people tbody tr[data-holder='{holder.lower()}']")


def test_page__governor_grants_unqualified_registrar__alert_and_people_panel(
    browser, chain_with_activity, tmp_path
):
    chain, record_path, url, env = chain_with_activity
    newcomer = chain.accounts[8]  # no trainer qualified it
    with networks.parse_network_choice("ethereum:local:foundry"):
        system = load_association(record_path).platforms[0]
        with (
            serve_dashboard(record_path, url, tmp_path / "dashboard.sqlite", env) as (base, _),
            open_page(browser, base, path="/#/platform/0") as page,
        ):
            page.wait_for_selector("#people tbody tr[data-holder]", timeout=15_000)
            rows = page.locator("#people tbody tr[data-holder]")
            assert rows.count() == 3
            for text in rows.all_inner_texts():
                assert "valid" in text and SAMPLE_TRAINER_NAME in text and "UTC" in text
            roles = {row.get_attribute("data-role") for row in rows.all()}
            assert roles == {"operator", "registrar", "certifier"}
            assert SAMPLE_TRAINER_NAME in page.locator("#trainers tbody").inner_text()
            assert page.locator("#csv-people").get_attribute("href") == "/api/platforms/0/people.csv"

            registry = system.registry
            governance.wait_and_execute(
                system, governance.schedule(system, "grantRole", registry.REGISTRAR_ROLE(), newcomer)
            )
            alert = page.wait_for_selector("#alerts li[data-kind='unqualified_role_holder']", timeout=15_000)
            assert newcomer.lower() in alert.inner_text().lower() and "registrar" in alert.inner_text()
            _people_row(page, newcomer).wait_for(timeout=15_000)
            cells = _people_row(page, newcomer).locator("td")
            assert cells.nth(1).inner_text() == "registrar"
            assert cells.nth(2).inner_text() == "none"
            assert cells.nth(4).inner_text() == "unqualified"
            assert "unqualified" in (cells.nth(4).get_attribute("class") or "")
            screenshot(page, "dashboard-people")

            with urllib.request.urlopen(base + "/api/platforms/0/people.csv", timeout=10) as answer:
                csv = answer.read().decode()
            assert any(newcomer.lower() in line and ",unqualified," in line for line in csv.splitlines())

"""The page's tables as CSV (`/api/...csv`, `greenpoints.dashboard.exports`): exact figures, equal
to the chain's."""

import csv
import io

import pytest
from starlette.testclient import TestClient

from greenpoints.dashboard import create_app, exports
from tests.conftest import order


@pytest.fixture
def client(supervisor):
    return TestClient(create_app(supervisor))


def _rows(answer) -> list[dict]:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"].startswith("attachment; filename=")
    return list(csv.DictReader(io.StringIO(answer.text)))


def test_platforms_csv__one_pool__exact_figures_equal_to_the_chain(client, supervisor, active, decimals):
    [row] = _rows(client.get("/api/platforms.csv"))
    pool = active.pool
    assert row["total_points_raw"] == str(pool.totalSupply())
    assert row["total_assets_raw"] == str(pool.total_assets())
    whole, _, frac = row["total_assets"].partition(".")
    assert int(whole) * 10**decimals + int(frac.ljust(decimals, "0")) == pool.total_assets()
    assert row["value_per_point_raw"] == str(pool.price_per_point())
    assert row["asset_symbol"] == "mUSD" and row["as_of_block"] == str(supervisor.monitor.cursor)
    assert "," not in row["total_assets"] + row["carbon_kg"]


def test_merchants_csv__platform__one_row_per_merchant_with_its_sales(client, merchant, other_merchant, unit):
    rows = {r["merchant"]: r for r in _rows(client.get("/api/platforms/0/merchants.csv"))}
    assert set(rows) == {str(merchant.address).lower(), str(other_merchant.address).lower()}
    assert rows[str(merchant.address).lower()]["sales_raw"] == str(100 * unit)
    assert rows[str(merchant.address).lower()]["sales"] == "100.00"


def test_sponsors_csv__no_sponsor__header_only(client):
    answer = client.get("/api/platforms/0/sponsors.csv")
    assert _rows(answer) == [] and answer.text.startswith("sponsor,status,actions")


def test_history_csv__more_points_than_the_chart__every_stored_point(
    client, supervisor, store, buy, merchant, stranger
):
    for n in range(3):
        buy(merchant, stranger, 5, order(f"series-{n}"))
    supervisor.poll()
    rows = _rows(client.get("/api/platforms/0/history.csv"))
    stored = store.series(supervisor.target, 0, points=10**9)
    assert [int(r["block"]) for r in rows] == [b for b, *_ in stored]
    assert rows[-1]["total_points_raw"] == str(supervisor.monitor.ledger.total_supply)
    assert rows[-1]["time"].endswith("Z") and rows[-1]["time"][:4].isdigit()


def test_alerts_csv__filtered_by_platform_and_severity__only_those(client, supervisor, registry, guardian):
    registry.pause(sender=guardian)
    supervisor.poll()
    [paused] = _rows(client.get("/api/alerts.csv?platform=0&severity=warning"))
    assert paused["kind"] == "paused" and paused["platform"] == "0"
    assert _rows(client.get("/api/alerts.csv?severity=critical")) == []
    assert _rows(client.get("/api/alerts.csv?platform=3")) == []


@pytest.mark.parametrize(
    ("query", "message"), [("severity=loud", "severity must be one of"), ("platform=x", "platform must be")]
)
def test_alerts_csv__bad_filter__400_with_message(client, query, message):
    answer = client.get(f"/api/alerts.csv?{query}")
    assert answer.status_code == 400 and message in answer.json()["error"]


def test_members_csv__unknown_platform__404_json(client):
    answer = client.get("/api/platforms/9/merchants.csv")
    assert answer.status_code == 404 and "no platform 9" in answer.json()["error"]


def test_write__text_a_spreadsheet_would_run__quoted_and_numbers_kept():
    text = exports.write(["a", "b", "c"], [{"a": '=HYPERLINK("x")', "b": "-1.50", "c": {"k": 1}}])
    assert text.splitlines()[1] == '"\'=HYPERLINK(""x"")",-1.50,"{""k"": 1}"'


def test_alert_platform__association_alert_naming_a_platform__that_platform():
    assert exports.alert_platform({"platform": -1, "details": {"platform": 2}}) == 2
    assert exports.alert_platform({"platform": -1, "details": {}}) is None
    assert exports.alert_platform({"platform": 1, "details": {"platform": True}}) == 1

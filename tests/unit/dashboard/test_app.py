"""The dashboard's JSON endpoints and page (Starlette's test client; the browser tests are in
tests/browser/)."""

import pytest
from starlette.testclient import TestClient

from greenpoints.dashboard import create_app
from tests.conftest import order


@pytest.fixture
def client(supervisor):
    return TestClient(create_app(supervisor))


def test_index__page__served_with_chart_js(client):
    page = client.get("/")
    assert page.status_code == 200 and '<canvas id="chart-value"' in page.text
    chart = client.get("/vendor/chart.umd.js")
    assert chart.status_code == 200 and "Chart" in chart.text[:2_000]


def test_status__following__target_cursor_and_node(client, supervisor):
    status = client.get("/api/status").json()
    assert status["target"] == supervisor.target and status["kind"] == "pool"
    assert status["cursor"] == supervisor.monitor.cursor and status["node"]["ok"] is True


def test_platforms__one_pool__its_figures(client):
    [platform] = client.get("/api/platforms").json()
    assert platform["id"] == 0 and platform["status"] == "running"


def test_platform__known_id__rules_and_governance(client):
    detail = client.get("/api/platforms/0").json()
    assert detail["rules"]["lock_period"] == 7 * 86_400 and detail["governance"] == []


def test_platform__unknown_id__404_with_message(client):
    answer = client.get("/api/platforms/7")
    assert answer.status_code == 404 and answer.json() == {"error": "no platform 7: there are 1 (ids 0 to 0)"}


def test_history__platform__points_with_value_per_point(client):
    points = client.get("/api/platforms/0/history").json()["points"]
    assert points and all(p["value_per_point"] > 0 for p in points if p["value_per_point"] is not None)


def test_alerts__bad_after__400_with_message(client):
    answer = client.get("/api/alerts?after=-1")
    assert answer.status_code == 400 and "after must be a whole number" in answer.json()["error"]


def test_order__known__fates(client):
    [found] = client.get("/api/orders/0x" + order("first").hex()).json()
    assert found["fates"]


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/api/orders/0x1234", 400, "is not an order id"),
        ("/api/orders/" + "00" * 32, 404, "no purchase with order id"),
        ("/api/accounts/0xnothex", 400, "is not an address"),
        ("/api/accounts/0x" + "12" * 20, 404, "has no history here"),
        ("/api/nothing", 404, "no endpoint /api/nothing"),
    ],
)
def test_endpoints__bad_or_unknown_input__json_error_not_a_page(client, path, status, message):
    answer = client.get(path)
    assert answer.status_code == status
    assert message in answer.json()["error"]


def test_unknown_page__404_page_not_blank(client):
    answer = client.get("/somewhere")
    assert answer.status_code == 404 and "There is no such page" in answer.text

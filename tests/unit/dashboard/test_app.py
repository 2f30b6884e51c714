"""The dashboard's JSON endpoints and page (Starlette's test client; the browser tests are in
tests/browser/)."""

import json
import re

import pytest
from starlette.testclient import TestClient

from greenpoints import governance
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


ENDPOINTS = ["/api/status", "/api/platforms", "/api/platforms/0", "/api/platforms/0/history", "/api/alerts"]


def test_endpoints__rule_change_scheduled__every_one_answers_json_with_the_operation_in_hex(
    client, supervisor, active
):
    operation = governance.propose_rule(active, "issue_bps", 6_500)
    supervisor.poll()
    for path in ENDPOINTS:
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.text)
    [alert] = client.get("/api/alerts").json()
    assert alert["kind"] == "rule_change_scheduled"
    assert alert["details"]["call"] == "set_rule('issue_bps', 6500)"
    assert re.fullmatch(r"0x[0-9a-f]{64}", alert["details"]["operation"])
    [pending] = client.get("/api/platforms/0").json()["governance"]
    assert pending["call"] == "set_rule('issue_bps', 6500)" and pending["ready_at"] == operation.ready_at
    assert pending["state"] == "pending"


def test_endpoints__rule_change_executed__new_rule_and_a_later_purchase_served(
    client, supervisor, active, buy, merchant, stranger
):
    governance.change_rule(active, "issue_bps", 6_500)
    buy(merchant, stranger, 10, order("after-the-rule"))
    supervisor.poll()
    kinds = [a["kind"] for a in client.get("/api/alerts").json()]
    assert kinds == ["rule_change_scheduled", "rule_changed"]
    assert client.get("/api/platforms/0").json()["rules"]["issue_bps"] == 6_500
    assert client.get("/api/orders/0x" + order("after-the-rule").hex()).status_code == 200


def test_stream__rule_change_scheduled__first_update_carries_the_alert_as_json(client, supervisor, active):
    governance.propose_rule(active, "issue_bps", 6_500)
    supervisor.poll()
    update = first_update(client)
    [alert] = update["alerts"]
    assert alert["kind"] == "rule_change_scheduled" and alert["details"]["operation"].startswith("0x")


def first_update(client, after: int = 0) -> dict:
    """The first `update` of /api/stream, parsed (the stream is left at once)."""
    with client.stream("GET", f"/api/stream?after={after}") as answer:
        assert answer.status_code == 200
        lines = answer.iter_lines()
        assert next(lines) == "event: update"
        data = next(lines)
    return json.loads(data.removeprefix("data: "), parse_constant=_refuse)


def _refuse(constant: str):
    raise ValueError(f"{constant} is not JSON")

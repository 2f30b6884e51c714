"""The association overview (`/api/overview`) and a merchant's own view
(`/api/platforms/{id}/merchants/{address}`): figures equal to the chain's and the folded ledger's."""

import csv
import io
from datetime import UTC, datetime

import pytest
from starlette.testclient import TestClient

from greenpoints.dashboard import Supervisor, create_app
from tests.conftest import order


@pytest.fixture
def client(supervisor):
    return TestClient(create_app(supervisor))


@pytest.fixture
def after_reversal(active, buy, merchant, consumer, pool, store, chain, record_of):
    """`active`, then a third sale by `merchant`, reversed; a supervisor folded after both."""
    bought = buy(merchant, consumer, 25, order("to-reverse"))
    reversal = pool.reverse_purchase(
        order("to-reverse"), record_of(merchant, order("to-reverse")), sender=merchant
    )
    supervisor = Supervisor.for_system(active, chain.provider.web3, store)
    supervisor.start()
    return TestClient(create_app(supervisor)), supervisor, bought, reversal


def _log(receipt, name):
    [log] = [log for log in receipt.events if log.event_name == name]
    return log


def _month(chain, block: int) -> str:
    return datetime.fromtimestamp(chain.provider.web3.eth.get_block(block).timestamp, UTC).strftime("%Y-%m")


def test_overview__one_platform__totals_equal_to_the_chain(client, supervisor, active):
    overview = client.get("/api/overview").json()
    pool = active.pool
    assert overview["platforms"] == 1
    assert overview["standing"] == {"active": 1, "suspended": 0}
    assert overview["status"] == {"running": 1, "paused": 0, "shut down": 0}
    [assets] = overview["assets"]
    assert assets["total_assets_raw"] == str(pool.total_assets()) and assets["platforms"] == [0]
    assert assets["total_assets"].endswith(" mUSD")
    [points] = overview["points"]
    assert points["total_points_raw"] == str(pool.totalSupply())
    ledger = supervisor.monitor.ledger
    assert overview["carbon_g"] == str(ledger.total_carbon) and overview["purchases"] == 2
    assert set(overview["alerts"]) >= {"critical", "warning", "notice"}
    assert sum(overview["alerts"].values()) == supervisor.store.counts(supervisor.target)["alerts"]
    assert overview["as_of_block"] == supervisor.monitor.cursor


def test_overview__two_platforms_of_one_asset__summed_per_symbol_exact(supervisor, monkeypatch):
    # Two platforms' figures (as `_figures` gives them) on the same asset: one row, the sum exact.
    figures = supervisor.platforms()[0]
    twin = {**figures, "id": 1, "standing": "suspended", "status": "paused",
            "total_assets_raw": "1", "total_points_raw": "3", "carbon_g": "1500"}  # fmt: skip
    real = supervisor.monitor
    monkeypatch.setattr(supervisor, "_monitors", lambda: {0: real, 1: real})
    monkeypatch.setattr(supervisor, "_figures", lambda pid, m: figures if pid == 0 else twin)
    overview = supervisor.overview()
    [assets] = overview["assets"]
    assert assets["total_assets_raw"] == str(int(figures["total_assets_raw"]) + 1)
    assert assets["platforms"] == [0, 1]
    assert overview["standing"] == {"active": 1, "suspended": 1}
    assert overview["status"]["paused"] == 1 and overview["status"]["running"] == 1
    assert overview["carbon_g"] == str(int(figures["carbon_g"]) + 1500)
    assert overview["purchases"] == 4  # each platform's ledger counts its own


def test_overview__not_a_path__404_json(client):
    answer = client.get("/api/overview/0")
    assert answer.status_code == 404 and answer.json() == {"error": "no endpoint /api/overview/0"}


def test_merchant__after_a_reversal__books_and_months_equal_to_the_chain(after_reversal, merchant, chain):
    client, supervisor, bought, reversal = after_reversal
    address = str(merchant.address)
    answer = client.get(f"/api/platforms/0/merchants/{address}")
    assert answer.status_code == 200, answer.text
    m = answer.json()
    book = supervisor.monitor.ledger.merchants[address.lower()]
    assert m["merchant"] == address.lower() and m["purchases"] == 2 == book.purchases
    assert m["sales_raw"] == str(book.sales) and m["contributions_raw"] == str(book.contributions)
    assert m["settled_raw"] == str(book.settled_assets) and m["co2e_g"] == str(book.co2e)
    sold, refunded = _log(bought, "PurchaseRecorded"), _log(reversal, "PurchaseReversed")
    assert m["refunds_raw"] == str(refunded.refund) == str(book.refunds)
    assert m["sales"].endswith(" mUSD") and m["daily_cap"].endswith(" mUSD") and "cap_used_percent" in m
    months = {row["month"]: row for row in m["by_month"]}
    assert months[_month(chain, reversal.block_number)]["reversals"] == 1
    assert sum(int(row["refunds_raw"]) for row in months.values()) == refunded.refund
    assert sum(int(row["co2e_g"]) for row in months.values()) == book.co2e
    assert sum(int(row["sales_raw"]) for row in months.values()) == book.sales
    assert sold.amount <= book.sales
    # The months add up with the other merchant's to the platform's carbon by month (no sponsor here).
    other = [
        client.get(f"/api/platforms/0/merchants/{a}").json() for a in supervisor.monitor.ledger.merchants
    ]
    by_month: dict[str, int] = {}
    for each in other:
        for row in each["by_month"]:
            by_month[row["month"]] = by_month.get(row["month"], 0) + int(row["co2e_g"])
    assert by_month == dict(supervisor.monitor.ledger.carbon_by_month)
    rows = list(csv.DictReader(io.StringIO(client.get(f"/api/platforms/0/merchants/{address}.csv").text)))
    assert [r["month"] for r in rows] == sorted(months) and "," not in rows[0]["sales"]


def test_merchant__unknown_or_malformed__404_or_400_in_one_line(client, consumer):
    unknown = client.get(f"/api/platforms/0/merchants/{consumer.address}")
    assert unknown.status_code == 404
    assert unknown.json() == {"error": f"platform 0 has no merchant {str(consumer.address).lower()}"}
    assert client.get(f"/api/platforms/0/merchants/{consumer.address}.csv").status_code == 404
    bad = client.get("/api/platforms/0/merchants/0x12")
    assert bad.status_code == 400 and "is not an address" in bad.json()["error"]
    assert client.get(f"/api/platforms/9/merchants/{consumer.address}").status_code == 404

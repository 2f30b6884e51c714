"""The dashboard's database on a real PostgreSQL server (Debian's package, started by the test):
the same code as on SQLite."""

import pytest

import greenpoints.audit.monitor as monitor_module
from greenpoints.audit.events import Event
from greenpoints.dashboard import Store, Supervisor
from tests.conftest import order
from tests.postgres import postgresql_server

TARGET = "0x" + "ab" * 20


@pytest.fixture(scope="module")
def postgresql_url():
    with postgresql_server() as url:
        yield url


@pytest.fixture
def store(postgresql_url):
    store = Store(postgresql_url)
    yield store
    store.engine.dispose()


def test_save_page__postgresql__events_round_trip_exactly(store):
    store.forget(TARGET)
    events = [
        Event("PurchaseRecorded", {"order_id": b"\x07" * 32, "points": 10**30}, 5, 0, "0x11", "pool", 99)
    ]
    store.save_page(TARGET, 1337, 5, "0xaa", [(0, events, [], [(5, 10**24, 10**30, 99)])])
    assert store.events(TARGET, 0) == events
    assert store.series(TARGET, 0) == [(5, 10**24, 10**30, 99)]
    assert store.cursor(TARGET)["cursor"] == 5


def test_supervisor__postgresql__stores_then_resumes_without_refetching(
    live, buy, merchant, consumer, store, chain, monkeypatch
):
    buy(merchant, consumer, 100, order("pg-1"))
    first = Supervisor.for_system(live, chain.provider.web3, store)
    assert "from the node" in first.start()
    fetched = []
    real = monitor_module.fetch
    monkeypatch.setattr(monitor_module, "fetch", lambda *a, **k: fetched.append(a[2:4]) or real(*a, **k))
    again = Supervisor.for_system(live, chain.provider.web3, store)
    assert "none refetched" in again.start() and fetched == []
    assert again.platforms() == first.platforms()
    store.forget(first.target)

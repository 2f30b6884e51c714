"""The dashboard's database (SQLite here; the same code on PostgreSQL in tests/integration)."""

import pytest

from greenpoints.audit.events import Event
from greenpoints.audit.monitor import Alert
from greenpoints.dashboard.store import Store, StoreError, default_url

TARGET = "0x" + "ab" * 20


@pytest.fixture
def store(tmp_path):
    return Store(default_url(tmp_path / "db" / "dashboard.sqlite"))


def _event(block, index, **args):
    return Event("PurchaseRecorded", args, block, index, "0x" + "11" * 32, "pool", 1_700_000_000 + block)


def _alert(block, kind="paused"):
    return Alert(kind, "warning", block, 0, 1_700_000_000 + block, "0x" + "22" * 32, f"{kind} at {block}",
                 {"platform": 0, "order": b"\x01" * 32})  # fmt: skip


def test_save_page__events_with_bytes_and_big_ints__read_back_equal(store):
    events = [
        _event(5, 0, order_id=b"\x07" * 32, points=10**30, consumer="0x" + "cd" * 20),
        _event(5, 1, flag=True),
    ]
    store.save_page(
        TARGET, 1337, 5, "0x" + "33" * 32, [(0, events, [], [(5, 10**24, 10**30, 1_700_000_005)])]
    )
    assert store.events(TARGET, 0) == events
    assert store.series(TARGET, 0) == [(5, 10**24, 10**30, 1_700_000_005)]
    assert store.cursor(TARGET) == {
        "target": TARGET,
        "chain_id": 1337,
        "cursor": 5,
        "cursor_hash": "0x" + "33" * 32,
    }
    assert store.platforms(TARGET) == [0]


def test_save_page__second_page__cursor_moves_and_rows_add(store):
    store.save_page(TARGET, 1, 5, "0xaa", [(0, [_event(5, 0)], [_alert(5)], [])])
    store.save_page(TARGET, 1, 9, "0xbb", [(0, [_event(9, 0)], [_alert(9, "unpaused")], [])])
    assert store.cursor(TARGET)["cursor"] == 9
    assert [e.block for e in store.events(TARGET, 0)] == [5, 9]
    alerts = store.alerts(TARGET)
    assert [a["kind"] for a in alerts] == ["paused", "unpaused"]
    assert alerts[0]["details"] == {"platform": 0, "order": b"\x01" * 32}
    assert [a["kind"] for a in store.alerts(TARGET, after=alerts[0]["id"])] == ["unpaused"]


def test_save_page__same_event_twice__refused_and_nothing_kept(store):
    store.save_page(TARGET, 1, 5, "0xaa", [(0, [_event(5, 0)], [], [])])
    with pytest.raises(Exception, match="(?i)unique|integrity"):
        store.save_page(TARGET, 1, 6, "0xbb", [(0, [_event(6, 0), _event(5, 0)], [_alert(6)], [])])
    assert store.cursor(TARGET)["cursor"] == 5  # the whole page rolled back
    assert store.alerts(TARGET) == []


def test_series__many_rows__at_most_about_the_asked_points_and_the_latest(store):
    rows = [(b, b * 10, b * 20, 1_700_000_000 + b) for b in range(1, 2_001)]
    store.save_page(TARGET, 1, 2_000, "0xaa", [(0, [], [], rows)])
    picked = store.series(TARGET, 0, points=100)
    assert 100 <= len(picked) <= 102
    assert picked[0] == rows[0] and picked[-1] == rows[-1]


def test_forget__target__drops_its_rows_only(store):
    other = "0x" + "cd" * 20
    store.save_page(TARGET, 1, 5, "0xaa", [(0, [_event(5, 0)], [_alert(5)], [(5, 1, 1, 1)])])
    store.save_page(other, 1, 5, "0xaa", [(0, [_event(5, 0)], [], [])])
    store.forget(TARGET)
    assert store.cursor(TARGET) is None and store.events(TARGET, 0) == [] and store.alerts(TARGET) == []
    assert len(store.events(other, 0)) == 1


def test_store__bad_url__one_line_error():
    with pytest.raises(StoreError, match="database nowhere://x"):
        Store("nowhere://x")


def test_store__unreachable_postgresql__one_line_error():
    with pytest.raises(StoreError, match="database postgresql"):
        Store("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")

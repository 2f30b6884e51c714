"""The audit's reading of logs in pages (greenpoints/audit/events.py): fixed and adaptive pages, a
node refusing a range, and the reader thread that fetches page k+1 while page k is folded.

A node is faked here (a provider named `HTTPProvider` answering `eth_getLogs` from a list of logs),
so every path, the node's refusals and errors included, runs in milliseconds and without a chain.
"""

from __future__ import annotations

import threading
import time

import pytest

from greenpoints.audit import events as ev
from greenpoints.audit.events import Event, LogRangeError, Pager, fetch, raw_read, read_pages

TOPIC = "0x" + "ab" * 32


class HTTPProvider:
    """A node holding `logs_per_block` logs in each block of [0, blocks); it refuses a range of more
    than `most_blocks` blocks, and fails with `error` at request number `fail_at` (1-based)."""

    def __init__(self, blocks, logs_per_block, most_blocks=None, fail_at=None, error=None, delay=0.0):
        self.blocks, self.logs_per_block = blocks, logs_per_block
        self.most_blocks, self.fail_at, self.error, self.delay = most_blocks, fail_at, error, delay
        self.requests: list[tuple[str, int, int]] = []
        self.threads: set[str] = set()

    def make_request(self, method, params):
        assert method == "eth_getLogs"
        query = params[0]
        lo, hi = int(query["fromBlock"], 16), int(query["toBlock"], 16)
        self.requests.append((query["address"], lo, hi))
        self.threads.add(threading.current_thread().name)
        if self.delay:
            time.sleep(self.delay)
        if self.fail_at is not None and len(self.requests) == self.fail_at:
            raise self.error
        if self.most_blocks is not None and hi - lo + 1 > self.most_blocks:
            return {"error": {"message": "query returned more than 10000 results"}}
        logs = [
            {
                "topics": [TOPIC],
                "data": "0x",
                "blockNumber": hex(block),
                "logIndex": hex(index),
                "transactionHash": "0x" + f"{block:064x}",
                "address": query["address"],
            }
            for block in range(lo, min(hi, self.blocks - 1) + 1)
            for index in range(self.logs_per_block)
        ]
        return {"result": logs}


class Web3:
    def __init__(self, provider):
        self.provider = provider


class Decoder:
    def __init__(self, source):
        self.by_topic = {TOPIC: lambda log: self._event(log)}
        self.source = source

    def _event(self, log) -> Event:
        block, index = int(log["blockNumber"], 16), int(log["logIndex"], 16)
        return Event("Logged", {}, block, index, log["transactionHash"], self.source)


def sources(*names):
    return [(f"0x{i:040x}", Decoder(name), None) for i, name in enumerate(names)]


def positions(events):
    return [(e.block, e.log_index, e.source) for e in events]


def test_pager__fixed__pages_of_most_blocks_to_the_end():
    assert list(Pager(10, 34, 10)) == [(10, 19), (20, 29), (30, 34)]


def test_pager__empty_range__no_page():
    assert list(Pager(10, 9, 10, first=4)) == []


def test_pager__adaptive_sparse_history__grows_twofold_a_page_up_to_most():
    pager = Pager(0, 1_000, 100, first=4)
    got = []
    for lo, hi in pager:
        got.append((lo, hi))
        pager.told(hi - lo + 1, 0)
    assert got[:6] == [(0, 3), (4, 11), (12, 27), (28, 59), (60, 123), (124, 223)]
    assert all(hi - lo + 1 <= 100 for lo, hi in got)
    assert got[-1][1] == 1_000


def test_pager__adaptive_dense_history__pages_sized_to_the_target_logs():
    pager = Pager(0, 10_000, 5_000, first=64)
    sizes = []
    for lo, hi in pager:
        sizes.append(hi - lo + 1)
        pager.told(hi - lo + 1, (hi - lo + 1) * 100)  # 100 logs a block
    per_page = ev.PAGE_LOGS // 100
    assert sizes[:3] == [64, 128, per_page]
    assert set(sizes[2:-1]) == {per_page}


def test_pager__adaptive_one_block_over_the_target__one_block_pages():
    pager = Pager(0, 3, 50, first=2)
    sizes = []
    for lo, hi in pager:
        sizes.append(hi - lo + 1)
        pager.told(hi - lo + 1, (hi - lo + 1) * ev.PAGE_LOGS * 3)
    assert sizes == [2, 1, 1]


def test_read_pages__adaptive_pages__same_events_in_chain_order_as_fetch():
    node = HTTPProvider(blocks=300, logs_per_block=3)
    readers = sources("pool", "registry")
    read = [page for page in read_pages(Web3(node), readers, 0, 299, 100, first=8)]
    fetched, requests = fetch(Web3(node), readers, 0, 299, 100)
    flat = [e for got, _, _ in read for e in got]
    assert positions(flat) == positions(fetched)
    assert positions(flat) == sorted(positions(flat))
    assert len(flat) == 300 * 3 * 2
    assert sum(blocks for _, blocks, _ in read) == 300
    assert [blocks for _, blocks, _ in read][:3] == [8, 16, 32]
    assert requests == 3 * 2  # fetch: fixed pages of 100 blocks, two sources


def test_read_pages__http_node__requests_made_by_the_reader_thread():
    node = HTTPProvider(blocks=50, logs_per_block=1)
    list(read_pages(Web3(node), sources("pool"), 0, 49, 10, first=4))
    assert node.threads == {"greenpoints-log-reader"}


def test_raw_read__same_arguments__same_requests_as_read_pages():
    readers = sources("pool", "asset")
    piped, serial = HTTPProvider(400, 2, most_blocks=60), HTTPProvider(400, 2, most_blocks=60)
    list(read_pages(Web3(piped), readers, 0, 399, 200, first=16))
    logs, requests = raw_read(Web3(serial), readers, 0, 399, 200, first=16)
    assert sorted(serial.requests) == sorted(piped.requests)
    assert logs == 400 * 2 * 2
    assert requests == len(serial.requests)


def test_read_range__node_refuses_wide_ranges__halved_until_read_whole():
    node = HTTPProvider(blocks=100, logs_per_block=1, most_blocks=30)
    read, requests = ev.read_range(Web3(node), sources("pool"), 0, 99)
    blocks = sorted(int(log["blockNumber"], 16) for _, logs in read for log in logs)
    assert blocks == list(range(100))
    assert requests == len(node.requests) > 1


def test_read_pages__node_refuses_one_block__raises_log_range_error():
    node = HTTPProvider(blocks=10, logs_per_block=1, most_blocks=0)
    with pytest.raises(LogRangeError, match="more than 10000 results"):
        list(read_pages(Web3(node), sources("pool"), 0, 9, 10, first=4))


def test_read_pages__node_error_on_a_later_page__earlier_pages_then_the_error():
    node = HTTPProvider(blocks=100, logs_per_block=1, fail_at=3, error=ConnectionError("node went away"))
    got = []
    with pytest.raises(ConnectionError, match="node went away"):
        for events, _, _ in read_pages(Web3(node), sources("pool"), 0, 99, 10, first=10):
            got += events
    assert positions(got) == [(b, 0, "pool") for b in range(20)]


def test_read_pages__caller_stops_after_one_page__reader_stops_too():
    node = HTTPProvider(blocks=10_000, logs_per_block=1, delay=0.01)
    pages = read_pages(Web3(node), sources("pool"), 0, 9_999, 10, first=10)
    first, _, _ = next(pages)
    assert len(first) == 10
    pages.close()
    assert not any(t.name == "greenpoints-log-reader" for t in threading.enumerate())
    assert len(node.requests) <= 4  # the page handed over, two waiting, and the one being read

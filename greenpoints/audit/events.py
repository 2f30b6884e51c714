"""Fetch a contract's logs in pages (one `eth_getLogs` per contract per block range) and decode them.

Decoding uses the contracts' ABIs from the compiled project with eth-abi directly: Ape's event
queries decode one log at a time and got very slow on long histories (docs/audit.md).
"""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from operator import attrgetter

from eth_abi import decode
from eth_utils import keccak, to_checksum_address

DEFAULT_PAGE = 5_000
"""Blocks per `eth_getLogs` request (halved automatically when a node refuses a range)."""


@dataclass(slots=True)
class Event:
    """One decoded log. Addresses are lower-case hex strings."""

    name: str
    args: dict
    block: int
    log_index: int
    tx: str
    source: str
    """Which contract emitted it: pool, registry, governor or asset."""
    time: int | None = None
    """Its block's timestamp, when the node gives it with the log (anvil and recent nodes do)."""

    @property
    def position(self) -> tuple[int, int]:
        return (self.block, self.log_index)


CHAIN_ORDER = attrgetter("block", "log_index")
"""Sort key of events in chain order."""


class Decoder:
    """Decodes the logs of one contract type by topic 0.

    An event whose fields are all static words (uintN, address, bool, bytes32: every event of the
    pool, and most of the others) gets a decoding function compiled from its ABI entry
    (`compile_event`): it slices the 32-byte words of the data and reads the topics in place, with no
    per-field call. Events with a dynamic field (a string, bytes) are decoded by eth-abi.
    tests/unit/audit/test_events.py checks both against eth-abi for every event of the shipped ABIs.
    """

    def __init__(self, contract_type, source: str, only: set[str] | None = None):
        self.source = source
        self.by_topic: dict[str, object] = {}
        for abi in contract_type.events:
            if only is not None and abi.name not in only:
                continue
            fields = [(i.name, i.canonical_type, bool(i.indexed)) for i in abi.inputs]
            topic = "0x" + keccak(text=abi.selector).hex()
            self.by_topic[topic] = compile_event(abi.name, fields, source)

    @property
    def topics(self) -> list[str]:
        return list(self.by_topic)

    def decode(self, log: dict) -> Event | None:
        topics = log["topics"]
        decode = self.by_topic.get(topics[0]) if topics else None
        return None if decode is None else decode(log)


_WORD = re.compile(r"uint([1-9][0-9]*)?|address|bool|bytes32")
"""The static one-word types read by slicing (anything else in the data: eth-abi)."""


def compile_event(name: str, fields: list[tuple[str, str, bool]], source: str):
    """A function log -> Event for the event `name` with `fields` [(name, canonical type, indexed)]
    in ABI order, emitted by `source`. The arguments come indexed fields first, then the data's.

    Generated from the ABI as Python source (as `dataclasses` and `namedtuple` build their methods):
    one expression per field, no loop and no call per field. Malformed words raise ValueError as
    eth-abi's strict decoding does: a uintN over N bits, an address or bool word with other bits set,
    data of the wrong length, a wrong number of topics.
    """
    if not all(part.isidentifier() for part in [name, *(field for field, _, _ in fields)]):
        raise ValueError(f"{name}: event and field names must be identifiers")
    indexed = [(field, kind) for field, kind, is_indexed in fields if is_indexed]
    plain = [(field, kind) for field, kind, is_indexed in fields if not is_indexed]
    static = all(_WORD.fullmatch(kind) for _, kind in plain)
    lines = ["def decode(log):", "    topics = log['topics']"]

    def check(condition: str, message: str) -> None:
        """A line of the function: raise ValueError(message, an f-string of its names) if condition."""
        lines.append(f"    if {condition}: raise ValueError(f'{name}: {message}')")

    check(f"len(topics) != {len(indexed) + 1}", f"{{len(topics)}} topics, the ABI has {len(indexed) + 1}")
    args = []
    for i, (field, kind) in enumerate(indexed, start=1):
        var = f"t{i}"
        if kind == "address":
            lines.append(f"    {var} = topics[{i}]")
            check(f"{var}[2:26] != ZERO24", f"{field}: not an address topic: {{{var}}}")
            args.append(f"'0x' + {var}[26:]")
        elif kind.startswith("uint") or kind == "bool":
            bits = 1 if kind == "bool" else int(kind[4:] or 256)
            lines.append(f"    {var} = int(topics[{i}], 16)")
            if bits < 256:
                check(f"{var} >> {bits}", f"{field}: {{{var}}} is not a {kind}")
            args.append(f"{var} == 1" if kind == "bool" else var)
        else:  # bytes32, and the hash of a dynamic indexed value
            args.append(f"fromhex(topics[{i}][2:])")
    if plain:
        lines.append("    data = fromhex(log['data'][2:])")
    if plain and static:
        check(f"len(data) != {32 * len(plain)}", f"{{len(data)}} bytes of data for {len(plain)} words")
        for j, (field, kind) in enumerate(plain):
            lo, hi, var = 32 * j, 32 * j + 32, f"w{j}"
            if kind == "address":
                check(
                    f"data[{lo}:{lo + 12}] != ZERO12",
                    f"{field}: not an address word: 0x{{data[{lo}:{hi}].hex()}}",
                )
                args.append(f"'0x' + data[{lo + 12}:{hi}].hex()")
            elif kind == "bytes32":
                args.append(f"data[{lo}:{hi}]")
            else:  # uintN, bool
                bits = 1 if kind == "bool" else int(kind[4:] or 256)
                lines.append(f"    {var} = from_bytes(data[{lo}:{hi}], 'big')")
                if bits < 256:
                    check(f"{var} >> {bits}", f"{field}: {{{var}}} is not a {kind}")
                args.append(f"{var} == 1" if kind == "bool" else var)
    elif plain:  # a dynamic field: eth-abi decodes the data
        types = [kind for _, kind in plain]
        lines.append(f"    values = abi_decode({types!r}, data)")
        for j, (_, kind) in enumerate(plain):
            args.append(f"values[{j}].lower()" if kind == "address" else f"values[{j}]")
    names = [field for field, _ in indexed] + [field for field, _ in plain]
    pairs = ", ".join(f"{field!r}: {value}" for field, value in zip(names, args, strict=True))
    lines += [
        "    stamp = log.get('blockTimestamp')",
        f"    return Event({name!r}, {{{pairs}}}, int(log['blockNumber'], 16), int(log['logIndex'], 16),",
        f"                 log['transactionHash'], {source!r}, int(stamp, 16) if stamp else None)",
    ]
    namespace = {
        "Event": Event,
        "fromhex": bytes.fromhex,
        "from_bytes": int.from_bytes,
        "abi_decode": decode,
        "ZERO12": bytes(12),
        "ZERO24": "0" * 24,
    }
    exec("\n".join(lines), namespace)  # noqa: S102 (source built above from the ABI's names and types)
    function = namespace["decode"]
    function.__name__ = function.__qualname__ = f"decode_{name}"
    function.source = "\n".join(lines)
    return function


def _hex(value: int) -> str:
    return hex(value)


def get_logs(web3, address: str, from_block: int, to_block: int, topics=None) -> list[dict]:
    """Raw logs of one contract in [from_block, to_block] (one JSON-RPC request)."""
    params = {"address": address, "fromBlock": _hex(from_block), "toBlock": _hex(to_block)}
    if topics:
        params["topics"] = topics
    if type(web3.provider).__name__ != "HTTPProvider":  # eth-tester: through web3's formatters
        params = {
            **params,
            "address": to_checksum_address(address),
            "fromBlock": from_block,
            "toBlock": to_block,
        }
        return [_normalise(log) for log in web3.eth.get_logs(params)]
    response = web3.provider.make_request("eth_getLogs", [params])
    if "error" in response:
        raise LogRangeError(str(response["error"].get("message", response["error"])))
    return response["result"]  # already hex strings


def _normalise(log) -> dict:
    """Logs as hex strings whatever the provider returns (eth-tester gives bytes and ints)."""

    def h(value):
        if isinstance(value, int):
            return hex(value)
        if isinstance(value, bytes | bytearray):
            return "0x" + bytes(value).hex()
        return value if str(value).startswith("0x") else "0x" + str(value)

    return {
        "topics": [h(t).lower() for t in log["topics"]],
        "data": h(log["data"]),
        "blockNumber": h(log["blockNumber"]),
        "logIndex": h(log["logIndex"]),
        "transactionHash": h(log["transactionHash"]).lower(),
    }


class LogRangeError(RuntimeError):
    """The node refused a log query (usually: too many results for the range)."""


def pages(from_block: int, to_block: int, size: int) -> Iterator[tuple[int, int]]:
    """Fixed pages of `size` blocks (`Pager` without `first`): benchmarks/side_by_side.py and
    benchmarks/audit_fold.py read with it, in this tree and in the older trees they measure."""
    return iter(Pager(from_block, to_block, size))


FIRST_PAGE = 64
"""Blocks in the first request of the audit's read: a probe of the chain's density."""

PAGE_LOGS = 20_000
"""Logs the audit's pages aim at (about 17 MB of JSON from anvil), so that a dense history comes in
several pages, each folded while the node prepares the next."""


class Pager:
    """The block ranges of one read, in order. With `first` set, each page after the first is sized
    from the last one's logs to hold about `PAGE_LOGS`, growing at most twofold a page, between 1
    block and `most`; without it, every page is `most` blocks (the monitor's and `fetch`'s pages)."""

    def __init__(self, from_block: int, to_block: int, most: int, first: int | None = None):
        self.start, self.end, self.most = from_block, to_block, max(1, most)
        self.size = self.most if first is None else max(1, min(first, self.most))
        self.adaptive = first is not None

    def __iter__(self) -> Iterator[tuple[int, int]]:
        while self.start <= self.end:
            lo, hi = self.start, min(self.end, self.start + self.size - 1)
            yield lo, hi
            self.start = hi + 1

    def told(self, blocks: int, logs: int) -> None:
        """The page just read had `blocks` blocks and `logs` logs: size the next one."""
        if self.adaptive:  # at most twice as many blocks as the last page: a quiet start misleads
            wanted = blocks * PAGE_LOGS // logs if logs else self.most
            self.size = max(1, min(self.most, 2 * blocks, wanted))


def read_range(web3, sources, lo: int, hi: int) -> tuple[list[tuple[dict, list[dict]]], int]:
    """The raw logs of every source in [lo, hi], as [(the source's decoders by topic, its logs)],
    and the requests made: the range is halved, and read again, while the node refuses it."""
    stack = [(lo, hi)]
    read: list[tuple[dict, list[dict]]] = []
    requests = 0
    while stack:
        a, b = stack.pop()
        try:
            batch = []
            for address, decoder, topics in sources:
                requests += 1
                batch.append((decoder.by_topic, get_logs(web3, address, a, b, topics)))
        except LogRangeError:
            if a == b:
                raise
            mid = (a + b) // 2
            stack += [(mid + 1, b), (a, mid)]
            continue
        read += batch
    return read, requests


def _raw_pages(web3, sources, from_block: int, to_block: int, page: int, first: int | None):
    """The raw logs of the range a page at a time: (`read_range`'s logs, the page's blocks, its
    requests), the pages as `Pager` sizes them. Shared by `fetch`, `read_pages` and `raw_read`."""
    pager = Pager(from_block, to_block, page, first)
    for lo, hi in pager:
        read, requests = read_range(web3, sources, lo, hi)
        pager.told(hi - lo + 1, sum(len(logs) for _, logs in read))
        yield read, hi - lo + 1, requests


def raw_read(web3, sources, from_block: int, to_block: int, page: int = DEFAULT_PAGE, first=None):
    """The requests `read_pages` makes for the same arguments, one after the other and undecoded:
    (logs, requests). The benchmarks' floor for reading a history (benchmarks/audit_speed.py)."""
    logs = requests = 0
    for read, _, made in _raw_pages(web3, sources, from_block, to_block, page, first):
        logs += sum(len(got) for _, got in read)
        requests += made
    return logs, requests


def _decoded(read: list[tuple[dict, list[dict]]]) -> list[Event]:
    events = []
    append = events.append
    for by_topic, logs in read:
        for log in logs:
            decode = by_topic.get(log["topics"][0]) if log["topics"] else None
            if decode is not None:
                append(decode(log))
    events.sort(key=CHAIN_ORDER)
    return events


_DONE = object()


def read_pages(
    web3, sources, from_block: int, to_block: int, page: int = DEFAULT_PAGE, first: int | None = None
) -> Iterator[tuple[list[Event], int, int]]:
    """The decoded events of `sources` [(address, decoder, topics filter)] in the range, a page at a
    time in chain order: (the page's events, its blocks, its log requests).

    On an HTTP node a reader thread requests page k+1 while the caller decodes and folds page k, so
    the node's work on a request overlaps the caller's (at most two pages wait, read, in memory).
    `first` makes the pages adaptive (`Pager`). An error of the node's comes out of the iterator;
    stopping the iteration early stops the reader after the request it is making.
    """
    if type(web3.provider).__name__ != "HTTPProvider":  # eth-tester is not thread-safe: one page
        events, requests = _fetch_embedded(web3, sources, from_block, to_block)
        yield events, max(to_block - from_block + 1, 0), requests
        return
    waiting: queue.Queue = queue.Queue(maxsize=2)
    stop = threading.Event()

    def hand_over(item) -> bool:
        while not stop.is_set():
            try:
                waiting.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def reader() -> None:
        try:
            for item in _raw_pages(web3, sources, from_block, to_block, page, first):
                if not hand_over(item):
                    return
            hand_over(_DONE)
        except BaseException as error:  # handed to the caller, raised there
            hand_over(error)

    thread = threading.Thread(target=reader, name="greenpoints-log-reader", daemon=True)
    thread.start()
    try:
        while True:
            item = waiting.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            read, blocks, requests = item
            yield _decoded(read), blocks, requests
    finally:
        stop.set()
        thread.join()


def fetch(
    web3, sources, from_block: int, to_block: int, page: int = DEFAULT_PAGE, on_blocks=None
) -> tuple[list[Event], int]:
    """Every decoded event of `sources` [(address, decoder, topics filter)] in the range, in chain
    order, and the number of log requests made, in pages of `page` blocks read one after the other
    (the monitor's way: it folds a page only once the whole page is read). `on_blocks(n)` is told of
    every page read."""
    if type(web3.provider).__name__ != "HTTPProvider":
        fetched = _fetch_embedded(web3, sources, from_block, to_block)
        if on_blocks is not None:
            on_blocks(max(to_block - from_block + 1, 0))
        return fetched
    events: list[Event] = []
    requests = 0
    for read, blocks, made in _raw_pages(web3, sources, from_block, to_block, page, None):
        events += _decoded(read)
        requests += made
        if on_blocks is not None:
            on_blocks(blocks)
    return events, requests


def _topic_matches(wanted, got: list, i: int) -> bool:
    """eth_getLogs' topic filter: None matches anything, a list any of its topics."""
    if wanted is None:
        return True
    if i >= len(got):
        return False
    return got[i] in wanted if isinstance(wanted, list) else got[i] == wanted


def _fetch_embedded(web3, sources, from_block: int, to_block: int) -> tuple[list[Event], int]:
    """The embedded chain (eth-tester): logs read from py-evm's blocks and receipts directly.

    eth-tester answers `eth_getLogs` by looking up every transaction's receipt by hash, and it finds
    a transaction by scanning the chain backwards from the head: quadratic in the length of the
    history (minutes for a 60-day simulation). Reading each block's receipts once is linear.
    """
    by_address: dict[str, list] = {}
    for address, decoder, topics in sources:
        by_address.setdefault(address.lower(), []).append((decoder, topics))
    evm = _pyevm_chain(web3)
    if evm is None:  # some other in-process provider: one combined query, filtered here
        params = {
            "address": [to_checksum_address(a) for a in by_address],
            "fromBlock": from_block,
            "toBlock": to_block,
        }
        logs = [(str(log["address"]).lower(), _normalise(log)) for log in web3.eth.get_logs(params)]
    else:
        logs = _pyevm_logs(evm, set(by_address), from_block, to_block)
    events = []
    for address, raw in logs:
        got = raw["topics"]
        for decoder, topics in by_address[address]:
            if topics and not all(_topic_matches(t, got, i) for i, t in enumerate(topics)):
                continue
            event = decoder.decode(raw)
            if event is not None:
                events.append(event)
                break
    events.sort(key=CHAIN_ORDER)
    return events, 1


def _pyevm_chain(web3):
    tester = getattr(web3.provider, "ethereum_tester", None)
    return getattr(getattr(tester, "backend", None), "chain", None)


def _pyevm_logs(evm, addresses: set[str], from_block: int, to_block: int) -> list[tuple[str, dict]]:
    """(address, log as hex strings) of `addresses` in the range, log index counted per block."""
    wanted = {bytes.fromhex(a[2:]) for a in addresses}
    head = evm.get_canonical_head().block_number
    out = []
    for number in range(from_block, min(to_block, head) + 1):
        block = evm.get_canonical_block_by_number(number)
        if not block.transactions:
            continue
        index = 0
        for tx, receipt in zip(block.transactions, block.get_receipts(evm.chaindb), strict=True):
            for log in receipt.logs:
                if log.address in wanted:
                    out.append(
                        (
                            "0x" + log.address.hex(),
                            {
                                "topics": ["0x" + t.to_bytes(32, "big").hex() for t in log.topics],
                                "data": "0x" + log.data.hex(),
                                "blockNumber": hex(number),
                                "blockTimestamp": hex(block.header.timestamp),
                                "logIndex": hex(index),
                                "transactionHash": "0x" + tx.hash.hex(),
                            },
                        )
                    )
                index += 1
    return out

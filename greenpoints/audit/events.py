"""Fetch a contract's logs in pages (one `eth_getLogs` per contract per block range) and decode them.

Decoding uses the contracts' ABIs from the compiled project with eth-abi directly: Ape's event
queries decode one log at a time and got very slow on long histories (docs/audit.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

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


class Decoder:
    """Decodes the logs of one contract type by topic 0."""

    def __init__(self, contract_type, source: str, only: set[str] | None = None):
        self.source = source
        self.by_topic: dict[str, tuple] = {}
        for abi in contract_type.events:
            if only is not None and abi.name not in only:
                continue
            indexed = [(i.name, i.canonical_type) for i in abi.inputs if i.indexed]
            plain = [(i.name, i.canonical_type) for i in abi.inputs if not i.indexed]
            topic = "0x" + keccak(text=abi.selector).hex()
            types = [t for _, t in plain]
            static = [_word_decoder(t) for t in types]
            fast = None if None in static else list(zip([n for n, _ in plain], static, strict=True))
            self.by_topic[topic] = (abi.name, indexed, [n for n, _ in plain], types, fast)

    @property
    def topics(self) -> list[str]:
        return list(self.by_topic)

    def decode(self, log: dict) -> Event | None:
        topics = log["topics"]
        spec = self.by_topic.get(topics[0]) if topics else None
        if spec is None:
            return None
        name, indexed, names, types, fast = spec
        args = {}
        for (field, kind), topic in zip(indexed, topics[1:], strict=True):
            args[field] = _topic_value(kind, topic)
        if fast is not None:  # every field one static word: slice, no eth-abi (5x faster)
            data = bytes.fromhex(log["data"][2:])
            if len(data) != 32 * len(fast):
                raise ValueError(f"{name}: {len(data)} bytes of data for {len(fast)} words")
            for i, (field, convert) in enumerate(fast):
                args[field] = convert(data[32 * i : 32 * i + 32])
        elif types:
            data = bytes.fromhex(log["data"][2:])
            for field, kind, value in zip(names, types, decode(types, data), strict=True):
                args[field] = value.lower() if kind == "address" else value
        stamp = log.get("blockTimestamp")
        return Event(
            name,
            args,
            int(log["blockNumber"], 16),
            int(log["logIndex"], 16),
            log["transactionHash"],
            self.source,
            int(stamp, 16) if stamp else None,
        )


def _uint_of(bits: int):
    top = 1 << bits

    def convert(word: bytes) -> int:
        value = int.from_bytes(word, "big")
        if value >= top:
            raise ValueError(f"0x{word.hex()} is not a uint{bits}")
        return value

    return convert


def _address(word: bytes) -> str:
    if word[:12] != bytes(12):
        raise ValueError(f"not an address word: 0x{word.hex()}")
    return "0x" + word[12:].hex()


def _bool(word: bytes) -> bool:
    return int.from_bytes(word, "big") != 0


def _bytes32(word: bytes) -> bytes:
    return word


def _word_decoder(kind: str):
    """A converter for one ABI word of a static type we emit, or None (then eth-abi decodes)."""
    if kind.startswith("uint"):
        return _uint_of(int(kind[4:] or 256))
    return {"address": _address, "bool": _bool, "bytes32": _bytes32}.get(kind)


def _topic_value(kind: str, topic: str):
    if kind == "address":
        return "0x" + topic[-40:]
    if kind.startswith("uint"):
        return int(topic, 16)
    if kind == "bool":
        return int(topic, 16) != 0
    return bytes.fromhex(topic[2:])  # bytes32 (and hashes of dynamic indexed values)


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
    start = from_block
    while start <= to_block:
        end = min(to_block, start + size - 1)
        yield start, end
        start = end + 1


def fetch(
    web3, sources, from_block: int, to_block: int, page: int = DEFAULT_PAGE, on_blocks=None
) -> tuple[list[Event], int]:
    """Every decoded event of `sources` [(address, decoder, topics filter)] in the range, in chain
    order, and the number of log requests made. `on_blocks(n)` is told of every page read."""
    events: list[Event] = []
    requests = 0
    if type(web3.provider).__name__ != "HTTPProvider":
        fetched = _fetch_embedded(web3, sources, from_block, to_block)
        if on_blocks is not None:
            on_blocks(max(to_block - from_block + 1, 0))
        return fetched
    for start, end in pages(from_block, to_block, page):
        stack = [(start, end)]
        while stack:
            lo, hi = stack.pop()
            try:
                batch = []
                for address, decoder, topics in sources:
                    requests += 1
                    for log in get_logs(web3, address, lo, hi, topics):
                        event = decoder.decode(log)
                        if event is not None:
                            batch.append(event)
            except LogRangeError:
                if hi == lo:
                    raise
                mid = (lo + hi) // 2
                stack += [(mid + 1, hi), (lo, mid)]
                continue
            events.extend(batch)
        if on_blocks is not None:
            on_blocks(end - start + 1)
    events.sort(key=lambda e: (e.block, e.log_index))
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
    events.sort(key=lambda e: (e.block, e.log_index))
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

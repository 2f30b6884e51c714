"""The audit's log decoder (`greenpoints.audit.events`) against eth-abi, for every event of the ABIs
shipped in abi/: the functions compiled from the ABI read the same values eth-abi reads, and refuse
the words eth-abi's strict decoding refuses."""

import json

import pytest
from eth_abi import decode, encode
from eth_abi.exceptions import DecodingError
from eth_utils import keccak
from ethpm_types import ContractType
from hypothesis import given
from hypothesis import strategies as st

from greenpoints.abi import ABI_DIR
from greenpoints.audit.events import Decoder

EVENTS = [
    (path.stem, item)
    for path in sorted(ABI_DIR.glob("*.json"))
    for item in json.loads(path.read_text())
    if item["type"] == "event"
]  # every event of every shipped ABI


def _data(event: dict) -> list[dict]:
    return [i for i in event["inputs"] if not i["indexed"]]


STATIC_WORDS = [
    (contract, event, field)
    for contract, event in EVENTS
    if all(i["type"] not in ("string", "bytes") for i in _data(event))
    for field in _data(event)
    if field["type"] in ("address", "bool")
    or (field["type"].startswith("uint") and field["type"] != "uint256")
]  # the data words of the static events that have bits a valid value never sets


def _decoder(contract: str, event: dict) -> Decoder:
    return Decoder(ContractType(abi=[event], contractName=contract), contract)


def _values(kind: str):
    if kind.startswith("uint"):
        return st.integers(0, 2 ** int(kind[4:] or 256) - 1)
    return {
        "address": st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex()),
        "bool": st.booleans(),
        "bytes32": st.binary(min_size=32, max_size=32),
        "string": st.text(max_size=80),
        "bytes": st.binary(max_size=200),
    }[kind]


def _log(event: dict, topics: list[bytes], data: bytes) -> dict:
    selector = f"{event['name']}({','.join(i['type'] for i in event['inputs'])})"
    return {
        "topics": ["0x" + keccak(text=selector).hex(), *("0x" + t.hex() for t in topics)],
        "data": "0x" + data.hex(),
        "blockNumber": "0x2a",
        "logIndex": "0x3",
        "transactionHash": "0x" + "ab" * 32,
        "blockTimestamp": "0x6553f100",
    }


def _lower(value):
    return value.lower() if isinstance(value, str) and value.startswith("0x") else value


@pytest.mark.parametrize(("contract", "event"), EVENTS, ids=[f"{c}.{e['name']}" for c, e in EVENTS])
@given(data=st.data())
def test_decode__any_event_of_the_shipped_abis__equals_eth_abi(contract, event, data):
    inputs = event["inputs"]
    values = {i["name"]: data.draw(_values(i["type"]), label=i["name"]) for i in inputs}
    indexed = [i for i in inputs if i["indexed"]]
    plain = _data(event)
    topics = [encode([i["type"]], [values[i["name"]]]) for i in indexed]  # our indexed fields are static
    payload = encode([i["type"] for i in plain], [values[i["name"]] for i in plain])
    got = _decoder(contract, event).decode(_log(event, topics, payload))
    # eth-abi's reading of the same topics and data
    want = {i["name"]: decode([i["type"]], t)[0] for i, t in zip(indexed, topics, strict=True)}
    want |= dict(zip([i["name"] for i in plain], decode([i["type"] for i in plain], payload), strict=True))
    assert got.name == event["name"]
    assert list(got.args) == [i["name"] for i in indexed + plain]
    assert got.args == {name: _lower(value) for name, value in want.items()}
    assert (got.block, got.log_index, got.time, got.source) == (42, 3, 0x6553F100, contract)


@pytest.mark.parametrize(
    ("contract", "event", "field"),
    STATIC_WORDS,
    ids=[f"{c}.{e['name']}.{f['name']}" for c, e, f in STATIC_WORDS],
)
@given(extra=st.integers(1, 2**256 - 1), data=st.data())
def test_decode__data_word_over_its_type__raises_as_eth_abi(contract, event, field, extra, data):
    plain = _data(event)
    bits = {"address": 160, "bool": 1}.get(field["type"]) or int(field["type"][4:])
    word = extra << bits
    if word >> 256:
        word = (word & (2**256 - 1)) | (1 << 255)  # still a bit above the type's
    words = [data.draw(_values(i["type"])) for i in plain]
    payload = b"".join(
        word.to_bytes(32, "big") if i is field else encode([i["type"]], [value])
        for i, value in zip(plain, words, strict=True)
    )
    topics = [encode([i["type"]], [data.draw(_values(i["type"]))]) for i in event["inputs"] if i["indexed"]]
    with pytest.raises(DecodingError):
        decode([i["type"] for i in plain], payload)
    with pytest.raises(ValueError, match=field["name"]):
        _decoder(contract, event).decode(_log(event, topics, payload))


@given(st.data())
def test_decode__address_topic_with_high_bits__raises(data):
    with_address_topics = [
        (c, e) for c, e in EVENTS if any(i["indexed"] and i["type"] == "address" for i in e["inputs"])
    ]
    contract, event = data.draw(st.sampled_from(with_address_topics))
    indexed = [i for i in event["inputs"] if i["indexed"]]
    bad = data.draw(st.sampled_from([i for i in indexed if i["type"] == "address"]))
    topics = [
        (data.draw(st.integers(1, 2**96 - 1)) << 160).to_bytes(32, "big")
        if i is bad
        else encode([i["type"]], [data.draw(_values(i["type"]))])
        for i in indexed
    ]
    plain = _data(event)
    payload = encode([i["type"] for i in plain], [data.draw(_values(i["type"])) for i in plain])
    with pytest.raises(ValueError, match=bad["name"]):
        _decoder(contract, event).decode(_log(event, topics, payload))


def test_decode__wrong_data_length__raises():
    contract, event = next((c, e) for c, e in EVENTS if e["name"] == "PurchaseRecorded")
    topics = [bytes(12) + b"\x01" * 20, bytes(12) + b"\x02" * 20, b"\x03" * 32]
    with pytest.raises(ValueError, match="PurchaseRecorded: 192 bytes of data for 7 words"):
        _decoder(contract, event).decode(_log(event, topics, bytes(192)))


def test_decode__unknown_topic__none():
    contract, event = EVENTS[0]
    log = _log(event, [], b"")
    log["topics"] = ["0x" + "00" * 32]
    assert _decoder(contract, event).decode(log) is None

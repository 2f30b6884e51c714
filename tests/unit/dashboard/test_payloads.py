"""Every alert kind and every event kind, with hostile payloads, through the store and the page's API.

The kinds are read from the code (the monitor's `SEVERITY`, the contracts' ABIs), so a new one is
covered without touching this file; `test_severity__every_kind_the_code_raises__listed` fails when an
alert kind is raised that `SEVERITY` does not list.
"""

from __future__ import annotations

import ast
import itertools
import json
import logging
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert
from starlette.testclient import TestClient

from greenpoints.audit.events import Event
from greenpoints.audit.monitor import SEVERITY, Alert
from greenpoints.dashboard import Store, create_app, wire
from greenpoints.dashboard.store import UNREADABLE_ALERT, alerts, default_url
from tests.unit.dashboard.test_app import ENDPOINTS, first_update

PACKAGE = Path(__file__).resolve().parents[3] / "greenpoints"
ALERT_KINDS = sorted(SEVERITY)
HOSTILE_TEXT = st.sampled_from(
    [
        "<script>window.pwned = 1</script>",
        "<img src=x onerror=alert(1)>",
        "\"'`${x}&amp;</li>",
        '{"$b": "zz"}',
        "\u202eevil\u0000nul",
        "价值 ✓ 🌱",
        "\ud7ff\ue000",
        "",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**53 - 2, max_value=2**256),
    st.integers(min_value=-(2**255), max_value=-(2**53 - 2)),
    st.floats(),
    st.binary(max_size=80),
    st.text(max_size=40),
    HOSTILE_TEXT,
)
KEYS = st.one_of(st.sampled_from(["$b", "$i", "$d", "platform", "<b>", "operation"]), st.text(max_size=12))
PAYLOADS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.tuples(inner, inner), st.dictionaries(KEYS, inner, max_size=4)
    ),
    max_leaves=12,
)
HOSTILE_DETAILS = {
    "operation": b"\x9a" * 32,
    "payload": bytes(range(256)),
    "amount": 2**256 - 1,
    "loss": -(2**200),
    "share": float("nan"),
    "label": "<script>window.pwned = 1</script>",
    "nested": {"$b": "zz", "x": [(1, b"")]},
}
"""The payload every kind is tried with, besides the generated ones."""
_targets = itertools.count()


def _strict(text: str):
    """JSON as a browser's `JSON.parse` takes it (no NaN, no Infinity)."""

    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def _safe(value) -> bool:
    """Nothing a browser would misread: no number beyond 2**53 - 1, no float JSON cannot hold."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return True
    if isinstance(value, int):
        return abs(value) <= wire.MAX_SAFE_INTEGER
    if isinstance(value, float):
        return value == value and abs(value) != float("inf")
    if isinstance(value, list):
        return all(_safe(v) for v in value)
    return isinstance(value, dict) and all(isinstance(k, str) and _safe(v) for k, v in value.items())


# ---------------------------------------------------------------- the alert kinds


def _with_every_kind(test):
    for kind in ALERT_KINDS + [UNREADABLE_ALERT]:
        test = example(kind=kind, details=HOSTILE_DETAILS, message="<b>bold</b> \u202e\u2028\x85\r\n")(test)
    return test


@pytest.fixture
def client(supervisor):
    return TestClient(create_app(supervisor))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kind=st.sampled_from(ALERT_KINDS + [UNREADABLE_ALERT]),
    details=st.dictionaries(KEYS, PAYLOADS, max_size=6),
    message=st.one_of(HOSTILE_TEXT, st.text(max_size=60)),
)
@_with_every_kind
def test_alerts__every_kind_with_hostile_details__every_endpoint_200_with_strict_json(
    client, supervisor, kind, details, message
):
    last = (supervisor.alerts(limit=1) or [{"id": 0}])[-1]["id"]
    alert = Alert(
        kind, SEVERITY.get(kind, "warning"), 7, 3, 1_700_000_000, "0x" + "ab" * 32, message, details
    )
    supervisor.store.save_page(
        supervisor.target,
        supervisor.chain_id,
        supervisor.monitor.cursor,
        supervisor.monitor.block_hash(supervisor.monitor.cursor),
        [(0, [], [alert], [])],
    )
    supervisor.version += 1
    for path in ENDPOINTS:
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.text[:300])
        assert _safe(_strict(answer.text))
    [served] = _strict(client.get(f"/api/alerts?after={last}").text)
    assert (served["kind"], served["message"]) == (kind, message)
    assert served["details"] == _strict(json.dumps(wire.jsonable(details)))
    update = first_update(client, after=last)
    assert update["alerts"] == [served] and _safe(update)


def test_jsonable__bytes_big_integers_and_nan__hex_text_and_numbers_kept():
    plain = wire.jsonable(
        {
            "id": b"\x01\xff",
            "big": 2**53,
            "edge": 2**53 - 1,
            "low": -(2**53),
            "nan": float("nan"),
            "pair": (1, b""),
            b"\x02": {1: 2},
        }
    )
    assert plain == {
        "id": "0x01ff",
        "big": str(2**53),
        "edge": 2**53 - 1,
        "low": str(-(2**53)),
        "nan": "nan",
        "pair": [1, "0x"],
        "0x02": {"1": 2},
    }


def test_dumps__plain_values__unchanged_numbers_and_text():
    assert _strict(wire.dumps({"a": [1, 2.5, "x", None, True]})) == {"a": [1, 2.5, "x", None, True]}


def test_dumps__line_separators_in_text__one_line_of_ascii():
    text = wire.dumps({"message": "a\nb\rc\x85d\u2028e\u2029f 价"})
    assert text.isascii() and len(text.splitlines()) == 1
    assert _strict(text) == {"message": "a\nb\rc\x85d\u2028e\u2029f 价"}


def _kinds_raised(tree: ast.AST) -> set[str]:
    """Alert kinds written in the source: `_raise("kind", ...)`, `Alert("kind", ...)`, `kind = "..."`,
    `kind, message = ("...", ...)`, f-strings as patterns (`f"{kind}_near_cap"` -> `.*_near_cap`), and
    the kinds in `ISSUER_LISTS`."""
    found: set[str] = set()

    def literal(node) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr):
            return "".join(v.value if isinstance(v, ast.Constant) else ".*" for v in node.values)
        return None

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name in ("_raise", "Alert", "_issuer"):
                args = node.args[:1] if name != "_issuer" else node.args[1:3]
                args += [k.value for k in node.keywords if k.arg == "kind"]
                found |= {text for text in map(literal, args) if text}
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                names = target.elts if isinstance(target, ast.Tuple) else [target]
                values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
                for t, v in zip(names, values, strict=False):
                    if isinstance(t, ast.Name) and t.id == "kind" and literal(v):
                        found.add(literal(v))
                if isinstance(target, ast.Name) and target.id == "ISSUER_LISTS":
                    for value in node.value.values:
                        found |= {literal(e) for e in value.elts[:2]}
    return found


def test_severity__every_kind_the_code_raises__listed():
    written = set()
    for path in PACKAGE.rglob("*.py"):
        written |= _kinds_raised(ast.parse(path.read_text()))
    assert len(written) >= 20, written  # the scan still finds the monitor's kinds
    missing = {k for k in written if not any(re.fullmatch(k, listed) for listed in ALERT_KINDS)}
    assert missing == set(), (
        f"alert kinds raised but not in SEVERITY (not covered by the page's tests): {missing}"
    )


def test_kinds_raised__a_kind_not_in_severity__found():
    source = 'def f(self, e):\n    self._raise("brand_new_kind", e, "msg")\n    kind = f"{x}_near_limit"\n'
    assert _kinds_raised(ast.parse(source)) == {"brand_new_kind", ".*_near_limit"}


# ---------------------------------------------------------------- the event kinds


def _event_kinds() -> list[tuple[str, str, list[tuple[str, str]]]]:
    from ape import project

    from greenpoints.interfaces import interface

    kinds = {}
    types = [
        (n, getattr(project, n).contract_type) for n in ("ValuePool", "Registry", "Governor", "Association")
    ]
    for contract, contract_type in types + [("IIssuerEvents", interface("IIssuerEvents"))]:
        for abi in contract_type.events:
            kinds[(contract, abi.name)] = [(i.name, i.canonical_type) for i in abi.inputs]
    return [(contract, name, inputs) for (contract, name), inputs in sorted(kinds.items())]


def _value(abi_type: str):
    if abi_type == "address":
        return st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex())
    if abi_type == "bool":
        return st.booleans()
    if abi_type == "string":
        return st.one_of(HOSTILE_TEXT, st.text(max_size=80))
    if abi_type == "bytes":
        return st.binary(max_size=300)
    if match := re.fullmatch(r"bytes(\d+)", abi_type):
        return st.binary(min_size=int(match[1]), max_size=int(match[1]))
    if match := re.fullmatch(r"(u?)int(\d+)", abi_type):
        bits = int(match[2])
        if match[1]:
            return st.one_of(st.integers(0, 2**bits - 1), st.just(2**bits - 1))
        return st.integers(-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
    raise AssertionError(f"no strategy for the ABI type {abi_type}: add one")


EVENT_KINDS = _event_kinds()


@pytest.fixture(scope="module")
def event_store(tmp_path_factory):
    return Store(default_url(tmp_path_factory.mktemp("events") / "events.sqlite"))


@pytest.mark.parametrize(
    ("contract", "name", "inputs"), EVENT_KINDS, ids=[f"{c}.{n}" for c, n, _ in EVENT_KINDS]
)
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_save_page__every_event_kind_with_hostile_args__read_back_equal_and_served_as_json(
    event_store, contract, name, inputs, data
):
    args = {field: data.draw(_value(abi_type), label=field) for field, abi_type in inputs}
    event = Event(name, args, 9, 0, "0x" + "cd" * 32, contract, 1_700_000_009)
    target = f"0x{next(_targets):040x}"
    event_store.save_page(target, 1, 9, "0x" + "00" * 32, [(0, [event], [], [])])
    assert event_store.events(target, 0) == [event]
    served = _strict(wire.dumps(args))
    assert _safe(served)
    for field, abi_type in inputs:
        if abi_type.startswith("bytes"):
            assert served[field] == "0x" + args[field].hex()


def test_event_kinds__governor__call_scheduled_with_its_bytes_covered():
    inputs = {name: dict(fields) for contract, name, fields in EVENT_KINDS if contract == "Governor"}
    assert inputs["CallScheduled"]["payload"] == "bytes" and inputs["CallScheduled"]["id"] == "bytes32"


# ---------------------------------------------------------------- rows the store cannot serve


def _raw_alert(store: Store, target: str, **columns) -> None:
    row = {
        "target": target,
        "platform": 0,
        "block": 3,
        "log_index": 0,
        "time": 1_700_000_000,
        "kind": "paused",
        "severity": "warning",
        "tx": "",
        "message": "m",
        "details": "{}",
        **columns,
    }
    with store.engine.begin() as db:
        db.execute(insert(alerts).values(**row))


@pytest.mark.parametrize(
    ("columns", "reason"),
    [
        ({"details": "{'order': b'\\x01'}"}, "details are not JSON"),
        ({"details": '{"order": {"$b": "not hex"}}'}, "non-hexadecimal"),
        ({"details": "[1, 2]"}, "details are list"),
        ({"severity": "loud"}, "severity 'loud'"),
        ({"time": "yesterday"}, "time is 'yesterday'"),
    ],
)
def test_alerts__row_it_cannot_read__one_unreadable_alert_logged_once_and_the_feed_goes_on(
    client, supervisor, caplog, columns, reason
):
    store, target = supervisor.store, supervisor.target
    _raw_alert(store, target, kind="paused", message="before")
    _raw_alert(store, target, **columns)
    _raw_alert(store, target, kind="unpaused", message="after")
    caplog.set_level(logging.WARNING, logger="greenpoints.dashboard")
    for _ in range(2):
        answer = client.get("/api/alerts")
        assert answer.status_code == 200
        before, broken, after = answer.json()
        assert (before["message"], after["message"]) == ("before", "after")
        assert broken["kind"] == UNREADABLE_ALERT and reason in broken["message"]
        assert broken["message"].startswith(f"alert {broken['id']} in the store cannot be read")
    assert first_update(client)["alerts"] == [before, broken, after]
    said = [r.getMessage() for r in caplog.records if "cannot be read" in r.getMessage()]
    assert len(said) == 1 and "\n" not in said[0]


def test_alerts__rows_written_by_the_older_encoding__served_with_bytes_as_hex(client, supervisor):
    _raw_alert(
        supervisor.store,
        supervisor.target,
        kind="rule_change_scheduled",
        details='{"operation": {"$b": "9a9a"}, "ready_at": 5, "used": {"$i": "12345678901234567890"}}',
    )
    [served] = client.get("/api/alerts").json()
    assert served["details"] == {"operation": "0x9a9a", "ready_at": 5, "used": "12345678901234567890"}


# ---------------------------------------------------------------- the page renders payloads as text


def test_app_js__payload_data__set_as_text_never_as_html():
    script = (PACKAGE / "dashboard" / "static" / "app.js").read_text()
    assert "textContent" in script
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in script, f"app.js uses {sink}: payload text could run as HTML or code"

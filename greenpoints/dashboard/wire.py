"""What the dashboard sends a browser: plain JSON that any client reads without losing a digit.

Events and alerts carry Python values the JSON standard has no word for (bytes, integers of 256
bits, the odd float). Every answer of the page's API and every server-sent update goes through
`jsonable` once, at the edge, so no kind of payload, new or old, can make an endpoint fail:

- bytes (order ids, governor operations and their payloads) as `0x` and lower-case hex;
- integers outside JavaScript's safe range (|n| > 2**53 - 1) as decimal text, so a browser does not
  round them (`494319755098771875` stays that, not `494319755098771900`); smaller ones as numbers;
- floats that JSON cannot hold (NaN, infinities) as text (`"nan"`, `"inf"`);
- tuples and sets as lists (sets sorted by their text), mapping keys as text;
- anything else (a Decimal, an object) as its `str`.

The store keeps its own exact encoding (docs/dashboard.md, "JSON endpoints").
"""

from __future__ import annotations

import json
import math

MAX_SAFE_INTEGER = 2**53 - 1
"""JavaScript's `Number.MAX_SAFE_INTEGER`: integers beyond it travel as decimal text."""


def jsonable(value):
    """`value` as plain JSON values (see the module doc); never raises."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER else str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return "0x" + bytes(value).hex()
    if isinstance(value, dict):
        return {_key(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((jsonable(v) for v in value), key=str)
    return str(value)


def _key(key) -> str:
    if isinstance(key, str):
        return key
    plain = jsonable(key)
    return plain if isinstance(plain, str) else json.dumps(plain)


def dumps(value) -> str:
    """`value` as strict JSON text, through `jsonable`: no NaN or infinities, and ASCII only, so a
    server-sent event stays one line for every client (U+2028 or U+0085 end a line for some)."""
    return json.dumps(jsonable(value), allow_nan=False, separators=(",", ":"))

"""A real history altered one change at a time, as a broken contract could have logged it: for the
tests that fold such histories and expect findings, never an exception (the audit's ledger and the
monitor's watcher, the association's people)."""

import dataclasses

STRANGER = "0x" + "5a" * 20
ZERO = "0x" + "0" * 40
WHOLE = ("dropped", "twice")
"""The changes of a whole event (the others change one field)."""


def others(value) -> list:
    """Other values of an event's field: an address becomes a stranger or the zero address, a number
    0 or 2**256 - 1, a flag the other, a bytes32 another word, a text empty or long."""
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        return [0, 2**256 - 1]
    if isinstance(value, bytes):
        return [b"\x01" * len(value)]
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return [STRANGER, ZERO]
    return ["", "x" * 300]


def alterations(events: list):
    """((source, name, what was done), the events) for each event dropped, logged twice, and each of
    its fields changed."""
    for i, e in enumerate(events):
        yield (e.source, e.name, "dropped"), events[:i] + events[i + 1 :]
        yield (e.source, e.name, "twice"), events[: i + 1] + [e] + events[i + 1 :]
        for key, value in e.args.items():
            for other in others(value):
                altered = list(events)
                altered[i] = dataclasses.replace(e, args={**e.args, key: other})
                yield (e.source, e.name, f"{key}={str(other)[:20]}"), altered


def outcomes(events: list, fold) -> tuple[list[str], list[tuple]]:
    """`fold(altered)` for each of `alterations(events)`: (every exception, as "source name change:
    Type: message", and [(what was done, what `fold` returned)] for the others)."""
    errors, results = [], []
    for what, altered in alterations(events):
        try:
            results.append((what, fold(altered)))
        except Exception as error:  # noqa: BLE001 (every error is a finding of the test that asks)
            errors.append(f"{' '.join(what)}: {type(error).__name__}: {error}")
    return errors, results

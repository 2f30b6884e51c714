"""Test helpers for the monitor: keyword options split into its settings object and the rest."""

from dataclasses import fields

from greenpoints.audit.monitor import MonitorSettings

SETTINGS = frozenset(f.name for f in fields(MonitorSettings))


def split(options: dict) -> dict:
    """`options` (page=1, guardian=..., ...) as Monitor's keywords: the settings gathered in one
    `MonitorSettings`, everything else (guardian, on_page, ...) as it was."""
    settings = {k: v for k, v in options.items() if k in SETTINGS}
    rest = {k: v for k, v in options.items() if k not in SETTINGS}
    return {**rest, "settings": MonitorSettings(**settings)}

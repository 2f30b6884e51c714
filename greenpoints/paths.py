"""Output paths checked before any work: a command that will write a file or a folder finds out at
once, not after an hour of simulation or three paid transactions, that it cannot."""

from __future__ import annotations

import os
from pathlib import Path


class OutputError(ValueError):
    """An output path that cannot be written; the message names the option and the reason."""


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(".")


def _check_creatable(path: Path, what: str) -> None:
    """`path` does not exist: the nearest existing folder above it must be a writable folder."""
    above = _nearest_existing(path.parent)
    if not above.is_dir():
        raise OutputError(f"{what}: cannot create {path}: {above} is a file, not a folder")
    if not os.access(above, os.W_OK | os.X_OK):
        raise OutputError(f"{what}: cannot create {path}: {above} is not writable")


def check_file(path: Path | str, what: str) -> Path:
    """A file path that can be written (created, with its folders, or overwritten)."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{what}: {path} is a folder, not a file")
    if path.exists():
        if not os.access(path, os.W_OK):
            raise OutputError(f"{what}: {path} is not writable")
    else:
        _check_creatable(path, what)
    return path


def check_dir(path: Path | str, what: str) -> Path:
    """A folder path that can be written into (created, with its parents, if missing)."""
    path = Path(path)
    if path.exists():
        if not path.is_dir():
            raise OutputError(f"{what}: {path} is a file, not a folder")
        if not os.access(path, os.W_OK | os.X_OK):
            raise OutputError(f"{what}: {path} is not writable")
    else:
        _check_creatable(path, what)
    return path

"""Output paths checked before any work: a command that will write a file or a folder finds out at
once, not after an hour of simulation or three paid transactions, that it cannot."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


class OutputError(ValueError):
    """An output path that cannot be written; the message names the option and the reason."""


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(".")


def _try_writing_in(folder: Path) -> str | None:
    """Why a file cannot be created in `folder` (a probe file is created and removed), or None.
    Permission bits are not enough: root passes `os.access` on /proc and on read-only mounts."""
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".greenpoints-probe-"):
            return None
    except OSError as err:
        return err.strerror or type(err).__name__


def _check_creatable(path: Path, what: str) -> None:
    """`path` does not exist: the nearest existing folder above it must be a folder we can write in."""
    above = _nearest_existing(path.parent)
    if not above.is_dir():
        raise OutputError(f"{what}: cannot create {path}: {above} is a file, not a folder")
    if not os.access(above, os.W_OK | os.X_OK):
        raise OutputError(f"{what}: cannot create {path}: {above} is not writable")
    if (reason := _try_writing_in(above)) is not None:
        raise OutputError(f"{what}: cannot create {path}: {above} is not writable ({reason})")


def check_file(path: Path | str, what: str) -> Path:
    """A file path that can be written (created, with its folders, or overwritten)."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{what}: {path} is a folder, not a file")
    if path.exists():
        if not os.access(path, os.W_OK):
            raise OutputError(f"{what}: {path} is not writable")
        try:
            with open(path, "ab"):  # appends nothing: the file is left as it is
                pass
        except OSError as err:
            raise OutputError(f"{what}: {path} is not writable ({err.strerror})") from err
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
        if (reason := _try_writing_in(path)) is not None:
            raise OutputError(f"{what}: {path} is not writable ({reason})")
    else:
        _check_creatable(path, what)
    return path

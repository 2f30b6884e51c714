"""The programs Ape runs, found from `.venv/bin/ape` (or `.venv/bin/python`) without an activated venv.

- `vyper`: ape-vyper compiles with the `vyper` executable it finds on PATH when that version is the
  installed package's (0.4.3), and otherwise looks only in vvm's folder (~/.vvm). A shell that has not
  activated the venv has no `vyper` on PATH, so every compilation stopped with "vyper 0.4.3 has not
  been installed". The venv's bin folder (this interpreter's) goes first on PATH, as activation does.
- `anvil`: ape-foundry and `greenpoints.anvil` look on PATH; `make install` puts it in
  node_modules/.bin (npm's @foundry-rs/anvil).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

VENV_BIN = Path(sys.executable).parent
"""This interpreter's bin folder: the venv's, with its `vyper` (and `ape`)."""
REPO_BIN = Path(__file__).resolve().parents[1] / "node_modules" / ".bin"
"""Where `make install` (`npm ci`) puts anvil."""
ANVIL_MISSING = (
    "anvil is needed and is not installed: run `make install` "
    "(or `npm ci`, which puts it in node_modules/.bin)"
)


def anvil_binary() -> str | None:
    """anvil on PATH, else the one `make install` put in node_modules/.bin; None when neither."""
    found = shutil.which("anvil")
    if found:
        return found
    local = REPO_BIN / "anvil"
    return str(local) if local.exists() else None


def put_on_path() -> None:
    """The venv's bin folder first on PATH (its `vyper` is the one ape-vyper runs), unless PATH finds
    that same `vyper` already; node_modules/.bin last when PATH has no anvil."""
    path = os.environ.get("PATH", "")
    vyper = VENV_BIN / "vyper"
    if vyper.exists() and shutil.which("vyper") != str(vyper):
        path = f"{VENV_BIN}{os.pathsep}{path}" if path else str(VENV_BIN)
    if shutil.which("anvil", path=path) is None and (REPO_BIN / "anvil").exists():
        path = f"{path}{os.pathsep}{REPO_BIN}" if path else str(REPO_BIN)
    os.environ["PATH"] = path

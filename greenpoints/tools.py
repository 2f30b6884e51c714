"""The programs Ape runs, found from `.venv/bin/ape` (or `.venv/bin/python`) without an activated venv.

- `vyper`: ape-vyper compiles with the `vyper` executable it finds on PATH when that version is the
  installed package's (0.4.3), and otherwise looks only in vvm's folder (~/.vvm). A shell that has not
  activated the venv has no `vyper` on PATH, so every compilation stopped with "vyper 0.4.3 has not
  been installed". The venv's bin folder (this interpreter's) goes first on PATH, as activation does.
- `anvil`: ape-foundry and `greenpoints.anvil` look on PATH; `make install` puts it in
  node_modules/.bin (npm's @foundry-rs/anvil). That `anvil` is a Node.js launcher, which runs the
  platform's binary as its child, passes a SIGTERM on and exits at once, while the binary may still
  be saving its chain and holding its port: the nodes this package starts run the binary itself
  (`anvil_binary`), so that a node's process gone means the node gone.
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
    """The anvil to run: on PATH, else the one `make install` put in node_modules/.bin; None when
    neither. npm's launcher is replaced by the binary it would run (`npm_binary`)."""
    found = shutil.which("anvil")
    if not found:
        local = REPO_BIN / "anvil"
        found = str(local) if local.exists() else None
    return npm_binary(found) if found else None


def npm_binary(path: str) -> str:
    """`path` itself, unless it is npm's `@foundry-rs/anvil` launcher (`bin.mjs`, a Node.js script
    that spawns the platform's binary and exits as soon as it has passed a signal on): then the
    binary of the platform package npm installed beside it (`@foundry-rs/anvil-<os>-<arch>/bin/anvil`,
    the only one npm puts there), or the launcher when there is none."""
    real = Path(path).resolve()
    if real.name != "bin.mjs" or real.parent.name != "anvil" or real.parent.parent.name != "@foundry-rs":
        return path
    for binary in sorted(real.parent.parent.glob("anvil-*/bin/anvil")):
        if binary.is_file() and os.access(binary, os.X_OK):
            return str(binary)
    return path


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

"""A local chain that stays up between commands: anvil in the background, its state kept on disk.

Ape's embedded chain and the anvil that ape-foundry starts for a command both vanish when the command
exits, so a deployment cannot be simulated on, audited or monitored by the next command. `start()`
(`make node`, `ape run node start`) runs anvil detached from the terminal, with the test accounts of
ape-config.yaml, and writes `.node/node.json` (its URL and process id). anvil saves the chain (blocks,
logs and state) to `.node/state.json` every 30 seconds and when it is stopped, and loads it at the
next start, so a deployment survives a stop and a restart. A node that ends without `stop` (killed,
crashed, the machine restarted) comes back as it was last saved: what it did after that save is
lost, and the next `start`, `stop` or `status` says so (`unclean_end`), as do the scripts that then
miss a deployment made after that save (`reset_note`). Every greenpoints script connects to
that node on `--network ethereum:local:foundry` (`greenpoints.cli` sets `APE_FOUNDRY_HOST` to it), and
says so when none is running and ape-foundry starts a throwaway one instead.

The folder is `.node/` under the current directory (the project), the port 8545 unless
`GREENPOINTS_NODE_PORT` or `--port` says otherwise.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from .anvil import MNEMONIC, _port_open
from .tools import ANVIL_MISSING, REPO_BIN, anvil_binary  # noqa: F401  (REPO_BIN: where make install puts anvil)

NODE_DIR = Path(".node")
"""Where the node keeps node.json, state.json and anvil.log (relative to the project)."""
DEFAULT_PORT = 8545
STATE_INTERVAL = 30
"""Seconds between anvil's saves of the chain to state.json (it also saves when stopped)."""
ACCOUNTS = 16
"""Test accounts, as ape-config.yaml's `test.number_of_accounts`."""


class NodeError(RuntimeError):
    """The node could not be started, found or stopped; the message says what to do."""


@dataclass(frozen=True)
class NodeInfo:
    """A running node, as node.json records it."""

    url: str
    port: int
    pid: int
    state: str
    log: str
    started: int

    @property
    def alive(self) -> bool:
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
        return _port_open(self.port)


def default_port() -> int:
    value = os.environ.get("GREENPOINTS_NODE_PORT", "")
    if not value:
        return DEFAULT_PORT
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise NodeError(f"GREENPOINTS_NODE_PORT={value!r} is not a port number")
    return int(value)


def _record(directory: Path) -> NodeInfo | None:
    """The node that node.json says was started from `directory`, up or not; None without one."""
    try:
        return NodeInfo(**json.loads((Path(directory) / "node.json").read_text()))
    except (OSError, ValueError, TypeError):
        return None


def running(directory: Path = NODE_DIR) -> NodeInfo | None:
    """The node started from `directory`, if it is still up; None otherwise."""
    info = _record(directory)
    return info if info is not None and info.alive else None


@dataclass(frozen=True)
class UncleanEnd:
    """A node whose process is gone while its record (node.json) remains: it ended without `stop`."""

    pid: int
    saved: float | None
    """When its chain was last saved (state.json): what it did after that is lost; None when it was
    never saved (the next start begins a new chain)."""

    def note(self) -> str:
        ended = f"the last node (process {self.pid}) ended without `make node-stop` (killed or crashed)"
        if self.saved is None:
            return f"{ended} before its chain was first saved: the next start begins a new chain"
        at = time.strftime("%H:%M:%S", time.localtime(self.saved))
        return f"{ended}: its chain is kept as saved at {at}, and what it did after that is lost"


def unclean_end(directory: Path = NODE_DIR) -> UncleanEnd | None:
    """The node that ended without `stop`, if the record says one ran and its process is gone; None
    when the last node was stopped (`stop` deletes the record) or still runs."""
    info = _record(directory)
    if info is None or info.alive:
        return None
    try:
        saved = Path(info.state).stat().st_mtime
    except OSError:
        saved = None
    return UncleanEnd(info.pid, saved)


def _settle(directory: Path, end: UncleanEnd) -> None:
    """Book the loss of an unclean end in chain.json (what was made between the last save and now is
    gone: `reset_note`) and delete the dead node's record."""
    path = directory / "chain.json"
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        record = None
    if isinstance(record, dict) and end.saved is not None:  # never saved: the next chain is new
        record.setdefault("lost", []).append([end.saved, time.time()])
        path.write_text(json.dumps(record) + "\n")
    (directory / "node.json").unlink(missing_ok=True)


def start(
    directory: Path = NODE_DIR, *, port: int | None = None, fresh: bool = False
) -> tuple[NodeInfo, bool]:
    """Start the node (or find it running); returns it and whether it was started now.

    `fresh` deletes the saved chain first (only when the node is stopped)."""
    directory = Path(directory)
    if (info := running(directory)) is not None:
        if fresh:
            raise NodeError(f"the node is running at {info.url}: stop it before starting a fresh chain")
        return info, False
    binary = anvil_binary()
    if binary is None:
        raise NodeError(ANVIL_MISSING)
    port = port or default_port()
    if (end := unclean_end(directory)) is not None:
        _settle(directory, end)
    if _port_open(port):
        raise NodeError(
            f"port {port} is in use by another program: start the node on another port "
            f"(GREENPOINTS_NODE_PORT=8546 make node, or `ape run node start --port 8546`)"
        )
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise NodeError(f"cannot create {directory}/ ({err.strerror})") from err
    state, log = directory / "state.json", directory / "anvil.log"
    if fresh:
        state.unlink(missing_ok=True)
    if not state.exists():  # a new chain from block 0: records made before it name nothing on it
        began = {"began": time.time(), "fresh": fresh}
        (directory / "chain.json").write_text(json.dumps(began) + "\n")
    command = [binary, "--port", str(port), "--mnemonic", MNEMONIC, "--accounts", str(ACCOUNTS)]
    command += ["--state", str(state), "--state-interval", str(STATE_INTERVAL), "--silent"]
    with open(log, "ab") as out:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True
        )
    deadline = time.monotonic() + 30
    while not _port_open(port):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            tail = log.read_text(errors="replace").strip().splitlines()[-1:] if log.exists() else []
            raise NodeError(
                f"anvil did not start on port {port}: {tail[0] if tail else 'timed out'} (see {log})"
            )
        time.sleep(0.05)
    info = NodeInfo(
        url=f"http://127.0.0.1:{port}",
        port=port,
        pid=process.pid,
        state=str(state),
        log=str(log),
        started=int(time.time()),
    )
    (directory / "node.json").write_text(json.dumps(asdict(info), indent=2) + "\n")
    return info, True


def chain_began(directory: Path = NODE_DIR) -> tuple[float, bool] | None:
    """When the node's chain began at block 0 (unix time), and whether `--fresh` threw the saved one
    away; None when unknown. Kept in `.node/chain.json` across stops and restarts of that chain."""
    try:
        record = json.loads((Path(directory) / "chain.json").read_text())
        return float(record["began"]), bool(record.get("fresh"))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def chain_losses(directory: Path = NODE_DIR) -> list[tuple[float, float]]:
    """The stretches the node's chain lost, as (last save, restart) pairs: each node that ended
    without `stop` lost what it did after its last save (`unclean_end`), booked in chain.json."""
    try:
        lost = json.loads((Path(directory) / "chain.json").read_text()).get("lost", [])
        return [(float(saved), float(back)) for saved, back in lost]
    except (OSError, ValueError, TypeError, AttributeError):
        return []


def reset_note(record: Path | str, directory: Path = NODE_DIR) -> str | None:
    """One sentence when `record` (a deployment record) was written before the running node's chain
    began, or after the last save of a node that then ended without a stop: its contracts were on a
    chain this one does not hold; None otherwise."""
    info, began = running(directory), chain_began(directory)
    if info is None or began is None or os.environ.get("APE_FOUNDRY_HOST", info.url) != info.url:
        return None
    try:
        written = Path(record).stat().st_mtime
    except OSError:
        return None
    if written < began[0]:
        at = time.strftime("%H:%M", time.localtime(began[0]))
        how = "was started fresh" if began[1] else "started a new chain"
        return f"the node {how} at {at}; {record} was made on the chain before it: deploy again"
    for saved, back in chain_losses(directory):
        if saved < written < back:
            return (
                f"{record} was made after {time.strftime('%H:%M:%S', time.localtime(saved))}, the last "
                f"save of a node that then ended without `make node-stop`; the node came back at "
                f"{time.strftime('%H:%M', time.localtime(back))} without it: deploy again"
            )
    return None


def stop(directory: Path = NODE_DIR, *, timeout: float = 30) -> NodeInfo | None:
    """Stop the node (anvil saves the chain as it exits); None when none was running. Returns once
    the node's process has exited: anvil itself, which `start` runs rather than npm's launcher
    (`tools.anvil_binary`), so the chain is saved and the port free by then."""
    info = running(directory)
    if info is None:
        if (end := unclean_end(directory)) is not None:
            _settle(Path(directory), end)
        (Path(directory) / "node.json").unlink(missing_ok=True)
        return None
    os.kill(info.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:  # reap it when it is our own child (started by this process)
            if os.waitpid(info.pid, os.WNOHANG)[0]:
                break
        except ChildProcessError:
            pass
        try:
            os.kill(info.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        raise NodeError(f"anvil (process {info.pid}) did not stop within {timeout:.0f} s")
    (Path(directory) / "node.json").unlink(missing_ok=True)
    return info


NO_NODE = (
    "note: no node is running, so ape started one for this command only: what it deploys vanishes "
    "when the command exits (start a node that stays up with `make node`)"
)
EMBEDDED = (
    "note: the embedded chain vanishes when this command exits: to keep a deployment, start a node "
    "(`make node`) and use --network ethereum:local:foundry"
)


def ephemeral_note() -> str | None:
    """A note when the chain of the connected provider vanishes with this command (Ape's embedded
    chain, or an anvil ape-foundry started because no node runs); None on a node that stays up."""
    from ape import chain

    provider = chain.provider
    if provider.name == "test":
        return EMBEDDED
    if provider.name == "foundry" and getattr(provider, "process", None) is not None:
        return NO_NODE
    return None


def block_number(url: str) -> int | None:
    """The node's head block, or None when it does not answer."""
    import urllib.request

    request = urllib.request.Request(
        url,
        json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []}).encode(),
        {"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=2) as answer:
            return int(json.load(answer)["result"], 16)
    except (OSError, ValueError, KeyError):
        return None

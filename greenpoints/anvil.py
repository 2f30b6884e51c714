"""A local anvil node tuned for throughput, for benchmarks and the fast simulation backend.

ape-foundry starts anvil with `--steps-tracing` (so Ape can show traces), which makes large
transactions several times slower, and anvil keeps writing old states to disk as history grows
(per-transaction latency rose from ~10 ms to ~45 ms after ~2,500 blocks here). `anvil_node()` starts
anvil without step tracing and with `--prune-history`; Ape connects to it when `APE_FOUNDRY_HOST`
points at it (ape-foundry then uses the running node instead of starting its own).
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

from .tools import ANVIL_MISSING, anvil_binary

MNEMONIC = "test test test test test test test test test test test junk"
"""The mnemonic of ape-config.yaml's test accounts (anvil derives the same accounts)."""


class NodeError(RuntimeError):
    """anvil could not be started."""


PORT_WAIT = 10.0
"""Seconds `anvil_node` waits for a port still held (a node just stopped) before calling it taken."""


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(port: int | None = None, args: list[str] = ()) -> tuple[subprocess.Popen, str]:
    """Start anvil with `args` on `port` (a free one by default) and wait until it listens; the
    process and its URL. The caller stops it (`stop`)."""
    binary = anvil_binary()
    if binary is None:
        raise NodeError(ANVIL_MISSING)
    port = port or free_port()
    # A node just stopped on this port (a restart on the same port) may still be letting it go: wait
    # for it a little before calling the port taken.
    freed = time.monotonic() + PORT_WAIT
    while _port_open(port):
        if time.monotonic() > freed:
            raise NodeError(f"port {port} is already in use")
        time.sleep(0.1)
    command = [binary, "--port", str(port), *args]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 15
    while not _port_open(port):
        if process.poll() is not None or time.monotonic() > deadline:
            stop(process)
            error = process.stderr.read().decode(errors="replace").strip() if process.stderr else ""
            raise NodeError(f"anvil did not start on port {port}: {error or 'timed out'}")
        time.sleep(0.05)
    return process, f"http://127.0.0.1:{port}"


def stop(process: subprocess.Popen) -> None:
    """Stop an anvil `launch` started, and wait until it is gone (and its port with it)."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def anvil_node(port: int | None = None, *, accounts: int = 16) -> Iterator[str]:
    """Start anvil on `port` (a free one by default), set APE_FOUNDRY_HOST to it, yield its URL,
    and stop it afterwards."""
    args = ["--mnemonic", MNEMONIC, "--accounts", str(accounts), "--prune-history", "--silent"]
    process, url = launch(port, args)
    previous = os.environ.get("APE_FOUNDRY_HOST")
    try:
        os.environ["APE_FOUNDRY_HOST"] = url
        yield url
    finally:
        if previous is None:
            os.environ.pop("APE_FOUNDRY_HOST", None)
        else:
            os.environ["APE_FOUNDRY_HOST"] = previous
        stop(process)

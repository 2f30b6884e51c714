"""`ape run` for the tests, each command still a process of its own, without paying Ape's imports
every time: a fork server.

Of the two seconds of CPU a one-line refusal of `ape run` costs, about 1.2 go to importing Ape and
the libraries under it (py-evm, web3, pandas, ethpm-types, pydantic): the same work, the same
result, in every one of the ~150 `ape run` processes of `tests/scripts` and `tests/integration`.
The server imports those libraries once, then forks a child for each command; the child takes the
command's environment, working directory and standard streams, and runs Ape's console entry point
as `.venv/bin/ape` does (`ape._cli.cli`). What the command does from there is what a user's `ape
run` does, in a process of its own: Ape registers its plugins, reads the project's configuration,
loads the script and connects to the network in the child, and nothing of this repository
(`greenpoints`, `scripts/`) is imported before the fork. Only third-party modules that read nothing
of the environment when imported are preloaded (`PRELOAD`).

What stays a cold process: every test that starts `ape run` itself (`subprocess.Popen`: the
monitor, the page, Ctrl-C through a terminal), the README walkthrough (a shell typing each
command), and the first hour's tests of a fresh copy. `GREENPOINTS_COLD_APE=1` makes `tests.cli.run`
start every command cold too (docs/testing.md has the figures of both).

Run as `python tests/warm_ape.py SOCKET` by `WarmApe`; the server ends when its standard input
closes (the test process that started it has ended).
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PRELOAD = (
    "numpy",
    "pandas",
    "pydantic",
    "click",
    "yaml",
    "requests",
    "eth_abi",
    "eth_account",
    "eth.vm.forks",
    "eth_tester",
    "web3",
    "ethpm_types",
    "ape.utils.basemodel",
    "ape.api",
    "ape.managers.chain",
    "ape.managers.networks",
    "ape_ethereum.ecosystem",
    "ape_ethereum.provider",
    "ape_test.provider",
)
"""What the server imports before forking: the libraries an `ape run` always imports (by
`python -X importtime`, 2026-12-04), and none of this repository's modules."""


def _serve(path: str) -> dict:
    """Import `PRELOAD`, then answer requests on the Unix socket `path`, one at a time: fork a child
    for each and report its pid, then its exit code. Returns only in a child, with its request."""
    os.environ["OPENBLAS_NUM_THREADS"] = "1"  # no thread of numpy's in the process that forks
    for name in PRELOAD:
        importlib.import_module(name)
    if threading.active_count() != 1:
        raise SystemExit(f"warm_ape: a preloaded module started a thread: {threading.enumerate()}")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen()
    while True:
        ready, _, _ = select.select([listener, sys.stdin], [], [])
        if sys.stdin in ready:  # the test process has gone: so does the server
            raise SystemExit(0)
        conn, _ = listener.accept()
        with conn:
            request = json.loads(conn.makefile("r").readline())
            pid = os.fork()
            if pid == 0:
                listener.close()
                return request
            _reply(conn, pid)
            _, status = os.waitpid(pid, 0)  # (a client that timed out has killed it)
            _reply(conn, os.waitstatus_to_exitcode(status))


def _reply(conn: socket.socket, number: int) -> None:
    """One line to the client; a client that gave up waiting (a timeout) has closed its end."""
    with contextlib.suppress(OSError):
        conn.sendall(f"{number}\n".encode())


def _become(request: dict) -> None:
    """In the child: the command's working directory, environment, streams and arguments, as a
    fresh `ape` process would have them."""
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    for fd, name, flags in [
        (0, os.devnull, os.O_RDONLY),
        (1, request["stdout"], os.O_WRONLY | os.O_TRUNC),
        (2, request["stderr"], os.O_WRONLY | os.O_TRUNC),
    ]:
        opened = os.open(name, flags)
        os.dup2(opened, fd)
        os.close(opened)
    sys.argv = list(request["argv"])
    sys.path[0] = str(Path(request["argv"][0]).parent)  # the entry script's folder, as for `ape`
    signal.signal(signal.SIGINT, signal.default_int_handler)


def main() -> None:
    request = _serve(sys.argv[1])
    _become(request)
    from ape._cli import cli  # as .venv/bin/ape

    sys.exit(cli())


class WarmApe:
    """The client: one server per test process, started at the first command."""

    def __init__(self, root: Path):
        self.folder = tempfile.mkdtemp(prefix="warm-ape-")
        self.path = os.path.join(self.folder, "socket")
        self.lock = threading.Lock()
        self.log = Path(self.folder, "server.log")
        with self.log.open("w") as log:
            self.server = subprocess.Popen(
                [sys.executable, str(Path(__file__)), self.path],  # a script, as `ape` is: no package
                cwd=root,
                stdin=subprocess.PIPE,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        atexit.register(self.close)
        deadline = time.monotonic() + 120
        while not os.path.exists(self.path):
            if self.server.poll() is not None:
                raise RuntimeError(f"warm_ape did not start: {self.log.read_text()}")
            if time.monotonic() > deadline:
                raise RuntimeError("warm_ape did not start within 120 s")
            time.sleep(0.02)

    def run(self, argv: list[str], env: dict, cwd: Path, timeout: float) -> subprocess.CompletedProcess:
        """`subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)`
        for an `ape` command line, through the server."""
        with self.lock, tempfile.TemporaryDirectory(dir=self.folder) as tmp:
            out, err = Path(tmp, "stdout"), Path(tmp, "stderr")
            out.touch()
            err.touch()
            request = {"argv": argv, "env": env, "cwd": str(cwd), "stdout": str(out), "stderr": str(err)}
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
                conn.connect(self.path)
                conn.sendall(json.dumps(request).encode() + b"\n")
                answers = conn.makefile("r")
                pid = int(answers.readline())
                conn.settimeout(timeout)
                try:
                    code = int(answers.readline())
                except TimeoutError:
                    os.kill(pid, signal.SIGKILL)
                    raise subprocess.TimeoutExpired(argv, timeout, out.read_text(), err.read_text()) from None
            return subprocess.CompletedProcess(argv, code, out.read_text(), err.read_text())

    def close(self) -> None:
        if self.server.poll() is None:
            self.server.stdin.close()
            self.server.wait(timeout=30)
        shutil.rmtree(self.folder, ignore_errors=True)


if __name__ == "__main__":
    main()

"""`make dashboard-demo`: the monitoring page on a local association with activity.

Starts an anvil of its own (stopped when the page stops), deploys an association with two platforms
(`ape run deploy --association`), simulates the baseline scenario for 14 days on a third platform
(`ape run simulate --association`), then serves `ape run dashboard --association` on
http://127.0.0.1:8000/ (`--port N`; `make dashboard-demo DASHBOARD_PORT=N`) until Ctrl-C. Each step is
the script a user would run, in its own process.

Ctrl-C ends it with one line and exit code 0. Run by make, the terminal's Ctrl-C would reach make
too, and make ends interrupted (`make: *** ... Error 130`, status 130) whatever the demo does; so the
demo takes the terminal's foreground for its own process group while it runs (as a shell does for a
job) and gives it back at the end: Ctrl-C reaches the demo and its steps, not make.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from ..anvil import NodeError, anvil_node

NETWORK = ["--network", "ethereum:local:foundry"]
OUT = Path("results") / "dashboard-demo"


class Stopped(Exception):
    """Ctrl-C: a step was interrupted."""


def _ape(*args: str, check: bool = True) -> int:
    command = [str(Path(sys.executable).parent / "ape"), "run", *args, *NETWORK, "-v", "WARNING"]
    print("$ ape run " + " ".join(args + tuple(NETWORK)), flush=True)
    interrupted = []
    # The step gets the terminal's Ctrl-C itself (the page stops cleanly); the demo notes it and waits.
    previous = signal.signal(signal.SIGINT, lambda *_: interrupted.append(True))
    try:
        code = subprocess.call(command)
    finally:
        signal.signal(signal.SIGINT, previous)
    if interrupted or code == 130:
        raise Stopped(args[0])
    if check and code != 0:
        raise SystemExit(f"dashboard-demo: `ape run {args[0]}` failed (exit {code})")
    return code


@contextlib.contextmanager
def own_terminal() -> Iterator[None]:
    """This process group in the terminal's foreground while inside: Ctrl-C reaches this process and
    its children, not the make that started it. Nothing happens without a terminal, or when this
    process is not in the foreground (a background job)."""
    try:
        tty = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        yield
        return
    try:
        before = os.tcgetpgrp(tty)
        if before != os.getpgrp():
            yield
            return
        os.setpgid(0, 0)
        ttou = signal.signal(signal.SIGTTOU, signal.SIG_IGN)  # a background group may take it back
        try:
            os.tcsetpgrp(tty, os.getpgrp())
            yield
        finally:
            with contextlib.suppress(OSError):
                os.tcsetpgrp(tty, before)
            signal.signal(signal.SIGTTOU, ttou)
    except OSError:  # a session leader cannot change group: leave the terminal as it is
        yield
    finally:
        os.close(tty)


def main(port: int = 8000) -> int:
    signal.signal(signal.SIGINT, signal.default_int_handler)  # not Ape's, which exits 130 with no word
    OUT.mkdir(parents=True, exist_ok=True)
    record = str(OUT / "association.json")
    (OUT / "dashboard.sqlite").unlink(missing_ok=True)  # a new node each time: nothing to resume
    try:
        with own_terminal(), anvil_node() as url:
            print(f"dashboard-demo: anvil at {url} (stopped with the page)", flush=True)
            os.environ["APE_FOUNDRY_HOST"] = url
            _ape("deploy", "--association", "--platforms", "2", "--timelock-delay", "3600", "--out", record)
            _ape("simulate", "--scenario", "baseline", "--backend", "fast", "--days", "14", "--association",
                 record, "--no-cross-check", "--out", str(OUT / "simulation"))  # fmt: skip
            _ape("dashboard", "--association", record, "--db", str(OUT / "dashboard.sqlite"),
                 "--port", str(port), check=False)  # fmt: skip
    except NodeError as err:
        raise SystemExit(f"dashboard-demo: {err}") from err
    except Stopped as stopped:  # the page says "dashboard: stopped" itself: one line is enough
        if str(stopped) != "dashboard":
            print(f"dashboard-demo: stopped (Ctrl-C) during `ape run {stopped}`", flush=True)
    except KeyboardInterrupt:
        print("dashboard-demo: stopped (Ctrl-C)", flush=True)
    return 0


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="dashboard-demo", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000, help="the page's port (default 8000)")
    arguments = parser.parse_args(argv)
    if not 0 < arguments.port < 65_536:
        parser.error(f"--port {arguments.port} is not a port number")
    return arguments


if __name__ == "__main__":
    sys.exit(main(_arguments(sys.argv[1:]).port))

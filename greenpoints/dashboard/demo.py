"""`make dashboard-demo`: the monitoring page on a local association with activity.

Starts an anvil of its own (stopped when the page stops), deploys an association with two platforms
(`ape run deploy --association`), simulates the baseline scenario for 14 days on a third platform
(`ape run simulate --association`), then serves `ape run dashboard --association` on
http://127.0.0.1:8000/ until Ctrl-C. Each step is the script a user would run, in its own process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ..anvil import NodeError, anvil_node

NETWORK = ["--network", "ethereum:local:foundry"]
OUT = Path("results") / "dashboard-demo"


def _ape(*args: str, check: bool = True) -> int:
    command = [str(Path(sys.executable).parent / "ape"), "run", *args, *NETWORK, "-v", "WARNING"]
    print("$ ape run " + " ".join(args + tuple(NETWORK)), flush=True)
    code = subprocess.call(command)
    if check and code != 0:
        raise SystemExit(f"dashboard-demo: `ape run {args[0]}` failed (exit {code})")
    return code


def main(port: int = 8000) -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    record = str(OUT / "association.json")
    (OUT / "dashboard.sqlite").unlink(missing_ok=True)  # a new node each time: nothing to resume
    try:
        with anvil_node() as url:
            print(f"dashboard-demo: anvil at {url} (stopped with the page)", flush=True)
            os.environ["APE_FOUNDRY_HOST"] = url
            _ape("deploy", "--association", "--platforms", "2", "--timelock-delay", "3600", "--out", record)
            _ape("simulate", "--scenario", "baseline", "--backend", "fast", "--days", "14", "--association",
                 record, "--no-cross-check", "--out", str(OUT / "simulation"))  # fmt: skip
            try:
                return _ape("dashboard", "--association", record, "--db", str(OUT / "dashboard.sqlite"),
                            "--port", str(port), check=False)  # fmt: skip
            except KeyboardInterrupt:
                return 0
    except NodeError as err:
        raise SystemExit(f"dashboard-demo: {err}") from err


if __name__ == "__main__":
    sys.exit(main())

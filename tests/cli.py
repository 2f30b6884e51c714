"""Running `ape run SCRIPT` as a user does, in a separate process, on the embedded chain or on anvil."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APE = str(Path(sys.executable).parent / "ape")
BIN = ROOT / "node_modules" / ".bin"


def run(*args, timeout=180):
    """`ape run *args` on the default network (the embedded chain, unless args say otherwise)."""
    return run_env({}, *args, timeout=timeout)


def run_env(env, *args, timeout=300):
    """`ape run *args` with `env` added (e.g. APE_FOUNDRY_HOST: the anvil to connect to)."""
    path = f"{BIN}:{os.environ.get('PATH', '')}"
    return subprocess.run(
        [APE, "run", *args, "-v", "WARNING"],
        cwd=ROOT,
        env={**os.environ, "PATH": path, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )

"""A throwaway PostgreSQL server from Debian's package (`make install` installs it), for the
dashboard's tests on PostgreSQL: its own data folder and port, stopped and removed afterwards."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from greenpoints.anvil import free_port


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise RuntimeError("PostgreSQL is not installed (Debian package postgresql): run `make install`")
    return found[-1]


@contextmanager
def postgresql_server() -> Iterator[str]:
    """Start a PostgreSQL server on a free port; yield its SQLAlchemy URL."""
    folder = tempfile.mkdtemp(prefix="greenpoints-pg-")
    data = os.path.join(folder, "data")
    port = free_port()
    # PostgreSQL refuses to run as root (CI runs as root): then it runs as Debian's `postgres` user.
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_user:
        shutil.chown(folder, "postgres", "postgres")

    def run(*command):
        result = subprocess.run([*as_user, *command], capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"{command[0]} failed: {result.stderr.strip() or result.stdout.strip()}")

    run(_bin("initdb"), "-D", data, "-U", "postgres", "--auth=trust", "--no-sync")
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    run(_bin("pg_ctl"), "-D", data, "-o", options, "-l", os.path.join(folder, "log"), "-w", "start")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_user, _bin("pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"],
                       capture_output=True, timeout=60)  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)

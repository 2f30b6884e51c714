"""Gas, throughput and scaling measurements (`make bench`), each run as `python -m benchmarks.NAME`.

The venv's vyper and anvil go on PATH first (`greenpoints.tools`), so `.venv/bin/python -m ...` works
from a shell that has not activated the venv; a benchmark that needs anvil checks for it before any
work (`require_anvil`)."""

import sys

from greenpoints import tools

tools.put_on_path()


def require_anvil(name: str) -> None:
    """Stop with one line and exit code 1, before any work, when anvil is not installed."""
    if tools.anvil_binary() is None:
        sys.exit(f"benchmarks.{name}: {tools.ANVIL_MISSING}")

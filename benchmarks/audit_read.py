"""The audit's reading of a history, pipelined beside one page after the other, on one node.

Run: .venv/bin/python -m benchmarks.audit_read [--rounds N] [--small]   (anvil on PATH; about 3 min)

The tills history of benchmarks/audit_speed.py is simulated once on a fresh anvil; then, round after
round, four readings of it run alternately, so that the shared machine's drift touches all four:
- "raw, fixed pages": the audit's filters in pages of `DEFAULT_PAGE` blocks, undecoded;
- "raw, audit's pages": the same filters in the audit's pages (`Pager`, sized by their logs);
- "serial fetch + fold": every page read and decoded (`fetch`), then folded (the audit before the
  reader thread);
- "pipelined fetch + fold": the audit's way (`read_pages`), each page folded while the next is read.
Fetch + fold is timed as `audit` times it: the block timestamps, the ledger's fold, the garbage
collector paused; the comparison with the chain is left out (it does not depend on the reading).
"""

from __future__ import annotations

import gc
import statistics
import sys
import time

from ape import chain, networks

from benchmarks import require_anvil
from benchmarks.audit_speed import ANVIL, histories
from greenpoints.anvil import anvil_node
from greenpoints.audit import fold_page, ledger_for, sources
from greenpoints.audit.events import DEFAULT_PAGE, FIRST_PAGE, fetch, raw_read, read_pages
from greenpoints.sim import run_simulation


def _timed(read) -> tuple[float, int]:
    gc.disable()
    try:
        began = time.perf_counter()
        count = read()
        return time.perf_counter() - began, count
    finally:
        gc.enable()


def run(rounds: int = 6, small: bool = False) -> str:
    """The table (markdown) of one run."""
    with anvil_node(), networks.parse_network_choice(ANVIL, disconnect_after=True):
        scenario = histories(small)["tills"]
        system = run_simulation(scenario, seed=1, backend="fast", cross_check=False).runner.backend.system
        start, end, web3 = system.deployment_block, chain.blocks.head.number, chain.provider.web3
        readers = sources(system)

        def serial() -> int:
            ledger = ledger_for(system, web3)
            events, _ = fetch(web3, readers, start, end, DEFAULT_PAGE)
            fold_page(ledger, events)
            return ledger.events

        def pipelined() -> int:
            ledger = ledger_for(system, web3)
            for events, _, _ in read_pages(web3, readers, start, end, DEFAULT_PAGE, FIRST_PAGE):
                fold_page(ledger, events)
            return ledger.events

        readings = {
            "raw, fixed pages": lambda: raw_read(web3, readers, start, end, DEFAULT_PAGE)[0],
            "raw, audit's pages": lambda: raw_read(web3, readers, start, end, DEFAULT_PAGE, FIRST_PAGE)[0],
            "serial fetch + fold": serial,
            "pipelined fetch + fold": pipelined,
        }
        seconds: dict[str, list[float]] = {name: [] for name in readings}
        counts = {}
        for _ in range(rounds):
            for name, read in readings.items():
                took, counts[name] = _timed(read)
                seconds[name].append(took)
            gc.collect()
    raw_fixed, raw_paged, serial_name, piped_name = readings
    if counts[raw_fixed] != counts[raw_paged] or counts[serial_name] != counts[piped_name]:
        raise RuntimeError(f"the readings disagree on the number of logs or events: {counts}")
    median = {name: statistics.median(values) for name, values in seconds.items()}
    best = {name: min(values) for name, values in seconds.items()}
    lines = [
        f"Command: .venv/bin/python -m benchmarks.audit_read --rounds {rounds}{' --small' if small else ''}"
        f" ({counts[raw_fixed]:,} logs, {counts[piped_name]:,} events folded, blocks {start}-{end})\n",
        "| reading | median s | best s | median / raw, fixed pages | median / raw, audit's pages |",
        "|---|---:|---:|---:|---:|",
    ]
    for name in readings:
        lines.append(
            f"| {name} | {median[name]:.2f} | {best[name]:.2f} | "
            f"{median[name] / median[raw_fixed]:.2f}x | {median[name] / median[raw_paged]:.2f}x |"
        )
    return "\n".join(lines)


def main() -> int:
    require_anvil("audit_read")
    rounds = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 6
    print(run(rounds, small="--small" in sys.argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())

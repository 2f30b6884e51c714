"""Every benchmark in one run, written to benchmarks/results.md with the machine, date and command.

Run: make bench   (or .venv/bin/python -m benchmarks.results [--out PATH] [--only gas,...]; anvil on PATH;
`--only` reruns the sections named, by title in lower case, and keeps the others as the file had them)

Sections: gas of every operation beside snekmate's ERC-20, with flatness as the system grows and
where a purchase's gas goes (benchmarks/gas.py); the exit queue's operations as the line grows from
10 to 10,000 requests waiting (benchmarks/exit_queue_gas.py); purchases per second of the simulation in the
model, on the embedded chain and on anvil (benchmarks/sim_speed.py); policy sweeps' runs per second at
1 and 2 workers and 1,000 runs of the baseline (benchmarks/sweep_speed.py); events audited per second
beside the raw log fetch (benchmarks/audit_speed.py); the dashboard's fold, resume, endpoints and
page load with 10,000 consumers and over 100,000 events (benchmarks/dashboard_speed.py); this
checkout beside the commit before issue 26, alternately (benchmarks/side_by_side.py). Each module also
runs alone.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import (
    audit_speed,
    dashboard_speed,
    exit_queue_gas,
    gas,
    require_anvil,
    side_by_side,
    sim_speed,
    sweep_speed,
)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "benchmarks" / "results.md"


def machine() -> str:
    cpus = os.cpu_count()
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        memory_text = f", {memory:.0f} GiB memory"
    except (ValueError, OSError, AttributeError):
        memory_text = ""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {cpus} CPUs{memory_text}; {platform.platform()}; Python {platform.python_version()}"


def versions() -> str:
    from importlib.metadata import version

    names = ("eth-ape", "ape-foundry", "vyper", "snekmate", "eth-tester", "py-evm")
    found = []
    for name in names:
        try:
            found.append(f"{name} {version(name)}")
        except Exception:  # noqa: BLE001 (a package that is not installed is left out)
            continue
    try:
        anvil = subprocess.run(["anvil", "--version"], capture_output=True, text=True, timeout=30)
        found.append(anvil.stdout.strip().splitlines()[0])
    except (OSError, subprocess.SubprocessError, IndexError):
        found.append("anvil: not found")
    return ", ".join(found)


def _previous_sections(path: Path) -> dict[str, str]:
    """The sections of a results file by title (each with its `## ` heading and text), and under ''
    the date and command of the run that wrote them; empty when there is no such file."""
    if not path.is_file():
        return {}
    text = path.read_text()
    kept = {}
    for line in text.splitlines():
        if line.startswith(("- Date: ", "- Dates: ")):
            kept[""] = line.split(": ", 1)[1]
    for part in text.split("\n## ")[1:]:
        title = part.splitlines()[0].strip()
        kept[title] = f"## {part.rstrip()}\n"
    return kept


def main() -> int:
    require_anvil("results")
    out = Path(sys.argv[sys.argv.index("--out") + 1]) if "--out" in sys.argv else DEFAULT_OUT
    began = time.perf_counter()
    sections = []
    timings = []
    only = sys.argv[sys.argv.index("--only") + 1].split(",") if "--only" in sys.argv else None
    all_sections = (
        ("Gas", gas.run),
        ("Exit queue gas", exit_queue_gas.run),
        ("Simulation speed", sim_speed.run),
        ("Sweep speed", sweep_speed.run),
        ("Audit speed", lambda: audit_speed.run()[0]),
        ("Dashboard speed", dashboard_speed.run),
        ("Before and after issue 26, side by side", side_by_side.run),
    )
    kept = _previous_sections(out) if only else {}
    for title, produce in all_sections:
        if only and title.lower() not in only:
            if title in kept:
                sections.append(kept[title])
            continue
        t0 = time.perf_counter()
        sections.append(f"## {title}\n\n{produce()}\n")
        timings.append(f"{title.lower()} {time.perf_counter() - t0:.0f} s")
    took = time.perf_counter() - began
    command = "`make bench` (`.venv/bin/python -m benchmarks.results`)"
    if only:
        command = f"`.venv/bin/python -m benchmarks.results --only {','.join(only)}`"
    head = [
        "# Benchmark results",
        "",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine()}",
        f"- Software: {versions()}",
        f"- Command: {command}, {took:.0f} s in all ({', '.join(timings)})",
    ]
    if only:
        head.append(
            f"- The other sections are kept as the previous run wrote them ({kept.get('', 'no date')}): "
            "`--only` reruns the sections named"
        )
    head += [
        "",
        "Written by the command above; not edited by hand. docs/gas.md, docs/simulation.md and",
        "docs/audit.md explain the figures and what was tried.",
        "",
    ]
    out.write_text("\n".join(head) + "\n" + "\n".join(sections))
    print(f"wrote {out} ({took:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The dashboard with 10,000 consumers and over 100,000 events: folding, resuming, every JSON
endpoint and the page load in a real browser.

Run: .venv/bin/python -m benchmarks.dashboard_speed [--small]   (anvil and chromium on PATH;
part of `make bench`). Prints a markdown table; docs/dashboard.md explains it.

History: the "tills" workload (benchmarks/sim_speed.py: nothing but purchases in merchants'
batches) with 10,000 consumers at 30 merchants for 20 days, simulated with the fast backend on a
fresh `anvil.anvil_node()`. Then:
- "fold from the node": `Supervisor.start()` on an empty SQLite file (fetch, fold, store);
- "resume from the store": a second supervisor on the same file (no log fetched);
- each endpoint: `ape run dashboard`'s app served by uvicorn on localhost, asked 20 times over HTTP
  (httpx), median and slowest in ms;
- page load: headless chromium (Playwright) opening the page until the platforms table and the
  value-per-point chart are drawn, median of 5 loads.
"""

from __future__ import annotations

import platform
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from ape import chain, networks

from benchmarks import require_anvil, sim_speed
from greenpoints.anvil import anvil_node, free_port
from greenpoints.dashboard import Store, Supervisor, create_app
from greenpoints.dashboard.store import default_url
from greenpoints.sim import load_scenario, run_simulation

ANVIL = "ethereum:local:foundry"
ROUNDS = 20
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
                 "--disable-component-update", "--disable-sync", "--disable-quic"]  # fmt: skip


def history(small: bool):
    scale = 10 if small else 1
    return sim_speed.tills(load_scenario("baseline")).with_overrides(
        consumers=10_000 // scale, merchants=30, days=20 // (2 if small else 1)
    )


def _serve(app, port: int):
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return server, thread


def _timed(client, path: str) -> tuple[float, float, int]:
    times = []
    size = 0
    for _ in range(ROUNDS):
        began = time.perf_counter()
        answer = client.get(path)
        times.append((time.perf_counter() - began) * 1000)
        if answer.status_code != 200:
            raise RuntimeError(f"{path}: {answer.status_code} {answer.text[:200]}")
        size = len(answer.content)
    return statistics.median(times), max(times), size


def _page_loads(base: str) -> list[float]:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    loads = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        for _ in range(5):
            page = browser.new_page()
            began = time.perf_counter()
            page.goto(base + "/")
            page.wait_for_selector("#platforms tbody tr[data-platform]")
            page.wait_for_function(
                "() => Chart.getChart('chart-value') && Chart.getChart('chart-value').data.labels.length"
            )
            loads.append((time.perf_counter() - began) * 1000)
            page.close()
        browser.close()
    return loads


def measure(scenario) -> dict:
    import httpx

    folder = Path(tempfile.mkdtemp(prefix="greenpoints-dashboard-bench-"))
    try:
        with anvil_node(), networks.parse_network_choice(ANVIL, disconnect_after=True):
            began = time.perf_counter()
            result = run_simulation(scenario, seed=1, backend="fast", cross_check=False)
            simulated = time.perf_counter() - began
            system = result.runner.backend.system
            web3 = chain.provider.web3
            store = Store(default_url(folder / "dashboard.sqlite"))
            began = time.perf_counter()
            supervisor = Supervisor.for_system(system, web3, store)
            supervisor.start()
            folded = time.perf_counter() - began
            began = time.perf_counter()
            resumed = Supervisor.for_system(system, web3, store)
            said = resumed.start()
            resumed_s = time.perf_counter() - began
            assert "none refetched" in said, said
            ledger = resumed.monitor.ledger
            (merchant, order_id), origin = next(iter(ledger.orders.items()))
            consumer = origin["consumer"]
            port = free_port()
            server, thread = _serve(create_app(resumed), port)
            base = f"http://127.0.0.1:{port}"
            paths = ["/", "/vendor/chart.umd.js", "/api/status", "/api/platforms", "/api/platforms/0",
                     "/api/platforms/0/history", "/api/alerts", "/api/orders/0x" + order_id.hex(),
                     f"/api/accounts/{consumer}"]  # fmt: skip
            with httpx.Client(timeout=60) as client:
                endpoints = {path: _timed(client, base + path) for path in paths}
            loads = _page_loads(base)
            server.should_exit = True
            thread.join(timeout=10)
            return {
                "consumers": sum(1 for b in ledger.balances.values() if b),
                "events": ledger.events,
                "blocks": supervisor.monitor.cursor - system.deployment_block + 1,
                "simulated": simulated,
                "folded": folded,
                "resumed": resumed_s,
                "db_bytes": (folder / "dashboard.sqlite").stat().st_size,
                "endpoints": endpoints,
                "loads": loads,
            }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(small: bool = False) -> str:
    t0 = time.perf_counter()
    r = measure(history(small))
    took = time.perf_counter() - t0
    flag = " --small" if small else ""
    lines = [
        f"Command: .venv/bin/python -m benchmarks.dashboard_speed{flag} ({took:.0f} s, of which "
        f"{r['simulated']:.0f} s simulating)\n",
        f"History: {r['consumers']:,} consumers holding points, {r['events']:,} events over "
        f"{r['blocks']:,} blocks; SQLite file {r['db_bytes'] / 1e6:.1f} MB.\n",
        "| step | seconds |",
        "|---|---:|",
        f"| fold from the node (fetch, fold, store) | {r['folded']:.2f} |",
        f"| resume from the store (no log fetched) | {r['resumed']:.2f} |",
        "",
        "| request | median ms | slowest ms | bytes |",
        "|---|---:|---:|---:|",
    ]
    for path, (median, slowest, size) in r["endpoints"].items():
        shown = path if len(path) < 40 else path[:24] + "…"
        lines.append(f"| GET {shown} | {median:.1f} | {slowest:.1f} | {size:,} |")
    loads = r["loads"]
    lines.append(
        f"| page load in chromium (table and chart drawn), {len(loads)} loads | "
        f"{statistics.median(loads):.0f} | {max(loads):.0f} | |"
    )
    return "\n".join(lines)


def main() -> int:
    require_anvil("dashboard_speed")
    print(f"Machine: {platform.machine()}, Python {platform.python_version()}, {platform.platform()}\n")
    print(run(small="--small" in sys.argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())

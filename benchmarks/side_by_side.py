"""This checkout's speed beside the commit before issue 26 ("one rulebook"), in one run, alternately.

Run: .venv/bin/python -m benchmarks.side_by_side [--rounds N]   (anvil on PATH; part of `make bench`)

The commit `BEFORE` is checked out into a temporary git worktree and compiled there with the same
Ape; then each round measures both trees, one after the other, in fresh processes (each with its own
tree first on PYTHONPATH), and the faster of the rounds is kept for each figure:
- model purchases/s: the simulation on the model backend ("tills x20": 40,000 consumers buying at
  120 merchants for 6 days, nothing but purchases);
- fast backend purchases/s: "tills" (2,000 consumers, 6 merchants, 6 days) on a fresh anvil
  (`greenpoints.anvil.anvil_node`), raw JSON-RPC transactions;
- the audit's fetch + fold of that run's history, in events per second, beside the raw log fetch.

The probe below imports only what both trees have (`greenpoints.sim`, `greenpoints.audit`,
`greenpoints.anvil`), so the same code measures both. In a clone without `BEFORE` (a shallow one) the
section says so instead of guessing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BEFORE = "4cbd0fe"
"""The last commit before issue 26."""
ROOT = Path(__file__).resolve().parents[1]
ROUNDS = 2


def probe() -> dict:
    """Measured in the tree first on PYTHONPATH (run as a script with `--probe`)."""
    import dataclasses

    from ape import chain, networks

    from greenpoints.anvil import anvil_node
    from greenpoints.audit import audit, sources
    from greenpoints.audit.events import DEFAULT_PAGE, get_logs, pages

    try:
        from greenpoints.audit.events import FIRST_PAGE, raw_read
    except ImportError:  # measuring a tree from before the audit's adaptive pages
        FIRST_PAGE, raw_read = None, None
    from greenpoints.sim import load_scenario, run_simulation
    from greenpoints.sim.scenario import Adversaries

    baseline = load_scenario("baseline")
    tills = dataclasses.replace(
        baseline, name="tills", product_classes=(), sponsors=(), action_classes=(), spend_propensity=0.0,
        donate_propensity=0.0, exit_propensity=0.0, settle_propensity=0.0, return_rate=0.0,
        adversaries=Adversaries(),
    )  # fmt: skip

    def rate(result) -> float:
        purchases = sum(row["purchases"] for row in result.rows)
        return purchases / (result.runner.elapsed - result.runner.setup_seconds)

    out = {}
    big = tills.with_overrides(consumers=40_000, merchants=120, days=6)
    out["model purchases/s"] = rate(run_simulation(big, seed=1, backend="model", cross_check=False))
    small = tills.with_overrides(consumers=2_000, merchants=6, days=6)
    with anvil_node(), networks.parse_network_choice("ethereum:local:foundry", disconnect_after=True):
        result = run_simulation(small, seed=1, backend="fast", cross_check=False)
        out["fast backend purchases/s"] = rate(result)
        system = result.runner.backend.system
        end = chain.blocks.head.number
        web3 = chain.provider.web3
        filters = [(address, topics) for address, _, topics in sources(system)]
        best = None
        for _ in range(2):
            began = time.perf_counter()
            if raw_read is not None:  # the audit's own pages, sized by their logs
                raw_read(web3, sources(system), system.deployment_block, end, DEFAULT_PAGE, FIRST_PAGE)
            else:  # a tree from before the adaptive pages: fixed pages
                for lo, hi in pages(system.deployment_block, end, DEFAULT_PAGE):
                    for address, topics in filters:
                        get_logs(web3, address, lo, hi, topics)
            raw = time.perf_counter() - began
            stats = audit(system, start_block=system.deployment_block, end_block=end).stats
            read = stats["fetch_seconds"] + stats["fold_seconds"]
            if best is None or read < best[0]:
                best = (read, raw, stats["events"])
        read, raw, events = best
        out["audit events/s (fetch + fold)"] = events / read
        out["audit fetch + fold / raw fetch"] = read / raw
    return out


def _run_probe(tree: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree), "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--probe"],
        cwd=tree, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:]
        raise RuntimeError(f"the probe failed in {tree}: {tail[0] if tail else done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _worktree(path: Path) -> None:
    subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(path), BEFORE], cwd=ROOT, check=True,
                   capture_output=True)  # fmt: skip
    # Its own compiled contracts (the Lens and the modules differ), with the same Ape.
    ape = Path(sys.executable).with_name("ape")
    env = {**os.environ, "PYTHONPATH": str(path)}
    subprocess.run([str(ape), "compile"], cwd=path, env=env, check=True, capture_output=True)


def run(rounds: int = ROUNDS) -> str:
    """The table (markdown) of one run."""
    t0 = time.perf_counter()
    try:
        subprocess.run(["git", "cat-file", "-e", f"{BEFORE}^{{commit}}"], cwd=ROOT, check=True,
                       capture_output=True)  # fmt: skip
    except subprocess.CalledProcessError:
        return f"The commit before issue 26 ({BEFORE}) is not in this clone's history: not measured."
    with tempfile.TemporaryDirectory(prefix="greenpoints-before-") as tmp:
        before = Path(tmp) / "before"
        try:
            _worktree(before)
            best: dict[str, dict[str, float]] = {"before": {}, "after": {}}
            for _ in range(rounds):
                for label, tree in (("before", before), ("after", ROOT)):
                    for name, value in _run_probe(tree).items():
                        keep = min if name.endswith("raw fetch") else max
                        best[label][name] = keep(best[label].get(name, value), value)
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(before)], cwd=ROOT, capture_output=True
            )
    took = time.perf_counter() - t0
    lines = [
        f"Command: .venv/bin/python -m benchmarks.side_by_side ({took:.0f} s; {rounds} rounds, before and "
        "after alternately, the best of each kept)\n",
        f"| figure | before issue 26 ({BEFORE}) | this checkout | change |",
        "|---|---:|---:|---:|",
    ]
    for name, old in best["before"].items():
        new = best["after"][name]
        fmt = "{:.2f}x" if name.endswith("raw fetch") else "{:,.0f}"
        lines.append(f"| {name} | {fmt.format(old)} | {fmt.format(new)} | {new / old - 1:+.1%} |")
    return "\n".join(lines)


def main() -> int:
    if "--probe" in sys.argv:
        print(json.dumps(probe()))
        return 0
    # Imported here: the probe runs this file in the tree before issue 26, whose package has no such name.
    from benchmarks import require_anvil

    require_anvil("side_by_side")
    rounds = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else ROUNDS
    print(run(rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main())

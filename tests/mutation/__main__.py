"""`make mutants`: break the contracts on purpose, one mistake at a time, and see whether the tests notice.

    python -m tests.mutation [--jobs 2] [--engine anvil|boa] [--only TEXT] [--skip TEXT] [--limit N]
                             [--no-unit | --unit-only | --table] [--out FILE] [--resume]

Every mutant of tests/mutation/mutants.py is compiled by titanoboa from a copy of `contracts/`
holding the one changed file, then:

1. the stateful machine (tests/stateful, on an anvil of its own, or titanoboa's EVM) runs on it
   with the `mutant` profile (derandomized, no shrinking, 10 examples of up to 50 steps for 18
   decimals, then 10 for 6): the first disagreement between chain and model, a failed invariant, a
   failed audit of an example or a deployment that reverts kills it;
2. a mutant the machine leaves alive runs the unit and security tests of the pool and the registry
   on Ape (`ape test`, in a copy of the checkout, `--force`-compiled, stopping at the first failure;
   `--jobs` copies side by side).

A mutant that does not compile is stillborn and is not counted. The run writes every mutant's fate
to `--out` (JSON lines, default `benchmarks/mutants.jsonl`, with the hash of the file's text) as it
goes, and prints the table docs/testing.md holds: by file and operator, killed by what, and the survivors.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import logging
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from pathlib import Path

from tests.mutation.mutants import Mutant, all_mutants

ROOT = Path(__file__).resolve().parents[2]
UNIT_TESTS = (
    "tests/unit/value_pool",
    "tests/unit/exit_queue",
    "tests/unit/lens",
    "tests/unit/deploy",
    "tests/security",
)
"""What a survivor of the machine runs on Ape: every path of the pool and the registry (the exit
queue's line through the pool's hook included), the constructors, the attacks (not the code size
limits: a mutant a few bytes longer is not a bug)."""
NOT_RUN = ("--ignore=tests/unit/deploy/test_code_size.py",)
UNIT_TIMEOUT = 1_800

_root: Path | None = None
ENGINES = ("anvil", "boa")
"""The machine's chain: an anvil of its own (about 5 times faster) or titanoboa's py-evm, both
running the contracts titanoboa compiled from the mutant's copy."""
_engine = ENGINES[0]


def _use_engine(name: str) -> None:
    """A worker's engine (the pool's initializer)."""
    global _engine
    _engine = name


def _new_engine(root: Path):
    from tests.stateful import engines

    return {"anvil": engines.AnvilEngine, "boa": engines.BoaEngine}[_engine](root, lens=False)


def _worker_root() -> Path:
    """This worker's copy of `contracts/`, where one file at a time is changed."""
    global _root
    if _root is None:
        _root = Path(tempfile.mkdtemp(prefix="greenpoints-mutant-"))
        shutil.copytree(ROOT / "contracts", _root / "contracts")
    return _root


def _machine_settings():
    from hypothesis import HealthCheck, Phase, settings

    return settings(
        max_examples=10,  # per decimals; under the machine's 20, so its coverage is not judged
        phases=[Phase.explicit, Phase.generate],  # the first failure kills: no shrinking
        stateful_step_count=50,
        derandomize=True,
        database=None,
        deadline=None,
        print_blob=False,
        suppress_health_check=list(HealthCheck),
    )


def _first_line(err: BaseException) -> str:
    text = f"{type(err).__name__}: {err}".strip()
    return text.splitlines()[0][:200]


def run_machine_on(mutant: Mutant) -> dict:
    """Compile `mutant` and run the machine on it (in a worker process); its fate."""
    import boa  # noqa: F401  (before hypothesis' output is captured)
    from vyper.exceptions import VyperException

    from tests.stateful import engines
    from tests.stateful import test_pool_machine as machine

    root = _worker_root()
    target = root / mutant.path
    original = (ROOT / mutant.path).read_text()
    began = time.monotonic()
    fate = {
        "mutant": mutant.name,
        "path": mutant.path,
        "operator": mutant.operator,
        "line": mutant.line,
        "source": source_hash(ROOT / mutant.path),
    }
    target.write_text(mutant.apply(original))
    engines._compiled.pop(root, None)
    try:
        try:
            engines.boa_deployers(root, lens=False)
        except VyperException as err:
            fate.update(status="stillborn", by=_first_line(err))
            return fate
        for decimals in (18, 6):
            sink = io.StringIO()
            try:
                with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                    engine = _new_engine(root)
                    try:
                        env = machine.Env(engine, decimals)
                        machine.run_machine(env, _machine_settings(), f"mutant dec{decimals}")
                    finally:
                        getattr(engine, "close", lambda: None)()
            except Exception as err:  # noqa: BLE001  (any failure of the machine kills the mutant)
                fate.update(status="killed", by=f"machine dec{decimals}", why=_first_line(err))
                return fate
        fate.update(status="survived", by="machine")
        return fate
    finally:
        target.write_text(original)
        engines._compiled.pop(root, None)
        fate["seconds"] = round(time.monotonic() - began, 1)


_REASON = re.compile(r'"([a-z_]+: [^"]+)"')
_DEF = re.compile(r"^\s*def (\w+)\(")


def targeted_tests(mutant: Mutant, workdir: Path) -> list[str]:
    """The unit test files most likely to see `mutant`: those naming the revert reason of its
    statement, or else its function's name (a killed mutant then stops in seconds, not minutes)."""
    lines = (workdir / mutant.path).read_text().splitlines()
    statement = " ".join(lines[mutant.line - 1 : mutant.line + 3])
    reason = _REASON.search(statement)
    if reason:
        # the reason as written, else its words after the subject (a test may build it,
        # as f"pool: {role} is the zero address")
        needles = [reason.group(1), reason.group(1).split(" ", 2)[-1]]
    else:
        defs = (_DEF.match(line) for line in reversed(lines[: mutant.line]))
        needles = [next((m.group(1).lstrip("_") for m in defs if m), "")]
    files = sorted(p for folder in UNIT_TESTS for p in (workdir / folder).rglob("test_*.py"))
    skipped = {arg.removeprefix("--ignore=") for arg in NOT_RUN}
    texts = {str(p.relative_to(workdir)): p.read_text() for p in files}
    for needle in filter(None, needles):
        found = [path for path, text in texts.items() if needle in text and path not in skipped]
        if found:
            return found
    return []


def run_unit_tests_on(mutant: Mutant, workdir: Path) -> dict:
    """Run the pool's and the registry's unit and security tests on Ape against `mutant`: the
    targeted files first (`targeted_tests`), then all the others."""
    target = workdir / mutant.path
    original = (ROOT / mutant.path).read_text()
    target.write_text(mutant.apply(original))
    began = time.monotonic()
    env = {**os.environ, "PYTHONPATH": str(workdir)}
    try:
        compiled = subprocess.run(
            ["ape", "compile", "--force"], cwd=workdir, env=env, capture_output=True, text=True, timeout=600
        )
        if compiled.returncode != 0:
            return {"status": "stillborn", "by": "ape compile"}
        first = targeted_tests(mutant, workdir)
        rest = [*UNIT_TESTS, *NOT_RUN, *(f"--ignore={path}" for path in first)]
        for selection in ([first] if first else []) + [rest]:
            try:
                tests = subprocess.run(
                    ["ape", "test", *selection, "-x", "-q", "-p", "no:warnings"],
                    cwd=workdir, env=env, capture_output=True, text=True, timeout=UNIT_TIMEOUT,
                )  # fmt: skip
            except subprocess.TimeoutExpired:  # a loaded machine, not a verdict: judged again next run
                return {"status": "survived", "by": "machine", "unit": f"not judged: over {UNIT_TIMEOUT} s"}
            failed = [line for line in tests.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
            if tests.returncode != 0:
                return {"status": "killed", "by": "unit tests", "why": (failed or ["exit status"])[0][:200]}
        return {"status": "survived", "by": "machine and unit tests"}
    finally:
        target.write_text(original)
        (workdir / "unit-seconds").write_text(str(time.monotonic() - began))


def run_unit_stage(survivors: list[Mutant], jobs: int):
    """Stage B on `survivors`, `jobs` at a time: each job has a checkout copy of its own (one
    mutated file at a time in it) and runs its `ape test` in a process of its own. Yields each
    fate, with the mutant's name, as it comes."""
    workdirs: queue.SimpleQueue[Path] = queue.SimpleQueue()
    made = [_checkout_copy() for _ in range(max(1, min(jobs, len(survivors))))]
    for workdir in made:
        workdirs.put(workdir)

    def judge(mutant: Mutant) -> dict:
        workdir = workdirs.get()
        try:
            return {"mutant": mutant.name, **run_unit_tests_on(mutant, workdir)}
        finally:
            workdirs.put(workdir)

    try:
        with ThreadPoolExecutor(len(made)) as threads:
            futures = [threads.submit(judge, m) for m in survivors]
            yield from (future.result() for future in as_completed(futures))
    finally:
        for workdir in made:
            shutil.rmtree(workdir, ignore_errors=True)


def _checkout_copy() -> Path:
    """The checkout's tracked files in a temporary folder (the node's binaries linked)."""
    workdir = Path(tempfile.mkdtemp(prefix="greenpoints-mutant-ape-"))
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
    for name in files.stdout.splitlines():
        source = ROOT / name
        if source.is_file():
            (workdir / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, workdir / name)
    if (ROOT / "node_modules").exists():
        (workdir / "node_modules").symlink_to(ROOT / "node_modules")
    return workdir


def source_hash(path: Path) -> str:
    """The mutated file's text as it was judged: a fate of another text is stale (its lines moved)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def table(fates: list[dict]) -> str:
    """The markdown table of docs/testing.md: per file, mutants and their fates, and the survivors."""
    counted = [f for f in fates if f["status"] != "stillborn"]
    by_file: dict[str, Counter] = {}
    for f in fates:
        by_file.setdefault(f["path"], Counter())[
            f["status"] if f["status"] != "killed" else f["by"].split()[0]
        ] += 1
    lines = [
        "| file | mutants | stillborn | killed by the machine | killed by unit tests | survived | killed |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    total = Counter()
    for path in sorted(by_file):
        c = by_file[path]
        live = c["machine"] + c["unit"] + c["survived"]
        total.update(c)
        lines.append(
            f"| `{path}` | {sum(c.values())} | {c['stillborn']} | {c['machine']} | {c['unit']} | "
            f"{c['survived']} | {100 * (c['machine'] + c['unit']) / max(live, 1):.1f}% |"
        )
    live = total["machine"] + total["unit"] + total["survived"]
    lines.append(
        f"| **all** | {sum(total.values())} | {total['stillborn']} | {total['machine']} | {total['unit']} | "
        f"{total['survived']} | **{100 * (total['machine'] + total['unit']) / max(live, 1):.1f}%** |"
    )
    operators = Counter((f["operator"], f["status"]) for f in counted)
    lines += ["", "| operator | mutants | killed | survived |", "|---|---:|---:|---:|"]
    for op in sorted({o for o, _ in operators}):
        lines.append(f"| {op} | {operators[(op, 'killed')] + operators[(op, 'survived')]} | "
                     f"{operators[(op, 'killed')]} | {operators[(op, 'survived')]} |")  # fmt: skip
    survivors = [f for f in counted if f["status"] == "survived"]
    if survivors:
        lines += ["", "Survivors:", ""] + [f"- `{f['mutant']}`" for f in survivors]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.mutation", description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="runs side by side, in each stage (default 2)")
    parser.add_argument(
        "--engine", choices=ENGINES, default=ENGINES[0], help="the machine's chain (default anvil)"
    )
    parser.add_argument("--only", default="", help="only the mutants whose name contains this text")
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        help="leave out the mutants whose name contains this text (repeatable): e.g. the ones argued "
        "equivalent, whose stage B runs every unit test",
    )
    parser.add_argument("--limit", type=int, default=0, help="at most this many mutants (0: all)")
    stage = parser.add_mutually_exclusive_group()
    stage.add_argument(
        "--table", action="store_true", help="print the table of the fates in --out, run nothing"
    )
    stage.add_argument("--no-unit", action="store_true", help="the machine only, no Ape unit tests")
    stage.add_argument(
        "--unit-only", action="store_true", help="the unit tests only, on the machine's survivors in --out"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "mutants.jsonl")
    parser.add_argument(
        "--resume", action="store_true", help="keep the fates already in --out and run only the others"
    )
    args = parser.parse_args(argv)
    if args.jobs < 1 or args.limit < 0:
        parser.error("--jobs must be at least 1 and --limit at least 0")
    mutants = [
        m for m in all_mutants(ROOT) if args.only in m.name and not any(skip in m.name for skip in args.skip)
    ]
    if args.limit:
        mutants = mutants[: args.limit]
    if not mutants:
        print(f"no mutant matches {args.only!r}", file=sys.stderr)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    logging.getLogger("ape").setLevel(logging.CRITICAL)
    fates: dict[str, dict] = {}
    if (args.resume or args.unit_only or args.table) and args.out.exists():
        current: dict[str, str | None] = {}
        stale = 0
        for line in args.out.read_text().splitlines():
            fate = json.loads(line)
            path = fate["path"]
            if path not in current:
                current[path] = source_hash(ROOT / path) if (ROOT / path).exists() else None
            if fate.get("source") != current[path]:
                stale += 1  # judged on another text of its file
                continue
            fates[fate["mutant"]] = fate  # a later line (the unit tests' verdict) replaces an earlier
        if stale:
            print(f"{stale} fates in {args.out} were judged on other texts of their files: run again")
    if args.table:
        done = [fates[m.name] for m in mutants if m.name in fates]
        print(table(done) if done else f"no fate in {args.out} yet")
        print(f"\n{len(done)} of {len(mutants)} mutants judged")
        return 0
    if args.unit_only and not fates:
        parser.error(f"--unit-only needs the machine's fates in {args.out}: run without it first")
    todo = [] if args.unit_only else [m for m in mutants if m.name not in fates]
    if todo:
        print(f"{len(mutants)} mutants ({len(mutants) - len(todo)} done before), {args.jobs} at a time; "
              f"fates in {args.out}", flush=True)  # fmt: skip
    began = time.monotonic()
    with (
        args.out.open("a" if args.resume or args.unit_only else "w") as out,
        ProcessPoolExecutor(args.jobs, initializer=_use_engine, initargs=(args.engine,)) as pool,
    ):
        if todo:
            baseline = pool.submit(run_machine_on, Mutant(mutants[0].path, "none", 0, 0, 0, "", "")).result()
            if baseline["status"] != "survived":
                print(f"the unchanged contracts fail the machine: {baseline.get('why')}", file=sys.stderr)
                return 1
            print(f"unchanged contracts: the machine passes in {baseline['seconds']} s", flush=True)
        futures = {pool.submit(run_machine_on, m): m for m in todo}
        for n, future in enumerate(as_completed(futures), 1):
            fate = future.result()
            fates[fate["mutant"]] = fate
            out.write(json.dumps(fate) + "\n")
            out.flush()
            print(f"[{n}/{len(todo)} {(time.monotonic() - began) / 60:.1f} min] {fate['status']:9} "
                  f"{fate.get('by', '')}: {fate['mutant']}", flush=True)  # fmt: skip
        survivors = [
            m for m in mutants
            if m.name in fates and fates[m.name]["status"] == "survived" and fates[m.name]["by"] == "machine"
        ]  # fmt: skip
        if survivors and not args.no_unit:
            print(f"{len(survivors)} survivors of the machine: the unit tests on Ape, {args.jobs} at a time "
                  "(a checkout copy each)", flush=True)  # fmt: skip
            for fate in run_unit_stage(survivors, args.jobs):
                fate = fates[fate["mutant"]] | fate
                fates[fate["mutant"]] = fate
                out.write(json.dumps(fate) + "\n")
                out.flush()
                print(f"  [{(time.monotonic() - began) / 60:.1f} min] {fate['status']:9} "
                      f"{fate.get('by', '')}: {fate['mutant']}", flush=True)  # fmt: skip
    print()
    print(table([fates[m.name] for m in mutants if m.name in fates]))
    print(f"\n{(time.monotonic() - began) / 60:.1f} minutes")
    return 0


if __name__ == "__main__":
    sys.exit(main())

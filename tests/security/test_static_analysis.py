"""The static analysers that work offline on Vyper 0.4.3 (natrix, vyper-guard; slither 0.11.6 crashes on
it, crytic/slither#2528), run on the deployed contracts. Their findings are advice: each one was
reviewed and its verdict is recorded here and in docs/security.md. A new finding, or a reviewed one
that went away, fails the test so that the list is reviewed again.

The analysers live in their own virtual environment (.venv-analysis, `make install`)."""

import json
import os
import site
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / ".venv-analysis" / "bin"
CONTRACTS = [
    "contracts/ValuePool.vy",
    "contracts/Registry.vy",
    "contracts/Governor.vy",
    "contracts/ExitQueue.vy",
]

# natrix's NTX11 (every argument name must start with "_") is a naming style we do not follow
# (snekmate's neither): disabled, not reviewed one by one.
NATRIX_DISABLED = ["NTX11"]
NATRIX_REVIEWED = {
    ("contracts/Registry.vy", "NTX4", "update_terms"): "false positive: it writes the new terms into the "
    "pool through the pool's hook (an external call), so it cannot be @view",
    ("contracts/Registry.vy", "NTX4", "_push_config"): "false positive: it calls the pool's hook",
    ("contracts/Registry.vy", "NTX4", "explain_pull"): "intended: it only reads and always reverts, but the "
    "pool calls it as a statement, which Vyper 0.4 allows for an extcall and refuses for a staticcall whose "
    "result is unused; a @view with a dummy return would read as if it returned something",
    ("contracts/Registry.vy", "NTX4", "update_sponsor_terms"): "false positive: it writes the new terms "
    "into the pool through the pool's hook (an external call), so it cannot be @view",
    ("contracts/Governor.vy", "NTX9", "tc"): "intended: the governor is snekmate's timelock controller "
    "whole; listing its functions one by one would add nothing we review",
    ("contracts/ExitQueue.vy", "NTX8", "i"): "intended: the counter Vyper's bounded `for` requires; "
    "`process_exits` and `queue_head` walk the line by its stored head, the counter only bounds the walk",
}
GUARD_REVIEWED = {
    ("contracts/ValuePool.vy", "timestamp_dependence", "reverse_purchase"): "accepted: the reversal "
    "window is a time rule by design; a block producer's few seconds of drift do not matter at hours",
    ("contracts/ValuePool.vy", "shadowed_state_variable", "asset"): "false positive: `asset` is an "
    "immutable assigned in __init__ from the argument `asset_`",
    ("contracts/ValuePool.vy", "shadowed_state_variable", "governor"): "false positive: immutable, as above",
    ("contracts/ValuePool.vy", "shadowed_state_variable", "registry"): "false positive: an immutable "
    "assigned in __init__ from `create_from_blueprint`",
    ("contracts/Registry.vy", "shadowed_state_variable", "pool"): "false positive: the immutable `pool` "
    "assigned in __init__ from msg.sender",
    ("contracts/Registry.vy", "shadowed_state_variable", "governor"): "false positive: the immutable "
    "`governor` (assigned in __init__; `shutdown` logs it as the event's `governor` field)",
    ("contracts/ValuePool.vy", "missing_input_validation", "record_purchase"): "false positive: _record "
    "checks the amount (not zero, at most 2**128-1) and the consumer",
    ("contracts/ValuePool.vy", "missing_input_validation", "transfer"): "false positive: _move refuses "
    "zero points and the ledger/ERC-20 refuse more than the balance",
    ("contracts/ValuePool.vy", "missing_input_validation", "transferFrom"): "false positive: as transfer",
    ("contracts/ValuePool.vy", "integer_overflow", "_issue_points"): "accepted: the consumer's balance "
    "takes the points with snekmate's `_mint`'s own unsafe_add (written out since issue 30); a balance is "
    "at most the total supply, whose sum `supply + points` is checked the line before",
    ("contracts/Governor.vy", "locked_ether", "__init__"): "false positive: the timelock forwards ether "
    "with `execute(..., amount, ...)`; the pool itself accepts none",
    ("contracts/ValuePool.vy", "unsafe_raw_call", "attach_exit_queue"): "accepted: the approval of the "
    "queue on the pool's own asset; a token that reverts reverts the attach, one that answers false "
    "leaves claims refused with 'pool: asset transfer failed' (the queue checks every transfer)",
    ("contracts/ValuePool.vy", "missing_zero_address_check", "attach_exit_queue"): "false positive: the "
    "registry's hook; the registry checked the queue's code hash and immutables (zero refused) before",
    ("contracts/ValuePool.vy", "missing_event_emission", "attach_exit_queue"): "false positive: the "
    "registry's half of the attach logs `ExitQueueAttached(queue)` in the same transaction",
    ("contracts/ValuePool.vy", "missing_input_validation", "move_queued"): "false positive: only the "
    "attached queue may call it, and the queue checks every request, fill and give-back first (SPEC 11)",
    ("contracts/Registry.vy", "missing_zero_address_check", "attach_exit_queue"): "false positive: the "
    "queue's code hash and immutables are checked first; an address without the release's code, zero "
    "included, is refused ('registry: not the release's exit queue')",
    ("contracts/ExitQueue.vy", "timestamp_dependence", "max_exit"): "accepted: the exit rule's lock and "
    "epochs are time rules by design, as in the pool",
    ("contracts/ExitQueue.vy", "send_in_loop", "process_exits"): "accepted: every call in the loop goes "
    "to this queue's own pool (an immutable), never to a request's owner: claims are pulled so that no "
    "receiver can block the line; one call touches at most MAX_PROCESS requests",
    ("contracts/ExitQueue.vy", "shadowed_state_variable", "pool"): "false positive: an immutable "
    "assigned in __init__ from its argument",
    ("contracts/ExitQueue.vy", "shadowed_state_variable", "registry"): "false positive: as `pool`",
}


def _tool(name: str) -> str:
    path = TOOLS / name
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make install` (it creates .venv-analysis)")
    return str(path)


def _env() -> dict:
    return {**os.environ, "PATH": f"{TOOLS}:{os.environ.get('PATH', '')}"}


def _function_of(message: str) -> str:
    for quote in ("'", "`"):
        if quote in message:
            return message.split(quote)[1]
    return message


def test_natrix__contracts__only_reviewed_findings():
    search = [p for p in site.getsitepackages() if "site-packages" in p]
    tools_site = next((TOOLS.parent / "lib").glob("python3*/site-packages"), None)
    paths = [str(tools_site)] if tools_site else search
    command = [_tool("natrix"), "lint", "--json", "--disable", *NATRIX_DISABLED, "-p", *paths, "."]
    result = subprocess.run(
        [*command, "--", *CONTRACTS], cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=600
    )
    assert result.stdout.strip().startswith("["), result.stdout + result.stderr
    found = {(f["file"], f["code"], _function_of(f["message"])) for f in json.loads(result.stdout)}
    assert found == set(NATRIX_REVIEWED), (
        f"new: {found - set(NATRIX_REVIEWED)}; gone: {set(NATRIX_REVIEWED) - found}"
    )


@pytest.mark.parametrize("contract", CONTRACTS)
def test_vyper_guard__contract__only_reviewed_findings(contract, tmp_path):
    out = tmp_path / "report.json"
    command = [_tool("vyper-guard"), "analyze", contract, "-f", "json", "-o", str(out)]
    result = subprocess.run(command, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=600)
    assert out.is_file(), result.stdout + result.stderr
    report = json.loads(out.read_text())
    found = set()
    for finding in report["findings"]:
        title = finding["title"]
        function = finding.get("semantic_context", {}).get("function") or _function_of(title)
        if finding["detector"] == "shadowed_state_variable":
            function = _function_of(title)
        found.add((contract, finding["detector"], function))
    reviewed = {k for k in GUARD_REVIEWED if k[0] == contract}
    assert found == reviewed, f"new: {found - reviewed}; gone: {reviewed - found}"
    assert len(report["detectors_run"]) >= 20

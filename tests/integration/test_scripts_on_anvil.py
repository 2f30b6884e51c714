"""The scripts on anvil as a user runs them: each `ape run` a separate process on the same node."""

import json
import os
import subprocess

from tests.cli import APE, ROOT, Lines, node_contract, node_web3, run, run_env
from tests.integration.conftest import deploy_on_anvil

FOUNDRY = ["--network", "ethereum:local:foundry"]


def test_deploy_then_audit_scripts__anvil__separate_processes_pass(anvil_env, tmp_path):
    record = tmp_path / "local.json"
    deployed = run_env(anvil_env, "deploy", "--out", str(record), *FOUNDRY)
    assert deployed.returncode == 0, deployed.stderr
    assert "greenpoints deployed" in deployed.stdout
    written = json.loads(record.read_text())
    assert written["chain_id"] == 31337 and written["network"] == "local"
    audited = run_env(
        anvil_env, "audit", "--deployment", str(record), "--out", str(tmp_path / "audit"), *FOUNDRY
    )
    assert audited.returncode == 0, audited.stdout + audited.stderr
    assert "PASSED" in audited.stdout
    report = json.loads((tmp_path / "audit" / "audit.json").read_text())
    assert report["ok"] is True and report["checks"]["6 rules"]["checked"] >= 10  # the initial rules


def test_audit_script__simulated_run_on_anvil__passes_in_another_process(anvil_env, tmp_path):
    sim = run_env(anvil_env, "simulate", "--backend", "fast", "--days", "4", "--consumers", "20",
                  "--merchants", "3", "--out", str(tmp_path / "sim"), *FOUNDRY)  # fmt: skip
    assert sim.returncode == 0, sim.stderr
    record = tmp_path / "sim" / "deployment.json"
    assert record.is_file()
    result = run_env(
        anvil_env, "audit", "--deployment", str(record), "--out", str(tmp_path / "audit"), *FOUNDRY
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASSED" in result.stdout and "4 purchases" in result.stdout
    report = json.loads((tmp_path / "audit" / "audit.json").read_text())
    assert report["ok"] is True and report["checks"]["4 purchases"]["checked"] > 10
    assert (tmp_path / "audit" / "audit.html").is_file()


def test_audit_script__record_from_another_chain__one_line_error(anvil_env, tmp_path):
    deployed = run_env(
        anvil_env, "deploy", "--out", str(tmp_path / "anvil.json"), "--network", "ethereum:local:foundry"
    )
    assert deployed.returncode == 0, deployed.stderr
    result = run("audit", "--deployment", str(tmp_path / "anvil.json"))  # the embedded chain
    assert result.returncode != 0
    assert "was written on chain 31337" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_monitor_script__node_goes_away_and_comes_back__alerts_once_then_resumes(anvil_env, tmp_path):
    import signal

    from tests.tcp_proxy import Proxy

    record_path = tmp_path / "anvil.json"
    deployed = run_env(anvil_env, "deploy", "--out", str(record_path), *FOUNDRY)
    assert deployed.returncode == 0, deployed.stderr
    record = json.loads(record_path.read_text())
    node = anvil_env["APE_FOUNDRY_HOST"]
    web3 = node_web3(node)
    registry = node_contract(web3, record["contracts"]["registry"], "Registry")
    governor = node_contract(web3, record["contracts"]["governor"], "Governor")
    guardian, proposer = record["roles"]["guardian"], record["roles"]["proposer"]
    delay = record["timelock_delay"]

    def schedule_rule(value):
        payload = registry.encode_abi("set_rule", ["issue_bps", value])
        salt = value.to_bytes(32, "big")
        governor.functions.schedule(registry.address, 0, payload, b"\0" * 32, salt, delay).transact(
            {"from": proposer}
        )

    proxy = Proxy(int(node.rsplit(":", 1)[1]))
    state = tmp_path / "monitor-state.json"
    command = [APE, "run", "monitor", "--deployment", str(record_path), "--json", "--state", str(state),
               "--poll", "0.2", "--max-backoff", "1", *FOUNDRY, "-v", "WARNING"]  # fmt: skip
    env = {**os.environ, **anvil_env, "APE_FOUNDRY_HOST": proxy.url}
    monitor = subprocess.Popen(command, cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)  # fmt: skip
    out, err = Lines(monitor.stdout), Lines(monitor.stderr)
    try:
        err.until("following new blocks")
        proxy.cut()  # the node goes away; the chain goes on without the monitor seeing it
        registry.functions.pause().transact({"from": guardian})
        schedule_rule(6_500)
        err.until("node unreachable")
        proxy.restore()
        err.until("node back")
        out.until("rule_change_scheduled")
        monitor.send_signal(signal.SIGINT)
        monitor.wait(timeout=60)
    finally:
        if monitor.poll() is None:
            monitor.kill()
        proxy.cut()
    alerts = [json.loads(line) for line in out.rest() if line.strip()]
    assert "Traceback" not in "".join(err.rest())
    assert monitor.returncode == 0 and "stopped after block" in err.lines[-1], err.lines[-3:]
    assert [a["kind"] for a in alerts] == ["paused", "rule_change_scheduled"]
    assert alerts[1]["details"]["call"] == "set_rule('issue_bps', 6500)"
    # a new process resumes from the state file: only what happened since
    schedule_rule(6_000)
    resumed = run_env(anvil_env, "monitor", "--deployment", str(record_path), "--json", "--state", str(state),
                      "--once", *FOUNDRY)  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    kinds = [json.loads(line)["kind"] for line in resumed.stdout.splitlines() if line.strip()]
    assert kinds == ["rule_change_scheduled"]
    assert "6000" in resumed.stdout


def test_monitor_script__bad_state_file__one_line_error(anvil_env, tmp_path):
    record = tmp_path / "anvil.json"
    assert run_env(anvil_env, "deploy", "--out", str(record), *FOUNDRY).returncode == 0
    state = tmp_path / "state.json"
    state.write_text("[]")
    result = run_env(anvil_env, "monitor", "--deployment", str(record), "--state", str(state), "--once",
                     *FOUNDRY)  # fmt: skip
    assert result.returncode != 0
    assert "is not a monitor state" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_monitor_script__state_past_the_node_head__one_line_error(anvil_env, tmp_path):
    record = tmp_path / "anvil.json"
    assert run_env(anvil_env, "deploy", "--out", str(record), *FOUNDRY).returncode == 0
    deployed = json.loads(record.read_text())
    head = node_web3(anvil_env["APE_FOUNDRY_HOST"]).eth.block_number
    state = tmp_path / "state.json"
    state.write_text(json.dumps({
        "chain_id": deployed["chain_id"], "pool": deployed["contracts"]["pool"].lower(),
        "cursor": head + 500, "cursor_hash": "0x" + "00" * 32,
    }))  # fmt: skip
    result = run_env(anvil_env, "monitor", "--deployment", str(record), "--state", str(state), "--once",
                     *FOUNDRY)  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"read up to block {head + 500}, past this node's head ({head})" in output
    assert "start again without the state file" in output
    assert "Traceback" not in output


def test_monitor_script__guardian_account_without_the_role__one_line_error(anvil_env, tmp_path):
    record = tmp_path / "anvil.json"
    deployed = run_env(anvil_env, "deploy", "--out", str(record), *FOUNDRY)
    assert deployed.returncode == 0, deployed.stderr
    # test account 2 is the local guardian; account 7 holds no role
    result = run_env(anvil_env, "monitor", "--deployment", str(record), "--once", "--guardian-account",
                     "TEST::7", *FOUNDRY)  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "does not hold the guardian role" in output and "Traceback" not in output
    held = run_env(anvil_env, "monitor", "--deployment", str(record), "--once", "--guardian-account",
                   "TEST::2", *FOUNDRY)  # fmt: skip
    assert held.returncode == 0, held.stdout + held.stderr
    assert "the pool is paused on a short asset" in held.stderr


def test_reverse_script__merchant_names_only_the_order_id__reversed_then_refused(anvil_env, tmp_path):
    """`ape run reverse` builds the record from the purchase's event and block: the merchant gives the
    order id; a second reversal, an unknown order and a malformed id each end in one line."""
    on = deploy_on_anvil(anvil_env, tmp_path)
    record_path, web3, pool = on.record_path, on.web3, on.pool
    merchant, consumer = web3.eth.accounts[4], web3.eth.accounts[9]
    on.admit(merchant, 10**24)
    order = "0x" + "ab" * 32
    pool.functions.record_purchase(consumer, 1_000 * 10**18, bytes.fromhex(order[2:]), 1).transact(
        {"from": merchant}
    )
    assert pool.functions.balanceOf(consumer).call() > 0

    common = ("--deployment", str(record_path), "--account", "TEST::4", *FOUNDRY)
    reversed_ = run_env(anvil_env, "reverse", "--order-id", order, *common)
    assert reversed_.returncode == 0, reversed_.stdout + reversed_.stderr
    assert f"order {order[2:]} reversed" in reversed_.stdout
    assert pool.functions.balanceOf(consumer).call() == 0
    assert pool.functions.order_word(merchant, bytes.fromhex(order[2:])).call() & 1  # marked reversed

    for order_id, message in (
        (order, "pool: order already reversed"),
        ("0x" + "cd" * 32, "no purchase"),
        ("12", "an order id is 0x and 64 hex digits"),
    ):
        refused = run_env(anvil_env, "reverse", "--order-id", order_id, *common)
        assert refused.returncode != 0
        assert message in refused.stdout + refused.stderr
        assert "Traceback" not in refused.stdout + refused.stderr


def test_exit_script__request_status_process_claim_cancel__then_refusals_in_one_line(anvil_env, tmp_path):
    """`ape run exit`: a consumer requests, the line shows it, a keeper processes, the consumer
    claims; a second request is cancelled; refusals and bad input each end in one line."""
    on = deploy_on_anvil(anvil_env, tmp_path)
    record_path, web3, asset = on.record_path, on.web3, on.asset
    merchant, consumer, other = web3.eth.accounts[4], web3.eth.accounts[7], web3.eth.accounts[8]
    on.exitable(consumer, other, merchant)

    common = ("--deployment", str(record_path), *FOUNDRY)
    mine = ("--account", "TEST::7", *common)
    requested = run_env(anvil_env, "exit", "request", "--points", "100", *mine)
    assert requested.returncode == 0, requested.stdout + requested.stderr
    assert "request 0: 100.000000 points" in requested.stdout and "0.000000 points ahead" in requested.stdout
    status = run_env(anvil_env, "exit", "status", "--of", consumer, *common)
    assert status.returncode == 0, status.stdout + status.stderr
    assert "1 requests waiting" in status.stdout and "request 0: 100.000000 points" in status.stdout
    assert (
        "the oldest has waited 0 h" in status.stdout
        and "epochs to clear at the current budget" in status.stdout
    )
    processed = run_env(anvil_env, "exit", "process", "--account", "TEST::0", *common)
    assert processed.returncode == 0, processed.stdout + processed.stderr
    assert processed.stdout.startswith("1 fills")
    held = asset.functions.balanceOf(consumer).call()
    claimed = run_env(anvil_env, "exit", "claim", "--id", "0", *mine)
    assert claimed.returncode == 0, claimed.stdout + claimed.stderr
    assert asset.functions.balanceOf(consumer).call() > held
    again = run_env(anvil_env, "exit", "request", "--points", "10", *mine)
    assert again.returncode == 0, again.stdout + again.stderr
    cancelled = run_env(anvil_env, "exit", "cancel", "--id", "1", *mine)
    assert cancelled.returncode == 0 and "request 1: 10.000000 points back" in cancelled.stdout
    idle = run_env(anvil_env, "exit", "status", *common)
    assert "0 requests waiting, 0.000000 points; no request waits" in idle.stdout, idle.stdout + idle.stderr

    for args, message in (
        (("cancel", "--id", "1", *mine), "exit_queue: nothing waits to cancel"),
        (
            ("claim", "--id", "0", "--account", "TEST::8", *common),
            "exit_queue: caller does not own the request",
        ),
        (("claim", "--id", "9", *mine), "exit_queue: no such request"),
        (("request", "--points", "many", *mine), "is not a number"),
        (("request", "--points", "0", *mine), "a positive number of points"),
    ):
        refused = run_env(anvil_env, "exit", *args)
        assert refused.returncode != 0, args
        assert message in refused.stdout + refused.stderr, refused.stdout + refused.stderr
        assert "Traceback" not in refused.stdout + refused.stderr
        assert "tx.origin" not in refused.stdout and "──" not in refused.stdout  # no call trace: an answer

"""The scripts as a user runs them: `ape run deploy|demo` in a separate process."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from greenpoints.demo import play_worked_example

ROOT = Path(__file__).resolve().parents[2]
APE = str(Path(sys.executable).parent / "ape")


def run(*args, timeout=180):
    env = {**os.environ, "PATH": f"{ROOT / 'node_modules' / '.bin'}:{os.environ.get('PATH', '')}"}
    return subprocess.run(
        [APE, "run", *args, "-v", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_deploy_script__embedded_chain__writes_record(tmp_path):
    out = tmp_path / "local.json"
    result = run("deploy", "--out", str(out), "--rule", "issue_bps=6500")
    assert result.returncode == 0, result.stderr
    assert "greenpoints deployed" in result.stdout
    record = json.loads(out.read_text())
    assert record["rules"]["issue_bps"] == 6_500
    assert record["roles"]["registrar"] != record["roles"]["guardian"]
    assert record["timelock_delay"] == 2 * 86_400


@pytest.mark.parametrize(
    "args, message",
    [
        (["--account", "nobody"], "no account named 'nobody'"),
        (["--registrar", "0x1234"], "'0x1234' is not an address"),
        (["--rule", "issue_bps=99999"], "outside its hard bounds"),
        (["--asset", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"], "no contract at"),
        (["--network", "ethereum:nowhere"], "No network in 'ethereum' named 'nowhere'"),
    ],
)
def test_deploy_script__bad_input__one_line_error_nonzero_exit(args, message):
    result = run("deploy", *args)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert message in output
    assert "Traceback" not in output


def test_demo_script__embedded_chain__prints_worked_example():
    result = run("demo", "--asset-decimals", "6")
    assert result.returncode == 0, result.stderr
    assert "A holds 210.00 points" in result.stdout
    assert "B holds 147.00 points" in result.stdout


def test_play_worked_example__in_process__chain_figures(
    system, merchant, other_merchant, charity, consumer, other_consumer, unit
):
    steps = play_worked_example(
        system,
        merchant=merchant,
        cafe=other_merchant,
        charity=charity,
        consumer_a=consumer,
        consumer_b=other_consumer,
    )
    assert [(s.total_assets, s.total_supply) for s in steps[1:3]] == [
        (300 * unit, 210 * 10**18),
        (600 * unit, 357 * 10**18),
    ]
    settled = steps[-1]
    assert settled.total_supply == 347 * 10**18
    assert settled.price_per_point > steps[2].price_per_point


def test_simulate_script__model_backend__writes_results(tmp_path):
    result = run(
        "simulate", "--scenario", "rogue-merchant", "--days", "30", "--seed", "7", "--out", str(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    assert "rogue-merchant: 30 days" in result.stdout and "seed 7" in result.stdout
    for name in ("daily.csv", "summary.json", "value_per_point.png", "cohort_returns.png"):
        assert (tmp_path / name).is_file(), name
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["days"] == 30 and summary["seed"] == 7 and summary["ok"] is True


def test_simulate_script__fast_backend__reports_chain_equals_model(tmp_path):
    args = [
        "--backend",
        "fast",
        "--days",
        "3",
        "--consumers",
        "15",
        "--merchants",
        "3",
        "--out",
        str(tmp_path),
    ]
    result = run("simulate", *args)
    assert result.returncode == 0, result.stderr
    assert "ends in the chain's state: equal" in result.stdout
    assert json.loads((tmp_path / "summary.json").read_text())["cross_check"]["equal"] is True


@pytest.mark.parametrize(
    "args, message",
    [
        (["--scenario", "nope"], "no scenario named 'nope'"),
        (["--scenario", "BAD_FILE"], "unknown field 'consumer'"),
        (["--days", "0"], "Invalid value for '--days'"),
        (["--backend", "paper"], "Invalid value for '--backend'"),
    ],
)
def test_simulate_script__bad_input__one_line_error_nonzero_exit(args, message, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("days: 3\nconsumer: 4\n")
    result = run("simulate", *[str(bad) if a == "BAD_FILE" else a for a in args])
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert message in output
    assert "Traceback" not in output


@pytest.fixture
def anvil_env():
    """A fast anvil of our own, shared by the processes of one test (ape-foundry connects to it)."""
    from greenpoints.node import anvil_node

    env = {"PATH": f"{ROOT / 'node_modules' / '.bin'}:{os.environ.get('PATH', '')}"}
    os.environ["PATH"] = env["PATH"]
    with anvil_node() as url:
        yield {**env, "APE_FOUNDRY_HOST": url}


def run_env(env, *args, timeout=300):
    return subprocess.run(
        [APE, "run", *args, "-v", "WARNING"],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_audit_script__simulated_run_on_anvil__passes_in_another_process(anvil_env, tmp_path):
    foundry = ["--network", "ethereum:local:foundry"]
    sim = run_env(anvil_env, "simulate", "--backend", "fast", "--days", "4", "--consumers", "20",
                  "--merchants", "3", "--out", str(tmp_path / "sim"), *foundry)  # fmt: skip
    assert sim.returncode == 0, sim.stderr
    record = tmp_path / "sim" / "deployment.json"
    assert record.is_file()
    result = run_env(
        anvil_env, "audit", "--deployment", str(record), "--out", str(tmp_path / "audit"), *foundry
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


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no deployment record at"),
        ("not json", "is not a deployment record"),
    ],
)
def test_audit_script__bad_record__one_line_error(content, message, tmp_path):
    path = tmp_path / "record.json"
    if content is not None:
        path.write_text(content)
    result = run("audit", "--deployment", str(path))
    assert result.returncode != 0
    assert message in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_audit_script__no_contract_at_address__one_line_error(tmp_path, chain):
    # The embedded chain has the same chain id in every process.
    empty = "0x" + "12" * 20
    contracts = {"asset": empty, "pool": empty, "governor": empty}
    record = {"chain_id": chain.chain_id, "network": "local", "deployment_block": 0, "timelock_delay": 0}
    record |= {"contracts": contracts, "roles": {}, "rules": {}}
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record))
    result = run("audit", "--deployment", str(path))
    assert result.returncode != 0
    assert "no contract at" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def _node_web3(url):
    from web3 import HTTPProvider, Web3

    return Web3(HTTPProvider(url))


def _contract(web3, address, name):
    from ape import project

    abi = [item.model_dump(mode="json", by_alias=True) for item in getattr(project, name).contract_type.abi]
    return web3.eth.contract(address=address, abi=abi)


class _Lines:
    """Lines of a process's stream, read by a thread (select() misses lines already buffered)."""

    def __init__(self, stream):
        import queue
        import threading

        self.queue, self.lines = queue.Queue(), []
        threading.Thread(target=lambda: [self.queue.put(line) for line in stream], daemon=True).start()

    def until(self, text, timeout=120):
        import queue

        while True:
            try:
                line = self.queue.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"{text!r} never came; got {self.lines}") from None
            self.lines.append(line)
            if text in line:
                return line

    def rest(self, timeout=5):
        import queue

        try:
            while True:
                self.lines.append(self.queue.get(timeout=timeout))
        except queue.Empty:
            return self.lines


def test_monitor_script__node_goes_away_and_comes_back__alerts_once_then_resumes(anvil_env, tmp_path):
    import signal

    from tests.tcp_proxy import Proxy

    foundry = ["--network", "ethereum:local:foundry"]
    record_path = tmp_path / "anvil.json"
    deployed = run_env(anvil_env, "deploy", "--out", str(record_path), *foundry)
    assert deployed.returncode == 0, deployed.stderr
    record = json.loads(record_path.read_text())
    node = anvil_env["APE_FOUNDRY_HOST"]
    web3 = _node_web3(node)
    pool = _contract(web3, record["contracts"]["pool"], "ValuePool")
    governor = _contract(web3, record["contracts"]["governor"], "Governor")
    guardian, proposer = record["roles"]["guardian"], record["roles"]["proposer"]
    delay = record["timelock_delay"]

    def schedule_rule(value):
        payload = pool.encode_abi("set_rule", ["issue_bps", value])
        salt = value.to_bytes(32, "big")
        governor.functions.schedule(pool.address, 0, payload, b"\0" * 32, salt, delay).transact(
            {"from": proposer}
        )

    proxy = Proxy(int(node.rsplit(":", 1)[1]))
    state = tmp_path / "monitor-state.json"
    command = [APE, "run", "monitor", "--deployment", str(record_path), "--json", "--state", str(state),
               "--poll", "0.2", "--max-backoff", "1", *foundry, "-v", "WARNING"]  # fmt: skip
    env = {**os.environ, **anvil_env, "APE_FOUNDRY_HOST": proxy.url}
    monitor = subprocess.Popen(command, cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)  # fmt: skip
    out, err = _Lines(monitor.stdout), _Lines(monitor.stderr)
    try:
        err.until("following new blocks")
        proxy.cut()  # the node goes away; the chain goes on without the monitor seeing it
        pool.functions.pause().transact({"from": guardian})
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
                      "--once", *foundry)  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    kinds = [json.loads(line)["kind"] for line in resumed.stdout.splitlines() if line.strip()]
    assert kinds == ["rule_change_scheduled"]
    assert "6000" in resumed.stdout


def test_monitor_script__bad_state_file__one_line_error(anvil_env, tmp_path):
    foundry = ["--network", "ethereum:local:foundry"]
    record = tmp_path / "anvil.json"
    assert run_env(anvil_env, "deploy", "--out", str(record), *foundry).returncode == 0
    state = tmp_path / "state.json"
    state.write_text("[]")
    result = run_env(anvil_env, "monitor", "--deployment", str(record), "--state", str(state), "--once",
                     *foundry)  # fmt: skip
    assert result.returncode != 0
    assert "is not a monitor state" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr

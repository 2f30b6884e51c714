"""`ape run monitor` over the exit queue (SPEC 11) as an operator runs it, on anvil: `--stuck-after`
reaches the monitor (a request older than it is one `exit_request_stuck`), the default week does not
call a two-hour-old request stuck, and a short line is not `exit_queue_growing`."""

import json

from tests.cli import run_env
from tests.integration.conftest import deploy_on_anvil

FOUNDRY = ["--network", "ethereum:local:foundry"]


def _alerts(result) -> list[dict]:
    assert result.returncode == 0, result.stdout + result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def test_monitor_script__stuck_after_option__a_request_older_than_it_is_one_alert(anvil_env, tmp_path):
    on = deploy_on_anvil(anvil_env, tmp_path)
    record_path, web3 = on.record_path, on.web3
    merchant, consumer, other = web3.eth.accounts[4], web3.eth.accounts[7], web3.eth.accounts[8]
    on.exitable(consumer, other, merchant)
    common = ("--deployment", str(record_path), *FOUNDRY)
    requested = run_env(anvil_env, "exit", "request", "--points", "100", "--account", "TEST::7", *common)
    assert requested.returncode == 0, requested.stdout + requested.stderr
    request_block = web3.eth.block_number
    web3.provider.make_request("evm_increaseTime", [2 * 3_600])
    web3.provider.make_request("evm_mine", [])

    watch = ("monitor", "--once", "--json", "--from-block", str(request_block), *common)
    (stuck,) = [
        a for a in _alerts(run_env(anvil_env, *watch, "--stuck-after", "3600")) if "exit_" in a["kind"]
    ]
    assert (stuck["kind"], stuck["severity"]) == ("exit_request_stuck", "warning")
    assert stuck["details"]["id"] == 0 and stuck["details"]["account"] == consumer.lower()
    assert stuck["details"]["stuck_after"] == 3_600 and stuck["block"] == web3.eth.block_number
    # The default week: not stuck; one request of 100 points is far within 3 epochs of budget.
    assert [a for a in _alerts(run_env(anvil_env, *watch)) if "exit_" in a["kind"]] == []

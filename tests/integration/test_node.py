"""The local chain that stays up (`greenpoints.node`, `make node`): started detached, found again,
stopped with its chain saved, and loaded again with blocks and logs at the next start."""

import json
import os
import signal
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from greenpoints import node
from greenpoints.anvil import _port_open
from tests.cli import BIN, steady_port


@pytest.fixture
def on_path(monkeypatch):
    monkeypatch.setenv("PATH", f"{BIN}:{__import__('os').environ.get('PATH', '')}")


def rpc(url, method, *params):
    request = urllib.request.Request(
        url,
        json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).encode(),
        {"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)["result"]


def deploy_a_logger(url):
    """A contract whose constructor logs one event (PUSH1 0 PUSH1 0 LOG0 STOP)."""
    sender = rpc(url, "eth_accounts")[0]
    tx = rpc(url, "eth_sendTransaction", {"from": sender, "data": "0x60006000a000"})
    for _ in range(100):  # anvil answers with the hash before the block is sealed
        if (receipt := rpc(url, "eth_getTransactionReceipt", tx)) is not None:
            return receipt
        time.sleep(0.05)
    raise AssertionError(f"transaction {tx} never mined")


def test_start__stopped_and_started_again__chain_and_logs_kept(tmp_path, on_path):
    port = steady_port()
    try:
        info, started = node.start(tmp_path, port=port)
        assert started and info.url == f"http://127.0.0.1:{port}"
        assert node.running(tmp_path) == info
        again, started_again = node.start(tmp_path, port=port)
        assert again == info and not started_again
        receipt = deploy_a_logger(info.url)
        assert len(receipt["logs"]) == 1
        assert node.stop(tmp_path) == info
        assert node.running(tmp_path) is None
        assert (tmp_path / "state.json").exists()

        info, started = node.start(tmp_path, port=port)
        assert started
        assert int(rpc(info.url, "eth_blockNumber"), 16) == int(receipt["blockNumber"], 16)
        logs = rpc(info.url, "eth_getLogs", {"fromBlock": "0x0", "toBlock": "latest"})
        assert [log["transactionHash"] for log in logs] == [receipt["transactionHash"]]
        with pytest.raises(node.NodeError, match="stop it before starting a fresh chain"):
            node.start(tmp_path, port=port, fresh=True)
        node.stop(tmp_path)

        info, _ = node.start(tmp_path, port=port, fresh=True)
        assert int(rpc(info.url, "eth_blockNumber"), 16) == 0
    finally:
        node.stop(tmp_path)


def test_start__port_taken_by_another_program__node_error_naming_another_port(tmp_path, on_path):
    port = steady_port()
    other = tmp_path / "other"
    try:
        node.start(other, port=port)
        with pytest.raises(node.NodeError, match=f"port {port} is in use by another program"):
            node.start(tmp_path / "mine", port=port)
    finally:
        node.stop(other)


def _group(leader: int) -> list[int]:
    """The live (not zombie) processes of the process group `leader` leads."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == leader and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux's /proc")
def test_stop__anvil_slow_to_exit__returns_once_nothing_of_the_node_is_left(tmp_path, on_path):
    # npm's `anvil` is a Node.js launcher that spawns the binary and exits as soon as it has passed
    # SIGTERM on: a stop that waited for the launcher returned while the binary was still saving the
    # chain and holding the port (`port ... is in use by another program` at the next start, seen in
    # make test). The node's process is the binary itself; every other process of its group (none,
    # with the binary) is held paused for a second, as a binary slow to exit under load would be.
    port = steady_port()
    info, _ = node.start(tmp_path, port=port)
    try:
        assert os.path.basename(os.readlink(f"/proc/{info.pid}/exe")) == "anvil"
        others = [pid for pid in _group(info.pid) if pid != info.pid]
        for pid in others:
            os.kill(pid, signal.SIGSTOP)
        resume = threading.Timer(1.0, lambda: [os.kill(pid, signal.SIGCONT) for pid in others])
        resume.start()
        assert node.stop(tmp_path) == info
        assert _group(info.pid) == [] and not _port_open(port)
        resume.join()
    finally:
        node.stop(tmp_path)

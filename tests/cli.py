"""Running `ape run SCRIPT` as a user does, in a separate process, on the embedded chain or on anvil."""

import functools
import os
import random
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APE = str(Path(sys.executable).parent / "ape")
BIN = ROOT / "node_modules" / ".bin"


def run(*args, timeout=180):
    """`ape run *args` on the default network (the embedded chain, unless args say otherwise)."""
    return run_env({}, *args, timeout=timeout)


def run_env(env, *args, timeout=300):
    """`ape run *args` with `env` added (e.g. APE_FOUNDRY_HOST: the anvil to connect to), a process
    of its own, forked from a server that has imported Ape's libraries once (tests/warm_ape.py), or
    started cold with GREENPOINTS_COLD_APE=1."""
    argv = [APE, "run", *args, "-v", "WARNING"]
    env = {**os.environ, "PATH": f"{BIN}:{os.environ.get('PATH', '')}", **env}
    if os.environ.get("GREENPOINTS_COLD_APE") == "1":
        return subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    return _warm().run(argv, env, ROOT, timeout)


@functools.cache
def _warm():
    from tests.warm_ape import WarmApe

    return WarmApe(ROOT)


def steady_port() -> int:
    """A free port below the kernel's ephemeral range, for a listener a test closes and opens again
    on the same port (tests/tcp_proxy.py's cut lasts seconds; a node stopped and started).
    `greenpoints.anvil.free_port()` takes its ports from that range, which every other process's
    `bind(0)` and outgoing connection draw from, so another test chain could take the port in
    between; below the range, only a program naming the port can take it. (The one `port ... is in
    use` of tests/integration/test_node.py that led here was npm's anvil launcher outliving a stop:
    `greenpoints.tools.npm_binary`.)"""
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    draw = random.SystemRandom()
    for _ in range(200):
        port = draw.randrange(20_000, max(low, 20_001))
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port between 20000 and {low}")


def node_web3(url):
    """A plain web3 on a node's URL (anvil's test accounts are unlocked: `transact({'from': ...})`)."""
    from web3 import HTTPProvider, Web3

    return Web3(HTTPProvider(url))


def node_contract(web3, address, name):
    """A web3 contract of the project's contract type `name` at `address`."""
    from ape import project

    abi = [item.model_dump(mode="json", by_alias=True) for item in getattr(project, name).contract_type.abi]
    return web3.eth.contract(address=address, abi=abi)


class Lines:
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

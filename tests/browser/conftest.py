"""The dashboard in a real browser: Debian's chromium, driven by Playwright, against `ape run
dashboard` serving an association of two platforms with activity on anvil (each a separate process,
as a regulator runs them). The dashboard reaches anvil through a TCP proxy the tests can cut.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_utils import keccak

from greenpoints.anvil import free_port
from tests.cli import APE, BIN, ROOT, Lines, node_contract, node_web3, run_env
from tests.tcp_proxy import Proxy

FOUNDRY = ["--network", "ethereum:local:foundry"]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip
"""As root in CI and on a closed network (Chromium's own connections are refused there)."""
GREEN = 1


def order_id(text: str) -> bytes:
    return keccak(text=text)


@dataclass
class Chain:
    """The association's record and web3 handles on anvil (its test accounts are unlocked)."""

    web3: object
    record: dict
    accounts: list[str]

    def platform(self, pid: int) -> dict:
        contracts = self.record["platforms"][pid]["contracts"]
        return {name: node_contract(self.web3, contracts[name], kind) for name, kind in
                (("pool", "ValuePool"), ("registry", "Registry"), ("asset", "MockStablecoin"))}  # fmt: skip

    @property
    def association(self):
        return node_contract(self.web3, self.record["association"], "Association")

    def admit(self, pid: int, merchant: str) -> None:
        p = self.platform(pid)
        registrar = self.record["platforms"][pid]["roles"]["registrar"]
        p["registry"].functions.admit(merchant, 3_000, 10**30, b"\1" * 32, 1).transact({"from": registrar})
        p["asset"].functions.mint(merchant, 10**30).transact({"from": merchant})
        p["asset"].functions.approve(p["pool"].address, 2**256 - 1).transact({"from": merchant})

    def change_rule(self, pid: int, rule: str, value: int) -> None:
        """A rule change through platform `pid`'s governor (schedule, the delay, execute), sent as raw
        transactions: Ape stays on its own chain (switching Ape's network in a module fixture left its
        isolation reverting the wrong chain for every later test of the session)."""
        platform = self.record["platforms"][pid]
        registry = node_contract(self.web3, platform["contracts"]["registry"], "Registry")
        governor = node_contract(self.web3, platform["contracts"]["governor"], "Governor")
        proposer, zero = platform["roles"]["proposer"], b"\0" * 32
        data = registry.functions.set_rule(rule, value)._encode_transaction_data()
        salt = keccak(text=f"set_rule {rule}={value}@{self.web3.eth.block_number}")
        delay = governor.functions.get_minimum_delay().call()
        for call in (
            governor.functions.schedule(registry.address, 0, data, zero, salt, delay),
            governor.functions.execute(registry.address, 0, data, zero, salt),
        ):
            receipt = self.web3.eth.wait_for_transaction_receipt(call.transact({"from": proposer}))
            assert receipt["status"] == 1, f"{rule}={value}: the governor refused"
            self.web3.provider.make_request("evm_increaseTime", [delay])
            self.web3.provider.make_request("evm_mine", [])
        assert getattr(registry.functions, rule)().call() == value

    def buy(self, pid: int, merchant: str, consumer: str, units: int, oid: bytes):
        pool = self.platform(pid)["pool"]
        return pool.functions.record_purchase(consumer, units * 10**18, oid, GREEN).transact(
            {"from": merchant}
        )


@pytest.fixture(scope="module")
def chain_with_activity(tmp_path_factory):
    """anvil, an association with two platforms (deployed by `ape run deploy --association`), two
    merchants and purchases on each, a spend and a donation on platform 0."""
    from greenpoints.anvil import anvil_node

    os.environ["PATH"] = f"{BIN}:{os.environ.get('PATH', '')}"
    out = tmp_path_factory.mktemp("association")
    with anvil_node() as url:
        env = {"PATH": os.environ["PATH"], "APE_FOUNDRY_HOST": url}
        record_path = out / "local.json"
        deployed = run_env(env, "deploy", "--association", "--platforms", "2", "--timelock-delay", "3600",
                           "--out", str(record_path), *FOUNDRY)  # fmt: skip
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        web3 = node_web3(url)
        chain = Chain(web3, json.loads(record_path.read_text()), list(web3.eth.accounts))
        merchant, other, charity, consumer = (
            chain.accounts[4],
            chain.accounts[5],
            chain.accounts[6],
            chain.accounts[7],
        )
        for pid in (0, 1):
            chain.admit(pid, merchant)
            chain.buy(pid, merchant, consumer, 100 + pid, order_id(f"first-{pid}"))
        chain.admit(0, other)
        registrar = chain.record["platforms"][0]["roles"]["registrar"]
        p0 = chain.platform(0)
        p0["registry"].functions.register_charity(charity, b"\2" * 32).transact({"from": registrar})
        p0["pool"].functions.spend(other, 10**18, order_id("spend-1")).transact({"from": consumer})
        p0["pool"].functions.donate(charity, 10**17).transact({"from": consumer})
        yield chain, record_path, url, env


@contextmanager
def serve_dashboard(record_path: Path, node_url: str, db: Path, env: dict) -> Iterator[tuple[str, Lines]]:
    """`ape run dashboard --association RECORD --db DB` on a free port, reaching the node at
    `node_url`; yields the page's base URL and its stderr, and stops it afterwards."""
    port = free_port()
    command = [APE, "run", "dashboard", "--association", str(record_path), "--port", str(port),
               "--db", str(db), "--poll", "0.3", *FOUNDRY, "-v", "WARNING"]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env, "APE_FOUNDRY_HOST": node_url},
                               text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    err = Lines(process.stderr)
    try:
        err.until("serving http://", timeout=120)
        base = f"http://127.0.0.1:{port}"
        _wait_for(base + "/api/status")
        yield base, err
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def dashboard(chain_with_activity, tmp_path_factory):
    """`ape run dashboard --association RECORD` on a free port, reaching anvil through a proxy."""
    chain, record_path, url, env = chain_with_activity
    proxy = Proxy(int(url.rsplit(":", 1)[1]))
    db = tmp_path_factory.mktemp("dashboard") / "dashboard.sqlite"
    try:
        with serve_dashboard(record_path, proxy.url, db, env) as (base, err):
            yield base, proxy, chain, err
    finally:
        proxy.cut()


def _wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.2)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextmanager
def open_page(browser, base: str, *, width: int = 1400, height: int = 1000, path: str = "/", **options):
    """The page at `base` + `path` in a new browser context of `width` x `height` CSS pixels, its
    platforms drawn; fails if its JavaScript threw. `options` go to the context (downloads...)."""
    context = browser.new_context(viewport={"width": width, "height": height}, **options)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(base + path)
    page.wait_for_selector("#platforms tbody tr[data-platform]")
    yield page
    context.close()
    assert errors == [], f"errors in the page's JavaScript: {errors}"


@pytest.fixture
def page(browser, dashboard):
    with open_page(browser, dashboard[0]) as page:
        yield page


def screenshot(page, name: str) -> None:
    """Save a screenshot to $GREENPOINTS_SCREENSHOTS (docs/img when the docs are refreshed)."""
    folder = os.environ.get("GREENPOINTS_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)

"""The integration suite: the same code and scripts on a real node (anvil, through ape-foundry).

`anvil_env` starts one anvil per test (`greenpoints.anvil.anvil_node`) and gives the environment
that points ape-foundry at it, so several processes of one test share its chain.
"""

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cli import BIN, node_contract, node_web3, run_env

FOUNDRY = ["--network", "ethereum:local:foundry"]


@pytest.fixture
def anvil_env():
    """A fast anvil of our own, shared by the processes of one test (ape-foundry connects to it)."""
    from greenpoints.anvil import anvil_node

    os.environ["PATH"] = f"{BIN}:{os.environ.get('PATH', '')}"
    with anvil_node() as url:
        yield {"PATH": os.environ["PATH"], "APE_FOUNDRY_HOST": url}


@dataclass
class Deployed:
    """What `ape run deploy` put on an anvil: its record and web3 handles on the contracts."""

    record_path: Path
    record: dict
    web3: object
    pool: object
    registry: object
    asset: object

    def admit(self, merchant: str, funds: int) -> None:
        """Admit `merchant` (30%), mint it `funds` of the asset and approve the pool."""
        self.registry.functions.admit(merchant, 3_000, 10**30, b"\1" * 32, 1).transact(
            {"from": self.record["roles"]["registrar"]}
        )
        self.asset.functions.mint(merchant, funds).transact({"from": merchant})
        self.asset.functions.approve(self.pool.address, 2**256 - 1).transact({"from": merchant})

    def exitable(self, consumer: str, other: str, merchant: str) -> None:
        """`consumer` buys 1,000 units, then `other` 1,000,000: `consumer`'s holding is past its exit
        trigger; the clock moves past the 7-day lock."""
        self.admit(merchant, 10**27)
        for buyer, units, oid in ((consumer, 1_000, b"\1"), (other, 1_000_000, b"\2")):
            self.pool.functions.record_purchase(buyer, units * 10**18, oid * 32, 1).transact(
                {"from": merchant}
            )
        self.web3.provider.make_request("evm_increaseTime", [8 * 86_400])
        self.web3.provider.make_request("evm_mine", [])


def deploy_on_anvil(env: dict, tmp_path: Path) -> Deployed:
    """`ape run deploy` on the test's anvil, its record in `tmp_path`."""
    record_path = tmp_path / "anvil.json"
    deployed = run_env(env, "deploy", "--out", str(record_path), *FOUNDRY)
    assert deployed.returncode == 0, deployed.stderr
    record = json.loads(record_path.read_text())
    web3 = node_web3(env["APE_FOUNDRY_HOST"])
    pool, registry, asset = (
        node_contract(web3, record["contracts"][name], kind)
        for name, kind in (("pool", "ValuePool"), ("registry", "Registry"), ("asset", "MockStablecoin"))
    )
    return Deployed(record_path, record, web3, pool, registry, asset)

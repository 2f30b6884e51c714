"""Deploy hygiene: snekmate's `ownable` and `erc20` constructors make the deployer the points token's
owner and a minter. Neither power is exported, and neither is left to the deployer: the pool's
constructor renounces both, so explorers reading the events, and anyone reading the storage, see no
owner and no minter (docs/design.md, "Events")."""

import json
import subprocess
import sys
from pathlib import Path

from eth_utils import keccak

OWNERSHIP_TRANSFERRED = keccak(text="OwnershipTransferred(address,address)")
ROLE_MINTER_CHANGED = keccak(text="RoleMinterChanged(address,bool)")
ROOT = Path(__file__).resolve().parents[3]


def _word_address(topic) -> str:
    return "0x" + bytes(topic)[-20:].hex()


def _pool_logs(system, chain, topic0: bytes) -> list:
    receipt = chain.provider.web3.eth.get_transaction_receipt(system.transactions["pool"])
    return [
        log
        for log in receipt["logs"]
        if log["address"].lower() == str(system.pool.address).lower() and bytes(log["topics"][0]) == topic0
    ]


def test_pool_deployment__ownership_events__last_owner_is_nobody(system, deployer, chain):
    logs = _pool_logs(system, chain, OWNERSHIP_TRANSFERRED)
    assert [(_word_address(t[1]), _word_address(t[2])) for t in (log["topics"] for log in logs)] == [
        ("0x" + "00" * 20, str(deployer.address).lower()),
        (str(deployer.address).lower(), "0x" + "00" * 20),
    ]


def test_pool_deployment__minter_events__deployer_minter_revoked(system, deployer, chain):
    logs = _pool_logs(system, chain, ROLE_MINTER_CHANGED)
    changes = [
        (_word_address(log["topics"][1]), bool(int.from_bytes(bytes(log["data"]), "big"))) for log in logs
    ]
    assert changes == [(str(deployer.address).lower(), True), (str(deployer.address).lower(), False)]


def _storage_slots() -> dict:
    """The pool's storage layout, from the compiler itself (slot numbers are not hand-written)."""
    import snekmate

    libs = str(Path(snekmate.__path__[0]).parent)
    command = [sys.executable, "-m", "vyper", "-f", "layout", "-p", libs, "-p", "contracts"]
    out = subprocess.run(
        command + ["contracts/ValuePool.vy"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)["storage_layout"]


def test_pool_storage__owner_and_deployer_minter__empty(system, deployer, chain):
    layout = _storage_slots()
    owner_slot = layout["ownable"]["owner"]["slot"]
    assert int.from_bytes(bytes(chain.provider.get_storage(system.pool.address, owner_slot)), "big") == 0
    minter_slot = layout["erc20"]["is_minter"]["slot"]
    # Vyper's HashMap slot: keccak256(slot . key)
    key = keccak(minter_slot.to_bytes(32, "big") + int(str(deployer.address), 16).to_bytes(32, "big"))
    assert int.from_bytes(bytes(chain.provider.get_storage(system.pool.address, key)), "big") == 0


def test_pool_storage__hashmap_slot_arithmetic__reads_a_real_balance(live, buy, merchant, consumer, chain):
    """The slot arithmetic above reads what it should: the same computation finds a consumer's points."""
    buy(merchant, consumer, 100)
    slot = _storage_slots()["erc20"]["balanceOf"]["slot"]
    key = keccak(slot.to_bytes(32, "big") + int(str(consumer.address), 16).to_bytes(32, "big"))
    stored = int.from_bytes(bytes(chain.provider.get_storage(live.pool.address, key)), "big")
    assert stored == live.pool.balanceOf(consumer) > 0

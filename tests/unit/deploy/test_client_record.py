"""What a third-party client needs from a deployment: the shipped ABI files (abi/, in step with the
compiled contracts), and records naming them with code hashes, versions and transactions; a real
token is never wrapped as our mock."""

import json
from importlib.metadata import version
from pathlib import Path

import pytest
from ape import project
from eth_utils import keccak
from web3 import Web3
from web3.logs import DISCARD

from greenpoints.abi import ABI_DIR, CONTRACTS, INTERFACES, compiled_abi, render
from greenpoints.deploy import deploy_system, load_system

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("name", CONTRACTS + INTERFACES)
def test_abi_file__shipped__equals_the_compiled_abi(name):
    shipped = ABI_DIR / f"{name}.json"
    assert shipped.is_file(), f"{shipped} missing: run `python -m greenpoints.abi`"
    assert shipped.read_text() == render(compiled_abi(name)), (
        f"{shipped} is stale: run `python -m greenpoints.abi`"
    )


def test_record__system__abi_files_code_hashes_versions_and_transactions(system, chain):
    record = system.record()
    assert record["abi"] == {
        "asset": "abi/ISettlementToken.json",
        "pool": "abi/ValuePool.json",
        "registry": "abi/Registry.json",
        "governor": "abi/Governor.json",
        "lens": "abi/Lens.json",
        "exit_queue": "abi/ExitQueue.json",
    }
    for path in record["abi"].values():
        assert (ROOT / path).is_file()
    for name, code_hash in record["code_hashes"].items():
        address = record["contracts"][name]
        assert code_hash == "0x" + keccak(bytes(chain.provider.get_code(address))).hex()
    assert record["compiler"] == {"vyper": version("vyper"), "snekmate": version("snekmate")}
    created = {
        name: chain.provider.get_receipt(tx).contract_address for name, tx in record["transactions"].items()
    }
    assert created["pool"] == record["contracts"]["pool"]
    assert created["governor"] == record["contracts"]["governor"]
    assert created["lens"] == record["contracts"]["lens"] == str(system.lens.address)
    assert created["exit_queue"] == record["contracts"]["exit_queue"] == str(system.exit_queue.address)
    assert created["registry_blueprint"] == record["registry_blueprint"]
    assert created["asset"] == record["contracts"]["asset"]  # the mock this deployment made


def test_record__saved_and_loaded__transactions_kept(system, tmp_path):
    loaded = load_system(system.save(tmp_path / "record.json"))
    assert loaded.transactions == system.transactions and loaded.transactions
    assert loaded.lens.address == system.lens.address
    assert loaded.lens.pool() == system.pool.address
    assert loaded.exit_queue.address == system.exit_queue.address
    assert loaded.exit_queue.registry() == system.registry.address


def test_abi_files__plain_web3_client__reads_points_and_decodes_a_purchase(
    live, merchant, consumer, chain, buy
):
    """No Ape handle: web3 with the shipped ABI files, as cast or ethers would use them."""
    node: Web3 = chain.provider.web3
    abi = json.loads((ROOT / live.record()["abi"]["pool"]).read_text())
    pool = node.eth.contract(address=str(live.pool.address), abi=abi)
    receipt = buy(merchant, consumer, 100)
    mined = node.eth.get_transaction_receipt(receipt.txn_hash)
    # the receipt also holds the token's Transfer and the pool's own: only PurchaseRecorded is decoded
    (event,) = pool.events.PurchaseRecorded().process_receipt(mined, errors=DISCARD)
    assert (event.args.merchant, event.args.consumer) == (str(merchant.address), str(consumer.address))
    assert event.args.points > 0
    assert pool.functions.balanceOf(str(consumer.address)).call() == live.pool.balanceOf(consumer) > 0
    assert pool.functions.symbol().call() == "GCP"


def test_load_system__asset_not_our_mock__plain_erc20_without_mint(deployer, registrar, guardian, tmp_path):
    token = project.HostileToken.deploy(6, sender=deployer)  # an ERC-20 that is not MockStablecoin
    system = deploy_system(deployer, asset=str(token.address), registrar=registrar, guardian=guardian)
    assert not hasattr(system.asset, "mint") and int(system.asset.decimals()) == 6
    loaded = load_system(system.save(tmp_path / "record.json"))
    assert not hasattr(loaded.asset, "mint")
    assert loaded.asset.contract_type.name == "ISettlementToken"


def test_load_system__our_mock__mock_with_its_faucet(system, tmp_path):
    loaded = load_system(system.save(tmp_path / "record.json"))
    assert loaded.asset.contract_type.name == "MockStablecoin" and hasattr(loaded.asset, "mint")

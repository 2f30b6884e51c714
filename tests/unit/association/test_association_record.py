"""The association's deployment record: what a third-party client needs (tests/unit/deploy/
test_client_record.py has a system's)."""

from eth_utils import keccak

from greenpoints.deploy import load_association


def test_record__association__abi_code_hash_and_each_transaction(association, chain):
    association.refresh()  # platforms of tests whose chain was reverted are gone
    record = association.record()
    assert record["abi"] == {"association": "abi/Association.json"}
    assert (
        record["code_hashes"]["association"]
        == "0x" + keccak(bytes(chain.provider.get_code(record["association"]))).hex()
    )
    created = {
        name: chain.provider.get_receipt(tx).contract_address for name, tx in record["transactions"].items()
    }
    assert created["association"] == record["association"]
    for name, blueprint in record["blueprints"].items():
        assert created[f"{name} blueprint"] == blueprint
    again = load_association(record["association"])
    for platform in again.platforms:
        launch = chain.provider.get_receipt(platform.transactions["launch"])
        assert launch.receiver == record["association"]

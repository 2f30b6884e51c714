"""Room to grow: every contract the deployment puts on chain keeps at least 2,048 bytes under EIP-170's
limit on deployed code (24,576 bytes), so the next feature can still be deployed (docs/design.md)."""

import pytest

EIP170_LIMIT = 24_576
HEADROOM = 2_048


@pytest.mark.parametrize(
    "name", ["pool", "lens", "exit_queue", "registry", "governor", "registry_blueprint", "asset"]
)
def test_deployed_code__every_contract__at_least_2048_bytes_under_eip170(system, chain, name):
    address = getattr(system, name)
    code = bytes(chain.provider.get_code(str(getattr(address, "address", address))))
    assert code, f"{name}: no code at {address}"
    room = EIP170_LIMIT - len(code)
    assert room >= HEADROOM, (
        f"{name} is {len(code):,} bytes deployed: {room:,} bytes of room, {HEADROOM:,} needed"
    )


BLUEPRINT_HEADROOM = 256
"""The association keeps the pool's initcode as a blueprint, whose code EIP-170 also limits: the
pool's constructor and runtime together must fit (docs/design.md, "Room to grow")."""


@pytest.mark.parametrize("name", ["ValuePool", "Registry", "Governor"])
def test_blueprint_code__every_release_contract__fits_under_eip170(project, name):
    initcode = bytes(getattr(project, name).contract_type.deployment_bytecode.to_bytes())
    blueprint = 3 + len(initcode)  # EIP-5202 preamble 0xFE7100, then the initcode
    room = EIP170_LIMIT - blueprint
    assert room >= BLUEPRINT_HEADROOM, (
        f"the {name} blueprint is {blueprint:,} bytes: {room:,} bytes of room, {BLUEPRINT_HEADROOM:,} needed"
    )

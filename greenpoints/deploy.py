"""Deploy the system (SPEC section 7) and keep a record of the deployment.

`deploy_system(deployer, ...)` deploys the governor (a timelock), the blueprint of the registry, the
pool (which is also the points token, and which creates its registry from the blueprint), the pool's
lens (its previews: `contracts/Lens.vy`) and, on a local chain, a mock stablecoin with an open `mint`
faucet; the certifier may certify a catalog of green classes right after. It returns a `System`
whose attributes say which contract serves which role.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ape import accounts, chain, networks, project
from ape.exceptions import ApeException
from ape.logging import logger
from ape.types import AddressType
from eth_utils import is_checksum_address, keccak, to_checksum_address

from .catalog import certify
from .errors import DeployError
from .interfaces import interface_at, runs
from .model.rules import DAY, DEFAULT_RULES, RULE_NAMES, Rules

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
DEFAULT_TIMELOCK_DELAY = 2 * DAY
"""The governor's minimum delay outside local demos (SPEC 4.6: at least 2 days)."""
LOCAL_NETWORKS = frozenset({"local"})


@dataclass
class System:
    """Handles on a deployed system. `pool` and `points` are the same contract; `registry` is the
    contract the administrators act on (members, roles, rules, pause, shutdown)."""

    asset: Any
    """The settlement token (ERC-20)."""
    pool: Any
    """The value pool: the points token, escrow, issuance, circulation, exit."""
    registry: Any
    """The registry: merchants, sponsors and charities, the green catalog, roles, rules, pause and
    shutdown (SPEC 4.2, 4.6, 4.7, 8.1, 8.3)."""
    governor: Any
    """The timelock that changes rules, unpauses and shuts down."""
    registrar: Any
    """The registrar (industry association): an account handle, or an address when not ours."""
    guardian: Any
    """The guardian (may pause): an account handle, or an address when not ours."""
    certifier: Any = None
    """The certifier (keeps the green catalog): an account handle, or an address when not ours."""
    proposer: Any = None
    """The account allowed to schedule operations on the governor."""
    deployment_block: int = 0
    """The block of the first deployment transaction (where an audit starts)."""
    rules: Rules = field(default_factory=Rules)
    """The rules the pool was deployed with."""
    timelock_delay: int = DEFAULT_TIMELOCK_DELAY
    """The governor's minimum delay in seconds."""
    registry_blueprint: str | None = None
    """The EIP-5202 blueprint the pool created its registry from."""
    name: str | None = None
    """The platform's name, when an association launched it."""
    platform_id: int | None = None
    """The platform's id in its association, when an association launched it."""
    association: str | None = None
    """The address of the association that launched it (its guardian), if any."""
    transactions: dict[str, str] = field(default_factory=dict)
    """The deployment's transaction hashes by what they created (`asset` when a mock was deployed,
    `governor`, `registry_blueprint`, `pool` (which also created the registry), or `launch` when an
    association launched the platform; `lens`)."""
    lens: Any = None
    """The pool's `Lens`: `preview_purchase`, `preview_action`, `preview_exit`, `preview_settle`
    (docs/integration.md, "Previews"). None for a platform launched without one (`deploy_lens`)."""
    exit_queue: Any = None
    """The pool's `ExitQueue` (SPEC 11: `request_exit`, `process_exits`, `claim_exit`, `cancel_exit`
    and the line's views), attached to the registry. None until one is attached (`deploy_exit_queue`)."""

    @property
    def points(self) -> Any:
        """The points token: the pool itself (as an ERC-4626 vault is its own share token)."""
        return self.pool

    def record(self) -> dict[str, Any]:
        """The deployment record (`deploy` writes it to `default_record_path()`)."""
        provider = chain.provider
        contracts = {
            "asset": str(self.asset.address),
            "pool": str(self.pool.address),
            "registry": str(self.registry.address),
            "governor": str(self.governor.address),
            **({"lens": str(self.lens.address)} if self.lens is not None else {}),
            **({"exit_queue": str(self.exit_queue.address)} if self.exit_queue is not None else {}),
        }
        return {
            "network": provider.network.name,
            "ecosystem": provider.network.ecosystem.name,
            "provider": provider.name,
            "chain_id": chain.chain_id,
            "deployment_block": self.deployment_block,
            "contracts": {**contracts, "points": contracts["pool"]},
            "roles": {
                "registrar": _address(self.registrar),
                "guardian": _address(self.guardian),
                "certifier": _address(self.certifier),
                "proposer": _address(self.proposer) if self.proposer else None,
                "governor": str(self.governor.address),
            },
            "registry_blueprint": self.registry_blueprint,
            **(
                {"platform": {"id": self.platform_id, "name": self.name, "association": self.association}}
                if self.association
                else {}
            ),
            "asset_decimals": int(self.asset.decimals()),
            "timelock_delay": self.timelock_delay,
            "rules": self.rules.as_dict(),
            **client_fields(contracts, self.transactions),
        }

    def save(self, path: Path | str | None = None) -> Path:
        """Write the record (default `default_record_path()`) and return its path (see `write_record`)."""
        return write_record(self.record(), Path(path) if path else default_record_path())


def client_fields(contracts: dict[str, Any], transactions: dict[str, str]) -> dict[str, Any]:
    """What a client needs beside the addresses, for a record: each contract's ABI file in this
    repository (`abi/`, see `greenpoints.abi`), the keccak-256 of the runtime code each address holds
    now, the compiler and library versions of the release, and the deployment transactions."""
    from importlib.metadata import version

    from .abi import RECORD_ABIS, relative_path

    return {
        "abi": {name: relative_path(RECORD_ABIS[name]) for name in contracts},
        "code_hashes": {
            name: "0x" + keccak(bytes(chain.provider.get_code(str(address)))).hex()
            for name, address in contracts.items()
        },
        "compiler": {"vyper": version("vyper"), "snekmate": version("snekmate")},
        "transactions": dict(transactions),
    }


def _address(handle: Any) -> str:
    return str(getattr(handle, "address", handle))


def _known_accounts() -> dict[str, Any]:
    """On a local chain, the test accounts by address (a record's role holders become accounts we
    can sign with); elsewhere none."""
    return {str(a.address): a for a in accounts.test_accounts} if is_local_network() else {}


def network_label() -> str:
    """`ecosystem-network-provider` of the connected chain, e.g. `ethereum-local-foundry`."""
    network = chain.provider.network
    return f"{network.ecosystem.name}-{network.name}-{chain.provider.name}"


def default_record_path(kind: str = "system") -> Path:
    """Where `deploy` writes its record by default: one per network and provider, so the embedded
    chain's and a node's records never overwrite each other, and one for an association
    (`deployments/ethereum-local-foundry.json`, `deployments/ethereum-local-foundry-association.json`)."""
    suffix = "-association" if kind == "association" else ""
    return Path("deployments") / f"{network_label()}{suffix}.json"


class RecordError(DeployError):
    """The record could not be written where asked; it was written to `fallback` instead."""

    def __init__(self, message: str, fallback: Path):
        super().__init__(message)
        self.fallback = fallback


def _identity(record: dict) -> str | None:
    return record.get("association") or (record.get("contracts") or {}).get("pool")


def write_record(record: dict, path: Path) -> Path:
    """Write a deployment record to `path` and return it.

    A record there of another deployment on the same chain (deployed again) is kept beside it as
    `<name>-block-<its block>.json`, so no deployment's record is lost. When `path` cannot be
    written (checked before deploying, but a disk can fill), the record goes to the temporary
    folder and `RecordError` says where: the contracts are deployed and paid for."""
    text = json.dumps(record, indent=2) + "\n"
    try:
        previous = json.loads(path.read_text()) if path.is_file() else None
    except (OSError, ValueError):
        previous = None
    try:
        if isinstance(previous, dict) and _identity(previous) not in (None, _identity(record)):
            kept = path.with_name(
                f"{path.stem}-block-{previous.get('deployment_block', 'unknown')}{path.suffix}"
            )
            path.replace(kept)
            logger.info(f"the previous record at {path} is kept as {kept}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path
    except OSError as err:
        import tempfile

        name = f"greenpoints-{network_label()}-{record.get('deployment_block', 'record')}.json"
        fallback = Path(tempfile.gettempdir()) / name
        fallback.write_text(text)
        raise RecordError(
            f"could not write the deployment record to {path} ({err.strerror or err}); "
            f"it is in {fallback}: move it there yourself",
            fallback,
        ) from err


def _vanished_hint(record: Path | None = None) -> str:
    """Why a record's contracts are missing: this chain started empty with the command, or the node
    of `make node` began a new chain (`--fresh`) after the record was made."""
    from .node import ephemeral_note, reset_note

    if ephemeral_note() is None:
        note = reset_note(record) if record is not None and chain.provider.name == "foundry" else None
        return f" ({note})" if note else ""
    return (
        " (this chain started empty with this command: deploy on a node that stays up, `make node` "
        "then --network ethereum:local:foundry, and run this command there)"
    )


def is_local_network() -> bool:
    return chain.provider.network.name in LOCAL_NETWORKS


def parse_address(value: str, what: str) -> AddressType:
    """A checksummed address from `value`, or DeployError naming `what`."""
    try:
        address = to_checksum_address(value)
    except (ValueError, TypeError) as err:
        raise DeployError(f"{what}: {value!r} is not an address") from err
    digits = value[2:]
    # Mixed case means a checksum was given: it must be right.
    if digits != digits.lower() and digits != digits.upper() and not is_checksum_address(value):
        raise DeployError(f"{what}: {value!r} has a bad checksum")
    if address == ZERO_ADDRESS:
        raise DeployError(f"{what}: the zero address is not allowed")
    return address


def _resolve_rules(rules: Rules | dict[str, int] | None) -> Rules:
    if rules is None:
        return DEFAULT_RULES
    if isinstance(rules, Rules):
        rules.check()
        return rules
    try:
        return DEFAULT_RULES.with_overrides(rules)
    except ValueError as err:
        raise DeployError(str(err)) from err


def deploy_system(
    deployer,
    *,
    asset=None,
    rules: Rules | dict[str, int] | None = None,
    timelock_delay: int | None = None,
    registrar=None,
    guardian=None,
    certifier=None,
    proposer=None,
    asset_decimals: int = 18,
    catalog=(),
    pool_contract=None,
    registry_contract=None,
) -> System:
    """Deploy the governor, the registry's blueprint, the pool (which creates the registry) and (on a
    local chain, when no asset is given) a mock asset.

    Args:
        deployer: the account paying for the deployment; it keeps no role afterwards.
        asset: the settlement token (contract or address); on a local chain a mock is deployed
            when omitted. Required elsewhere.
        rules: a `Rules`, or a dict of overrides of the defaults, each within its hard bounds.
        timelock_delay: the governor's minimum delay in seconds; default 2 days. Shorter only
            on a local chain.
        registrar, guardian, certifier: distinct accounts (or addresses); on a local chain they
            default to test accounts 1, 2 and 3. Required elsewhere.
        proposer: who may schedule governor operations; defaults to the deployer.
        asset_decimals: decimals of the mock asset deployed on a local chain (6 or 18 usually).
        catalog: `GreenClass`es the certifier certifies right after the deployment (it must then
            be an account we can sign with); `greenpoints.catalog.SAMPLE_CATALOG` on a demo.
        pool_contract, registry_contract: the contract containers of the pool and of the registry's
            blueprint (default: the project's ValuePool and Registry; the audit's tests deploy
            deliberately broken variants through them).
    """
    local = is_local_network()
    the_rules = _resolve_rules(rules)
    delay = DEFAULT_TIMELOCK_DELAY if timelock_delay is None else int(timelock_delay)
    if delay < 0:
        raise DeployError("timelock delay cannot be negative")
    if delay < DEFAULT_TIMELOCK_DELAY and not local:
        raise DeployError(
            f"timelock delay {delay}s is below {DEFAULT_TIMELOCK_DELAY}s (2 days); "
            "a shorter delay is allowed only on a local chain"
        )
    if registrar is None or guardian is None or certifier is None:
        if not local:
            raise DeployError("registrar, guardian and certifier must be given outside a local chain")
        registrar = registrar if registrar is not None else accounts.test_accounts[1]
        guardian = guardian if guardian is not None else accounts.test_accounts[2]
        certifier = certifier if certifier is not None else accounts.test_accounts[3]
    registrar_address, guardian_address = _address(registrar), _address(guardian)
    certifier_address = _address(certifier)
    if len({registrar_address, guardian_address, certifier_address}) != 3:
        raise DeployError("registrar, guardian and certifier must be distinct accounts")
    catalog = tuple(catalog)
    if catalog and isinstance(certifier, str):
        raise DeployError("a catalog is certified at deployment only by a certifier account we can sign with")
    proposer = proposer if proposer is not None else deployer

    first_block = chain.blocks.head.number + 1
    asset_given = asset is not None
    asset = _resolve_asset(asset, asset_decimals, deployer)

    governor = project.Governor.deploy(
        delay, [_address(proposer)], [ZERO_ADDRESS], ZERO_ADDRESS, sender=deployer
    )
    blueprint_receipt = _declare(registry_contract or project.Registry, deployer)
    blueprint = blueprint_receipt.contract_address
    pool = (pool_contract or project.ValuePool).deploy(
        asset.address,
        governor.address,
        registrar_address,
        guardian_address,
        certifier_address,
        the_rules.as_tuple(),
        blueprint,
        sender=deployer,
    )
    system = System(
        asset=asset,
        pool=pool,
        registry=(registry_contract or project.Registry).at(pool.registry()),
        governor=governor,
        registrar=registrar,
        guardian=guardian,
        certifier=certifier,
        proposer=proposer,
        deployment_block=first_block,
        rules=the_rules,
        timelock_delay=delay,
        registry_blueprint=str(blueprint),
        transactions={
            **({} if asset_given else {"asset": _txn_hash(asset)}),
            "governor": _txn_hash(governor),
            "registry_blueprint": _txn_hash(blueprint_receipt),
            "pool": _txn_hash(pool),
        },
    )
    deploy_lens(system, deployer)
    deploy_exit_queue(system, deployer)
    certify(system.registry, certifier, catalog)
    return system


def deploy_lens(system: System, deployer) -> Any:
    """Deploy the lens of `system`'s pool (`contracts/Lens.vy`: the previews of its actions), as
    `deployer`, and record it on `system` (`lens`, `transactions["lens"]`); returns it.

    `deploy_system` and `launch_platform` call it. A platform launched through the `Association`
    contract by other hands has none until someone deploys one: anyone may, as the lens holds
    nothing, has no owner and changes nothing (docs/integration.md, "Previews")."""
    lens = project.Lens.deploy(system.pool.address, sender=deployer)
    system.lens = lens
    system.transactions["lens"] = _txn_hash(lens)
    return lens


def deploy_exit_queue(system: System, deployer) -> Any:
    """Deploy the exit queue of `system`'s pool (`contracts/ExitQueue.vy`, SPEC 11) as `deployer`,
    attach it to the registry (`attach_exit_queue`: once, and only the release's code) and record it
    on `system` (`exit_queue`, `transactions["exit_queue"]`); returns it.

    `deploy_system` and `launch_platform` call it. Anyone may attach the queue of a platform launched
    by other hands: the registry takes only a queue with the release's code that serves it."""
    attached = exit_queue_of(system.registry)
    if attached is not None:  # someone attached the release's queue first: it is the pool's queue
        system.exit_queue = attached
        return attached
    queue = project.ExitQueue.deploy(system.registry.address, sender=deployer)
    system.registry.attach_exit_queue(queue.address, sender=deployer)
    system.exit_queue = queue
    system.transactions["exit_queue"] = _txn_hash(queue)
    return queue


def exit_queue_of(registry) -> Any:
    """The exit queue attached to `registry` (an `ExitQueue` handle), or None when none is."""
    address = registry.exit_queue()
    return None if address == ZERO_ADDRESS else project.ExitQueue.at(address)


def _txn_hash(handle) -> str:
    """The hash of the transaction that created a contract (Ape instance) or of a receipt."""
    value = getattr(handle, "txn_hash", None) or getattr(handle, "transaction_hash", None)
    if value is None:
        return ""
    return value if isinstance(value, str) else _hex(value)


def deploy_blueprint(container, deployer) -> AddressType:
    """Store `container`'s initcode on chain as an EIP-5202 blueprint (what `create_from_blueprint`
    copies); returns its address."""
    return _declare(container, deployer).contract_address


def _declare(container, deployer):
    """The receipt of `container`'s blueprint deployment (checked)."""
    receipt = deployer.declare(container)
    if not receipt.contract_address:
        raise DeployError(f"the {container.contract_type.name} blueprint was not deployed")
    return receipt


def _resolve_asset(asset, asset_decimals: int, sender):
    """The settlement token: a contract as given, one at an address (checked), or on a local chain
    a new mock stablecoin deployed by `sender` when none is given."""
    if asset is None:
        if not is_local_network():
            raise DeployError("an asset (the settlement token) must be given outside a local chain")
        return project.MockStablecoin.deploy(asset_decimals, sender=sender)
    if isinstance(asset, str):
        address = parse_address(asset, "asset")
        if not chain.provider.get_code(address):
            raise DeployError(f"asset: no contract at {address}")
        return _asset_at(address)
    return asset


def _asset_at(address: AddressType):
    """The settlement token: our mock (with its `mint` faucet) when the address runs the mock's code,
    else any ERC-20 through the interface the pool uses (`contracts/interfaces/ISettlementToken.vyi`),
    so a real token on a local chain or a fork is never offered a `mint` it lacks."""
    if is_local_network() and runs(chain.provider.get_code(address), project.MockStablecoin.contract_type):
        return project.MockStablecoin.at(address)
    return interface_at("ISettlementToken", address)


def _read_record(path: Path | str) -> tuple[Path, dict]:
    path = Path(path)
    if not path.is_file():
        raise DeployError(f"no deployment record at {path}")
    try:
        record = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise DeployError(f"{path} is not a deployment record ({err})") from err
    if not isinstance(record, dict):
        raise DeployError(f"{path} is not a deployment record (not a JSON object)")
    if int(record.get("chain_id", -1)) != chain.chain_id:
        raise DeployError(
            f"{path} was written on chain {record.get('chain_id')} ({record.get('network')}), "
            f"but this network is chain {chain.chain_id} ({networks.provider.network.name})"
        )
    return path, record


def load_system(path: Path | str) -> System:
    """Handles on a deployed system from its record; checks chain id and that code is there."""
    path, record = _read_record(path)
    if record.get("kind") == "association":
        raise DeployError(
            f"{path} is an association's record: pass it with --association (every platform), or "
            "a platform's own record (results of `simulate --association` keep one)"
        )
    try:
        return _system_from_record(record, path)
    except (KeyError, TypeError) as err:
        raise DeployError(f"{path} is not a deployment record (no {err})") from err


def _system_from_record(record: dict, path: Path | None = None) -> System:
    contracts, roles = record["contracts"], record["roles"]
    for name in ("asset", "pool", "registry", "governor"):
        address = parse_address(contracts[name], name)
        if not chain.provider.get_code(address):
            raise DeployError(f"{name}: no contract at {address} on this network{_vanished_hint(path)}")
    lens = contracts.get("lens")
    if lens is not None and not chain.provider.get_code(parse_address(lens, "lens")):
        raise DeployError(f"lens: no contract at {lens} on this network{_vanished_hint(path)}")
    known = _known_accounts()
    platform = record.get("platform") or {}
    return System(
        asset=_asset_at(contracts["asset"]),
        pool=project.ValuePool.at(contracts["pool"]),
        registry=project.Registry.at(contracts["registry"]),
        governor=project.Governor.at(contracts["governor"]),
        registrar=known.get(roles["registrar"], roles["registrar"]),
        guardian=known.get(roles["guardian"], roles["guardian"]),
        certifier=known.get(roles.get("certifier"), roles.get("certifier")),
        proposer=known.get(roles.get("proposer"), roles.get("proposer")),
        deployment_block=int(record["deployment_block"]),
        rules=Rules(**record["rules"]),
        timelock_delay=int(record["timelock_delay"]),
        registry_blueprint=record.get("registry_blueprint"),
        name=platform.get("name"),
        platform_id=platform.get("id"),
        association=platform.get("association"),
        transactions=dict(record.get("transactions") or {}),
        lens=project.Lens.at(lens) if lens is not None else None,
        exit_queue=exit_queue_of(project.Registry.at(contracts["registry"])),
    )


# ---------------------------------------------------------------- association (SPEC 9)

ASSOCIATION_RELEASE = ("ValuePool", "Registry", "Governor")
"""The contracts an association launches platforms from, each held as a blueprint."""
PLATFORM_STATUS = {1: "active", 2: "suspended"}
"""The association's `PlatformStatus` flag, by value."""


@dataclass
class Association:
    """Handles on a deployed association (SPEC 9) and on the platforms it launched."""

    contract: Any
    """The `Association` contract."""
    admin: Any
    """The association admin: an account handle, or an address when not ours."""
    blueprints: dict[str, str]
    """The release's blueprints by contract name (ValuePool, Registry, Governor)."""
    min_timelock_delay: int
    """The shortest governor delay a platform may be launched with, in seconds."""
    deployment_block: int = 0
    """The block of the first deployment transaction (the blueprints)."""
    platforms: list[System] = field(default_factory=list)
    """Every platform launched, by id."""
    transactions: dict[str, str] = field(default_factory=dict)
    """The deployment's transaction hashes (each blueprint's, the association's)."""

    @property
    def address(self) -> str:
        return str(self.contract.address)

    def refresh(self) -> list[System]:
        """Read the platforms launched since the last look (by anyone's hand); returns the new ones.
        Platforms the chain no longer has (a reorg, a reverted local snapshot) are dropped."""
        count = int(self.contract.platform_count())
        del self.platforms[count:]
        new = [platform_from_chain(self.contract, i) for i in range(len(self.platforms), count)]
        self.platforms.extend(new)
        return new

    def status_of(self, platform_id: int) -> str:
        """`active` or `suspended`, as the association has it now."""
        return PLATFORM_STATUS.get(int(self.contract.platforms(platform_id).status), "unknown")

    def record(self) -> dict[str, Any]:
        """The deployment record: the association, its release and every platform's own record."""
        provider = chain.provider
        return {
            "kind": "association",
            "network": provider.network.name,
            "ecosystem": provider.network.ecosystem.name,
            "provider": provider.name,
            "chain_id": chain.chain_id,
            "deployment_block": self.deployment_block,
            "association": self.address,
            "admin": _address(self.admin),
            "min_timelock_delay": self.min_timelock_delay,
            "blueprints": dict(self.blueprints),
            "blueprint_codehashes": {
                "ValuePool": _hex(self.contract.pool_blueprint_codehash()),
                "Registry": _hex(self.contract.registry_blueprint_codehash()),
                "Governor": _hex(self.contract.governor_blueprint_codehash()),
            },
            "platforms": [p.record() for p in self.platforms],
            **client_fields({"association": self.address}, self.transactions),
        }

    def save(self, path: Path | str | None = None) -> Path:
        """Write the record (default `default_record_path("association")`) and return its path."""
        self.refresh()
        return write_record(self.record(), Path(path) if path else default_record_path("association"))


def _hex(value) -> str:
    return "0x" + bytes(value).hex()


def deploy_association(deployer, *, admin=None, min_timelock_delay: int | None = None) -> Association:
    """Deploy the release's blueprints (pool, registry, governor) and the association over them.

    Args:
        deployer: the account paying for the deployment; it keeps no role unless it is the admin.
        admin: the association admin (launches, suspends, reinstates); the deployer unless given.
            On a real network: the association's own timelock or multisig.
        min_timelock_delay: the shortest governor delay a platform may have; default and floor
            2 days outside a local chain, 0 on a local chain.
    """
    local = is_local_network()
    if min_timelock_delay is None:
        min_timelock_delay = 0 if local else DEFAULT_TIMELOCK_DELAY
    min_timelock_delay = int(min_timelock_delay)
    if min_timelock_delay < 0:
        raise DeployError("minimum timelock delay cannot be negative")
    if min_timelock_delay < DEFAULT_TIMELOCK_DELAY and not local:
        raise DeployError(
            f"minimum timelock delay {min_timelock_delay}s is below {DEFAULT_TIMELOCK_DELAY}s (2 days); "
            "a shorter delay is allowed only on a local chain"
        )
    admin = admin if admin is not None else deployer
    if isinstance(admin, str):
        admin = parse_address(admin, "admin")
    first_block = chain.blocks.head.number + 1
    declared = {name: _declare(getattr(project, name), deployer) for name in ASSOCIATION_RELEASE}
    blueprints = {name: str(receipt.contract_address) for name, receipt in declared.items()}
    contract = project.Association.deploy(
        _address(admin),
        blueprints["ValuePool"],
        blueprints["Registry"],
        blueprints["Governor"],
        min_timelock_delay,
        sender=deployer,
    )
    return Association(
        contract=contract,
        admin=admin,
        blueprints=blueprints,
        min_timelock_delay=min_timelock_delay,
        deployment_block=first_block,
        transactions={
            **{f"{name} blueprint": _txn_hash(receipt) for name, receipt in declared.items()},
            "association": _txn_hash(contract),
        },
    )


def launch_platform(
    association: Association,
    *,
    operator,
    asset=None,
    registrar=None,
    certifier=None,
    timelock_delay: int | None = None,
    name: str | None = None,
    catalog=(),
    asset_decimals: int = 18,
) -> System:
    """Launch a platform from the association's blueprints, as its admin; returns its `System`.

    Args:
        association: from `deploy_association` or `load_association`; its admin must be an
            account we can sign with.
        operator: the proposer of the platform's governor (an account or an address).
        asset: the settlement token; on a local chain a mock is deployed when omitted.
        registrar, certifier: distinct accounts (or addresses); on a local chain test accounts 1 and 3.
            The operator, registrar and certifier must each be qualified for their role at the
            association (SPEC 12; `greenpoints.qualifications`): refused before sending otherwise.
        timelock_delay: the governor's delay; default 2 days, never below the association's minimum.
        name: the platform's name (default `platform <id>`), at most 64 characters.
        catalog: green classes the certifier (an account) certifies right after the launch.
        asset_decimals: decimals of the mock asset on a local chain.
    """
    local = is_local_network()
    admin = association.admin
    if isinstance(admin, str):
        raise DeployError(
            "only the association admin may launch a platform, and it is not an account we hold"
        )
    delay = DEFAULT_TIMELOCK_DELAY if timelock_delay is None else int(timelock_delay)
    if delay < association.min_timelock_delay:
        raise DeployError(
            f"timelock delay {delay}s is below the association's minimum {association.min_timelock_delay}s"
        )
    if registrar is None or certifier is None:
        if not local:
            raise DeployError("registrar and certifier must be given outside a local chain")
        registrar = registrar if registrar is not None else accounts.test_accounts[1]
        certifier = certifier if certifier is not None else accounts.test_accounts[3]
    if _address(registrar) == _address(certifier):
        raise DeployError("registrar and certifier must be distinct accounts")
    unqualified = [
        f"the {role} {_address(holder)}"
        for number, (role, holder) in enumerate(
            (("operator", operator), ("registrar", registrar), ("certifier", certifier)), start=1
        )
        if not association.contract.is_qualified(_address(holder), number)
    ]
    if unqualified:
        raise DeployError(
            f"not qualified at the association for its role: {', '.join(unqualified)} "
            "(an accredited trainer qualifies them first: ape run association qualify)"
        )
    catalog = tuple(catalog)
    if catalog and isinstance(certifier, str):
        raise DeployError("a catalog is certified at launch only by a certifier account we can sign with")
    platform_id = int(association.contract.platform_count())
    name = f"platform {platform_id}" if name is None else name
    if not 0 < len(name.encode()) <= 64:
        raise DeployError(f"platform name {name!r} must have 1 to 64 bytes")
    asset = _resolve_asset(asset, asset_decimals, admin)
    association.refresh()
    receipt = association.contract.launch_platform(
        name,
        asset.address,
        _address(operator),
        _address(registrar),
        _address(certifier),
        delay,
        sender=admin,
    )
    launched = receipt.decode_logs(association.contract.PlatformLaunched)[0]
    system = System(
        asset=asset,
        pool=project.ValuePool.at(launched.pool),
        registry=project.Registry.at(launched.registry),
        governor=project.Governor.at(launched.governor),
        registrar=registrar,
        guardian=association.address,
        certifier=certifier,
        proposer=operator,
        deployment_block=receipt.block_number,
        rules=DEFAULT_RULES,
        timelock_delay=delay,
        registry_blueprint=association.blueprints["Registry"],
        name=name,
        platform_id=int(launched.id),
        association=association.address,
        transactions={"launch": _txn_hash(receipt)},
    )
    association.platforms.append(system)
    deploy_lens(system, admin)
    deploy_exit_queue(system, admin)
    certify(system.registry, certifier, catalog)
    return system


def platform_launcher(association: Association, *, name: str, operator=None):
    """A `launch` for the simulation's chain backends: a new platform of `association`, as its admin,
    with the simulation's registrar and certifier (platforms start with the default rules, so the
    scenario must keep them). On a local chain the sample trainer qualifies its operator,
    registrar and certifier first where they are not (`qualify_sample_people`)."""

    def launch(*, registrar, certifier, asset_decimals: int, rules: Rules) -> System:
        from .qualifications import qualify_sample_people

        if rules != DEFAULT_RULES:
            changed = sorted(k for k, v in rules.as_dict().items() if DEFAULT_RULES.as_dict()[k] != v)
            raise DeployError(
                f"a platform starts with the default rules; the scenario changes {', '.join(changed)}"
            )
        the_operator = operator if operator is not None else association.admin
        if is_local_network():
            qualify_sample_people(
                association, operator=the_operator, registrar=registrar, certifier=certifier
            )
        return launch_platform(
            association,
            operator=the_operator,
            registrar=registrar,
            certifier=certifier,
            asset_decimals=asset_decimals,
            timelock_delay=max(association.min_timelock_delay, DEFAULT_TIMELOCK_DELAY),
            name=name[:64],
        )

    return launch


def platform_from_chain(contract, platform_id: int) -> System:
    """A platform's `System` read from its association (roles from its registry's launch events)."""
    p = contract.platforms(platform_id)
    registry = project.Registry.at(p.registry)
    holders, launch = {}, ""
    for log in registry.RoleGranted.range(p.launched_block, p.launched_block + 1):
        holders.setdefault(bytes(log.role), str(log.account))
        launch = launch or _txn_hash(log)  # the registry was created by the launch transaction
    role = {bytes(registry.REGISTRAR_ROLE()): "registrar", bytes(registry.CERTIFIER_ROLE()): "certifier"}
    roles = {role[r]: a for r, a in holders.items() if r in role}
    known = _known_accounts()
    governor = project.Governor.at(p.governor)
    return System(
        asset=_asset_at(p.asset),
        pool=project.ValuePool.at(p.pool),
        registry=registry,
        governor=governor,
        registrar=known.get(roles.get("registrar"), roles.get("registrar")),
        guardian=str(contract.address),
        certifier=known.get(roles.get("certifier"), roles.get("certifier")),
        proposer=known.get(str(p.operator), str(p.operator)),
        deployment_block=int(p.launched_block),
        rules=Rules(**{n: int(getattr(registry, n)()) for n in RULE_NAMES}),
        timelock_delay=int(governor.get_minimum_delay()),
        registry_blueprint=str(contract.registry_blueprint()),
        name=str(p.name),
        platform_id=platform_id,
        association=str(contract.address),
        transactions={"launch": launch} if launch else {},
        exit_queue=exit_queue_of(registry),
    )


def load_association(source: str | Path) -> Association:
    """Handles on an association from its address (`0x...`) or its deployment record, with every
    platform it launched, read from the chain (so platforms launched since the record are included)."""
    text, record = str(source), {}
    admin, path = None, None
    if text.startswith("0x"):
        address = parse_address(text, "association")
        first_block = 0
    else:
        path, record = _read_record(source)
        if record.get("kind") != "association" or "association" not in record:
            raise DeployError(f"{path} is not an association's record (it has no association)")
        address = parse_address(record["association"], "association")
        first_block = int(record.get("deployment_block", 0))
        admin = record.get("admin")
    if not chain.provider.get_code(address):
        raise DeployError(f"association: no contract at {address} on this network{_vanished_hint(path)}")
    contract = project.Association.at(address)
    try:
        owner = str(contract.owner())
        blueprints = {
            "ValuePool": str(contract.pool_blueprint()),
            "Registry": str(contract.registry_blueprint()),
            "Governor": str(contract.governor_blueprint()),
        }
        min_delay = int(contract.min_timelock_delay())
    except ApeException as err:
        raise DeployError(f"association: the contract at {address} is not an association") from err
    known = _known_accounts()
    association = Association(
        contract=contract,
        admin=known.get(owner, admin or owner),
        blueprints=blueprints,
        min_timelock_delay=min_delay,
        deployment_block=first_block,
        transactions=dict(record.get("transactions") or {}),
    )
    association.refresh()
    _attach_lenses(association, record.get("platforms") or [])
    return association


def _attach_lenses(association: Association, records: list[dict]) -> None:
    """The lenses the association's record names for its platforms (the chain does not link a lens
    to its pool: `launch_platform` deploys one beside each platform it launches)."""
    named = [r for r in records if (r.get("contracts") or {}).get("lens")]
    by_pool = {str(r["contracts"].get("pool")): r for r in named}
    for platform in association.platforms:
        found = by_pool.get(str(platform.pool.address))
        if found is None or platform.lens is not None:
            continue
        address = parse_address(found["contracts"]["lens"], "lens")
        if chain.provider.get_code(address):
            platform.lens = project.Lens.at(address)
            if (found.get("transactions") or {}).get("lens"):
                platform.transactions["lens"] = found["transactions"]["lens"]

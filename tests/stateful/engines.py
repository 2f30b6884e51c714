"""The chain side of the stateful machine: the few things it needs, on two engines.

The machine (tests/stateful/test_pool_machine.py) is written once against this interface:

- `accounts`: 16 addresses (checksummed strings) that can send transactions;
- `deploy(decimals, ...)`: the system (asset, governor, registry blueprint, pool, lens, the sample
  catalog) and the test-only multicall; returns {"asset", "pool", "registry", "governor": address};
- `send(contract, function, args, sender)`: one transaction with an explicit gas limit; returns
  None when it succeeded, else the revert reason; `pool_events()` are the decoded events the pool
  logged in the last successful one, as (name, {field: value});
- `encode(contract, function, args)`: calldata (for the governor's payloads);
- `reader(queries)`: many views in one multicall; `view(contract, function, *args)`: one view;
- `pending_timestamp` (get and set: the time the next transaction runs at) and `latest_timestamp`
  (the time views are evaluated at); `block_number`;
- `snapshot()` / `restore(snapshot)`: the chain before an example, and back;
- `audit()`: the audit of the example's history (`AuditResult`).

`ApeEngine` drives Ape's handles on Ape's embedded chain (eth-tester, py-evm): what a user's scripts
go through, receipts decoded by Ape, gas estimated and paid. `BoaEngine` compiles the same contracts
from this checkout with titanoboa (snekmate from the virtual environment) and runs them on boa's
py-evm in the test process, calling the EVM directly with calldata: about 20 times faster. Its
audit folds the example's logs through the audit's own `Ledger` (the replay and every check), but
it does not read the chain through web3: the audit's comparison with the chain's views and of the
deployed bytecode with the compiled contracts run on the Ape engine only (docs/testing.md).
"""

from __future__ import annotations

import site
from dataclasses import dataclass
from pathlib import Path

from eth_abi import decode
from eth_utils import keccak, to_checksum_address

from greenpoints.model import Model

GAS = 30_000_000
ROOT = Path(__file__).resolve().parents[2]
ERROR_SELECTOR = keccak(text="Error(string)")[:4]
NO_REASON = "(reverted without a reason)"


@dataclass
class AuditResult:
    """What the machine checks of an example's audit."""

    ok: bool
    failures: list[str]
    model: Model
    """The model the audit replayed the example's events through."""
    events: int


class Reader:
    """Reads a fixed list of (name, contract, method, args) in one multicall; returns {name: value}.

    A view costs a round trip on either engine; the invariants read about 80 figures per step, so
    they go through one call of the test-only MulticallMock (snekmate's multicall) instead."""

    def __init__(self, engine, queries):
        self.engine = engine
        self.names, self.batch, self.types = [], [], []
        for name, contract, method, args in queries:
            self.names.append(name)
            self.batch.append((engine.address(contract), False, engine.encode(contract, method, args)))
            self.types.append(engine.output_types(contract, method))

    def read(self, only=None) -> dict:
        """Every figure, or those named in `only`."""
        out = {}
        wanted = (
            range(len(self.names)) if only is None else [i for i, n in enumerate(self.names) if n in only]
        )
        results = self.engine.aggregate([self.batch[i] for i in wanted])
        picked = [(self.names[i], self.types[i]) for i in wanted]
        for (name, types), data in zip(picked, results, strict=True):
            values = decode(types, data)
            out[name] = values[0] if len(values) == 1 else values
        return out


def revert_reason(output: bytes) -> str:
    """The reason string of revert data (Vyper's `assert ..., "reason"` reverts with Error(string))."""
    if output[:4] == ERROR_SELECTOR:
        return decode(["string"], output[4:])[0]
    return NO_REASON if not output else "0x" + output.hex()


# ---------------------------------------------------------------- Ape


class ApeEngine:
    """Ape's handles on Ape's embedded chain (the machine as it ran before issue 28)."""

    name = "ape"
    partial_reads = False
    """Every figure of every holder after every step (the reads cost little beside Ape's)."""

    def __init__(self, chain, accounts, project):
        self.chain, self.project = chain, project
        self._signers = {str(a.address): a for a in list(accounts)[:16]}
        self.accounts = list(self._signers)
        self.contracts: dict = {}
        self.system = None
        self._last = None

    def deploy(self, decimals, *, registrar, guardian, certifier, proposer, timelock_delay, catalog):
        from greenpoints.deploy import deploy_system

        s = self._signers
        deployer = s[self.accounts[0]]
        self.system = deploy_system(
            deployer,
            registrar=s[registrar],
            guardian=s[guardian],
            certifier=s[certifier],
            proposer=s[proposer],
            asset_decimals=decimals,
            timelock_delay=timelock_delay,
            catalog=catalog,
        )
        system = self.system
        self.contracts = {
            "asset": system.asset,
            "pool": system.pool,
            "registry": system.registry,
            "governor": system.governor,
            "exit_queue": system.exit_queue,
            "multicall": self.project.MulticallMock.deploy(sender=deployer),
        }
        return {name: str(c.address) for name, c in self.contracts.items() if name != "multicall"}

    def address(self, contract) -> str:
        return str(self.contracts[contract].address)

    def send(self, contract, function, args, sender):
        from ape.exceptions import ContractLogicError

        handler = getattr(self.contracts[contract], function)
        try:
            self._last = handler(*args, sender=self._signers[sender], gas_limit=GAS)
        except ContractLogicError as err:
            self._last = None
            return err.message
        return None

    def pool_events(self) -> list[tuple[str, dict]]:
        """The last transaction's events of the pool and of its exit queue, in order."""
        ours = {self.contracts["pool"].address, self.contracts["exit_queue"].address}
        if self._last is None:
            return []
        return [
            (e.event_name, dict(e.event_arguments)) for e in self._last.events if e.contract_address in ours
        ]

    def encode(self, contract, function, args) -> bytes:
        return bytes(getattr(self.contracts[contract], function).encode_input(*args))

    def output_types(self, contract, function) -> list[str]:
        return [o.canonical_type for o in getattr(self.contracts[contract], function).abis[0].outputs]

    def aggregate(self, batch) -> list[bytes]:
        return [bytes(r.return_data) for r in self.contracts["multicall"].aggregate.call(batch)]

    def reader(self, queries) -> Reader:
        return Reader(self, queries)

    def view(self, contract, function, *args):
        return getattr(self.contracts[contract], function)(*args)

    @property
    def pending_timestamp(self) -> int:
        return self.chain.pending_timestamp

    @pending_timestamp.setter
    def pending_timestamp(self, value: int) -> None:
        self.chain.pending_timestamp = value

    @property
    def latest_timestamp(self) -> int:
        return self.chain.blocks.head.timestamp

    @property
    def block_number(self) -> int:
        return self.chain.blocks.head.number

    def snapshot(self):
        return self.chain.snapshot()

    def restore(self, snapshot) -> None:
        self.chain.restore(snapshot)

    def audit(self) -> AuditResult:
        """The audit as a user runs it: events through web3, the chain's views, the bytecode."""
        from greenpoints.audit import audit

        report = audit(self.system, start_block=self.system.deployment_block)
        return AuditResult(report.ok, report.failures, report.ledger.model, report.stats["events"])


# ---------------------------------------------------------------- titanoboa


START = 1_767_229_200
"""2026-01-01 01:00 UTC: the boa chain's clock at deployment (fixed, so `ci` runs are reproducible)."""
CONTRACT_FILES = {
    "asset": "contracts/mocks/MockStablecoin.vy",
    "governor": "contracts/Governor.vy",
    "registry": "contracts/Registry.vy",
    "pool": "contracts/ValuePool.vy",
    "lens": "contracts/Lens.vy",
    "exit_queue": "contracts/ExitQueue.vy",
    "multicall": "contracts/mocks/MulticallMock.vy",
}
_compiled: dict[Path, dict] = {}


def boa_deployers(root: Path = ROOT, *, lens: bool = True) -> dict:
    """The contracts under `root` (this checkout's; the mutation run's copy, tests/mutation)
    compiled by titanoboa (once per process and root; boa caches the compiler's output on disk),
    with `root/contracts` and the virtual environment's snekmate on the search path. Without
    `lens`, the lens is not compiled (the machine does not call it; the mutation run saves its
    compilation)."""
    import boa

    if root not in _compiled:
        # Only the site directories that exist: a Debian-built Python names dist-packages folders a
        # virtual environment does not have, and the compiler refuses a search path that is missing.
        packages = [p for p in site.getsitepackages() if Path(p).is_dir()]
        boa.interpret.set_search_paths([str(root / "contracts"), str(root), *packages])
        names = [name for name in CONTRACT_FILES if lens or name != "lens"]
        _compiled[root] = {name: boa.load_partial(str(root / CONTRACT_FILES[name])) for name in names}
    return _compiled[root]


def _canonical(param: dict) -> str:
    kind = param["type"]
    if kind.startswith("tuple"):
        return "(" + ",".join(_canonical(c) for c in param["components"]) + ")" + kind[5:]
    return kind


class BoaEngine:
    """The same contracts on titanoboa's in-process EVM: every transaction a block of its own
    (block number + 1), at the clock the machine sets (it does not move by itself)."""

    name = "boa"
    partial_reads = True
    """After most steps, only the figures an operation can have changed (see the machine)."""

    def __init__(self, root: Path = ROOT, *, lens: bool = True):
        import boa
        from vyper.compiler.output import build_abi_output

        self.boa = boa
        self.deployers = boa_deployers(root, lens=lens)
        self.env = boa.Env()
        boa.set_env(self.env)
        self.env.evm.patch.timestamp = START
        self.accounts = [to_checksum_address(keccak(text=f"greenpoints actor {i}")[-20:]) for i in range(16)]
        self.abis = {name: build_abi_output(d.compiler_data) for name, d in self.deployers.items()}
        self.handles: dict = {}
        self.addresses: dict[str, str] = {}
        self.history: list[tuple[int, int, list]] = []
        """(block, timestamp, raw logs) of every successful transaction since the deployment."""
        self._events: list = []
        self._ids = {
            name: {e["name"]: e for e in abi if e["type"] == "function"} for name, abi in self.abis.items()
        }

    # ---------------------------------------------------------------- deployment

    def _deploy(self, name, *args, sender):
        """Deploy `name`'s initcode with constructor arguments as `sender`; keeps its logs."""
        deployer = self.deployers[name]
        data = deployer.compiler_data
        from boa.util.abi import abi_encode

        ctor = next((e for e in self.abis[name] if e["type"] == "constructor"), None)
        types = "(" + ",".join(_canonical(i) for i in ctor["inputs"]) + ")" if ctor else "()"
        initcode = data.bytecode + (abi_encode(types, args) if ctor else b"")
        address, computation = self.env.deploy(sender=sender, gas=GAS, bytecode=initcode)
        if computation.is_error:
            raise RuntimeError(f"{name}: deployment reverted: {revert_reason(computation.output)}")
        self._mined(computation)
        handle = deployer.at(address)
        return str(handle.address), handle

    def deploy(self, decimals, *, registrar, guardian, certifier, proposer, timelock_delay, catalog):
        from greenpoints.model.rules import DEFAULT_RULES

        deployer = self.accounts[0]
        self.deployment_block = self.block_number + 1
        zero = "0x" + "00" * 20
        self.addresses["asset"], self.handles["asset"] = self._deploy("asset", decimals, sender=deployer)
        self.addresses["governor"], self.handles["governor"] = self._deploy(
            "governor", timelock_delay, [proposer], [zero], zero, sender=deployer
        )
        with self.env.prank(deployer):
            blueprint = self.deployers["registry"].deploy_as_blueprint()
        self.addresses["pool"], self.handles["pool"] = self._deploy(
            "pool",
            self.addresses["asset"],
            self.addresses["governor"],
            registrar,
            guardian,
            certifier,
            DEFAULT_RULES.as_tuple(),
            str(blueprint.address),
            sender=deployer,
        )
        self.addresses["multicall"], self.handles["multicall"] = self._deploy("multicall", sender=deployer)
        registry = self.view("pool", "registry")
        self.handles["registry"] = self.deployers["registry"].at(registry)
        self.addresses["registry"] = str(self.handles["registry"].address)
        if "lens" in self.deployers:
            self._deploy("lens", self.addresses["pool"], sender=deployer)
        # the exit queue (SPEC 11), attached as deploy_system attaches it (the pool's max_exit asks it)
        self.addresses["exit_queue"], self.handles["exit_queue"] = self._deploy(
            "exit_queue", self.addresses["registry"], sender=deployer
        )
        refused = self.send("registry", "attach_exit_queue", (self.addresses["exit_queue"],), deployer)
        assert refused is None, refused
        for c in catalog:
            args = (c.class_id, int(c.kind), c.co2e_per_unit, c.standard_hash, c.label)
            refused = self.send("registry", "certify_class", args, certifier)
            assert refused is None, refused
        self.decimals = decimals
        return {name: self.addresses[name] for name in ("asset", "pool", "registry", "governor")}

    # ---------------------------------------------------------------- transactions and views

    def address(self, contract) -> str:
        return self.addresses[contract]

    def encode(self, contract, function, args) -> bytes:
        return getattr(self.handles[contract], function).prepare_calldata(*args)

    def output_types(self, contract, function) -> list[str]:
        return [_canonical(o) for o in self._ids[contract][function]["outputs"]]

    def _mined(self, computation) -> None:
        self.env.evm.patch.block_number += 1
        if computation.is_error:
            return
        entries = sorted(computation.get_raw_log_entries())
        if entries:
            self.history.append((self.env.evm.patch.block_number, self.env.evm.patch.timestamp, entries))

    def send(self, contract, function, args, sender):
        data = getattr(self.handles[contract], function).prepare_calldata(*args)
        computation = self.env.execute_code(
            to_address=self.addresses[contract], sender=sender, gas=GAS, data=data
        )
        self._mined(computation)
        if computation.is_error:
            self._events = []
            return revert_reason(computation.output)
        self._events = (
            self.history[-1][2] if self.history and self.history[-1][0] == self.block_number else []
        )
        return None

    def pool_events(self) -> list[tuple[str, dict]]:
        """The last transaction's events of the pool and of its exit queue, in order."""
        decoders = {
            bytes.fromhex(self.addresses[name][2:]): decoder
            for name, decoder in (("pool", self._decoders()[0][1]), ("exit_queue", self._decoders()[-1][1]))
        }
        out = []
        for log_id, address, topics, data in self._events:
            decoder = decoders.get(address)
            if decoder is not None:
                event = decoder.decode(_raw_log(log_id, topics, data, 0, 0, 0))
                out.append((event.name, event.args))
        return out

    def aggregate(self, batch) -> list[bytes]:
        """Each view of `batch` on its own: snekmate's multicall copies its 255-entry bounds through
        memory, which costs py-evm ten times the views themselves."""
        out = []
        for address, _, data in batch:
            computation = self.env.execute_code(to_address=address, gas=GAS, data=data, is_modifying=False)
            if computation.is_error:
                raise RuntimeError(f"view reverted: {revert_reason(computation.output)}")
            out.append(computation.output)
        return out

    def reader(self, queries) -> Reader:
        return Reader(self, queries)

    def view(self, contract, function, *args):
        values = decode(
            self.output_types(contract, function),
            self.aggregate([(self.addresses[contract], False, self.encode(contract, function, args))])[0],
        )
        value = values[0] if len(values) == 1 else values
        return to_checksum_address(value) if isinstance(value, str) else value

    @property
    def pending_timestamp(self) -> int:
        return self.env.evm.patch.timestamp

    @pending_timestamp.setter
    def pending_timestamp(self, value: int) -> None:
        self.env.evm.patch.timestamp = value

    latest_timestamp = pending_timestamp
    """Views run at the clock the next transaction will run at (no block is pending)."""

    @property
    def block_number(self) -> int:
        return self.env.evm.patch.block_number

    def snapshot(self):
        patch = self.env.evm.patch
        return self.env.evm.snapshot(), patch.timestamp, patch.block_number, len(self.history)

    def restore(self, snapshot) -> None:
        state, timestamp, block, kept = snapshot
        self.env.evm.revert(state)
        self.env.evm.patch.timestamp, self.env.evm.patch.block_number = timestamp, block
        del self.history[kept:]
        self._events = []

    # ---------------------------------------------------------------- audit

    def _decoders(self):
        from ethpm_types import ContractType

        from greenpoints.audit.events import Decoder

        if not hasattr(self, "_decoder_list"):
            pool, registry = self.addresses["pool"].lower(), self.addresses["registry"].lower()
            self._decoder_list = [
                (pool, Decoder(ContractType(abi=self.abis["pool"]), "pool")),
                (registry, Decoder(ContractType(abi=self.abis["registry"]), "registry")),
                (
                    self.addresses["governor"].lower(),
                    Decoder(ContractType(abi=self.abis["governor"]), "governor"),
                ),
                (
                    self.addresses["asset"].lower(),
                    Decoder(ContractType(abi=self.abis["asset"]), "asset", only={"Transfer"}),
                ),
                (
                    self.addresses["exit_queue"].lower(),
                    Decoder(ContractType(abi=self.abis["exit_queue"]), "exit_queue"),
                ),
            ]
        return self._decoder_list

    def audit(self) -> AuditResult:
        """The audit's fold (`greenpoints.audit.ledger.Ledger`: the replay through the model and every
        check of the events) over the example's history, read from boa's logs instead of web3."""
        from greenpoints.audit.ledger import Ledger

        decoders = {bytes.fromhex(a[2:]): d for a, d in self._decoders()}
        pool_word = bytes.fromhex(self.addresses["pool"][2:]).rjust(32, b"\x00")
        events, times = [], {}
        for block, timestamp, entries in self.history:
            times[block] = timestamp
            for index, (log_id, address, topics, data) in enumerate(entries):
                decoder = decoders.get(address)
                if decoder is None:
                    continue
                if decoder.source == "asset":  # only the asset's transfers to and from the pool
                    words = [t.to_bytes(32, "big") for t in topics[1:3]]
                    if pool_word not in words:
                        continue
                event = decoder.decode(_raw_log(log_id, topics, data, block, index, timestamp))
                if event is not None:
                    events.append(event)
        ledger = Ledger(
            pool=self.addresses["pool"].lower(),
            governor=self.addresses["governor"].lower(),
            registry=self.addresses["registry"].lower(),
            exit_queue=self.addresses["exit_queue"].lower(),
            asset_decimals=self.decimals,
            block_time=times.__getitem__,
        )
        ledger.apply_all(events)
        ok = not ledger.failures and not ledger.failed
        return AuditResult(ok, list(ledger.failures), ledger.model, len(events))


def _raw_log(log_id, topics, data, block, index, timestamp) -> dict:
    """A boa log entry as the audit's decoder reads a node's (hex strings); one transaction a block,
    so the block number names the transaction."""
    return {
        "topics": ["0x" + t.to_bytes(32, "big").hex() for t in topics],
        "data": "0x" + bytes(data).hex(),
        "blockNumber": hex(block),
        "logIndex": hex(index),
        "transactionHash": "0x" + block.to_bytes(32, "big").hex(),
        "blockTimestamp": hex(timestamp),
    }

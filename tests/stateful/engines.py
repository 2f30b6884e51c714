"""The chain side of the stateful machine: the few things it needs, on three engines.

The machine (tests/stateful/test_pool_machine.py) is written once against this interface:

- `accounts`: 16 addresses (checksummed strings) that can send transactions;
- `deploy(decimals, ...)`: the system (asset, governor, registry blueprint, pool, lens, the exit
  queue attached to the registry, the sample catalog) and the test-only multicall; returns
  {"asset", "pool", "registry", "governor": address} (the queue: `address("exit_queue")`);
- `send(contract, function, args, sender)`: one transaction with an explicit gas limit; returns
  None when it succeeded, else the revert reason; `pool_events()` are the decoded events the pool
  and its exit queue logged in the last successful one, as (name, {field: value});
- `encode(contract, function, args)`: calldata (for the governor's payloads); `output_types`;
- `reader(queries)`: many views in one batch (`aggregate`); `view(contract, function, *args)`: one;
- `pending_timestamp` (get and set: the time the next transaction runs at) and `latest_timestamp`
  (the time views are evaluated at); `block_number`;
- `snapshot()` / `restore(snapshot)`: the chain before an example, and back;
- `audit()`: the audit of the example's history (`AuditResult`).

`ApeEngine` drives Ape's handles on Ape's embedded chain (eth-tester, py-evm): what a user's scripts
go through, receipts decoded by Ape, gas estimated and paid. `AnvilEngine` and `BoaEngine`
(`CompiledEngine`) deploy the same contracts of this checkout (Ape's compilation, snekmate from the
virtual environment; another root, as the mutation run's copies: compiled by titanoboa) and send
calldata: `AnvilEngine` to an anvil of its own over raw JSON-RPC
(revm; its audit reads the chain through web3 as a user's does, views and bytecode included),
`BoaEngine` to boa's py-evm in the test process (its audit folds the example's logs through the
audit's own `Ledger`, without web3). Both mine every transaction in a block of its own at a clock
only the machine moves, so a derandomized profile makes the same operations on both
(docs/testing.md has the figures).
"""

from __future__ import annotations

import functools
import json
import site
from dataclasses import dataclass
from pathlib import Path

from eth_abi import decode, encode
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


# ---------------------------------------------------------------- this checkout, compiled by titanoboa


START = 1_767_229_200
"""2026-01-01 01:00 UTC: the clock at deployment on boa and anvil (fixed, so `ci` runs are reproducible)."""
FIRST_BLOCK = 1
"""The block number before the deployment (boa's environment starts at 1; anvil is told so)."""
CONTRACT_FILES = {
    "asset": "contracts/mocks/MockStablecoin.vy",
    "governor": "contracts/Governor.vy",
    "registry": "contracts/Registry.vy",
    "pool": "contracts/ValuePool.vy",
    "lens": "contracts/Lens.vy",
    "exit_queue": "contracts/ExitQueue.vy",
    "multicall": "contracts/mocks/MulticallMock.vy",
}
ACTORS = [to_checksum_address(keccak(text=f"greenpoints actor {i}")[-20:]) for i in range(16)]
"""The machine's 16 accounts on the compiled-contract engines (no keys: boa and anvil take any sender)."""
OWN_EVENTS = ("pool", "exit_queue")
"""The contracts whose events `pool_events` gives (the machine compares them with the model's receipts)."""
_compiled: dict[Path, dict] = {}


@dataclass(frozen=True)
class Compiled:
    """What the engines need of a compiled contract: its initcode (before constructor arguments)
    and its ABI (the compiler's JSON entries)."""

    bytecode: bytes
    abi: list[dict]


def compiled_contracts(root: Path = ROOT, *, lens: bool = True) -> dict[str, Compiled]:
    """The contracts of `CONTRACT_FILES` under `root`, compiled. This checkout's are Ape's own
    compilation, the artifacts every other test and `ape run deploy` deploy (Ape compiles what
    changed when they are asked for): the same bytecode and ABI as titanoboa compiles (compared for
    the seven on 2026-12-04), without titanoboa's cache lookup, which parses and analyses every
    source first (4-5 s of CPU a process). Another root (the mutation run's copies) is compiled by
    titanoboa."""
    names = [name for name in CONTRACT_FILES if lens or name != "lens"]
    if Path(root).resolve() != ROOT.resolve():
        from vyper.compiler.output import build_abi_output

        deployers = boa_deployers(root, lens=lens)
        data = {name: deployers[name].compiler_data for name in names}
        return {name: Compiled(d.bytecode, build_abi_output(d)) for name, d in data.items()}
    from ape import project

    contracts = {}
    for name in names:
        contract_type = project.get_contract(Path(CONTRACT_FILES[name]).stem).contract_type
        abi = [entry.model_dump(mode="json", by_alias=True, exclude_none=True) for entry in contract_type.abi]
        contracts[name] = Compiled(bytes.fromhex(contract_type.deployment_bytecode.bytecode[2:]), abi)
    return contracts


@functools.cache
def pool_storage_layout(root: Path = ROOT) -> dict:
    """The pool's storage layout (the compiler's, variable -> slot), by titanoboa."""
    import boa

    _boa_search_paths(Path(root))
    return boa.load_partial(str(Path(root) / CONTRACT_FILES["pool"])).compiler_data.storage_layout[
        "storage_layout"
    ]


def _boa_search_paths(root: Path) -> None:
    """`root/contracts`, `root` and the virtual environment's site packages (snekmate) on titanoboa's
    search path. Only the site directories that exist: a Debian-built Python names dist-packages
    folders a virtual environment does not have, and the compiler refuses a search path that is
    missing."""
    import boa

    packages = [p for p in site.getsitepackages() if Path(p).is_dir()]
    boa.interpret.set_search_paths([str(root / "contracts"), str(root), *packages])


def boa_deployers(root: Path = ROOT, *, lens: bool = True) -> dict:
    """The contracts under `root` (the mutation run's copies, tests/mutation) compiled by titanoboa
    (once per process and root; boa caches the compiler's output on disk), with `root/contracts`
    and the virtual environment's snekmate on the search path. Without `lens`, the lens is not
    compiled (the machine does not call it; the mutation run saves its compilation)."""
    import boa

    if root not in _compiled:
        _boa_search_paths(root)
        names = [name for name in CONTRACT_FILES if lens or name != "lens"]
        _compiled[root] = {name: boa.load_partial(str(root / CONTRACT_FILES[name])) for name in names}
    return _compiled[root]


def _canonical(param: dict) -> str:
    kind = param["type"]
    if kind.startswith("tuple"):
        return "(" + ",".join(_canonical(c) for c in param["components"]) + ")" + kind[5:]
    return kind


def _signature(entry: dict) -> str:
    return entry["name"] + "(" + ",".join(_canonical(i) for i in entry["inputs"]) + ")"


def node_log(address: str, topics: list[str], data: str, block: int, index: int, timestamp: int) -> dict:
    """One log as a node returns it (hex strings), as the audit's decoder reads it; one transaction
    a block on these engines, so the block number names the transaction."""
    return {
        "address": address,
        "topics": topics,
        "data": data,
        "blockNumber": hex(block),
        "logIndex": hex(index),
        "transactionHash": "0x" + block.to_bytes(32, "big").hex(),
        "blockTimestamp": hex(timestamp),
    }


class CompiledEngine:
    """What the boa and anvil engines share: this checkout's contracts compiled by titanoboa, calldata
    encoded from their ABIs with eth-abi, the deployment sequence, views, and the pool's events
    decoded by the audit's own `Decoder` from node-form logs. A subclass runs the EVM: `_create`
    (initcode -> address, one block), `send`, `aggregate`, the clock, snapshots and `audit`."""

    partial_reads = True
    """After most steps, only the figures an operation can have changed (see the machine)."""

    def __init__(self, root: Path = ROOT, *, lens: bool = True):
        self.root = root
        self.contracts = compiled_contracts(root, lens=lens)
        self.accounts = list(ACTORS)
        self.abis = {name: c.abi for name, c in self.contracts.items()}
        self.addresses: dict[str, str] = {}
        self._events: list[dict] = []
        """The logs of the last successful transaction, node-form (`node_log`)."""
        self._functions: dict[tuple[str, str, int], tuple[bytes, list[str], list[str]]] = {}
        """(contract, function, number of arguments) -> selector, input and output types (Vyper
        lists a function with default arguments once per number of arguments)."""
        for name, abi in self.abis.items():
            for e in abi:
                if e["type"] == "function":
                    inputs, outputs = (
                        [_canonical(i) for i in e["inputs"]],
                        [_canonical(o) for o in e["outputs"]],
                    )
                    selector = keccak(text=_signature(e))[:4]
                    self._functions[(name, e["name"], len(inputs))] = (selector, inputs, outputs)

    # ---------------------------------------------------------------- deployment

    def _initcode(self, name, *args) -> bytes:
        ctor = next((e for e in self.abis[name] if e["type"] == "constructor"), None)
        types = [_canonical(i) for i in ctor["inputs"]] if ctor else []
        return self.contracts[name].bytecode + (encode(types, args) if types else b"")

    def _create(self, initcode: bytes, sender: str, what: str) -> str:
        """Deploy `initcode` as `sender` in a block of its own; its (checksummed) address."""
        raise NotImplementedError

    def deploy(self, decimals, *, registrar, guardian, certifier, proposer, timelock_delay, catalog):
        from boa.util.eip5202 import generate_blueprint_bytecode

        from greenpoints.model.rules import DEFAULT_RULES

        deployer = self.accounts[0]
        self.deployment_block = self.block_number + 1
        zero = "0x" + "00" * 20
        a = self.addresses
        a["asset"] = self._create(self._initcode("asset", decimals), deployer, "asset")
        governor = self._initcode("governor", timelock_delay, [proposer], [zero], zero)
        a["governor"] = self._create(governor, deployer, "governor")
        registry_code = self.contracts["registry"].bytecode
        blueprint = self._create(generate_blueprint_bytecode(registry_code), deployer, "registry blueprint")
        pool = self._initcode(
            "pool",
            a["asset"],
            a["governor"],
            registrar,
            guardian,
            certifier,
            DEFAULT_RULES.as_tuple(),
            blueprint,
        )
        a["pool"] = self._create(pool, deployer, "pool")
        a["multicall"] = self._create(self._initcode("multicall"), deployer, "multicall")
        a["registry"] = self.view("pool", "registry")
        if "lens" in self.contracts:
            self._create(self._initcode("lens", a["pool"]), deployer, "lens")
        # the exit queue (SPEC 11), attached as deploy_system attaches it (the pool's max_exit asks it)
        a["exit_queue"] = self._create(self._initcode("exit_queue", a["registry"]), deployer, "exit queue")
        refused = self.send("registry", "attach_exit_queue", (a["exit_queue"],), deployer)
        assert refused is None, refused
        for c in catalog:
            args = (c.class_id, int(c.kind), c.co2e_per_unit, c.standard_hash, c.label)
            refused = self.send("registry", "certify_class", args, certifier)
            assert refused is None, refused
        self.decimals = decimals
        return {name: a[name] for name in ("asset", "pool", "registry", "governor")}

    # ---------------------------------------------------------------- calldata, views, events

    def address(self, contract) -> str:
        return self.addresses[contract]

    def encode(self, contract, function, args) -> bytes:
        selector, inputs, _ = self._functions[(contract, function, len(args))]
        return selector + encode(inputs, args)

    def output_types(self, contract, function) -> list[str]:
        return next(
            out for (c, f, _), (_, _, out) in self._functions.items() if (c, f) == (contract, function)
        )

    def aggregate(self, batch) -> list[bytes]:
        """The return data of each (address, allow failure, calldata) of `batch`, read at the clock."""
        raise NotImplementedError

    def reader(self, queries) -> Reader:
        return Reader(self, queries)

    def view(self, contract, function, *args):
        values = decode(
            self.output_types(contract, function),
            self.aggregate([(self.addresses[contract], False, self.encode(contract, function, args))])[0],
        )
        value = values[0] if len(values) == 1 else values
        return to_checksum_address(value) if isinstance(value, str) else value

    def pool_events(self) -> list[tuple[str, dict]]:
        """The last transaction's events of the pool and of its exit queue, in order."""
        decoders = {address: decoder for address, decoder in self._decoders() if decoder.source in OWN_EVENTS}
        out = []
        for log in self._events:
            decoder = decoders.get(log["address"])
            if decoder is not None:
                event = decoder.decode(log)
                out.append((event.name, event.args))
        return out

    def _decoders(self) -> list[tuple]:
        """(address, the audit's `Decoder`) of the pool, the registry, the governor, the asset and
        the exit queue."""
        from ethpm_types import ContractType

        from greenpoints.audit.events import Decoder

        if not hasattr(self, "_decoder_list"):
            self._decoder_list = [
                (self.addresses[name].lower(), Decoder(ContractType(abi=self.abis[name]), name, only=only))
                for name, only in (
                    ("pool", None),
                    ("registry", None),
                    ("governor", None),
                    ("asset", {"Transfer"}),
                    ("exit_queue", None),
                )
            ]
        return self._decoder_list

    def _ledger(self, block_time):
        """The audit's empty ledger of this engine's contracts (the replay through the model and
        every check), its block times read from `block_time`."""
        from greenpoints.audit.ledger import Ledger

        return Ledger(
            pool=self.addresses["pool"].lower(),
            governor=self.addresses["governor"].lower(),
            registry=self.addresses["registry"].lower(),
            exit_queue=self.addresses["exit_queue"].lower(),
            asset_decimals=self.decimals,
            block_time=block_time,
        )


# ---------------------------------------------------------------- titanoboa


class BoaEngine(CompiledEngine):
    """The contracts on titanoboa's in-process EVM: every transaction a block of its own
    (block number + 1), at the clock the machine sets (it does not move by itself)."""

    name = "boa"

    def __init__(self, root: Path = ROOT, *, lens: bool = True):
        import boa

        super().__init__(root, lens=lens)
        self.env = boa.Env()
        boa.set_env(self.env)
        self.env.evm.patch.timestamp = START
        self.env.evm.patch.block_number = FIRST_BLOCK
        self.history: list[tuple[int, int, list[dict]]] = []
        """(block, timestamp, node-form logs) of every successful transaction since the deployment."""

    def _create(self, initcode, sender, what) -> str:
        address, computation = self.env.deploy(sender=sender, gas=GAS, bytecode=initcode)
        if computation.is_error:
            raise RuntimeError(f"{what}: deployment reverted: {revert_reason(computation.output)}")
        self._mined(computation)
        return to_checksum_address(str(address))

    def _mined(self, computation) -> None:
        patch = self.env.evm.patch
        patch.block_number += 1
        if computation.is_error:
            return
        block, timestamp = patch.block_number, patch.timestamp
        logs = [
            node_log(
                "0x" + bytes(address).hex(),
                ["0x" + t.to_bytes(32, "big").hex() for t in topics],
                "0x" + bytes(data).hex(),
                block,
                index,
                timestamp,
            )
            for index, (_, address, topics, data) in enumerate(sorted(computation.get_raw_log_entries()))
        ]
        if logs:
            self.history.append((block, timestamp, logs))

    def send(self, contract, function, args, sender):
        computation = self.env.execute_code(
            to_address=self.addresses[contract],
            sender=sender,
            gas=GAS,
            data=self.encode(contract, function, args),
        )
        self._mined(computation)
        if computation.is_error:
            self._events = []
            return revert_reason(computation.output)
        self._events = (
            self.history[-1][2] if self.history and self.history[-1][0] == self.block_number else []
        )
        return None

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

    def audit(self) -> AuditResult:
        """The audit's fold (`greenpoints.audit.ledger.Ledger`: the replay through the model and every
        check of the events) over the example's history, read from boa's logs instead of web3."""
        decoders = dict(self._decoders())
        pool_topic = "0x" + self.addresses["pool"][2:].lower().rjust(64, "0")
        events, times = [], {}
        for block, timestamp, logs in self.history:
            times[block] = timestamp
            for log in logs:
                decoder = decoders.get(log["address"])
                if decoder is None:
                    continue
                if decoder.source == "asset" and pool_topic not in log["topics"][1:3]:
                    continue  # only the asset's transfers to and from the pool
                event = decoder.decode(log)
                if event is not None:
                    events.append(event)
        ledger = self._ledger(times.__getitem__)
        ledger.apply_all(events)
        ok = not ledger.failures and not ledger.failed
        return AuditResult(ok, list(ledger.failures), ledger.model, len(events))


# ---------------------------------------------------------------- anvil

ANVIL_ARGS = [
    "--hardfork", "prague",  # the EVM version boa's py-evm runs and vyper 0.4.3 compiles for
    "--auto-impersonate",  # any sender: the machine's actors have no keys
    "--gas-price", "0", "--base-fee", "0",  # gas costs nothing, so no actor needs ether
    "--timestamp", str(START),
    "--number", str(FIRST_BLOCK),
    "--accounts", "0",
    "--prune-history",  # no old states written to disk as blocks pile up (greenpoints.anvil)
    "--threads", "1",
    "--order", "fifo",
    "--disable-default-create2-deployer",
    "--no-cors",
    "--silent",
]  # fmt: skip
"""How the anvil engine starts anvil: automine, no step tracing (anvil's default), the same EVM
version, clock and first block as boa. The transactions' 30M gas fits anvil's block gas limit, and
the code size limit is EIP-170's, as on py-evm."""


class RPCError(RuntimeError):
    """anvil answered a request with an error."""


class AnvilEngine(CompiledEngine):
    """The contracts on an anvil of its own (revm), driven by raw JSON-RPC over one persistent HTTP
    connection: one `eth_sendTransactionSync` per transaction (the receipt in the same round trip),
    every transaction mined in a block of its own at the clock the machine sets."""

    name = "anvil"

    def __init__(self, root: Path = ROOT, *, lens: bool = True):
        import http.client
        import weakref

        from greenpoints.anvil import launch, stop

        super().__init__(root, lens=lens)
        self.process, self.url = launch(None, ANVIL_ARGS)
        self._stop = weakref.finalize(self, stop, self.process)
        self._connection = http.client.HTTPConnection(
            "127.0.0.1", int(self.url.rsplit(":", 1)[1]), timeout=120
        )
        self._web3 = None
        self._rpc("anvil_setBlockTimestampInterval", 0)  # a block without a set time: the previous one's
        self._clock = START
        """The time the next transaction runs at, and views are read at (as on boa)."""
        self._head = START
        """The head block's timestamp (each receipt's is checked against the clock)."""
        self._block = FIRST_BLOCK
        assert int(self._rpc("eth_blockNumber"), 16) == FIRST_BLOCK

    def close(self) -> None:
        """Stop anvil (also done when the engine is garbage-collected or the process exits)."""
        self._connection.close()
        self._stop()

    # ---------------------------------------------------------------- JSON-RPC

    def _request(self, method: str, *params) -> dict:
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
        self._connection.request("POST", "/", body, {"Content-Type": "application/json"})
        return json.loads(self._connection.getresponse().read())

    def _rpc(self, method: str, *params):
        response = self._request(method, *params)
        if "error" in response:
            raise RPCError(f"{method}: {response['error']}")
        return response["result"]

    def _mine(self, tx: dict) -> dict:
        """Send `tx` from an impersonated sender, mined at the clock; its receipt."""
        if self._head != self._clock:
            self._rpc("evm_setNextBlockTimestamp", self._clock)
        receipt = self._rpc("eth_sendTransactionSync", {**tx, "gas": hex(GAS), "gasPrice": "0x0"})
        block, stamp = int(receipt["blockNumber"], 16), receipt["blockTimestamp"]
        stamp = int(stamp, 16) if isinstance(stamp, str) else stamp
        if (block, stamp) != (self._block + 1, self._clock):  # never seen: the machine relies on it
            raise RuntimeError(
                f"anvil mined block {block} at {stamp}, not {self._block + 1} at {self._clock}"
            )
        self._block, self._head = block, stamp
        return receipt

    def _create(self, initcode, sender, what) -> str:
        receipt = self._mine({"from": sender, "data": "0x" + initcode.hex()})
        if receipt["status"] != "0x1":
            raise RuntimeError(f"{what}: deployment reverted")
        return to_checksum_address(receipt["contractAddress"])

    # ---------------------------------------------------------------- transactions and views

    def send(self, contract, function, args, sender):
        tx = {
            "from": sender,
            "to": self.addresses[contract],
            "data": "0x" + self.encode(contract, function, args).hex(),
        }
        receipt = self._mine(tx)
        if receipt["status"] == "0x1":
            self._events = [{**log, "address": log["address"].lower()} for log in receipt["logs"]]
            return None
        self._events = []
        # A receipt has no revert data: run the same call again on the state it left (the state before
        # it but the sender's nonce) in its own block (number, time), where it reverts the same way.
        response = self._request("eth_call", {**tx, "gas": hex(GAS)}, "latest")
        if "error" not in response:
            raise RuntimeError(f"{function}: the transaction reverted, the same call at its block did not")
        data = response["error"].get("data") or "0x"
        return revert_reason(bytes.fromhex(data[2:]))

    def aggregate(self, batch) -> list[bytes]:
        """Each view of `batch` as an `eth_call` at the head block's state and at the clock (the
        head's time, or later if the machine moved the clock since), all in one JSON-RPC batch: one
        round trip, and 3 to 4 times less of anvil's time than one call of snekmate's multicall
        (which copies its 255-entry bounds through memory; measured on 25 and 81 views)."""
        overrides = None if self._clock == self._head else {"time": hex(self._clock)}
        requests = [
            {
                "jsonrpc": "2.0",
                "id": i,
                "method": "eth_call",
                "params": [{"to": address, "data": "0x" + data.hex()}, "latest", None, overrides],
            }
            for i, (address, _, data) in enumerate(batch)
        ]
        self._connection.request("POST", "/", json.dumps(requests), {"Content-Type": "application/json"})
        responses = sorted(json.loads(self._connection.getresponse().read()), key=lambda r: r["id"])
        out = []
        for response in responses:
            if "error" in response:
                data = response["error"].get("data") or "0x"
                raise RuntimeError(f"view reverted: {revert_reason(bytes.fromhex(data[2:]))}")
            out.append(bytes.fromhex(response["result"][2:]))
        return out

    @property
    def pending_timestamp(self) -> int:
        return self._clock

    @pending_timestamp.setter
    def pending_timestamp(self, value: int) -> None:
        if value < self._head:
            raise ValueError(f"the clock cannot go back before the head block ({value} < {self._head})")
        self._clock = value

    latest_timestamp = pending_timestamp
    """Views run at the clock the next transaction will run at (as on boa)."""

    @property
    def block_number(self) -> int:
        return self._block

    def snapshot(self):
        """anvil's snapshot (restored once: anvil forgets it, and every later one, on `evm_revert`)."""
        return self._rpc("evm_snapshot"), self._clock, self._head, self._block

    def restore(self, snapshot) -> None:
        ident, self._clock, self._head, self._block = snapshot
        if self._rpc("evm_revert", ident) is not True:
            raise RuntimeError(f"anvil did not revert to snapshot {ident}")
        self._events = []

    # ---------------------------------------------------------------- audit

    def audit(self) -> AuditResult:
        """The audit as a user's node gives it the chain, through web3 on this anvil: the example's
        logs read by the audit's `fetch` (`eth_getLogs`, the same sources and topic filters) and
        folded as the audit folds a page (`fold_page`: block times by `BlockTimes`, then the
        `Ledger`), the rebuilt state compared with the chain's
        views (`compare_with_chain`) and, for this checkout's contracts, the deployed code with Ape's
        compiled contracts (`check_code`)."""
        from types import SimpleNamespace

        from ethpm_types import ContractType
        from web3 import Web3

        from greenpoints.audit import BlockTimes, checks, fold_page, sources
        from greenpoints.audit.events import fetch

        if self._web3 is None:
            self._web3 = Web3(Web3.HTTPProvider(self.url))
        web3 = self._web3
        system = SimpleNamespace(
            **{name: self.addresses[name] for name in ("pool", "registry", "governor", "asset", "exit_queue")}
        )
        types = {
            name: ContractType(abi=self.abis[name]) for name in ("pool", "registry", "governor", "exit_queue")
        }
        readers = sources(system, types["pool"], types["registry"], types["governor"], types["exit_queue"])
        events, _ = fetch(web3, readers, self.deployment_block, self._block)
        ledger = self._ledger(BlockTimes(web3))
        fold_page(ledger, events)
        comparison = checks.compare_with_chain(ledger, self.addresses["asset"].lower(), web3)
        code = {}
        if self.root == ROOT:
            from ape import project

            code = checks.check_code(
                web3, ledger, project.ValuePool.contract_type, project.Registry.contract_type
            )
        failures = checks.failures(ledger, comparison, code)
        return AuditResult(checks.passed(ledger, failures), failures, ledger.model, len(events))

"""Backends that carry out the runner's actions: the model alone, or the real contracts on a chain.

A backend is anything with the `Backend` protocol's methods; it is handed values (the rules, a
timestamp, an action and the model's verdict on it, the figures the model expects), never the runner.

- `ModelBackend`: nothing beyond the runner's model (the fastest; for very large runs).
- `ChainBackend(ApeTransport())`: every action is a transaction through Ape's contract handles on the
  connected network (what a user's script would do).
- `ChainBackend(RpcTransport())`: the same transactions on the same network and contracts, signed
  locally and sent as raw JSON-RPC through the provider Ape connected, without Ape's per-transaction
  work (gas estimation, receipt decoding, traces), which is the bottleneck (docs/simulation.md).

Actions the model refuses (adversarial attempts, or an honest action refused for a reason) are
checked on chain with `eth_call` from the same sender: the chain must refuse them with the same
reason. Actions the model accepts are sent as transactions and must succeed.
"""

from __future__ import annotations

from typing import Any, Protocol

from ape import accounts, chain, config, project
from ape.exceptions import APINotImplementedError, ContractLogicError, TransactionError
from ape_test.accounts import TestAccount
from eth_abi import decode, encode
from eth_account import Account
from eth_utils import keccak
from web3.exceptions import ContractLogicError as Web3ContractLogicError

from ..client import OPERATIONS, Client, traces_hidden
from ..deploy import deploy_system, is_local_network
from ..model.rules import Rules
from .runner import DAY, DEFAULT_START, Divergence

try:  # the embedded chain's web3 provider raises eth-tester's own error for a revert
    from eth_tester.exceptions import TransactionFailed
except ImportError:  # pragma: no cover - eth-tester comes with eth-ape
    TransactionFailed = Web3ContractLogicError

_REVERTS = (Web3ContractLogicError, TransactionFailed)

_READ_CHUNK = 250  # snekmate multicall takes at most 255 calls
_AGGREGATE = keccak(text="aggregate((address,bool,bytes)[])")[:4]


def _selector(method: str) -> bytes:
    """The selector of a `method(address)` view."""
    return keccak(text=f"{method}(address)")[:4]


CONSUMER_FUNDS = 10**18
MERCHANT_FUNDS = 100 * 10**18


class Backend(Protocol):
    """What the runner asks of a backend."""

    name: str
    transactions: int

    def start_time(self) -> int:
        """The first day boundary the run may start at."""

    def setup(self, *, asset_decimals: int, rules: Rules, start: int) -> None:
        """Deploy (or not) the system the run acts on, its clock at `start`."""

    def fund_merchant(self, label: str, amount: int) -> None:
        """Give merchant (or sponsor) `label` `amount` of the asset, approved for the pool."""

    def begin_phase(self, timestamp: int) -> None:
        """The next actions happen at `timestamp`."""

    def execute(self, op: str, sender: str, args: tuple, reason: str | None) -> None:
        """Carry out `op` by `sender`, which the model accepted (`reason` None) or refused with `reason`."""

    def end_day(self, day: int, expected: tuple[int, int, int]) -> None:
        """Check the day's end against the model's (total_assets, total_supply, pool's asset balance)."""

    def read_final_state(self, labels: list[str]) -> dict | None:
        """The final figures of `labels` and the pool as the backend holds them; None: the model's."""


class ModelBackend:
    """The runner's model is the whole system; nothing to carry out."""

    name = "model"
    transactions = 0

    def start_time(self) -> int:
        return DEFAULT_START

    def setup(self, *, asset_decimals: int, rules: Rules, start: int) -> None:
        pass

    def fund_merchant(self, label: str, amount: int) -> None:
        pass

    def begin_phase(self, timestamp: int) -> None:
        pass

    def execute(self, op: str, sender: str, args: tuple, reason: str | None) -> None:
        pass

    def end_day(self, day: int, expected: tuple[int, int, int]) -> None:
        pass

    def read_final_state(self, labels: list[str]) -> dict | None:
        return None


def _reason(message: str | None) -> str:
    message = (message or "").strip()
    for prefix in ("execution reverted: ", "execution reverted:", "execution reverted"):
        if message.startswith(prefix):
            return message[len(prefix) :].strip()
    return message


PROCESS_GAS_EACH = 80_000
"""Gas a `process_exits` call is given per request it may touch (a fill measured 32,406-34,796 in
docs/gas.md; a fill with a give-back beyond the return cap costs more)."""


def _gas(op: str, args: tuple) -> int:
    if OPERATIONS[op].batch:
        return 200_000 + 180_000 * len(args[0])
    if op == "process_exits":
        return 200_000 + PROCESS_GAS_EACH * args[0]
    return 600_000


class ApeTransport:
    """Transactions and calls through Ape's contract handles (gas limits given, receipts decoded).

    The fee cap is read from the latest block at every phase, as the RPC transport does: Ape's own
    estimate, taken before a till's blocks move the base fee, once left a transaction under the
    new base fee, never mined (on the anvil ape-foundry starts: "not in the chain after 20 s")."""

    name = "chain"

    def __init__(self):
        self.fees: dict[str, int] = {}
        self.block: int | None = None  # the block of the last transaction that succeeded

    def begin_phase(self) -> None:
        base = chain.provider.web3.eth.get_block("latest").get("baseFeePerGas", 0)
        self.fees = {"max_fee": 4 * base + 2 * 10**9, "max_priority_fee": 0}

    def transact(self, account, contract, method: str, args: tuple, gas: int) -> str | None:
        """Send a transaction; None when it succeeded, else the revert reason."""
        try:
            with traces_hidden():
                receipt = getattr(contract, method)(*args, sender=account, gas_limit=gas, **self.fees)
        except (ContractLogicError, TransactionError) as err:
            return _reason(str(err)) or type(err).__name__
        self.block = receipt.block_number
        return None

    def call(self, account, contract, method: str, args: tuple) -> str | None:
        """eth_call the method from `account`: None when it would succeed, else the revert reason."""
        try:
            with traces_hidden():
                getattr(contract, method).call(*args, sender=account)
        except ContractLogicError as err:
            return _reason(err.message) or "reverted without a reason"
        return None

    def send_value(self, funder, to: str, amount: int) -> None:
        funder.transfer(to, amount)


class RpcTransport:
    """Transactions signed here and sent as raw JSON-RPC through the provider Ape connected (nonces
    kept here, fee cap from the latest base fee), calls as raw `eth_call`."""

    name = "fast"

    def __init__(self):
        self.web3 = chain.provider.web3
        self.nonces: dict[str, int] = {}
        self.max_fee = 0
        self.block: int | None = None  # the block of the last transaction that succeeded

    def begin_phase(self) -> None:
        self.read_fee()

    def read_fee(self) -> None:
        base = self.web3.eth.get_block("latest").get("baseFeePerGas", 0)
        self.max_fee = 4 * base + 2 * 10**9

    def transact(self, account, contract, method: str, args: tuple, gas: int) -> str | None:
        handler = getattr(contract, method)
        receipt = self.send(account, str(contract.address), bytes(handler.encode_input(*args)), gas)
        if receipt["status"] != 1:
            return self.call(account, contract, method, args) or "reverted without a reason"
        self.block = receipt["blockNumber"]
        return None

    def call(self, account, contract, method: str, args: tuple) -> str | None:
        data = bytes(getattr(contract, method).encode_input(*args))
        try:
            self.web3.eth.call({"from": str(account.address), "to": str(contract.address), "data": data})
        except _REVERTS as err:
            message = getattr(err, "message", None) or (err.args[0] if err.args else "")
            return _reason(str(message)) or "reverted without a reason"
        return None

    def send_value(self, funder, to: str, amount: int) -> None:
        self.send(funder, to, b"", 21_000, value=amount)

    def send(self, account, to: str, data: bytes, gas: int, value: int = 0):
        address = str(account.address)
        if address not in self.nonces:
            self.nonces[address] = self.web3.eth.get_transaction_count(address, "pending")
        if not self.max_fee:
            self.read_fee()
        tx = {
            "to": to,
            "data": data,
            "gas": gas,
            "value": value,
            "nonce": self.nonces[address],
            "chainId": chain.chain_id,
            "maxFeePerGas": self.max_fee,
            "maxPriorityFeePerGas": 0,
        }
        for attempt in range(2):
            raw = _sign(account, tx)
            try:
                tx_hash = self.web3.eth.send_raw_transaction(raw)
                break
            except ValueError as err:  # the base fee rose past our cap: read it again, once
                if attempt or "fee" not in str(err).lower():
                    raise
                self.read_fee()
                tx["maxFeePerGas"] = self.max_fee
        self.nonces[address] += 1
        return self.web3.eth.wait_for_transaction_receipt(tx_hash, timeout=120, poll_latency=0.002)


class ChainBackend:
    """The real contracts on the network Ape is connected to (a local one: test accounts, the mock
    asset's faucet and control of the clock are needed), reached through a transport."""

    def __init__(self, transport: ApeTransport | RpcTransport, *, launch=None):
        """`launch(registrar=, certifier=, asset_decimals=, rules=)`, when given, returns the `System`
        to run on (a platform an association launches) instead of a system deployed here."""
        self.launch = launch
        if not is_local_network():
            raise ValueError(
                "the chain backends need a local network (test accounts, the mock asset's faucet and "
                "control of the clock): use the embedded chain or ethereum:local:foundry"
            )
        self.transport = transport
        self.name = transport.name
        self.system = None
        self.accounts: dict[str, Any] = {}
        self.funded: set[str] = set()
        self.transactions = 0
        self.calls = 0
        # (merchant address, order id) -> the block its purchase was recorded in: a reversal's record
        # is read from that block alone (a search from the deployment block is quadratic on eth-tester).
        self.purchase_blocks: dict[tuple[str, bytes], int] = {}
        test = accounts.test_accounts
        self.deployer, self.registrar, self.guardian, self.certifier = test[0], test[1], test[2], test[3]
        # The configured test accounts (generated ones also count in len(test_accounts)).
        configured = int(config.get_config("test").number_of_accounts)
        self.funders = [test[i] for i in range(10, configured)] or [test[0]]
        self.can_set_balance = True

    # ------------------------------------------------------------ accounts

    def start_time(self) -> int:
        """The first day boundary at least a day after the chain's clock."""
        return (max(chain.pending_timestamp, DEFAULT_START - DAY) // DAY + 1) * DAY

    def account(self, label: str):
        if label == "registrar":
            return self.registrar
        if label == "guardian":
            return self.guardian
        if label == "certifier":
            return self.certifier
        account = self.accounts.get(label)
        if account is None:
            # A key of its own per run (the pool's address is new each run), cheap to derive:
            # most consumers only ever receive points, so only their address is needed.
            key = keccak(text=f"greenpoints-sim/{self.pool.address}/{label}")
            address = _KEYS.setdefault(key, Account.from_key(key)).address
            account = TestAccount(
                index=10_000 + len(self.accounts), address_str=address, private_key=key.hex()
            )
            self.accounts[label] = account
        return account

    def address(self, label: str) -> str:
        if label == "pool":
            return str(self.system.pool.address)
        if label == "governor":
            return str(self.system.governor.address)
        return str(self.account(label).address)

    def _fund(self, label: str, amount: int) -> None:
        if label in self.funded or label in ("registrar", "guardian", "certifier"):
            return
        address = self.address(label)
        if self.can_set_balance:
            try:
                chain.set_balance(address, amount)
            except (APINotImplementedError, NotImplementedError):
                self.can_set_balance = False
        if not self.can_set_balance:
            self.transport.send_value(self.funders[len(self.funded) % len(self.funders)], address, amount)
        self.funded.add(label)

    # ------------------------------------------------------------ set-up and time

    def setup(self, *, asset_decimals: int, rules: Rules, start: int) -> None:
        if self.launch is not None:
            self.system = self.launch(
                registrar=self.registrar, certifier=self.certifier, asset_decimals=asset_decimals, rules=rules
            )
        else:
            self.system = deploy_system(
                self.deployer,
                registrar=self.registrar,
                guardian=self.guardian,
                certifier=self.certifier,
                asset_decimals=asset_decimals,
                rules=rules,
            )
        self.pool, self.registry, self.asset = self.system.pool, self.system.registry, self.system.asset
        self.client = Client(self.system)
        self.reader = project.MulticallMock.deploy(sender=self.deployer)
        chain.pending_timestamp = start
        self.begin_phase(start)

    def begin_phase(self, timestamp: int) -> None:
        head = chain.blocks.head.timestamp
        if head >= timestamp:
            raise Divergence(
                f"the chain's clock ({head}) is past the phase starting at {timestamp}: a phase took "
                "more blocks than it has seconds"
            )
        chain.pending_timestamp = timestamp
        self.transport.begin_phase()

    def fund_merchant(self, label: str, amount: int) -> None:
        self._fund(label, MERCHANT_FUNDS)
        sender = self.account(label)
        self._transact(sender, self.client.contract("mint"), "mint", (self.address(label), amount), 200_000)
        self._transact(
            sender,
            self.client.contract("asset_approve"),
            "approve",
            (str(self.pool.address), 2**256 - 1),
            200_000,
        )

    # ------------------------------------------------------------ actions

    def _args(self, op: str, sender: str, args: tuple) -> tuple:
        """The runner's arguments with agent labels turned into addresses (`OPERATIONS` says which)."""
        spec, args = OPERATIONS[op], list(args)
        for i in spec.account_lists:
            args[i] = [self.address(label) for label in args[i]]
        for i in spec.accounts:
            args[i] = self.address(args[i])
        for i in spec.records:
            args[i] = self._chain_record(self.address(sender), args[i - 1], args[i])
        return tuple(args)

    def _chain_record(self, merchant: str, order_id: bytes, record: tuple) -> tuple:
        """A purchase's record as the chain recorded it, built as a merchant's system builds it (from
        the order's `PurchaseRecorded` and its block: `Client.purchase_record`). Its timestamp is the
        block's, a few seconds after the phase's start the model books. An order the chain never
        recorded: the model's record with the consumer's address."""
        try:
            block = self.purchase_blocks.get((merchant, bytes(order_id)))
            return tuple(self.client.purchase_record(merchant, order_id, block=block))
        except LookupError:
            return (self.address(record[0]), *record[1:])

    def execute(self, op: str, sender: str, args: tuple, reason: str | None) -> None:
        if op not in OPERATIONS:
            raise ValueError(f"no chain mapping for {op}")
        chain_args = self._args(op, sender, args)
        account = self.account(sender)
        contract = self.client.contract(op)
        what = f"{op} by {sender}{args}"
        self._fund(sender, CONSUMER_FUNDS)  # eth_call on eth-tester also checks the sender can pay
        if reason is None:
            failure = self._transact(account, contract, op, chain_args, _gas(op, args))
            if failure is not None:
                raise Divergence(f"{what}: the model accepted it, the chain refused ({failure})")
            self._note_purchases(op, str(account.address), chain_args)
        else:
            self.calls += 1
            got = self.transport.call(account, contract, op, chain_args)
            if got is None:
                raise Divergence(f"{what}: the model refused ({reason}), the chain accepted it")
            if got != reason:
                raise Divergence(f"{what}: the model refused with {reason!r}, the chain with {got!r}")

    def _note_purchases(self, op: str, merchant: str, args: tuple) -> None:
        """Keep the block of each order a purchase just recorded (`_chain_record` reads it back)."""
        if op == "record_purchase":
            self.purchase_blocks[(merchant, bytes(args[2]))] = self.transport.block
        elif op == "record_purchases":
            for order_id in args[2]:
                self.purchase_blocks[(merchant, bytes(order_id))] = self.transport.block

    def _transact(self, account, contract, method: str, args: tuple, gas: int) -> str | None:
        self.transactions += 1
        return self.transport.transact(account, contract, method, args, gas)

    # ------------------------------------------------------------ reading the chain

    def end_day(self, day: int, expected: tuple[int, int, int]) -> None:
        """Compare the pool's figures with the model's at the end of every day."""
        pool = self.pool
        got = (pool.total_assets(), pool.totalSupply(), self.asset.balanceOf(pool.address))
        if got != expected:
            raise Divergence(
                f"day {day}: chain (total_assets, supply, pool balance) = {got}, model = {expected}"
            )

    def read_final_state(self, labels: list[str]) -> dict:
        """The figures of `Runner.final_state`, read from the chain (in batches through a multicall)."""
        pool, asset = self.pool, self.asset
        queries = []
        for label in labels:
            address = self.address(label)
            for key, contract, method in (
                ("points", pool, "balanceOf"),
                ("basis", pool, "basis_of"),
                ("earned", pool, "earned_of"),
                ("paid_out", pool, "paid_out_of"),
                ("carbon", pool, "carbon_of"),
                ("assets", asset, "balanceOf"),
            ):
                queries.append(((label, key), contract, method, (address,)))
        values = self._read(queries)
        accounts_state: dict[str, dict] = {label: {} for label in labels}
        for (label, key), value in values.items():
            accounts_state[label][key] = value
        pool_state = {
            "total_assets": pool.total_assets(),
            "total_supply": pool.totalSupply(),
            "asset_balance": asset.balanceOf(pool.address),
            "price_per_point": pool.price_per_point(),
            "epoch_exited": pool.epoch_exited(),
            "total_carbon": pool.total_carbon(),
        }
        queue = self.system.exit_queue
        pool_state |= {
            "queue_length": queue.queue_length(),
            "queued_points": queue.queued_points(),
            "queue_head": queue.queue_head(),
            "next_request_id": queue.next_request_id(),
        }
        label_of = {str(account.address): label for label, account in self.accounts.items()}
        requests = {}
        for i in range(pool_state["next_request_id"]):
            owner, points, filled, claimable, claimed, _requested_at = queue.exit_request(i)
            requests[str(i)] = {
                "owner": label_of.get(str(owner), str(owner)),
                "points": points,
                "filled": filled,
                "claimable": claimable,
                "claimed": claimed,
            }
        return {"pool": pool_state, "accounts": accounts_state, "exit_requests": requests}

    def _read(self, queries) -> dict:
        """`view(address) -> uint256` calls [(key, contract, method, (address,))], 250 per multicall.

        Encoded and decoded with eth_abi here: Ape decodes each `(bool, bytes)` result by building a
        dataclass, which made reading 30,000 consumers' final state take 196 s of a 242 s run."""
        web3, out = chain.provider.web3, {}
        for start in range(0, len(queries), _READ_CHUNK):
            chunk = queries[start : start + _READ_CHUNK]
            batch = [
                (str(c.address), False, _selector(m) + encode(["address"], list(a))) for _, c, m, a in chunk
            ]
            data = _AGGREGATE + encode(["(address,bool,bytes)[]"], [batch])
            (results,) = decode(
                ["(bool,bytes)[]"], bytes(web3.eth.call({"to": self.reader.address, "data": data}))
            )
            for (key, _c, _m, _a), (_ok, returned) in zip(chunk, results, strict=True):
                out[key] = decode(["uint256"], returned)[0]
        return out


def _sign(account, tx: dict) -> bytes:
    key = _SIGNERS.get(account.address)
    if key is None:
        key = _SIGNERS[account.address] = Account.from_key(account.private_key)
    return key.sign_transaction(tx).raw_transaction


_KEYS: dict[bytes, Any] = {}
_SIGNERS: dict[str, Any] = {}


def make_backend(name: str, *, launch=None) -> Backend:
    """`model`, `chain` (Ape transactions) or `fast` (raw JSON-RPC transactions) by name; `launch`
    (chain backends) runs on a platform it launches (see `ChainBackend`)."""
    if name == "model":
        if launch is not None:
            raise ValueError("the model backend runs on no chain: a platform needs the chain or fast backend")
        return ModelBackend()
    if name == "chain":
        return ChainBackend(ApeTransport(), launch=launch)
    if name == "fast":
        return ChainBackend(RpcTransport(), launch=launch)
    raise ValueError(f"unknown backend {name!r} (model, chain or fast)")

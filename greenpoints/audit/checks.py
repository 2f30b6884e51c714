"""What makes an audit pass or fail: the ledger's checks (counted as events are folded), the rebuilt
state compared with the chain's views, and the deployed code compared with the compiled contracts.

    comparison = compare_with_chain(ledger, asset, web3)    # figures compared, differences
    code = check_code(web3, ledger, pool_type, registry_type)
    check_table(ledger, comparison, code), failures(ledger, comparison, code), passed(ledger, ...)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from eth_abi import decode
from eth_utils import keccak, to_checksum_address

from ..abi import view_types
from ..interfaces import runs
from .ledger import CHECKS, Ledger

STATE_CHECK = "rebuilt state = chain"
CODE_CHECK = "bytecode = compiled"
_BATCH = 500


@dataclass
class ChainComparison:
    """The rebuilt state against the chain: how many figures were compared, and each difference."""

    figures: int = 0
    differences: list[str] = field(default_factory=list)


def compare_with_chain(ledger: Ledger, asset: str, web3) -> ChainComparison:
    """Every figure rebuilt (by the replayed model, and independently) against the chain's views:
    how many figures were compared, and a readable line for each that differs."""
    model = ledger.model
    if model is None:
        return ChainComparison()
    st = model.state
    pool, registry = ledger.pool, ledger.registry
    figures, differences = 0, []
    calls, keys, types, wanted = [], [], [], []

    def add(label, to, signature, args: bytes, kinds, want):
        calls.append((to, _selector(signature) + args))
        keys.append(label)
        types.append(kinds)
        wanted.append(want)

    holders = set(st.balances) | set(st.basis) | set(st.earned) | set(st.paid_out) | set(ledger.balances)
    for account in sorted(holders):
        arg = _encode_address(account)
        add(f"{account}.points", pool, "balanceOf(address)", arg, ["uint256"], model.balance_of(account))
        add(f"{account}.basis", pool, "basis_of(address)", arg, ["uint256"], model.basis_of(account))
        add(f"{account}.earned", pool, "earned_of(address)", arg, ["uint256"], model.earned_of(account))
        add(
            f"{account}.paid_out",
            pool,
            "paid_out_of(address)",
            arg,
            ["uint256"],
            model.paid_out_of(account),
        )
        add(f"{account}.carbon", pool, "carbon_of(address)", arg, ["uint256"], model.carbon_of(account))
    merchant_kinds = list(view_types("Registry", "merchants"))
    for merchant, m in sorted(st.merchants.items()):
        add(
            f"merchant {merchant}", registry, "merchants(address)", _encode_address(merchant),
            merchant_kinds,
            (m.status, m.category, m.contribution_bps, m.daily_cap, m.license_hash, m.epoch,
             m.epoch_contribution),
        )  # fmt: skip
    sponsor_kinds = list(view_types("Registry", "sponsors"))
    for sponsor, sp in sorted(st.sponsors.items()):
        add(
            f"sponsor {sponsor}", registry, "sponsors(address)", _encode_address(sponsor), sponsor_kinds,
            (sp.status, sp.reward_per_kg, sp.daily_cap, sp.license_hash, sp.epoch, sp.epoch_contribution),
        )  # fmt: skip
    for class_id, c in sorted(st.classes.items()):
        add(
            f"class {class_id}", registry, "green_class(uint32)", class_id.to_bytes(32, "big"),
            list(view_types("Registry", "green_class")),
            (c.kind, c.certified, c.co2e_per_unit, c.standard_hash),
        )  # fmt: skip
    for charity, c in sorted(st.charities.items()):
        add(
            f"charity {charity}", registry, "charities(address)", _encode_address(charity),
            list(view_types("Registry", "charities")), (c.status, c.license_hash),
        )  # fmt: skip
    for (merchant, order_id), order in st.orders.items():  # each order's word, from its events
        add(
            f"order {order_id.hex()} of {merchant}", pool, "order_word(address,bytes32)",
            _encode_address(merchant) + order_id, ["uint256"], order.word,
        )  # fmt: skip
    for rule, value in sorted(st.rules.items()):
        add(f"rule {rule}", registry, f"{rule}()", b"", ["uint256"], value)
    for label, signature, want in (
        ("total_assets", "total_assets()", st.total_assets),
        ("totalSupply", "totalSupply()", st.total_supply),
        ("paused", "paused()", st.paused),
        ("is_shutdown", "is_shutdown()", st.shutdown),
        ("current_epoch", "current_epoch()", st.current_epoch),
        ("epoch_start_assets", "epoch_start_assets()", st.epoch_start_assets),
        ("epoch_exited", "epoch_exited()", st.epoch_exited),
        ("total_carbon", "total_carbon()", st.total_carbon),
    ):
        kind = "bool" if label in ("paused", "is_shutdown") else "uint256"
        add(f"pool.{label}", pool, signature, b"", [kind], want)
    queue = ledger.exit_queue
    if queue:  # the exit queue (SPEC 11): the line and every request, as the model replayed them
        for label, signature, want in (
            ("queue_length", "queue_length()", model.queue_length()),
            ("queued_points", "queued_points()", model.queued_points()),
            ("next_request_id", "next_request_id()", model.next_request_id()),
            ("queue_head", "queue_head()", model.queue_head()),
        ):
            add(f"exit_queue.{label}", queue, signature, b"", ["uint256"], want)
        request_kinds = list(view_types("ExitQueue", "exit_request"))
        for request_id, r in sorted(st.exit_requests.items()):
            add(
                f"exit request {request_id}", queue, "exit_request(uint256)", request_id.to_bytes(32, "big"),
                request_kinds,
                (r.owner.lower(), r.points, r.filled, r.claimable, r.claimed, r.requested_at),
            )  # fmt: skip
    add(
        "pool.asset balance",
        asset,
        "balanceOf(address)",
        _encode_address(pool),
        ["uint256"],
        ledger.asset_balance,
    )
    # the replayed rules and the independent books must agree too
    independent = {
        "total_assets": (st.total_assets, ledger.total_assets),
        "totalSupply": (st.total_supply, ledger.total_supply),
        "sum of balances": (sum(st.balances.values()), sum(ledger.balances.values())),
        "total_carbon": (st.total_carbon, ledger.total_carbon),
        "sum of carbon": (sum(st.carbon.values()), ledger.total_carbon),
    }
    for label, (replayed, rebuilt) in independent.items():
        figures += 1
        if replayed != rebuilt:
            differences.append(
                f"{label}: replayed by the rules {replayed}, from the events' own flows {rebuilt}"
            )
    if sum(ledger.balances.values()) != ledger.total_supply:
        differences.append(f"sum of balances {sum(ledger.balances.values())} != supply {ledger.total_supply}")
    for account in sorted(set(ledger.balances) | set(st.balances)):
        if ledger.balances[account] != model.balance_of(account):
            differences.append(
                f"{account}.points: replayed {model.balance_of(account)}, "
                f"from Transfers {ledger.balances[account]}"
            )
    results = _call_many(web3, calls)
    for label, kinds, raw, want in zip(keys, types, results, wanted, strict=True):
        figures += 1
        if raw is None or len(raw) < 32 * len(kinds):
            differences.append(f"{label}: the chain did not answer")
            continue
        value = decode(kinds, raw)
        got = value if len(kinds) > 1 else value[0]
        if got != want:
            differences.append(f"{label}: chain {show(got)}, rebuilt {show(want)}")
    return ChainComparison(figures, differences)


def check_code(web3, ledger: Ledger, pool_type, registry_type) -> dict[str, bool]:
    """Whether the runtime code at the pool, the registry, the governor (and the exit queue, when one is
    attached) is the compiled contract's."""
    from ape import project

    contracts = [
        ("pool (ValuePool)", ledger.pool, pool_type),
        ("registry (Registry)", ledger.registry, registry_type),
        ("governor (Governor)", ledger.governor, project.Governor.contract_type),
    ]
    if ledger.exit_queue:
        contracts.append(("exit queue (ExitQueue)", ledger.exit_queue, project.ExitQueue.contract_type))
    return {
        name: runs(web3.eth.get_code(to_checksum_address(address)), contract_type)
        for name, address, contract_type in contracts
    }


def check_table(ledger: Ledger, comparison: ChainComparison, code: dict[str, bool]) -> dict[str, dict]:
    """Every check by name: its rule, how often it was evaluated and how often it failed."""
    table = {
        name: {"rule": text, "checked": ledger.checked[name], "failed": ledger.failed[name]}
        for name, text in CHECKS.items()
    }
    table[STATE_CHECK] = {
        "rule": "every balance, basis, earned, paid out, merchant record, rule and pool figure rebuilt "
        "from events equals the chain's",
        "checked": comparison.figures,
        "failed": len(comparison.differences),
    }
    table[CODE_CHECK] = {
        "rule": "deployed runtime code starts with the compiled contract's (Vyper appends immutables)",
        "checked": len(code),
        "failed": sum(not ok for ok in code.values()),
    }
    return table


def failures(ledger: Ledger, comparison: ChainComparison, code: dict[str, bool]) -> list[str]:
    """Readable strings, one per failed check (the first 1,000 of the ledger's, then the rest)."""
    out = list(ledger.failures)
    out += [f"[{STATE_CHECK}] {d}" for d in comparison.differences]
    out += [f"[{CODE_CHECK}] {name}: deployed bytecode differs" for name, ok in code.items() if not ok]
    return out


def passed(ledger: Ledger, failures: list[str]) -> bool:
    """An audit passes when nothing failed (the ledger counts failures beyond the ones it keeps)."""
    return not failures and not ledger.failed


def verdict_lines(failures: list[str], ok: bool, shown: int = 10) -> list[str]:
    """The end of a terminal summary: the first `shown` failures, how many more, PASSED or FAILED."""
    lines = [f"  ! {failure}" for failure in failures[:shown]]
    if len(failures) > shown:
        lines.append(f"  ! ... and {len(failures) - shown} more")
    return [*lines, "PASSED" if ok else "FAILED"]


def show(value) -> str:
    """A figure for a message: integers and tuples as themselves, bytes as hex."""
    if isinstance(value, tuple | list):
        return "(" + ", ".join(show(v) for v in value) + ")"
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    return str(value)


def _call_many(web3, calls: list[tuple[str, bytes]]) -> list[bytes | None]:
    """eth_call each (to, data) at the latest block; JSON-RPC batches where the provider has them."""
    requests = [("eth_call", [{"to": to, "data": "0x" + data.hex()}, "latest"]) for to, data in calls]
    out: list[bytes | None] = []
    provider = web3.provider
    batching = type(provider).__name__ == "HTTPProvider"
    for start in range(0, len(requests), _BATCH):
        chunk = requests[start : start + _BATCH]
        if batching:
            responses = provider.make_batch_request(chunk)
        else:  # eth-tester: through web3's formatters
            responses = [
                {"result": web3.eth.call({"to": to_checksum_address(p[0]["to"]), "data": p[0]["data"]})}
                for _, p in chunk
            ]
        for response in responses:
            result = response.get("result") if isinstance(response, dict) else None
            if isinstance(result, bytes | bytearray):
                out.append(bytes(result))
            elif isinstance(result, str):
                out.append(bytes.fromhex(result[2:]))
            else:
                out.append(None)
    return out


def _selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


def _encode_address(address: str) -> bytes:
    return bytes(12) + bytes.fromhex(address[2:])

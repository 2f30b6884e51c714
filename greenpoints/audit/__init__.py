"""The audit: rebuild everything from events and check SPEC section 5 (and section 6's traceability).

    report = audit(system, start_block=0)
    report.ok, report.failures, report.trace(merchant, order_id), report.write(Path("out"))

Events are fetched in pages, one `eth_getLogs` per contract per block range (pool, registry,
governor, and the asset's transfers to and from the pool), decoded, and folded in chain order by
`Ledger`, which replays every domain event through the model (`greenpoints.model`, the rules the
simulation and the stateful tests share) and keeps the checks that must not trust it. Then the
rebuilt state is compared with the chain's (every holder's balance, basis, earned and paid out; the
pool's figures; every merchant's record; the rules), the deployed bytecode with the compiled
contracts, and the governor's operations are decoded (past and pending).
"""

from __future__ import annotations

import gc
import time

from ape import chain, project
from eth_utils import keccak

from ..interfaces import interface
from ..progress import bar
from .events import DEFAULT_PAGE, FIRST_PAGE, Decoder, Event, read_pages
from .ledger import CHECKS, Ledger
from .report import Report


def timed_blocks(events) -> set[int]:
    """The blocks whose time the replay reads: every block with a pool or registry event (each
    operation is replayed at its block's time) and the governor's schedules (their delays)."""
    return {
        e.block for e in events if e.source in ("pool", "registry", "exit_queue") or e.name == "CallScheduled"
    }


TRANSFER_TOPIC = "0x" + keccak(text="Transfer(address,address,uint256)").hex()


def _lower(handle) -> str:
    return str(getattr(handle, "address", handle)).lower()


def _topic(address: str) -> str:
    return "0x" + "0" * 24 + address[2:]


class BlockTimes:
    """Block timestamps, fetched once each (only for blocks a time rule needs, unless prefetched)."""

    def __init__(self, web3):
        self.web3 = web3
        self.cache: dict[int, int] = {}

    def __call__(self, number: int) -> int:
        value = self.cache.get(number)
        if value is None:
            value = self.cache[number] = int(self.web3.eth.get_block(number)["timestamp"])
        return value

    def learn(self, events) -> None:
        """Keep the block times that came with the logs (`blockTimestamp`, from anvil and recent nodes)."""
        cache = self.cache
        for e in events:
            if e.time is not None:
                cache[e.block] = e.time

    def prefetch(self, numbers) -> None:
        """Fetch the timestamps of `numbers` not yet known (JSON-RPC batches on an HTTP node), so that
        folding events afterwards makes no request (the monitor folds only what it fully fetched)."""
        missing = sorted({n for n in numbers if n not in self.cache})
        provider = self.web3.provider
        if type(provider).__name__ != "HTTPProvider":
            for number in missing:
                self(number)
            return
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            responses = provider.make_batch_request(
                [("eth_getBlockByNumber", [hex(n), False]) for n in chunk]
            )
            if not isinstance(responses, list):
                raise ConnectionError(f"node refused a batch of block requests: {responses}")
            for number, response in zip(chunk, responses, strict=True):
                block = response.get("result") if isinstance(response, dict) else None
                if not block:
                    raise ConnectionError(f"node did not return block {number}: {response}")
                self.cache[number] = int(block["timestamp"], 16)


def ledger_for(system, web3) -> Ledger:
    """An empty `Ledger` of `system`'s contracts (its pool, governor, registry and exit queue, when
    one is attached, and its asset's decimals), its block times read from `web3` (`BlockTimes`)."""
    queue = getattr(system, "exit_queue", None)
    return Ledger(
        pool=_lower(system.pool),
        governor=_lower(system.governor),
        registry=_lower(system.registry),
        exit_queue=_lower(queue) if queue is not None else "",
        asset_decimals=int(system.asset.decimals()),
        block_time=BlockTimes(web3),
    )


def fold_page(ledger: Ledger, events) -> None:
    """Fold a page of whole blocks' events, in chain order, into `ledger`: the block times the node
    gave with the logs kept, the others a time rule needs fetched first (batched on an HTTP node)."""
    ledger.block_time.learn(events)
    ledger.block_time.prefetch(timed_blocks(events))
    ledger.apply_all(events)


def sources(
    system, pool_type=None, registry_type=None, governor_type=None, exit_queue_type=None
) -> list[tuple]:
    """What the audit and the monitor read: [(address, decoder, topics filter)] for the pool, the
    registry, the governor, the exit queue (when one is attached) and the asset's transfers to and
    from the pool (the contract types: the project's compiled ones by default)."""
    pool, governor, asset = _lower(system.pool), _lower(system.governor), _lower(system.asset)
    registry = _lower(system.registry)
    asset_decoder = Decoder(interface("ISettlementToken"), "asset", only={"Transfer"})
    readers = [
        (pool, Decoder(pool_type or project.ValuePool.contract_type, "pool"), None),
        (registry, Decoder(registry_type or project.Registry.contract_type, "registry"), None),
        (governor, Decoder(governor_type or project.Governor.contract_type, "governor"), None),
        (asset, asset_decoder, [TRANSFER_TOPIC, None, _topic(pool)]),
        (asset, asset_decoder, [TRANSFER_TOPIC, _topic(pool)]),
    ]
    queue = getattr(system, "exit_queue", None)
    if queue is not None:  # the exit queue (SPEC 11): its requests, fills, claims and cancels
        queue_decoder = Decoder(exit_queue_type or project.ExitQueue.contract_type, "exit_queue")
        readers.append((_lower(queue), queue_decoder, None))
    return readers


def audit(
    system,
    start_block: int = 0,
    *,
    end_block: int | None = None,
    page: int = DEFAULT_PAGE,
    pool_type=None,
    registry_type=None,
    progress: bool = False,
) -> Report:
    """Rebuild the system's history from its events and check every rule; see the module doc.

    `progress`: a bar of the blocks read on a terminal's stderr (`greenpoints.progress.bar`).

    `pool_type` and `registry_type` are the contract types the events and bytecode are checked
    against (the project's ValuePool and Registry by default; tests pass deliberately broken variants).
    """
    web3 = chain.provider.web3
    end = chain.blocks.head.number if end_block is None else end_block
    pool_type = pool_type or project.ValuePool.contract_type
    registry_type = registry_type or project.Registry.contract_type
    readers = sources(system, pool_type, registry_type)
    ledger = ledger_for(system, web3)
    # The fetch and the fold allocate an object or more per event and free none: the cyclic garbage
    # collector would walk the whole heap again and again for nothing (measured on 43,669 events on
    # anvil: fetch + fold 1.43-1.70 s with it, 0.98-1.05 s without). Reference counting still frees
    # everything; collection resumes afterwards.
    collecting = gc.isenabled()
    gc.disable()
    try:
        began = time.perf_counter()
        # Page by page in chain order, each folded while the reader thread fetches the next one
        # (`read_pages`; docs/audit.md "Speed"). A transaction never spans two pages.
        events = requests = 0
        folding = 0.0
        with bar(end - start_block + 1, "audit: reading blocks", "block", enabled=progress) as blocks:
            for got, size, made in read_pages(web3, readers, start_block, end, page, FIRST_PAGE):
                began_page = time.perf_counter()
                fold_page(ledger, got)
                folding += time.perf_counter() - began_page
                events += len(got)
                requests += made
                blocks.update(size)
        folded = time.perf_counter()
        fetched = folded - folding  # the reading's own time: what the fold did not overlap
    finally:
        if collecting:
            gc.enable()
    report = Report(ledger=ledger, system=system, start_block=start_block, end_block=end)
    report.compare_with_chain(web3)
    report.check_code(web3, pool_type, registry_type)
    report.decode_governance(registry_type, chain.blocks.head.timestamp)
    report.stats = {
        "events": events,
        "log_requests": requests,
        "blocks": end - start_block + 1,
        "fetch_seconds": round(fetched - began, 3),
        "fold_seconds": round(folded - fetched, 3),
        "compare_seconds": round(time.perf_counter() - folded, 3),
        "block_timestamps_fetched": len(ledger.block_time.cache),
    }
    return report


__all__ = ["CHECKS", "BlockTimes", "Event", "Ledger", "Report", "audit", "fold_page", "ledger_for", "sources"]

"""Follow one deployment or a whole association for the dashboard: fold with the monitor, keep
every page in the store, answer the page's questions from the folded state.

Reads take `lock` (the follower folds under it), so an answer never sees half a page.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

from web3.exceptions import BlockNotFound

from ..audit import views
from ..audit.ledger import month_of
from ..audit.monitor import NODE_ERRORS, AssociationMonitor, Monitor, MonitorError
from ..catalog import kind_name
from ..model import value_per_point
from ..qualifications import read_people
from ..queue_status import line_of_model
from . import exports, units
from .store import Store

MONTH_FIGURES = ("purchases", "reversals", "sales", "contributions", "refunds", "co2e_g")
"""A merchant's figures by month (`Supervisor.merchant`)."""
ASSOCIATION_EVENTS = -1
"""The platform number the association's own events and alerts are stored under."""


class NotFound(LookupError):
    """An id or address the dashboard does not know (HTTP 404); the message says which."""


class Supervisor:
    """See the module doc. Build it with `for_system` or `for_association`."""

    def __init__(
        self,
        target: str,
        web3,
        store: Store,
        monitor,
        *,
        association=None,
        systems=None,
        poll_interval: float = 1.0,
        max_backoff: float = 10.0,
        status=lambda line: None,
        new_monitor=None,
        explorer: str | None = None,
    ):
        self.target = target.lower()
        self.web3, self.store, self.monitor = web3, store, monitor
        self.association = association
        self._systems = systems or {}
        self.poll_interval, self.max_backoff, self.say = poll_interval, max_backoff, status
        self.explorer = explorer
        """A block explorer's address for a transaction (the hash appended), or None."""
        self.lock = threading.RLock()
        self.version = 0
        """Goes up whenever something the page shows changed (a page folded, the node's state)."""
        self.node = {"ok": True, "message": "following", "since": int(time.time())}
        self.head_time = 0
        self.notice: str | None = None
        """What the page must say even when the node answers (the chain replaced under it)."""
        self._new_monitor = new_monitor
        """Builds a monitor from scratch, to fold again when the chain changed under the page."""
        self._cursor_hash: str | None = None
        """The hash of the last block folded, checked against the node's at every poll."""
        self._pending: dict[int, list] = {}
        self._pending_alerts: list = []
        self._series_seen: dict[int, int] = {}
        self._statuses: dict[int, str] = {}
        self._order_index: dict[int, tuple[int, dict]] = {}
        self._symbols: dict[int, tuple[str, str]] = {}
        """Platform -> (the asset's symbol, the points' symbol), read once from the chain."""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.chain_id = int(web3.eth.chain_id)

    # ------------------------------------------------------------ construction

    @classmethod
    def for_system(cls, system, web3, store: Store, **kwargs) -> Supervisor:
        holder: dict = {}

        def new_monitor():
            return Monitor(system, web3, emit=lambda a: holder["s"]._alert(a),
                           on_page=lambda ev, al, lo, hi: holder["s"]._page(0, ev))  # fmt: skip

        supervisor = holder["s"] = cls(
            str(system.pool.address), web3, store, new_monitor(), systems={0: system},
            new_monitor=new_monitor, **kwargs,
        )  # fmt: skip
        return supervisor

    @classmethod
    def for_association(cls, association, web3, store: Store, **kwargs) -> Supervisor:
        holder: dict = {}

        def new_monitor():
            return AssociationMonitor(
                association,
                web3,
                emit=lambda a: holder["s"]._alert(a),
                on_page=lambda pid, ev, al, lo, hi: holder["s"]._page(pid, ev),
            )

        supervisor = holder["s"] = cls(
            str(association.address), web3, store, new_monitor(), association=association,
            new_monitor=new_monitor, **kwargs,
        )  # fmt: skip
        return supervisor

    # ------------------------------------------------------------ following

    def _monitors(self) -> dict[int, Monitor]:
        if isinstance(self.monitor, AssociationMonitor):
            return self.monitor.monitors
        return {0: self.monitor}

    def _system(self, pid: int):
        if isinstance(self.monitor, AssociationMonitor):
            return self.monitor.monitors[pid].system
        return self._systems[pid]

    def _page(self, pid: int, events) -> None:
        self._pending.setdefault(pid, []).extend(events)

    def _alert(self, alert) -> None:
        self._pending_alerts.append(alert)
        if alert.kind in ("platform_suspended", "platform_reinstated"):
            self._statuses[alert.details["platform"]] = (
                "suspended" if alert.kind == "platform_suspended" else "active"
            )

    def _flush(self) -> None:
        """Everything folded since the last flush into the store, with the cursor, in one transaction."""
        cursor = self.monitor.cursor
        times = self.monitor.times
        pages = []
        for pid, monitor in self._monitors().items():
            events = self._pending.pop(pid, [])
            for e in events:
                if e.time is None:
                    e.time = times(e.block)
            series = monitor.ledger.series
            seen = self._series_seen.get(pid, 0)
            self._series_seen[pid] = len(series)
            alerts = [
                a
                for a in self._pending_alerts
                if a.details.get("platform", 0) == pid and not a.kind.startswith("platform_")
            ]
            pages.append((pid, events, alerts, [(b, a, s, times(b)) for b, a, s in series[seen:]]))
        own = [a for a in self._pending_alerts if a.kind.startswith("platform_")]
        if own:
            pages.append((ASSOCIATION_EVENTS, [], own, []))
        self._pending.clear()
        self._pending_alerts = []
        if cursor >= 0:
            try:
                self._cursor_hash = self.monitor.block_hash(cursor)
            except BlockNotFound:  # a chain replaced under the page, not yet as long as the fold began
                self._cursor_hash = None
            if self._cursor_hash is not None:
                self.store.save_page(self.target, self.chain_id, cursor, self._cursor_hash, pages)
                self.head_time = times(cursor)
        self.version += 1

    def _chain_changed(self) -> str | None:
        """Is the last block folded still the node's? One eth_getBlockByNumber; None when it is,
        else what happened, in one line."""
        cursor, folded = self.monitor.cursor, self._cursor_hash
        if folded is None or cursor < 0:
            return None
        try:
            now = self.monitor.block_hash(cursor)  # one eth_getBlockByNumber; BlockNotFound past the head
        except BlockNotFound:
            head = int(self.web3.eth.block_number)
            return (f"block {cursor}, the last one folded, is gone: the node's chain ends at block {head} "
                    "(a node restarted empty, or a reorg deeper than the fold)")  # fmt: skip
        if now != folded:
            return (f"block {cursor}, the last one folded, is another block on the node now (a reorg "
                    "deeper than the fold, or another chain on the same node address)")  # fmt: skip
        return None

    def _refold(self, reason: str) -> None:
        """The chain changed under the page: forget what was folded and fold from the node again."""
        monitor = self._new_monitor()  # first: if it cannot be built, nothing is forgotten yet
        when = datetime.now(UTC).strftime("%H:%M:%S UTC")
        self.notice = f"The chain changed under the page at {when}: {reason}; folded again from the node."
        self.say(self.notice)
        self.store.forget(self.target)
        self._pending.clear()
        self._pending_alerts = []
        self._series_seen.clear()
        self._order_index.clear()
        self._symbols.clear()
        self._statuses.clear()
        self._cursor_hash = None
        self.head_time = 0
        self.monitor = monitor
        self.monitor.start()
        self._flush()
        self._read_statuses()

    def start(self) -> str:
        """Fold the history: from the store when it holds this chain's (no refetching), else from
        the node. Returns what was done, in one line."""
        with self.lock:
            saved = self.store.cursor(self.target)
            if saved is not None:
                problem = None
                if int(saved["chain_id"]) != self.chain_id:
                    problem = f"the store holds chain {saved['chain_id']}, the node is chain {self.chain_id}"
                else:
                    try:
                        same = self.monitor.block_hash(int(saved["cursor"])) == saved["cursor_hash"]
                    except (ValueError, BlockNotFound) as err:  # a node restarted with a shorter chain
                        same, problem = False, f"block {saved['cursor']} is gone ({str(err)[:80]})"
                    if not same and problem is None:
                        problem = f"block {saved['cursor']} is not the block the store last read"
                if problem is None:
                    self._cursor_hash = saved["cursor_hash"]
                    return self._resume(int(saved["cursor"]))
                self.store.forget(self.target)
                self.say(f"the chain changed under the store ({problem}: a reorg or a restarted node); "
                         "folding again from the node")  # fmt: skip
            begun = self.monitor.start()
            self._flush()
            self._read_statuses()
            return f"history folded from the node up to block {begun}"

    def _resume(self, cursor: int) -> str:
        count = 0
        monitor = self.monitor
        if isinstance(monitor, AssociationMonitor):
            with monitor.silenced():
                for pid in (p for p in self.store.platforms(self.target) if p >= 0):
                    count += self._replay(monitor.add_platform(pid), pid, cursor)
        else:
            count += self._replay(monitor, 0, cursor)
        monitor.resume_at(cursor)
        if isinstance(monitor, AssociationMonitor):  # the association's own events are not stored
            monitor.adopt_people(read_people(self.association, end_block=cursor), cursor)
        self.head_time = monitor.times(cursor)
        self._read_statuses()
        self.version += 1
        return f"history resumed from the store: {count:,} events up to block {cursor}, none refetched"

    def _replay(self, monitor: Monitor, pid: int, cursor: int) -> int:
        events = self.store.events(self.target, pid)
        monitor.times.learn(events)
        with monitor.silenced():
            monitor.fold(events)
        monitor.resume_at(cursor)
        self._series_seen[pid] = len(monitor.ledger.series)
        return len(events)

    def _read_statuses(self) -> None:
        if self.association is not None:
            for pid in self._monitors():
                self._statuses[pid] = self.association.status_of(pid)

    def poll(self) -> None:
        """One look at the node: check that the last block folded is still the node's (else fold
        again from the node), fold every new block and store it. Node errors propagate."""
        with self.lock:
            changed = self._chain_changed() if self._new_monitor is not None else None
            if changed is not None:
                self._refold(changed)
                return
            before = (self.monitor.cursor, len(self._pending_alerts))
            try:
                self.monitor.poll()
            finally:
                if (self.monitor.cursor, len(self._pending_alerts)) != before or self._pending:
                    self._flush()

    def follow(self) -> None:
        """Poll until stopped; a node that goes away is retried with backoff, and the page says so."""
        backoff = 0.0
        while not self._stop.is_set():
            try:
                self.poll()
            except NODE_ERRORS:
                backoff = min(self.max_backoff, backoff * 2 if backoff else self.poll_interval)
                if self.node["ok"]:
                    self.node = {"ok": False, "message": self._node_away(), "since": int(time.time())}
                    self.version += 1
                    self.say(self.node["message"])
                self._stop.wait(backoff)
                continue
            except MonitorError as err:
                self.node = {"ok": False, "message": str(err), "since": int(time.time())}
                self.version += 1
                self.say(str(err))
                self._stop.wait(self.max_backoff)
                continue
            except Exception as err:  # noqa: BLE001 - a fault of the page must not stop the follower
                reason = (str(err).splitlines() or [""])[0][:160] or type(err).__name__
                message = f"the dashboard could not fold the chain ({type(err).__name__}: {reason}); retrying"
                self.node = {"ok": False, "message": message, "since": int(time.time())}
                self.version += 1
                self.say(message)
                self._stop.wait(self.max_backoff)
                continue
            if not self.node["ok"]:
                self.node = {"ok": True, "message": "node back; following", "since": int(time.time())}
                self.version += 1
                self.say(self.node["message"])
            backoff = 0.0
            self._stop.wait(self.poll_interval)

    def _node_away(self) -> str:
        """One plain line for the banner: which node, since when (not the HTTP library's exception)."""
        where = getattr(self.web3.provider, "endpoint_uri", None) or "the node"
        since = datetime.now(UTC).strftime("%H:%M:%S UTC")
        return f"node at {where} not answering since {since}; retrying"

    def run_in_background(self) -> None:
        self._thread = threading.Thread(target=self.follow, name="dashboard-follower", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.monitor.stop()
        if self._thread is not None:
            self._thread.join(timeout=30)

    # ------------------------------------------------------------ answers (JSON-ready)

    def _monitor(self, pid: int) -> Monitor:
        monitors = self._monitors()
        if pid not in monitors:
            raise NotFound(f"no platform {pid}: there are {len(monitors)} (ids 0 to {len(monitors) - 1})")
        return monitors[pid]

    def status(self) -> dict:
        with self.lock:
            kind = "association" if self.association is not None else "pool"
            return {
                "target": self.target,
                "kind": kind,
                "chain_id": self.chain_id,
                "cursor": self.monitor.cursor,
                "head_time": self.head_time,
                "node": dict(self.node),
                "notice": self.notice,
                "version": self.version,
                "platforms": len(self._monitors()),
                "explorer": self.explorer,
            }

    def symbols(self, pid: int) -> tuple[str, str]:
        """(the asset's symbol, the points' symbol) of platform `pid`, asked once; a token that
        cannot say (no `symbol()`, the node away at that moment) is named by its kind."""
        if pid not in self._symbols:
            system = self._system(pid)
            found = []
            for contract, fallback in ((system.asset, "units"), (system.pool, units.POINTS_SYMBOL)):
                try:
                    symbol = str(contract.symbol()).strip()
                except Exception:  # noqa: BLE001 - any failure: the kind's name instead
                    symbol = ""
                found.append(symbol if symbol.isprintable() and 0 < len(symbol) <= 16 else fallback)
            self._symbols[pid] = (found[0], found[1])
        return self._symbols[pid]

    def _money(self, pid: int, ledger):
        """`money(value, key)`: {key: exact text with the asset's symbol, key_raw: the integer as text}."""
        d, (symbol, _) = ledger.asset_decimals, self.symbols(pid)
        return lambda value, key: {key: units.amount(value, d, symbol), f"{key}_raw": units.raw(value)}

    def _points(self, pid: int):
        """`points(value, key)`: {key: exact text with the points' symbol, key_raw: 1e-18 points as text}."""
        symbol = self.symbols(pid)[1]
        return lambda value, key: {key: units.amount(value, 18, symbol), f"{key}_raw": units.raw(value)}

    @staticmethod
    def _consumers(ledger) -> int:
        """Holders of points who are consumers: no merchant, charity or sponsor (the model knows)."""
        model = ledger.model
        if model is None:
            return sum(1 for b in ledger.balances.values() if b)
        return sum(1 for a, b in ledger.balances.items() if b and model.is_consumer(a))

    def _figures(self, pid: int, monitor: Monitor) -> dict:
        ledger = monitor.ledger
        d = ledger.asset_decimals
        assets, supply = ledger.total_assets, ledger.total_supply
        model = ledger.model
        state = model.state if model else None
        limit = model.epoch_exit_limit() if model else 0
        exited = state.epoch_exited if state else 0
        system = self._system(pid)
        status = "shut down" if ledger.shutdown else "paused" if ledger.paused else "running"
        money, points = self._money(pid, ledger), self._points(pid)
        symbol, points_symbol = self.symbols(pid)
        price = value_per_point(assets, supply, d) if supply else None
        return {
            "id": pid,
            "name": getattr(system, "name", None) or f"pool {str(system.pool.address)[:10]}",
            "pool": str(system.pool.address),
            "registry": str(system.registry.address),
            "governor": str(system.governor.address),
            "asset": str(system.asset.address),
            "standing": self._statuses.get(pid, "active"),
            "status": status,
            "token": monitor.token_status,
            "asset_symbol": symbol,
            "asset_decimals": d,
            "points_symbol": points_symbol,
            **money(assets, "total_assets"),
            **points(supply, "total_points"),
            "value_per_point": None if price is None else f"{units.amount(price, d, symbol)} per point",
            "value_per_point_raw": None if price is None else units.raw(price),
            "exit_budget_used_percent": round(100 * exited / limit, 1) if limit else 0.0,
            "carbon_kg": units.kg(ledger.total_carbon),
            "carbon_g": units.raw(ledger.total_carbon),
            "consumers": self._consumers(ledger),
            "events": ledger.events,
            "alerts_failed_checks": sum(ledger.failed.values()),
        }

    def platforms(self) -> list[dict]:
        with self.lock:
            return [self._figures(pid, m) for pid, m in sorted(self._monitors().items())]

    def platform(self, pid: int) -> dict:
        with self.lock:
            monitor = self._monitor(pid)
            ledger = monitor.ledger
            now = self.head_time or int(time.time())
            return {
                **self._figures(pid, monitor),
                "rules": dict(ledger.rules),
                "rules_shown": [units.rule(name, value) for name, value in ledger.rules.items()],
                "governance": views.governance(ledger, project_registry_type(), now),
                "merchants": self._members(pid, ledger, views.merchants(ledger), "merchant"),
                "sponsors": self._members(pid, ledger, views.sponsors(ledger), "sponsor"),
                "charities": views.charities(ledger),
                "carbon": self._carbon(ledger, views.carbon(ledger)),
                "people": self.people(pid),
                "exit_queue": self._line(pid, ledger, now),
            }

    def exit_queue(self, pid: int) -> dict:
        """Platform `pid`'s exit queue (SPEC 11) at the last block folded: requests and points waiting,
        what they would pay now, one epoch's budget now, the oldest request's age and the estimated
        epochs to clear the line (`greenpoints.queue_status`, the model's `epochs_to_fill`), and the
        waiting requests in order (the first 1,000) with each one's place and estimate."""
        with self.lock:
            monitor = self._monitor(pid)
            return self._line(pid, monitor.ledger, self.head_time or int(time.time()))

    def _line(self, pid: int, ledger, now: int) -> dict:
        model = ledger.model
        money, points = self._money(pid, ledger), self._points(pid)
        if model is None:  # nothing folded yet
            line = {"waiting": 0, "queued_points": 0, "payout": 0, "budget_per_epoch": 0, "requests": [],
                    "oldest_requested_at": None, "oldest_age": None, "epochs_to_clear": 0}  # fmt: skip
        else:
            line = line_of_model(model, now)
        rows = [
            {"id": r["id"], "owner": r["owner"], **points(r["unfilled"], "unfilled"),
             **points(r["points_ahead"], "points_ahead"), "requested_at": r["requested_at"], "age": r["age"],
             "epochs_to_fill": r["epochs_to_fill"]}
            for r in line["requests"]
        ]  # fmt: skip
        return {
            "platform": pid,
            "as_of": now,
            "waiting": line["waiting"],
            **points(line["queued_points"], "queued_points"),
            **money(line["payout"], "payout"),
            **money(line["budget_per_epoch"], "budget_per_epoch"),
            "oldest_requested_at": line["oldest_requested_at"],
            "oldest_age": line["oldest_age"],
            "epochs_to_clear": line["epochs_to_clear"],
            "requests": rows,
        }

    def people(self, pid: int | None = None) -> list[dict]:
        """Each platform's role holders (or platform `pid`'s) with their qualification at the last
        block folded (SPEC 12); none for a deployment outside an association."""
        with self.lock:
            if not isinstance(self.monitor, AssociationMonitor):
                return []
            if pid is not None:
                self._monitor(pid)
            now = self.head_time or self.monitor.times(self.monitor.cursor)
            rows = self.monitor.people.rows(now, dict(self.monitor.names))
            return [r for r in rows if pid is None or r["platform"] == pid]

    def trainers(self) -> list[dict]:
        """The association's trainers, accredited or revoked, with what each issued."""
        with self.lock:
            if not isinstance(self.monitor, AssociationMonitor):
                return []
            return self.monitor.people.trainer_rows()

    @staticmethod
    def _carbon(ledger, carbon: dict) -> dict:
        """The audit's carbon view, with every class of the catalog in `by_class` (0 g if none yet) and
        each row's `co2e_kg` beside its grams."""
        model = ledger.model
        listed = {row["class_id"] for row in carbon["by_class"]}
        for class_id, record in sorted((model.state.classes if model else {}).items()):
            if class_id not in listed:
                carbon["by_class"].append({
                    "class_id": class_id, "label": ledger.class_labels.get(class_id, ""),
                    "kind": kind_name(record.kind, unknown="?"), "certified": bool(record.certified),
                    "co2e_per_unit": record.co2e_per_unit, "co2e_g": 0,
                })  # fmt: skip
        carbon["by_class"].sort(key=lambda row: row["class_id"])
        for key in ("by_class", "by_merchant", "by_sponsor", "by_month"):
            for row in carbon[key]:
                row["co2e_kg"] = units.kg(row["co2e_g"])
        return carbon

    def _members(self, pid: int, ledger, rows: list[dict], kind: str) -> list[dict]:
        """The audit's rows of members with each member's cap use in the current epoch, their
        amounts as exact text with the symbol (the audit's are cut to two decimals)."""
        model = ledger.model
        if model is None:
            return rows
        book = model.state.merchants if kind == "merchant" else model.state.sponsors
        money, points = self._money(pid, ledger), self._points(pid)
        for row in rows:
            terms = book.get(row[kind])
            used = model.cap_use(row[kind])[0] if terms else 0
            books = (ledger.merchants if kind == "merchant" else ledger.sponsors).get(row[kind])
            if books is not None:
                row.update(money(books.contributions, "contributions"))
                row.update(points(books.points_issued, "points_issued"))
                if kind == "merchant":
                    row.update(money(books.sales, "sales"))
                    row.update(money(books.settled_assets, "settled"))
                    row.update(money(books.refunds, "refunds"))
                    row.update(points(books.receipts_points, "receipts_points"))
                else:
                    row["co2e_kg"] = units.kg(books.co2e)
                    row.update(money(terms.reward_per_kg, "reward_per_kg") if terms else {})
            row.update(money(terms.daily_cap, "daily_cap") if terms else {"daily_cap": None})
            row.update(money(used, "cap_used"))
            row["cap_used_percent"] = (
                round(100 * used / terms.daily_cap, 2) if terms and terms.daily_cap else 0.0
            )
        return rows

    def overview(self) -> dict:
        """Totals across every platform, from each platform's figures and folded ledger: platforms by
        standing and by pool status, assets per asset (a symbol and its decimals: platforms may hold
        different assets), points per points symbol, carbon, purchases and alerts by severity."""
        with self.lock:
            monitors = sorted(self._monitors().items())
            figures = [self._figures(pid, m) for pid, m in monitors]
            purchases = sum(book.purchases for _, m in monitors for book in m.ledger.merchants.values())
            actions = sum(book.actions for _, m in monitors for book in m.ledger.sponsors.values())
            cursor, head_time = self.monitor.cursor, self.head_time
        standing: dict[str, int] = {"active": 0, "suspended": 0}
        status: dict[str, int] = {"running": 0, "paused": 0, "shut down": 0}
        assets: dict[tuple[str, int], dict] = {}
        points: dict[str, int] = {}
        for f in figures:
            standing[f["standing"]] = standing.get(f["standing"], 0) + 1
            status[f["status"]] = status.get(f["status"], 0) + 1
            key = (f["asset_symbol"], f["asset_decimals"])
            held = assets.setdefault(key, {"raw": 0, "platforms": []})
            held["raw"] += int(f["total_assets_raw"])
            held["platforms"].append(f["id"])
            points[f["points_symbol"]] = points.get(f["points_symbol"], 0) + int(f["total_points_raw"])
        carbon = sum(int(f["carbon_g"]) for f in figures)
        return {
            "platforms": len(figures),
            "standing": standing,
            "status": status,
            "assets": [
                {
                    "asset_symbol": symbol,
                    "asset_decimals": d,
                    "platforms": held["platforms"],
                    "total_assets": units.amount(held["raw"], d, symbol),
                    "total_assets_raw": units.raw(held["raw"]),
                }
                for (symbol, d), held in sorted(assets.items())
            ],  # fmt: skip
            "points": [
                {
                    "points_symbol": symbol,
                    "total_points": units.amount(total, 18, symbol),
                    "total_points_raw": units.raw(total),
                }
                for symbol, total in sorted(points.items())
            ],  # fmt: skip
            "carbon_kg": units.kg(carbon),
            "carbon_g": units.raw(carbon),
            "purchases": purchases,
            "actions": actions,
            "consumers": sum(f["consumers"] for f in figures),
            "alerts": self.store.severities(self.target),
            "as_of_block": cursor,
            "as_of_time": head_time,
        }

    def merchant(self, pid: int, address: str) -> dict:
        """One merchant of platform `pid`: its books (sales, contributions, points issued, settlements,
        refunds, carbon), its cap use in the current epoch, and by month (UTC, of the block): purchases,
        sales and contributions in the purchase's month, refunds and the carbon taken back in the
        reversal's month (as the platform's carbon by month counts them)."""
        address = address.lower()
        with self.lock:
            ledger = self._monitor(pid).ledger
            model = ledger.model
            known = {a.lower(): a for a in (model.state.merchants if model else {})}
            if address not in known:
                raise NotFound(f"platform {pid} has no merchant {address}")
            key = known[address]
            [row] = self._members(
                pid, ledger, [r for r in views.merchants(ledger) if r["merchant"] == key], "merchant"
            )
            book = ledger.merchants[key]
            money, points = self._money(pid, ledger), self._points(pid)
            symbol, points_symbol = self.symbols(pid)
            months: dict[str, dict[str, int]] = {}

            def month(block: int) -> dict[str, int]:
                name = month_of(ledger.block_time(block))
                return months.setdefault(name, dict.fromkeys(MONTH_FIGURES, 0))

            for (issuer, _), order in ledger.orders.items():
                if issuer != key or order.get("action"):
                    continue
                bought = month(order["block"])
                bought["purchases"] += 1
                bought["sales"] += order.get("amount", 0)
                bought["contributions"] += order.get("contribution", 0)
                bought["co2e_g"] += order.get("co2e", 0)
                if order.get("reversed") and order.get("reversed_block") is not None:
                    back = month(order["reversed_block"])
                    back["reversals"] += 1
                    back["refunds"] += order.get("refund", 0)
                    back["co2e_g"] -= order.get("co2e", 0)
            row.update(points(book.settled_points, "settled_points"))
            return {
                "platform": pid,
                **row,
                "merchant": key,
                "asset_symbol": symbol,
                "asset_decimals": ledger.asset_decimals,
                "points_symbol": points_symbol,
                "co2e_kg": units.kg(book.co2e),
                "co2e_g": units.raw(book.co2e),
                "by_month": [
                    {
                        "month": name,
                        "purchases": m["purchases"],
                        "reversals": m["reversals"],
                        **money(m["sales"], "sales"),
                        **money(m["contributions"], "contributions"),
                        **money(m["refunds"], "refunds"),
                        "co2e_kg": units.kg(m["co2e_g"]),
                        "co2e_g": units.raw(m["co2e_g"]),
                    }
                    for name, m in sorted(months.items())
                ],  # fmt: skip
            }

    def history(self, pid: int) -> dict:
        with self.lock:
            monitor = self._monitor(pid)
            d = monitor.ledger.asset_decimals
        rows = self.store.series(self.target, pid)
        points = []
        for block, assets, supply, when in rows:
            price = value_per_point(assets, supply, d) if supply else None
            points.append({
                "block": block,
                "time": when,
                "total_assets": _number(assets, d),
                "value_per_point": _number(price, d) if price is not None else None,
            })  # fmt: skip
        return {"platform": pid, "points": points}

    def alerts(self, after: int = 0, limit: int = 200) -> list[dict]:
        return self.store.alerts(self.target, after=after, limit=limit)

    def every_alert(self, platform: int | None = None, severity: str | None = None) -> list[dict]:
        """Every stored alert, oldest first, about `platform` (the association's own alerts count
        for the platform they name) and of `severity`, when given."""
        out, after = [], 0
        while page := self.store.alerts(self.target, after=after, limit=1_000):
            after = page[-1]["id"]
            out.extend(
                a for a in page
                if (platform is None or exports.alert_platform(a) == platform)
                and (severity is None or a["severity"] == severity)
            )  # fmt: skip
        return out

    # ------------------------------------------------------------ CSV (exports.py)

    def platforms_csv(self) -> str:
        return exports.platforms(self.platforms(), self.status())

    def members_csv(self, pid: int, kind: str) -> str:
        return exports.members(self.platform(pid), kind)

    def history_csv(self, pid: int) -> str:
        """Every stored point of platform `pid`'s series, not the chart's sample of about 400."""
        with self.lock:
            d = self._monitor(pid).ledger.asset_decimals
            symbol = self.symbols(pid)[0]
        rows = self.store.series(self.target, pid, points=2**62)
        return exports.history(rows, d, symbol, lambda assets, supply: value_per_point(assets, supply, d))

    def exit_queue_csv(self, pid: int) -> str:
        return exports.exit_queue(self.exit_queue(pid))

    def people_csv(self, pid: int) -> str:
        return exports.people(self.people(pid))

    def trainers_csv(self) -> str:
        return exports.trainers(self.trainers())

    def merchant_csv(self, pid: int, address: str) -> str:
        return exports.merchant_months(self.merchant(pid, address))

    def alerts_csv(self, platform: int | None = None, severity: str | None = None) -> str:
        return exports.alerts(self.every_alert(platform, severity))

    def order(self, order_id: bytes) -> list[dict]:
        """Every purchase or green action with this order id (ids are unique per merchant or
        sponsor), with the sale's amount, its class and the fates of its points."""
        found = []
        with self.lock:
            for pid, monitor in sorted(self._monitors().items()):
                ledger = monitor.ledger
                points = self._points(pid)
                for issuer, oid in self._orders_with(pid, ledger).get(order_id, ()):
                    origin = ledger.orders[(issuer, oid)]
                    fates = [
                        {"fate": f.kind, **points(f.points, "points"), "holder": f.holder,
                         "counterparty": f.counterparty, "block": f.block}
                        for f in sorted(ledger.trace(issuer, oid), key=_by_block)
                    ]  # fmt: skip
                    found.append({"platform": pid, **self._issuance(pid, ledger, issuer, oid, origin),
                                  "fates": fates})  # fmt: skip
        if not found:
            raise NotFound(f"no purchase with order id 0x{order_id.hex()}")
        return found

    def _issuance(self, pid: int, ledger, issuer: str, oid: bytes, origin: dict) -> dict:
        """A purchase (the sale's amount) or a green action (its quantity) as the page shows it."""
        action = bool(origin.get("action"))
        class_id = origin.get("class_id")
        row = {
            "kind": "action" if action else "purchase",
            "sponsor" if action else "merchant": issuer,
            "order_id": "0x" + oid.hex(),
            "consumer": origin.get("consumer"),
            "block": origin.get("block"),
            "tx": origin.get("tx"),
            "class_id": class_id,
            "class_label": ledger.class_labels.get(class_id, ""),
            "co2e_g": units.raw(origin.get("co2e", 0)),
            "co2e_kg": units.kg(origin.get("co2e", 0)),
            **self._money(pid, ledger)(origin.get("contribution", 0), "contribution"),
            **self._points(pid)(origin.get("points", 0), "points"),
        }
        if action:
            row["quantity"] = units.raw(origin.get("quantity", 0))
        else:
            row.update(self._money(pid, ledger)(origin.get("amount", 0), "amount"))
        if origin.get("reversed"):
            row["reversed"] = True
        return row

    def _orders_with(self, pid: int, ledger) -> dict[bytes, list[tuple[str, bytes]]]:
        """Order id -> the (merchant, order id) keys with it, rebuilt only when orders were added
        (orders are never removed: a reversal marks its order)."""
        count, index = self._order_index.get(pid, (-1, {}))
        if count != len(ledger.orders):
            index = {}
            for key in ledger.orders:
                index.setdefault(key[1], []).append(key)
            self._order_index[pid] = (len(ledger.orders), index)
        return index

    def account(self, address: str) -> list[dict]:
        """An account's history on every platform it appears on: its purchases and its sponsored
        actions apart, where their points went (by block) and what it holds."""
        address = address.lower()
        out = []
        with self.lock:
            for pid, monitor in sorted(self._monitors().items()):
                ledger = monitor.ledger
                history = ledger.trace_account(address)
                balance = ledger.balances.get(address, 0)
                if history["purchases"] or history["outflows"] or history["holds"] or balance:
                    out.append({"platform": pid, **self._points(pid)(balance, "balance"),
                                **self._account_history(pid, ledger, address, history)})  # fmt: skip
        if not out:
            raise NotFound(f"account {address} has no history here")
        return out

    def _account_history(self, pid: int, ledger, address: str, history: dict) -> dict:
        points = self._points(pid)
        issued = [
            self._issuance(pid, ledger, row["merchant"], bytes.fromhex(row["order_id"]),
                           ledger.orders[(row["merchant"], bytes.fromhex(row["order_id"]))])
            for row in history["purchases"]
        ]  # fmt: skip
        outflows = [
            {"kind": o["kind"], **points(o["points"], "points"), "to": o["to"], "block": o["block"],
             "order_id": "0x" + o["order_id"] if o["order_id"] else None,
             "origin": {"issuer": o["origin"]["merchant"], "order_id": "0x" + o["origin"]["order_id"]}}
            for o in sorted(history["outflows"], key=lambda o: _by_block(o["block"]))
        ]  # fmt: skip
        holds = [
            {"issuer": h["merchant"], "order_id": "0x" + h["order_id"], **points(h["points"], "points")}
            for h in history["holds"]
        ]
        return {
            "account": address,
            "purchases": [row for row in issued if row["kind"] == "purchase"],
            "actions": [row for row in issued if row["kind"] == "action"],
            "outflows": outflows,
            "holds": holds,
            "exit_requests": self._requests_of(pid, ledger, address),
        }

    def _requests_of(self, pid: int, ledger, address: str) -> list[dict]:
        """`address`'s exit requests (SPEC 11) on platform `pid`, oldest first: points, filled,
        claimable, claimed, and for a waiting one its place (points ahead) and estimated epochs."""
        model = ledger.model
        if model is None:
            return []
        every = ((i, model.exit_request(i)) for i in range(model.next_request_id()))
        mine = [(i, r) for i, r in every if r.owner.lower() == address]
        if not mine:
            return []
        now = self.head_time or int(time.time())
        waiting = {r["id"]: r for r in line_of_model(model, now)["requests"]}
        money, points = self._money(pid, ledger), self._points(pid)
        rows = []
        for request_id, r in mine:
            place = waiting.get(request_id, {})
            if r.unfilled:
                state = "waiting" if not r.filled else "waiting, filled in part"
            elif r.claimable:
                state = "filled: to claim"
            elif r.filled:
                state = "claimed"
            else:
                state = "cancelled"
            rows.append({
                "id": request_id, "state": state, **points(r.points, "points"),
                **points(r.filled, "filled"), **points(r.unfilled, "unfilled"),
                **money(r.claimable, "claimable"), **money(r.claimed, "claimed"),
                "requested_at": r.requested_at, "age": now - r.requested_at if r.unfilled else None,
                **(points(place["points_ahead"], "points_ahead") if place else {"points_ahead": None}),
                "epochs_to_fill": place.get("epochs_to_fill"),
            })  # fmt: skip
        return rows


def _by_block(item) -> tuple[bool, int]:
    """Sorts fates or outflows by block, those without one (points still held) last."""
    block = getattr(item, "block", item)
    return (block is None, block or 0)


def _number(amount: int, decimals: int) -> float:
    """An amount in whole asset units as a float, for the charts only (the tables show exact text)."""
    return amount / 10**decimals


def project_registry_type():
    from ape import project

    return project.Registry.contract_type

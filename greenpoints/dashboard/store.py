"""The dashboard's database: SQLite by default (one file, nothing to start), PostgreSQL through the
same code (SQLAlchemy Core) when a regulator outgrows one machine.

Tables:
- `meta`: one row per followed target (a pool or an association): chain id, the last block folded
  and its hash (a different hash on restart means a reorg or a restarted node);
- `events`: every decoded log folded, by platform (the association's own under -1), with its
  block time, so a restart folds them again without refetching;
- `series`: each platform's total assets and points supply after every event that changed them,
  with the block's time
  (the charts over time);
- `alerts`: every alert raised, in order (the live feed).

Big integers (amounts in the smallest units, points in 1e-18) are stored as decimal text: exact on
both engines. An event's arguments and an alert's details are JSON with two tags of the store's own,
`{"$b": hex}` for bytes and `{"$i": "digits"}` for integers of 2**53 and more, so they read back
exactly as they were folded. An alert row the store cannot serve (written by an older version, or by
hand) is served as one `unreadable_alert` in its place, said once in the log: it never stops the feed.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    func,
    insert,
    select,
)
from sqlalchemy.exc import ArgumentError, OperationalError

from ..audit.events import Event

logger = logging.getLogger("greenpoints.dashboard")
UNREADABLE_ALERT = "unreadable_alert"
"""The kind served in place of an alert row the store cannot read (warning)."""
SEVERITIES = ("critical", "warning", "notice")
metadata = MetaData()
meta = Table(
    "meta",
    metadata,
    Column("target", String(42), primary_key=True),
    Column("chain_id", BigInteger, nullable=False),
    Column("cursor", BigInteger, nullable=False),
    Column("cursor_hash", String(66), nullable=False),
)
events = Table(
    "events",
    metadata,
    Column("target", String(42), primary_key=True),
    Column("platform", Integer, primary_key=True),
    Column("block", BigInteger, primary_key=True),
    Column("log_index", Integer, primary_key=True),
    Column("source", String(16), nullable=False),
    Column("name", String(40), nullable=False),
    Column("args", Text, nullable=False),
    Column("tx", String(66), nullable=False),
    Column("time", BigInteger, nullable=False),
)
series = Table(
    "series",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("target", String(42), nullable=False, index=True),
    Column("platform", Integer, nullable=False),
    Column("block", BigInteger, nullable=False),
    Column("total_assets", Text, nullable=False),
    Column("total_supply", Text, nullable=False),
    Column("time", BigInteger, nullable=False),
)
alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("target", String(42), nullable=False, index=True),
    Column("platform", Integer, nullable=False),
    Column("block", BigInteger, nullable=False),
    Column("log_index", Integer, nullable=False),
    Column("time", BigInteger, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("severity", String(10), nullable=False),
    Column("tx", String(66), nullable=False),
    Column("message", Text, nullable=False),
    Column("details", Text, nullable=False),
)


class StoreError(RuntimeError):
    """The database cannot be used (a bad URL, a server that is not there)."""


TAGS = ("$b", "$i", "$d")
"""The store's own JSON tags: bytes, big integers, and a mapping that would read as a tag."""


def _encode(value):
    if isinstance(value, bytes | bytearray):
        return {"$b": bytes(value).hex()}
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**53:
        return {"$i": str(value)}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        plain = {_key(k): _encode(v) for k, v in value.items()}
        return {"$d": plain} if len(plain) == 1 and next(iter(plain)) in TAGS else plain
    return value


def _key(key) -> str:
    if isinstance(key, bytes | bytearray):
        return "0x" + bytes(key).hex()
    return key if isinstance(key, str) else str(key)


def _decode(value):
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)) in TAGS:
            ((tag, inner),) = value.items()
            if tag == "$b":
                return bytes.fromhex(inner)
            if tag == "$i":
                return int(inner)
            return {k: _decode(v) for k, v in inner.items()}
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def _dumps(value) -> str:
    """Stored JSON: never refuses a value (an unknown object is kept as its text)."""
    return json.dumps(_encode(value), default=str)


def _event(row) -> Event:
    args = _decode(json.loads(row["args"]))
    return Event(
        row["name"], args, row["block"], row["log_index"], row["tx"], row["source"], row["time"] or None
    )


def _checked_alert(row: dict) -> dict:
    """The row with its details decoded, or ValueError/TypeError saying why it cannot be served."""
    for name in ("id", "platform", "block", "log_index", "time"):
        if not isinstance(row[name], int) or isinstance(row[name], bool):
            raise TypeError(f"{name} is {row[name]!r}, not a whole number")
    for name in ("kind", "tx", "message"):
        if not isinstance(row[name], str):
            raise TypeError(f"{name} is {type(row[name]).__name__}, not text")
    if row["severity"] not in SEVERITIES:
        raise ValueError(f"severity {row['severity']!r} is none of {', '.join(SEVERITIES)}")
    try:
        details = _decode(json.loads(row["details"]))
    except json.JSONDecodeError as err:
        raise ValueError(f"details are not JSON: {err}") from err
    if not isinstance(details, dict):
        raise TypeError(f"details are {type(details).__name__}, not an object")
    return {**row, "details": details}


def _int_or_zero(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def default_url(path: Path | str) -> str:
    return f"sqlite:///{Path(path)}"


class Store:
    """The dashboard's tables on one database URL (`sqlite:///file` or `postgresql+psycopg://...`)."""

    def __init__(self, url: str):
        self.url = url
        try:
            if url.startswith("sqlite:///"):
                Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
            self.engine = create_engine(url, future=True)
            metadata.create_all(self.engine)
        except (ArgumentError, OperationalError, ModuleNotFoundError) as err:
            reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise StoreError(f"database {url}: {reason}") from err
        self._unreadable: set = set()
        """Ids of alert rows already said to be unreadable (each is logged once)."""

    # ------------------------------------------------------------ the cursor

    def cursor(self, target: str) -> dict | None:
        with self.engine.connect() as db:
            row = db.execute(select(meta).where(meta.c.target == target)).mappings().first()
        return dict(row) if row else None

    def forget(self, target: str) -> None:
        """Drop everything kept of `target` (the chain changed under it)."""
        with self.engine.begin() as db:
            for table in (meta, events, series, alerts):
                db.execute(delete(table).where(table.c.target == target))

    # ------------------------------------------------------------ one page

    def save_page(self, target: str, chain_id: int, cursor: int, cursor_hash: str, pages) -> None:
        """One page of blocks folded: for each (platform, events, alerts, series rows) in `pages`,
        and the cursor, in one transaction (a crash keeps the old page or the new, never half)."""
        with self.engine.begin() as db:
            for platform, page_events, page_alerts, page_series in pages:
                if page_events:
                    db.execute(insert(events), [
                        {"target": target, "platform": platform, "block": e.block, "log_index": e.log_index,
                         "source": e.source, "name": e.name, "args": _dumps(e.args),
                         "tx": e.tx, "time": e.time or 0}
                        for e in page_events
                    ])  # fmt: skip
                if page_series:
                    db.execute(insert(series), [
                        {"target": target, "platform": platform, "block": b,
                         "total_assets": str(assets), "total_supply": str(supply), "time": t}
                        for b, assets, supply, t in page_series
                    ])  # fmt: skip
                if page_alerts:
                    db.execute(insert(alerts), [
                        {"target": target, "platform": platform, "block": a.block, "log_index": a.log_index,
                         "time": a.time, "kind": a.kind, "severity": a.severity, "tx": a.tx,
                         "message": a.message, "details": _dumps(a.details)}
                        for a in page_alerts
                    ])  # fmt: skip
            row = {"chain_id": chain_id, "cursor": cursor, "cursor_hash": cursor_hash}
            if db.execute(select(meta.c.target).where(meta.c.target == target)).first():
                db.execute(meta.update().where(meta.c.target == target).values(**row))
            else:
                db.execute(insert(meta).values(target=target, **row))

    # ------------------------------------------------------------ reading

    def platforms(self, target: str) -> list[int]:
        with self.engine.connect() as db:
            rows = db.execute(
                select(events.c.platform)
                .where(events.c.target == target)
                .distinct()
                .order_by(events.c.platform)
            )
            return [r[0] for r in rows]

    def events(self, target: str, platform: int) -> list[Event]:
        """Every stored event of a platform, in chain order."""
        with self.engine.connect() as db:
            rows = db.execute(
                select(events)
                .where(events.c.target == target, events.c.platform == platform)
                .order_by(events.c.block, events.c.log_index)
            ).mappings()
            return [_event(r) for r in rows]

    def series(self, target: str, platform: int, points: int = 400) -> list[tuple[int, int, int, int]]:
        """(block, total_assets, total_supply, time), at most about `points` of them, evenly spaced, the
        latest always included; sampled by the database (a window function), not in Python."""
        where = (series.c.target == target, series.c.platform == platform)
        with self.engine.connect() as db:
            count = db.execute(select(func.count()).select_from(series).where(*where)).scalar_one()
            step = max(1, -(-count // points))
            numbered = (
                select(
                    series.c.block,
                    series.c.total_assets,
                    series.c.total_supply,
                    series.c.time,
                    func.row_number().over(order_by=series.c.id).label("n"),
                )
                .where(*where)
                .subquery()
            )
            rows = db.execute(
                select(numbered.c.block, numbered.c.total_assets, numbered.c.total_supply, numbered.c.time)
                .where(((numbered.c.n - 1) % step == 0) | (numbered.c.n == count))
                .order_by(numbered.c.n)
            ).all()
        return [(r.block, int(r.total_assets), int(r.total_supply), r.time) for r in rows]

    def alerts(
        self, target: str, *, after: int = 0, limit: int = 200, platform: int | None = None
    ) -> list[dict]:
        """Alerts with an id above `after`, newest last (at most `limit`, the newest ones)."""
        with self.engine.connect() as db:
            query = select(alerts).where(alerts.c.target == target, alerts.c.id > after)
            if platform is not None:
                query = query.where(alerts.c.platform == platform)
            rows = db.execute(query.order_by(alerts.c.id.desc()).limit(limit)).mappings().all()
        return [self._alert(dict(r)) for r in reversed(rows)]

    def _alert(self, row: dict) -> dict:
        """An alert row as served, or an `unreadable_alert` in its place (logged once per row)."""
        try:
            return _checked_alert(row)
        except (ValueError, TypeError, KeyError, AttributeError) as err:
            reason = (str(err).splitlines() or [""])[0][:160] or type(err).__name__
        message = f"alert {row.get('id')} in the store cannot be read ({reason}); left out"
        if row.get("id") not in self._unreadable:
            self._unreadable.add(row.get("id"))
            logger.warning("dashboard: %s", message)
        block, log_index, time = (_int_or_zero(row.get(k)) for k in ("block", "log_index", "time"))
        return {
            "id": row.get("id"), "target": row.get("target"), "platform": _int_or_zero(row.get("platform")),
            "block": block, "log_index": log_index, "time": time, "kind": UNREADABLE_ALERT,
            "severity": "warning", "tx": "", "message": message, "details": {},
        }  # fmt: skip

    def severities(self, target: str) -> dict[str, int]:
        """How many alerts of each severity are stored for `target` (every severity named, 0 if none)."""
        with self.engine.connect() as db:
            rows = db.execute(
                select(alerts.c.severity, func.count())
                .where(alerts.c.target == target)
                .group_by(alerts.c.severity)
            ).all()
        found = {str(severity): int(count) for severity, count in rows}
        return {severity: found.get(severity, 0) for severity in SEVERITIES} | {
            k: v for k, v in found.items() if k not in SEVERITIES
        }

    def counts(self, target: str) -> dict[str, int]:
        with self.engine.connect() as db:
            return {
                name: db.execute(
                    select(func.count()).select_from(table).where(table.c.target == target)
                ).scalar_one()
                for name, table in (("events", events), ("alerts", alerts))
            }

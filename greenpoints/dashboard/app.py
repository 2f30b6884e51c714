"""The dashboard's web application (Starlette): the page, its JSON endpoints and a server-sent event
stream. Read-only: it holds no keys and sends no transaction.

Endpoints (all GET; JSON as `wire` writes it: bytes as 0x-hex, integers past 2**53 - 1 as decimal
text; errors are `{"error": "..."}` with 400 or 404):

- `/api/status`: what is followed, the last block folded, the node's state, a version number that
  goes up on every change;
- `/api/overview`: totals across every platform (platforms by standing and status, assets per asset,
  points, carbon, purchases, alerts by severity);
- `/api/platforms`: every platform's figures (assets, points, value per point, exit budget used,
  carbon, status);
- `/api/platforms/{id}`: one platform: figures, rules, governor operations (pending ones with their
  ready time), merchants and sponsors with cap use, charities, carbon by class and month, people
  (its operator, registrar, certifier and guardian holders: trainer, valid until, status);
- `/api/platforms/{id}/exit-queue`: the exit queue (SPEC 11): requests and points waiting, what they
  would pay, one epoch's budget, the oldest request's age, the estimated epochs to clear the line, and
  the waiting requests in order (also in `/api/platforms/{id}` as `exit_queue`);
- `/api/platforms/{id}/merchants/{address}`: one merchant: its books, cap use, and by month its
  purchases, sales, contributions, refunds and carbon (404 for an address that is no merchant there);
- `/api/platforms/{id}/history`: value per point and assets over blocks (at most about 400 points);
- `/api/trainers`: the association's compliance trainers (SPEC 12), accredited or revoked; a
  platform's people (its role holders with their qualification) are in `/api/platforms/{id}`;
- `/api/alerts?after=N&limit=M`: alerts with an id above N (the feed);
- `/api/orders/{order_id}`: the purchases (or actions) with that id and the fates of their points;
- `/api/accounts/{address}`: an account's purchases, where their points went, what it holds, its exit
  requests;
- `/api/platforms.csv`, `/api/platforms/{id}/merchants.csv`, `.../sponsors.csv`, `.../history.csv`,
  `/api/platforms/{id}/merchants/{address}.csv` (a merchant by month), `.../people.csv`, `.../exit-queue.csv`,
  `/api/trainers.csv`,
  `/api/alerts.csv?platform=N&severity=S`: the tables as CSV (`exports`), exact decimals;
- `/api/stream`: server-sent events, `update` with the status and the new alerts, within a second of
  a page folded.
"""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from . import wire
from .access import TokenGate
from .store import SEVERITIES
from .supervisor import NotFound, Supervisor

logger = logging.getLogger("greenpoints.dashboard")
STATIC = Path(__file__).parent / "static"
CHART_JS = Path("node_modules") / "chart.js" / "dist" / "chart.umd.js"
"""Chart.js (npm package `chart.js`, installed by `make install`), served to the page as is."""
ORDER_ID = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")
ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


def chart_js_path(root: Path | None = None) -> Path:
    """Where Chart.js is; a one-line error when `make install` was not run."""
    for base in (root or Path.cwd(), Path(__file__).resolve().parents[2]):
        path = base / CHART_JS
        if path.is_file():
            return path
    raise FileNotFoundError("Chart.js is not installed (node_modules/chart.js): run `make install`")


class WireJSON(JSONResponse):
    """JSON as `wire.dumps` writes it: bytes as 0x-hex, integers past 2**53 - 1 as decimal text."""

    def render(self, content) -> bytes:
        return wire.dumps(content).encode("utf-8")


def _error(status: int, message: str) -> JSONResponse:
    return WireJSON({"error": message}, status_code=status)


def create_app(
    supervisor: Supervisor, *, stream_interval: float = 0.5, token: str | None = None
) -> Starlette:
    """The page over `supervisor`; with `token`, every request must show it (`access.TokenGate`)."""
    chart_js = chart_js_path()

    async def answer(func, *args):
        try:
            return WireJSON(await run_in_threadpool(func, *args))
        except NotFound as err:
            return _error(404, str(err))

    async def index(request: Request):
        return FileResponse(STATIC / "index.html")

    async def chart(request: Request):
        return FileResponse(chart_js, media_type="text/javascript")

    async def status(request: Request):
        return await answer(supervisor.status)

    async def platforms(request: Request):
        return await answer(supervisor.platforms)

    async def platform(request: Request):
        return await answer(supervisor.platform, request.path_params["pid"])

    async def overview(request: Request):
        return await answer(supervisor.overview)

    def _address(request: Request) -> str:
        raw = request.path_params["address"].strip()
        if not ADDRESS.match(raw):
            raise HTTPException(400, f"{raw[:80]!r} is not an address (0x and 40 hex digits)")
        return raw

    async def merchant(request: Request):
        return await answer(supervisor.merchant, request.path_params["pid"], _address(request))

    async def merchant_csv(request: Request):
        pid, address = request.path_params["pid"], _address(request)
        return await csv_answer(
            f"platform-{pid}-merchant-{address.lower()}", supervisor.merchant_csv, pid, address
        )

    async def history(request: Request):
        return await answer(supervisor.history, request.path_params["pid"])

    def _int(request: Request, name: str, default: int, high: int) -> int:
        raw = request.query_params.get(name)
        if raw is None:
            return default
        if not raw.isdigit() or int(raw) > high:
            raise HTTPException(400, f"{name} must be a whole number from 0 to {high}")
        return int(raw)

    async def alerts(request: Request):
        after, limit = _int(request, "after", 0, 2**62), _int(request, "limit", 200, 1_000)
        return await answer(supervisor.alerts, after, limit)

    async def order(request: Request):
        raw = request.path_params["order_id"].strip()
        if not ORDER_ID.match(raw):
            return _error(400, f"{raw[:80]!r} is not an order id (32 bytes: 64 hex digits, 0x optional)")
        return await answer(supervisor.order, bytes.fromhex(raw.removeprefix("0x")))

    async def account(request: Request):
        raw = request.path_params["address"].strip()
        if not ADDRESS.match(raw):
            return _error(400, f"{raw[:80]!r} is not an address (0x and 40 hex digits)")
        return await answer(supervisor.account, raw)

    async def csv_answer(name: str, func, *args):
        try:
            text = await run_in_threadpool(func, *args)
        except NotFound as err:
            return _error(404, str(err))
        cursor = supervisor.monitor.cursor
        headers = {"Content-Disposition": f'attachment; filename="greenpoints-{name}-block-{cursor}.csv"'}
        return Response(text, media_type="text/csv; charset=utf-8", headers=headers)

    async def platforms_csv(request: Request):
        return await csv_answer("platforms", supervisor.platforms_csv)

    async def members_csv(request: Request):
        pid, kind = request.path_params["pid"], request.path_params["kind"]
        if kind not in ("merchants", "sponsors"):
            raise HTTPException(404)
        return await csv_answer(f"platform-{pid}-{kind}", supervisor.members_csv, pid, kind.removesuffix("s"))

    async def people_csv(request: Request):
        pid = request.path_params["pid"]
        return await csv_answer(f"platform-{pid}-people", supervisor.people_csv, pid)

    async def exit_queue(request: Request):
        return await answer(supervisor.exit_queue, request.path_params["pid"])

    async def exit_queue_csv(request: Request):
        pid = request.path_params["pid"]
        return await csv_answer(f"platform-{pid}-exit-queue", supervisor.exit_queue_csv, pid)

    async def trainers(request: Request):
        return await answer(supervisor.trainers)

    async def trainers_csv(request: Request):
        return await csv_answer("trainers", supervisor.trainers_csv)

    async def history_csv(request: Request):
        pid = request.path_params["pid"]
        return await csv_answer(f"platform-{pid}-history", supervisor.history_csv, pid)

    async def alerts_csv(request: Request):
        raw_platform = request.query_params.get("platform") or None
        severity = request.query_params.get("severity") or None
        if raw_platform is not None and not raw_platform.isdigit():
            raise HTTPException(400, "platform must be a platform's id (a whole number)")
        if severity is not None and severity not in SEVERITIES:
            raise HTTPException(400, f"severity must be one of {', '.join(SEVERITIES)}")
        platform = None if raw_platform is None else int(raw_platform)
        name = (
            "alerts"
            + (f"-platform-{platform}" if platform is not None else "")
            + (f"-{severity}" if severity else "")
        )
        return await csv_answer(name, supervisor.alerts_csv, platform, severity)

    async def stream(request: Request):
        after = _int(request, "after", 0, 2**62)

        async def events():
            nonlocal after
            seen, quiet = -1, 0.0
            while not await request.is_disconnected():
                if supervisor.version != seen:
                    seen = supervisor.version
                    new = await run_in_threadpool(supervisor.alerts, after, 200)
                    if new:
                        after = new[-1]["id"]
                    payload = {"status": await run_in_threadpool(supervisor.status), "alerts": new}
                    yield f"event: update\ndata: {wire.dumps(payload)}\n\n"
                    quiet = 0.0
                elif quiet >= 15:
                    yield ": keep-alive\n\n"
                    quiet = 0.0
                await asyncio.sleep(stream_interval)
                quiet += stream_interval

        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return StreamingResponse(events(), media_type="text/event-stream", headers=headers)

    async def not_found(request: Request, exc: HTTPException):
        if request.url.path.startswith("/api/") or exc.status_code != 404:
            return _error(
                exc.status_code, exc.detail if exc.status_code != 404 else f"no endpoint {request.url.path}"
            )
        return FileResponse(STATIC / "404.html", status_code=404)

    async def failed(request: Request, exc: Exception):
        # A bug, not bad input: the page and the API still answer in one line, and the log has it.
        logger.exception("dashboard: %s failed", request.url.path)
        return _error(500, f"the dashboard failed to answer {request.url.path}: {type(exc).__name__}: {exc}")

    routes = [
        Route("/", index),
        Route("/vendor/chart.umd.js", chart),
        Route("/api/status", status),
        Route("/api/platforms", platforms),
        Route("/api/platforms.csv", platforms_csv),
        Route("/api/overview", overview),
        Route("/api/platforms/{pid:int}/history.csv", history_csv),
        Route("/api/platforms/{pid:int}/people.csv", people_csv),
        Route("/api/platforms/{pid:int}/exit-queue.csv", exit_queue_csv),
        Route("/api/platforms/{pid:int}/exit-queue", exit_queue),
        Route("/api/trainers", trainers),
        Route("/api/trainers.csv", trainers_csv),
        Route("/api/platforms/{pid:int}/merchants/{address}.csv", merchant_csv),
        Route("/api/platforms/{pid:int}/merchants/{address}", merchant),
        Route("/api/platforms/{pid:int}/{kind}.csv", members_csv),
        Route("/api/alerts.csv", alerts_csv),
        Route("/api/platforms/{pid:int}", platform),
        Route("/api/platforms/{pid:int}/history", history),
        Route("/api/alerts", alerts),
        Route("/api/orders/{order_id}", order),
        Route("/api/accounts/{address}", account),
        Route("/api/stream", stream),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    middleware = [Middleware(TokenGate, token=token)] if token else []
    return Starlette(
        routes=routes, middleware=middleware, exception_handlers={HTTPException: not_found, Exception: failed}
    )

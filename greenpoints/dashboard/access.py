"""Who may read the page: open on loopback, a token beyond it (an open port is a decision).

`ape run dashboard --host 127.0.0.1` (the default) or `::1`/`localhost` serves the page to this machine
only, with no token. Any other host needs `--token T` (or the environment variable
`GREENPOINTS_DASHBOARD_TOKEN`), or `--public` to serve it open on purpose; without either the command
refuses in one line. With a token, a request passes with `Authorization: Bearer T`, or once with
`?token=T` in the address: the page then sets an HttpOnly, SameSite=Strict cookie and sends the
browser to the same address without the token (the page's own requests and its event stream carry
the cookie). Anything else gets 401 and one line saying how to open the page.
"""

from __future__ import annotations

import hmac
import os

from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse

TOKEN_ENV = "GREENPOINTS_DASHBOARD_TOKEN"
COOKIE = "greenpoints_dashboard"
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
MIN_TOKEN = 16
"""Shortest token accepted (characters): a guessable token is an open port."""


class AccessError(ValueError):
    """A host, token and --public that do not go together; the message says what to do."""


def token_for(host: str, token: str | None, public: bool) -> str | None:
    """The token the page asks for (None: open), or AccessError for a choice that is not one."""
    token = token or os.environ.get(TOKEN_ENV) or None
    if token is not None and len(token) < MIN_TOKEN:
        raise AccessError(
            f"--token must be at least {MIN_TOKEN} characters (a guessable token is an open port)"
        )
    if public and token is not None:
        raise AccessError("--public serves the page open: give it or a token, not both")
    if token is None and not public and host not in LOOPBACK:
        raise AccessError(
            f"--host {host} serves the page beyond this machine: give --token (or {TOKEN_ENV}) so it "
            "asks for one, or --public to serve it open on purpose"
        )
    return token


class TokenGate(BaseHTTPMiddleware):
    """Every request shows the token (header, cookie, or once in the query), or gets 401."""

    def __init__(self, app, token: str):
        super().__init__(app)
        self.token = token

    def _is(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), self.token.encode())

    async def dispatch(self, request: Request, call_next):
        header = request.headers.get("authorization", "")
        bearer = header[7:] if header.lower().startswith("bearer ") else None
        if self._is(bearer) or self._is(request.cookies.get(COOKIE)):
            return await call_next(request)
        if self._is(request.query_params.get("token")):
            response = RedirectResponse(str(request.url.remove_query_params("token")), status_code=303)
            response.set_cookie(COOKIE, self.token, httponly=True, samesite="strict", path="/")
            return response
        return PlainTextResponse(
            "This page asks for a token: open it as http://HOST:PORT/?token=... (given to its operator "
            "with --token), or send Authorization: Bearer ...\n",
            status_code=401,
        )

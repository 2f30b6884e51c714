"""Who may read the page: open on loopback, a token beyond it, --public on purpose (access.py)."""

import pytest
from starlette.testclient import TestClient

from greenpoints.dashboard import create_app
from greenpoints.dashboard.access import COOKIE, TOKEN_ENV, AccessError, token_for

TOKEN = "a-long-enough-token-0123"


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost"])
def test_token_for__loopback_without_token__open(host, monkeypatch):
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    assert token_for(host, None, False) is None


def test_token_for__beyond_loopback_without_token_or_public__refused_naming_both(monkeypatch):
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    with pytest.raises(AccessError, match="--token .*--public"):
        token_for("0.0.0.0", None, False)


def test_token_for__beyond_loopback_public__open_on_purpose(monkeypatch):
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    assert token_for("0.0.0.0", None, True) is None


def test_token_for__token_from_the_environment__taken(monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    assert token_for("0.0.0.0", None, False) == TOKEN


def test_token_for__short_token_or_token_with_public__refused(monkeypatch):
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    with pytest.raises(AccessError, match="at least 16 characters"):
        token_for("0.0.0.0", "short", False)
    with pytest.raises(AccessError, match="not both"):
        token_for("0.0.0.0", TOKEN, True)


@pytest.fixture
def gated(supervisor):
    return TestClient(create_app(supervisor, token=TOKEN))


def test_gate__no_token__401_saying_how_to_open_the_page(gated):
    for path in ("/", "/api/status", "/api/platforms.csv", "/api/stream"):
        answer = gated.get(path)
        assert answer.status_code == 401 and "?token=" in answer.text, path
    assert gated.get("/?token=wrong-token-of-some-length").status_code == 401


def test_gate__bearer_header__answers(gated):
    answer = gated.get("/api/status", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200 and answer.json()["kind"] == "pool"


def test_gate__token_once_in_the_address__cookie_then_clean_address(gated):
    first = gated.get(f"/?token={TOKEN}", follow_redirects=False)
    assert first.status_code == 303 and "token" not in first.headers["location"]
    assert COOKIE in first.headers["set-cookie"] and "HttpOnly" in first.headers["set-cookie"]
    assert gated.get("/api/platforms").status_code == 200  # the cookie carries it from now on

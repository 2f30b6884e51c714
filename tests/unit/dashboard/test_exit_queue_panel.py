"""The page's exit queue (SPEC 11): the line per platform (requests and points waiting, the oldest
request's age, the estimated epochs to clear it) equal to the chain's views, its CSV, and each
account's requests in its lookup."""

import csv
import io

import pytest
from starlette.testclient import TestClient

from greenpoints.dashboard import Supervisor, create_app
from greenpoints.dashboard.supervisor import NotFound
from greenpoints.queue_status import line_status
from tests.monitoring import points_for_budgets

POINT = 10**18


@pytest.fixture
def exit_queue(line_system):
    return line_system.exit_queue


@pytest.fixture
def watching(line_system, store, chain):
    supervisor = Supervisor.for_system(line_system, chain.provider.web3, store)
    supervisor.start()
    return supervisor


def _chain_line(supervisor, system) -> dict:
    return line_status(system, now=supervisor.head_time)


def _same_as_chain(shown: dict, chain: dict) -> None:
    assert shown["waiting"] == chain["waiting"]
    assert shown["queued_points_raw"] == str(chain["queued_points"])
    assert shown["payout_raw"] == str(chain["payout"])
    assert shown["budget_per_epoch_raw"] == str(chain["budget_per_epoch"])
    assert (shown["oldest_age"], shown["oldest_requested_at"]) == (
        chain["oldest_age"],
        chain["oldest_requested_at"],
    )
    assert shown["epochs_to_clear"] == chain["epochs_to_clear"]
    assert [
        (r["id"], r["owner"], r["unfilled_raw"], r["points_ahead_raw"], r["age"], r["epochs_to_fill"])
        for r in shown["requests"]
    ] == [
        (
            r["id"],
            r["owner"].lower(),
            str(r["unfilled"]),
            str(r["points_ahead"]),
            r["age"],
            r["epochs_to_fill"],
        )
        for r in chain["requests"]
    ]


def test_exit_queue__nothing_waits__empty_line_equal_to_the_chain(watching, line_system):
    shown = watching.exit_queue(0)
    assert (shown["waiting"], shown["epochs_to_clear"], shown["oldest_age"], shown["requests"]) == (
        0,
        0,
        None,
        [],
    )
    _same_as_chain(shown, _chain_line(watching, line_system))


def test_exit_queue__requests_made__figures_equal_to_the_chain_views(
    watching, line_system, exit_queue, consumer, other_consumer, chain
):
    exit_queue.request_exit(POINT, sender=consumer)
    exit_queue.request_exit(points_for_budgets(line_system, 2.5), sender=other_consumer)
    chain.mine(timestamp=chain.pending_timestamp + 5_000)  # the oldest has waited a while
    watching.poll()
    shown = watching.exit_queue(0)
    assert shown["waiting"] == 2 and shown["epochs_to_clear"] == 3 and shown["oldest_age"] >= 5_000
    assert shown["requests"][1]["points_ahead_raw"] == str(POINT)
    _same_as_chain(shown, _chain_line(watching, line_system))
    assert watching.platform(0)["exit_queue"] == shown


def test_exit_queue__processed_and_claimed__line_clears_as_on_chain(
    watching, line_system, exit_queue, consumer, chain
):
    exit_queue.request_exit(POINT, sender=consumer)
    watching.poll()
    assert watching.exit_queue(0)["waiting"] == 1
    exit_queue.process_exits(256, sender=consumer)
    exit_queue.claim_exit(0, sender=consumer)
    watching.poll()
    shown = watching.exit_queue(0)
    assert (shown["waiting"], shown["queued_points_raw"], shown["requests"]) == (0, "0", [])
    _same_as_chain(shown, _chain_line(watching, line_system))


def test_exit_queue__unknown_platform__not_found(watching):
    with pytest.raises(NotFound, match="no platform 3"):
        watching.exit_queue(3)


def test_exit_queue_endpoints__json_and_csv__the_supervisors_line(
    watching, line_system, exit_queue, consumer, other_consumer
):
    exit_queue.request_exit(POINT, sender=consumer)
    exit_queue.request_exit(2 * POINT, sender=other_consumer)
    watching.poll()
    client = TestClient(create_app(watching))
    answer = client.get("/api/platforms/0/exit-queue")
    assert answer.status_code == 200 and answer.json()["waiting"] == 2
    assert answer.json()["requests"][1]["owner"] == str(other_consumer.address).lower()
    exported = client.get("/api/platforms/0/exit-queue.csv")
    assert exported.status_code == 200 and "exit-queue-block-" in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(r["id"], r["owner"], r["unfilled"], r["unfilled_raw"], r["points_ahead"]) for r in rows] == [
        ("0", str(consumer.address).lower(), "1.00", str(POINT), "0.00"),
        ("1", str(other_consumer.address).lower(), "2.00", str(2 * POINT), "1.00"),
    ]
    assert client.get("/api/platforms/4/exit-queue").status_code == 404
    assert client.get("/api/platforms/4/exit-queue.csv").status_code == 404


def test_account__requests__each_with_its_state_place_and_estimate(
    watching, line_system, exit_queue, consumer, other_consumer
):
    exit_queue.request_exit(POINT, sender=consumer)  # filled, then claimed
    # filled in part, waits
    exit_queue.request_exit(points_for_budgets(line_system, 3), sender=other_consumer)
    exit_queue.request_exit(POINT, sender=consumer)  # waits behind it
    exit_queue.request_exit(POINT, sender=consumer)  # cancelled
    exit_queue.cancel_exit(3, sender=consumer)
    exit_queue.process_exits(256, sender=other_consumer)
    exit_queue.claim_exit(0, sender=consumer)
    watching.poll()
    [mine] = watching.account(str(consumer.address))
    states = [(r["id"], r["state"], r["points_raw"], r["filled_raw"]) for r in mine["exit_requests"]]
    assert states == [(0, "claimed", str(POINT), str(POINT)), (2, "waiting", str(POINT), "0"),
                      (3, "cancelled", "0", "0")]  # fmt: skip
    waiting = mine["exit_requests"][1]
    chain_row = next(r for r in _chain_line(watching, line_system)["requests"] if r["id"] == 2)
    assert waiting["points_ahead_raw"] == str(chain_row["points_ahead"])
    assert waiting["epochs_to_fill"] == chain_row["epochs_to_fill"] and waiting["epochs_to_fill"] >= 2
    assert mine["exit_requests"][0]["claimed_raw"] == str(exit_queue.exit_request(0)[4])
    [theirs] = watching.account(str(other_consumer.address))
    assert [r["state"] for r in theirs["exit_requests"]] == ["waiting, filled in part"]


def test_account__no_request__empty_list(watching, consumer, buy, merchant):
    buy(merchant, consumer, 10)
    watching.poll()
    [mine] = watching.account(str(consumer.address))
    assert mine["exit_requests"] == []

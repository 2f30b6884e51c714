"""The dashboard's supervisor on the embedded chain: folds, stores, resumes, answers."""

import re

import pytest

import greenpoints.audit.monitor as monitor_module
from greenpoints.dashboard import Supervisor
from greenpoints.dashboard.supervisor import NotFound
from tests.conftest import order


def test_start__fresh_store__folds_from_node_and_stores_every_event(supervisor, store):
    figures = supervisor.platforms()
    assert len(figures) == 1
    first = figures[0]
    assert first["status"] == "running" and first["consumers"] >= 2
    assert first["total_assets"] != "0.00" and first["value_per_point"] is not None
    assert len(store.events(supervisor.target, 0)) == first["events"]
    assert store.cursor(supervisor.target)["cursor"] == supervisor.monitor.cursor


def test_start__store_of_this_chain__resumes_without_refetching(supervisor, store, chain, monkeypatch):
    before = supervisor.platforms()
    fetched = []
    real = monitor_module.fetch
    monkeypatch.setattr(monitor_module, "fetch", lambda *a, **k: fetched.append(a[2:4]) or real(*a, **k))
    again = Supervisor.for_system(supervisor.monitor.system, chain.provider.web3, store)
    said = again.start()
    assert "none refetched" in said and fetched == []
    assert again.platforms() == before


def test_start__store_cursor_not_on_this_chain__forgets_and_folds_again(supervisor, store, chain):
    cursor = store.cursor(supervisor.target)
    store.save_page(supervisor.target, cursor["chain_id"], cursor["cursor"], "0x" + "00" * 32, [])
    said = []
    again = Supervisor.for_system(supervisor.monitor.system, chain.provider.web3, store, status=said.append)
    assert "from the node" in again.start()
    assert "the chain changed under the store" in said[0]
    assert again.platforms() == supervisor.platforms()


def test_poll__new_purchase__figures_version_and_stored_series_move(
    supervisor, buy, merchant, stranger, store, chain
):
    before = supervisor.platforms()[0]
    version = supervisor.version
    buy(merchant, stranger, 50, order("after-start"))
    supervisor.poll()
    after = supervisor.platforms()[0]
    assert supervisor.version > version
    assert after["consumers"] == before["consumers"] + 1
    assert after["events"] > before["events"]
    history = supervisor.history(0)["points"]
    assert history[-1]["block"] == supervisor.monitor.cursor
    assert history[-1]["time"] == chain.blocks.head.timestamp


def test_poll__pause__alert_stored_with_an_id(supervisor, registry, guardian):
    registry.pause(sender=guardian)
    supervisor.poll()
    alerts = supervisor.alerts()
    assert [a["kind"] for a in alerts] == ["paused"]
    assert supervisor.platforms()[0]["status"] == "paused"
    assert supervisor.alerts(after=alerts[0]["id"]) == []


def test_platform__details__rules_members_cap_use_and_carbon(supervisor, merchant):
    detail = supervisor.platform(0)
    assert detail["rules"]["issue_bps"] == 7_000
    merchants = {m["merchant"]: m for m in detail["merchants"]}
    row = merchants[str(merchant.address).lower()]
    assert row["cap_used"] == "30.00 mUSD"  # 30% of the 100 units bought today
    assert row["daily_cap"] == "1,000,000.00 mUSD" and row["cap_used_percent"] == 0.0
    classes = {c["class_id"]: c for c in detail["carbon"]["by_class"]}
    assert classes[1]["co2e_g"] > 0 and classes[101]["co2e_g"] == 0  # every catalog class listed


def test_platform__unknown_id__not_found(supervisor):
    with pytest.raises(NotFound, match="no platform 3"):
        supervisor.platform(3)


def test_order__known_id__fates_of_its_points(supervisor, merchant, consumer):
    [found] = supervisor.order(order("first"))
    assert found["merchant"] == str(merchant.address).lower()
    assert found["consumer"] == str(consumer.address).lower()
    assert {f["fate"] for f in found["fates"]} >= {"spent", "donated", "held"}


def test_order__unknown_id__not_found(supervisor):
    with pytest.raises(NotFound, match="no purchase with order id"):
        supervisor.order(b"\x09" * 32)


def test_account__consumer__its_purchases_and_outflows(supervisor, consumer):
    [history] = supervisor.account(str(consumer.address))
    assert len(history["purchases"]) == 1
    assert {o["kind"] for o in history["outflows"]} == {"spent", "donated"}


def test_account__stranger__not_found(supervisor, stranger):
    with pytest.raises(NotFound, match="has no history here"):
        supervisor.account(str(stranger.address))


def test_start__store_cursor_past_the_head__forgets_and_folds_again(supervisor, store, chain):
    cursor = store.cursor(supervisor.target)
    store.save_page(supervisor.target, cursor["chain_id"], cursor["cursor"] + 1_000, "0x" + "00" * 32, [])
    said = []
    again = Supervisor.for_system(supervisor.monitor.system, chain.provider.web3, store, status=said.append)
    assert "from the node" in again.start()
    assert "is gone" in said[0]
    assert again.platforms() == supervisor.platforms()


def test_poll__token_issuer_pauses_and_blacklists__platform_token_column_and_alerts(
    deployer, registrar, guardian, certifier, merchant, consumer, store, chain
):
    """The page shows what the monitor sees of the token's issuer (Tether's event names)."""
    from ape import project

    from greenpoints.catalog import SAMPLE_CATALOG
    from greenpoints.deploy import deploy_system
    from tests.conftest import GREEN, LICENSE

    token = project.IssuerToken.deploy(6, sender=deployer)
    system = deploy_system(deployer, asset=token, registrar=registrar, guardian=guardian,
                           certifier=certifier, catalog=SAMPLE_CATALOG)  # fmt: skip
    system.registry.admit(merchant, 3_000, 10**12, LICENSE, 1, sender=registrar)
    token.mint(merchant, 10**12, sender=merchant)
    token.approve(system.pool, 2**256 - 1, sender=merchant)
    system.pool.record_purchase(consumer, 10**9, order("t"), GREEN, sender=merchant)
    supervisor = Supervisor.for_system(system, chain.provider.web3, store)
    supervisor.start()
    assert supervisor.platforms()[0]["token"] == "ok"
    token.pause(sender=deployer)
    token.addBlackList(system.pool, sender=deployer)
    supervisor.poll()
    assert [a["kind"] for a in supervisor.alerts()] == ["token_paused", "pool_blacklisted"]
    assert supervisor.platforms()[0]["token"] == "paused by its issuer, pool blacklisted"
    token.unpause(sender=deployer)
    supervisor.poll()
    assert supervisor.platforms()[0]["token"] == "pool blacklisted"


def test_poll__same_chain_grown__no_notice_and_the_same_fold_goes_on(supervisor, buy, merchant, stranger):
    monitor = supervisor.monitor
    buy(merchant, stranger, 5, order("grown"))
    supervisor.poll()
    assert supervisor.monitor is monitor and supervisor.status()["notice"] is None


def test_poll__last_folded_block_rewound_away__notice_and_folded_again(
    supervisor, buy, merchant, stranger, store, chain
):
    before = supervisor.platforms()
    snapshot = chain.snapshot()
    buy(merchant, stranger, 50, order("rewound"))
    supervisor.poll()
    assert supervisor.platforms()[0]["consumers"] == before[0]["consumers"] + 1
    gone = supervisor.monitor.cursor
    chain.restore(snapshot)
    supervisor.poll()
    notice = supervisor.status()["notice"]
    assert f"block {gone}, the last one folded, is gone: the node's chain ends at block {gone - 1}" in notice
    assert "\n" not in notice and notice.endswith("folded again from the node.")
    assert supervisor.platforms() == before
    assert store.cursor(supervisor.target)["cursor"] == supervisor.monitor.cursor == gone - 1
    assert len(store.events(supervisor.target, 0)) == before[0]["events"]


def test_poll__last_folded_block_replaced_at_the_same_height__notice_and_the_new_block_folded(
    supervisor, buy, merchant, stranger, other_consumer, chain
):
    snapshot = chain.snapshot()
    buy(merchant, stranger, 50, order("first-fork"))
    supervisor.poll()
    height = supervisor.monitor.cursor
    chain.restore(snapshot)
    buy(merchant, other_consumer, 7, order("second-fork"))
    assert chain.blocks.head.number == height
    supervisor.poll()
    assert (
        f"block {height}, the last one folded, is another block on the node now"
        in supervisor.status()["notice"]
    )
    assert supervisor.order(order("second-fork")) and supervisor.monitor.cursor == height
    with pytest.raises(NotFound):
        supervisor.order(order("first-fork"))


def test_follow__fault_of_the_page__one_line_and_the_follower_goes_on(supervisor, monkeypatch):
    calls = []

    def poll():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("no such platform\nsecond line")
        supervisor._stop.set()

    said = []
    monkeypatch.setattr(supervisor, "poll", poll)
    supervisor.say, supervisor.max_backoff = said.append, 0
    supervisor.follow()
    assert said == [
        "the dashboard could not fold the chain (RuntimeError: no such platform); retrying",
        "node back; following",
    ]


def test_follow__node_not_answering__one_plain_line_naming_the_node(supervisor, monkeypatch):
    import requests

    calls = []

    def poll():
        calls.append(1)
        if len(calls) == 1:
            raise requests.exceptions.ConnectionError(
                "HTTPConnectionPool(host='127.0.0.1', port=8545): Max retries exceeded"
            )
        supervisor._stop.set()

    said = []
    monkeypatch.setattr(supervisor, "poll", poll)
    monkeypatch.setattr(supervisor.web3.provider, "endpoint_uri", "http://127.0.0.1:8545", raising=False)
    supervisor.say, supervisor.poll_interval = said.append, 0
    supervisor.follow()
    assert re.fullmatch(
        r"node at http://127\.0\.0\.1:8545 not answering since \d\d:\d\d:\d\d UTC; retrying", said[0]
    )
    assert said[1] == "node back; following"


def test_platforms__merchant_and_charity_hold_points__consumers_counts_consumers_only(
    supervisor, merchant, other_merchant, charity
):
    """The fixture's consumer spent points at a merchant and donated some to a charity: both hold
    points now, and neither is a consumer."""
    ledger = supervisor.monitor.ledger
    holders = {a for a, b in ledger.balances.items() if b}
    assert {str(other_merchant.address).lower(), str(charity.address).lower()} <= holders
    assert supervisor.platforms()[0]["consumers"] == len(holders) - 2 == 2


def test_platforms__amounts__exact_text_with_the_symbol_and_the_integer_beside(supervisor, decimals):
    [figures] = supervisor.platforms()
    ledger = supervisor.monitor.ledger
    assert figures["asset_symbol"] == "mUSD" and figures["points_symbol"] == "GCP"
    assert figures["total_assets_raw"] == str(ledger.total_assets)
    assert figures["total_points_raw"] == str(ledger.total_supply)
    whole, _, frac = figures["total_points"].removesuffix(" GCP").replace(",", "").partition(".")
    assert int(whole) * 10**18 + int(frac.ljust(18, "0")) == ledger.total_supply  # every digit kept
    assert figures["total_assets"].endswith(" mUSD")
    assert figures["value_per_point"].endswith(" mUSD per point")
    assert re.fullmatch(r"\d{1,3}(,\d{3})*\.\d{3}", figures["carbon_kg"])


def test_platform__rules__human_units_with_the_raw_value_and_meaning(supervisor):
    shown = {r["name"]: r for r in supervisor.platform(0)["rules_shown"]}
    assert shown["issue_bps"]["value"] == "70.00% (7000 bps)" and shown["issue_bps"]["raw"] == "7000"
    assert shown["lock_period"]["value"] == "7 days (604800 s)"
    assert shown["epoch_length"]["value"] == "1 day (86400 s)"
    assert "issued to the consumer as points" in shown["issue_bps"]["meaning"]
    assert all(r["meaning"] for r in shown.values())


def test_order__purchase__sale_amount_class_and_kilograms(supervisor, unit):
    [found] = supervisor.order(order("first"))
    assert found["kind"] == "purchase" and found["order_id"] == "0x" + order("first").hex()
    assert found["amount"] == "100.00 mUSD" and found["amount_raw"] == str(100 * unit)
    assert found["class_id"] == 1 and found["class_label"]
    assert found["co2e_kg"] == f"{int(found['co2e_g']) // 1000:,}.{int(found['co2e_g']) % 1000:03d}"
    assert all(f["points"].endswith(" GCP") and f["points_raw"].isdigit() for f in found["fates"])


def test_account__consumer_with_a_sponsored_action__purchases_and_actions_apart(
    supervisor, admit_sponsor, sponsor, consumer, pool
):
    from tests.conftest import ACTION_CLASS

    admit_sponsor(sponsor)
    pool.record_action(consumer, ACTION_CLASS, 12, order("action-1"), sender=sponsor)
    supervisor.poll()
    [history] = supervisor.account(str(consumer.address))
    assert [p["order_id"] for p in history["purchases"]] == ["0x" + order("first").hex()]
    assert [a["order_id"] for a in history["actions"]] == ["0x" + order("action-1").hex()]
    assert history["actions"][0]["sponsor"] == str(sponsor.address).lower()
    assert history["actions"][0]["quantity"] == "12" and "amount" not in history["actions"][0]
    assert history["balance_raw"] == str(supervisor.monitor.ledger.balances[str(consumer.address).lower()])


def test_account__merchant_settles_lots_of_two_orders_in_two_blocks__outflows_sorted_by_block(
    supervisor, other_merchant, consumer, other_consumer, pool
):
    """The merchant holds lots of order "first" (the fixture's spend), "second", then "first"
    again; settling the first two lots, then the last, gives outflows of "first" in two blocks with
    one of "second" between them: listed by order they would not be by block."""
    pool.spend(other_merchant, 10**17, order("spend-2"), sender=other_consumer)
    pool.spend(other_merchant, 10**17, order("spend-3"), sender=consumer)
    pool.settle(10**18 + 10**17, sender=other_merchant)
    pool.settle(pool.balanceOf(other_merchant), sender=other_merchant)
    supervisor.poll()
    [history] = supervisor.account(str(other_merchant.address))
    settled = [o for o in history["outflows"] if o["kind"] == "settled"]
    assert len(settled) == 3 and len({o["block"] for o in settled}) == 2
    assert [o["block"] for o in history["outflows"]] == sorted(o["block"] for o in history["outflows"])

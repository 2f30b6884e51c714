"""The audit rebuilds everything from events, passes on an honest history, names each broken rule."""

import html
import json

from greenpoints import governance
from greenpoints.audit import CHECKS, audit
from greenpoints.audit.tables import Table
from tests.conftest import ACTION_CLASS, GREEN, GREEN_FACTOR, order
from tests.mocks.broken_pools import VARIANTS

from .conftest import NEW_CLASS_OF_HISTORY, POINT, failed_checks


def test_audit__honest_history__every_check_passes(history, consumer):
    report = audit(history, start_block=history.deployment_block)
    assert report.failures == []
    assert report.ok
    checks = report.checks()
    for name in CHECKS:
        assert checks[name]["checked"] > 0, name
        assert checks[name]["failed"] == 0, name
    assert checks["rebuilt state = chain"]["checked"] >= 4 * 5
    assert checks["bytecode = compiled"] == {**checks["bytecode = compiled"], "checked": 4, "failed": 0}
    assert report.ledger.balances[str(consumer.address).lower()] == history.pool.balanceOf(consumer)
    assert {"rule": "settlement_fee_bps", "old": 100, "new": 200} in [
        {k: r[k] for k in ("rule", "old", "new")} for r in report.ledger.rule_history
    ]
    calls = [g["call"] for g in report.governance]
    assert "set_rule('settlement_fee_bps', 200)" in calls and "unpause()" in calls
    assert all(g["state"].startswith("executed") for g in report.governance)
    assert report.stats["events"] > 20 and report.stats["log_requests"] >= 1
    # the carbon ledger: rides (150 g/km) and purchases at the revised factor (280 g per unit), less
    # the reversed purchase (made at 280 g too)
    pool = history.pool
    assert report.ledger.total_carbon == pool.total_carbon() == 25 * 150 + 1_500 * 280 + 100_000 * 280
    carbon = report.carbon()
    assert {c["class_id"]: c["co2e_g"] for c in carbon["by_class"]} == {
        ACTION_CLASS: 25 * 150,
        GREEN: 101_500 * 280,
    }
    assert [s["co2e_g"] for s in carbon["by_sponsor"]] == [25 * 150]
    assert sum(m["co2e_g"] for m in carbon["by_month"]) == pool.total_carbon()
    assert [h["withdrawn"] for h in carbon["catalog_history"] if h["class_id"] == NEW_CLASS_OF_HISTORY][
        -2:
    ] == [
        True,
        False,
    ]


def test_audit__pending_rule_change__listed_with_ready_time(live):
    op = governance.propose_rule(live, "issue_bps", 6_500)
    report = audit(live, start_block=live.deployment_block)
    assert report.ok
    pending = [g for g in report.governance if g["state"].startswith("pending")]
    assert pending == [{**pending[0], "call": "set_rule('issue_bps', 6500)", "ready_at": op.ready_at}]


def test_trace__purchase__fates_attributed_oldest_lot_first(
    live, buy, pool, merchant, other_merchant, charity, consumer
):
    buy(merchant, consumer, 1_000, order("t-1"))
    first = pool.balanceOf(consumer)
    buy(merchant, consumer, 1_000, order("t-2"))
    second = pool.balanceOf(consumer) - first
    pool.spend(other_merchant, first // 4, order("till-9"), sender=consumer)
    pool.donate(charity, first, sender=consumer)  # the rest of lot t-1, then part of t-2
    pool.settle(first // 8, sender=other_merchant)
    report = audit(live, start_block=live.deployment_block)
    assert report.ok
    me, till = str(consumer.address).lower(), str(other_merchant.address).lower()
    fates = report.trace(merchant, order("t-1"))
    by_kind = {f["fate"]: f for f in fates}
    assert {(f["class_id"], f["co2e"]) for f in fates} == {(GREEN, 1_000 * GREEN_FACTOR)}
    assert by_kind["spent"]["points"] == first // 4
    assert by_kind["spent"]["counterparty"] == till and by_kind["spent"]["order_id"] == order("till-9").hex()
    assert by_kind["donated"]["points"] == first - first // 4
    assert by_kind["settled"] == {**by_kind["settled"], "points": first // 8, "holder": till}
    held = {f["holder"]: f["points"] for f in fates if f["fate"] == "held"}
    gift = str(charity.address).lower()
    assert held == {till: first // 4 - first // 8, gift: first - first // 4}
    later = [(f["fate"], f["holder"], f["points"]) for f in report.trace(merchant, order("t-2"))]
    assert sorted(later) == sorted(
        [("donated", me, first // 4), ("held", me, second - first // 4), ("held", gift, first // 4)]
    )
    assert report.trace(merchant, order("never")) == []
    side = report.trace_account(consumer)
    assert side["account"] == me and len(side["purchases"]) == 2
    assert sum(o["points"] for o in side["outflows"]) == first + first // 4
    assert sum(h["points"] for h in side["holds"]) == pool.balanceOf(consumer)


def test_write__report__json_markdown_and_self_contained_html(history, tmp_path):
    report = audit(history, start_block=history.deployment_block)
    paths = report.write(tmp_path)
    assert [p.name for p in paths] == ["audit.json", "audit.md", "audit.html"]
    data = json.loads((tmp_path / "audit.json").read_text())
    assert data["ok"] is True and data["checks"]["5 exits"]["checked"] > 0
    assert data["merchants"] and data["rule_history"]
    assert data["carbon"]["total_g"] > 0 and data["carbon"]["by_class"] and data["sponsors"]
    markdown = (tmp_path / "audit.md").read_text()
    assert "# greenpoints audit: PASSED" in markdown and "## Carbon (grams of CO2e avoided)" in markdown
    page = (tmp_path / "audit.html").read_text()
    assert "Total " in page and "grams of CO2e avoided" in page and "Sponsors of green actions" in page
    assert "data:image/png;base64," in page and "<table>" in page
    assert "http://" not in page and "https://" not in page  # nothing loaded from elsewhere
    tables = [block for block in report.page(chart=False).blocks if isinstance(block, Table)]
    assert len(tables) == 11  # checks, pool, merchants, sponsors, carbon x3, rules, governor, bytecode, run
    for table in tables:  # one table, built once, the same cells in both files
        for cell in (cell for row in table.cells() for cell in row):
            assert cell in markdown and html.escape(cell) in page


# ---------------------------------------------------------------- broken pools


def test_audit__pool_mints_without_contribution__supply_check_fails(
    broken, merchant, consumer, attacker, unit
):
    system = broken("mints_without_contribution")
    system.pool.record_purchase(consumer, 100 * unit, order(1), GREEN, sender=merchant)
    system.pool.airdrop(attacker, 50 * POINT, sender=attacker)
    report = audit(system, start_block=system.deployment_block)
    assert not report.ok
    assert {"3 supply", "rebuilt state = chain", "bytecode = compiled"} <= failed_checks(report)
    assert any("do not match purchases" in f for f in report.failures)


def test_audit__pool_issues_too_much__value_per_point_check_fails(
    broken, merchant, consumer, other_consumer, unit
):
    system = broken("value_per_point_falls")
    system.pool.record_purchase(consumer, 100 * unit, order(1), GREEN, sender=merchant)
    system.pool.record_purchase(other_consumer, 100 * unit, order(2), GREEN, sender=merchant)
    report = audit(system, start_block=system.deployment_block)
    assert {"2 value per point", "4 purchases"} <= failed_checks(report)
    assert any("value per point fell" in f for f in report.failures)


def test_audit__pool_pays_over_the_cap__exit_check_fails(
    broken, merchant, consumer, other_consumer, unit, chain
):
    rules = {
        "return_cap_bps": 10_000,
        "exit_trigger_bps": 10_000,
        "lock_period": 3_600,
        "epoch_exit_limit_bps": 5_000,
    }
    system = broken("exit_over_cap", rules=rules)
    pool = system.pool
    pool.record_purchase(consumer, 100 * unit, order(1), GREEN, sender=merchant)
    pool.record_purchase(other_consumer, 10_000 * unit, order(2), GREEN, sender=merchant)
    chain.pending_timestamp = chain.pending_timestamp + 2 * 86_400
    pool.exit(pool.balanceOf(consumer), sender=consumer)  # pays far more than the 1x cap
    report = audit(system, start_block=system.deployment_block)
    assert "5 exits" in failed_checks(report)
    # named by the contract's own reason, replayed through the model
    assert any("PointsExited broke a rule: exit_rule: return cap reached" in f for f in report.failures)


def test_audit__pool_lets_escrow_be_taken__solvency_check_fails(broken, merchant, consumer, attacker, unit):
    system = broken("diverts_escrow")
    system.pool.record_purchase(consumer, 1_000 * unit, order(1), GREEN, sender=merchant)
    system.pool.withdraw(attacker, 100 * unit, sender=attacker)
    system.pool.record_purchase(consumer, 1_000 * unit, order(2), GREEN, sender=merchant)
    report = audit(system, start_block=system.deployment_block)
    assert "1 solvency" in failed_checks(report)
    assert any("pool holds" in f and "< total_assets" in f for f in report.failures)


def test_audit__rule_changed_without_timelock__rules_check_fails(broken, attacker):
    system = broken("skips_timelock")
    system.registry.set_rule("issue_bps", 9_000, sender=attacker)
    report = audit(system, start_block=system.deployment_block)
    assert "6 rules" in failed_checks(report)
    assert any("set_rule issue_bps=9000: not through the governor's delay" in f for f in report.failures)


def test_audit__pool_ignores_a_withdrawn_class__classes_check_fails(
    broken, merchant, consumer, certifier, unit
):
    system = broken("ignores_the_catalog")
    system.registry.withdraw_class(GREEN, "standard revoked", sender=certifier)
    system.pool.record_purchase(consumer, 100 * unit, order(1), GREEN, sender=merchant)
    report = audit(system, start_block=system.deployment_block)
    assert "10 classes" in failed_checks(report)
    assert any("PurchaseRecorded broke a rule: catalog: class not certified" in f for f in report.failures)


def test_audit__pool_inflates_carbon__carbon_check_fails(broken, merchant, consumer, unit):
    system = broken("inflates_carbon")
    system.pool.record_purchase(consumer, 100 * unit, order(1), GREEN, sender=merchant)
    report = audit(system, start_block=system.deployment_block)
    assert "9 carbon" in failed_checks(report)
    assert any("PurchaseRecorded: co2e 60000, the rules give 30000" in f for f in report.failures)


def test_audit__pool_commits_other_records__order_words_differ_from_the_events(
    broken, merchant, consumer, other_consumer, unit
):
    system = broken("commits_other_records")
    system.pool.record_purchase(consumer, 100 * unit, order(1), GREEN, sender=merchant)
    system.pool.record_purchases([other_consumer], [50 * unit], [order(2)], [GREEN], sender=merchant)
    report = audit(system, start_block=system.deployment_block)
    assert {"rebuilt state = chain", "bytecode = compiled"} <= failed_checks(report)
    differing = [
        f for f in report.failures if f"order {order(1).hex()}" in f or f"order {order(2).hex()}" in f
    ]
    assert len(differing) == 2, report.failures


def test_broken_pools__every_variant__has_a_test():
    assert set(VARIANTS) == {
        "mints_without_contribution",
        "value_per_point_falls",
        "exit_over_cap",
        "diverts_escrow",
        "ignores_the_catalog",
        "inflates_carbon",
        "skips_timelock",
        "commits_other_records",
    }

"""The simulation on the real contracts (embedded chain): the chain ends exactly where the model does,
and any disagreement stops the run."""

import dataclasses

import pytest

from greenpoints.model import Model
from greenpoints.sim import Divergence, Runner, load_scenario, run_simulation
from greenpoints.sim.backends import ChainBackend, RpcTransport, make_backend
from greenpoints.sim.scenario import Adversaries

NOISY = Adversaries(
    replayed_orders_per_day=1, outsider_issues_per_day=1, trades_per_day=1, over_cap_exits_per_day=1
)


def small(days=3, consumers=20, **changes):
    scenario = load_scenario("baseline").with_overrides(days=days, consumers=consumers, merchants=4)
    return dataclasses.replace(scenario, adversaries=NOISY, **changes)


def test_run_simulation__fast_backend__chain_ends_in_the_model_state():
    result = run_simulation(
        small(consumers=40, return_rate=0.2, settle_propensity=0.8), seed=3, backend="fast"
    )
    check = result.cross_check
    assert check["equal"], check["differences"]
    assert check["figures"] >= 5 * len(result.runner.agents.holders())
    assert check["days"] == 3
    summary = result.summary()
    assert summary["totals"]["purchases"] > 10
    assert summary["totals"]["attempts"] > 0 and summary["attempts_not_refused"] == []
    assert result.runner.backend.transactions > 10
    assert result.ok


QUEUE_RULES = {"exit_trigger_bps": 10_000, "lock_period": 2 * 86_400, "epoch_exit_limit_bps": 500}
"""Exits from day 2 on, a budget of 5% of the pool a day: the line forms on day 2 and is processed,
claimed and (beyond a return cap) given back within six days."""


def test_run_simulation__exit_queue_active__chain_ends_in_the_model_state():
    scenario = small(days=6, consumers=30, exit_request_share=1.0, exit_propensity=0.6, rules=QUEUE_RULES)
    result = run_simulation(scenario, seed=1, backend="fast")
    check = result.cross_check
    assert check["equal"], check["differences"]
    totals, last = result.summary()["totals"], result.rows[-1]
    # the model's run (same seed) did: 12 requests, 7 fills, 5 claims, a rest given back, 7 waiting
    assert (totals["queue_requests"], totals["queue_fills"], totals["queue_claims"]) == (12, 7, 5)
    assert totals["queue_given_back_points"] > 0
    assert last["queue_waiting_requests"] == 7 and last["queue_oldest_wait_days"] == 1
    chain = result.final_state  # read from the chain: the queue's views and every request
    assert chain["pool"]["queue_length"] == 7 and chain["pool"]["next_request_id"] == 12
    assert chain["pool"]["queued_points"] == last["queue_waiting_points"] > 0
    assert len(chain["exit_requests"]) == 12
    assert sum(r["claimed"] for r in chain["exit_requests"].values()) == totals["queue_claimed"] > 0
    assert all(r["owner"].startswith("consumer:") for r in chain["exit_requests"].values())
    assert check["figures"] >= 5 * 12 + 5 * len(result.runner.agents.holders())
    # the audit replays the run's requests, the keeper's fills and give-back, and the claims
    from greenpoints.audit import audit

    system = result.runner.backend.system
    report = audit(system, start_block=system.deployment_block)
    assert report.ok, report.failures
    checks = report.checks()
    assert checks["11 exit queue"]["checked"] > 0 and checks["11 exit queue"]["failed"] == 0
    assert checks["12 line"]["checked"] > 0 and checks["12 line"]["failed"] == 0


def test_run_simulation__reversals_on_chain__each_record_read_from_its_purchase_block_alone(monkeypatch):
    # A record searched from the deployment block costs a scan of the whole chain per reversal on
    # eth-tester (quadratic: `make demo`'s 60 days took over 30 minutes); the backend knows the block.
    from greenpoints.client import Client

    asked, honest = [], Client.purchase_record

    def spy(self, merchant, order_id, *, block=None):
        record = honest(self, merchant, order_id, block=block)
        asked.append((block, self.system.pool.PurchaseRecorded.range(block, block + 1) if block else None))
        return record

    monkeypatch.setattr(Client, "purchase_record", spy)
    result = run_simulation(small(days=3, consumers=30, return_rate=0.3), seed=5, backend="fast")
    assert result.cross_check["equal"], result.cross_check["differences"]
    reversals = result.summary()["totals"]["reversals"]
    assert reversals > 0 and len(asked) >= reversals
    assert all(block is not None and list(logs) for block, logs in asked), asked


def test_run_simulation__green_city_fast_backend__chain_ends_in_the_model_state():
    """Certifications, sponsors and green actions through the real contracts, carbon included."""
    scenario = load_scenario("green-city").with_overrides(days=2, consumers=15, merchants=4)
    result = run_simulation(scenario, seed=2, backend="fast")
    assert result.cross_check["equal"], result.cross_check["differences"]
    totals = result.summary()["totals"]
    assert totals["green_actions"] > 0 and totals["co2e_g"] > 0
    assert result.final_state["pool"]["total_carbon"] == result.rows[-1]["total_carbon_g"]


def test_run_simulation__ape_transactions__chain_ends_in_the_model_state():
    result = run_simulation(small(days=2, consumers=10), seed=4, backend="chain")
    assert result.cross_check["equal"], result.cross_check["differences"]
    assert result.network.startswith("ethereum:local:")


def test_run_simulation__model_rounds_differently__run_stops_on_the_first_day(monkeypatch):
    honest = Model.to_points

    def generous(self, assets):  # one point-wei more than the contract issues
        return honest(self, assets) + 1

    monkeypatch.setattr(Model, "to_points", generous)
    with pytest.raises(Divergence, match="day 0: chain .* model"):
        run_simulation(small(days=2), seed=1, backend="fast", cross_check=False)


def test_execute__disagreements__each_raises_divergence():
    runner = Runner(small(days=1, consumers=5), 1, make_backend("fast"))
    runner.run()
    backend = runner.backend
    with pytest.raises(Divergence, match="the model accepted it, the chain refused"):
        backend.execute("exit", "consumer:0", (10**30,), None)
    with pytest.raises(Divergence, match="refused with 'pool: made up', the chain with 'exit_rule: "):
        backend.execute("exit", "consumer:0", (10**30,), "pool: made up")
    terms = ("merchant:new", 300, 10**9, b"\x11" * 32, 0)
    with pytest.raises(Divergence, match="the model refused \\(pool: made up\\), the chain accepted it"):
        backend.execute("admit", "registrar", terms, "pool: made up")


def test_chain_backend__outside_a_local_network__refused(monkeypatch):
    import greenpoints.sim.backends as backends

    monkeypatch.setattr(backends, "is_local_network", lambda: False)
    with pytest.raises(ValueError, match="the chain backends need a local network"):
        ChainBackend(RpcTransport())
    with pytest.raises(ValueError, match="unknown backend 'pigeon'"):
        make_backend("pigeon")

"""The scripts as a user runs them on the embedded chain, each in a separate process (on anvil:
tests/integration/)."""

import json

import pytest

from greenpoints.demo import play_worked_example
from tests.cli import ROOT, run


def test_deploy_script__embedded_chain__writes_record(tmp_path):
    out = tmp_path / "local.json"
    result = run("deploy", "--out", str(out), "--rule", "issue_bps=6500")
    assert result.returncode == 0, result.stderr
    assert "greenpoints deployed" in result.stdout
    record = json.loads(out.read_text())
    assert record["rules"]["issue_bps"] == 6_500
    assert record["roles"]["registrar"] != record["roles"]["guardian"]
    assert record["timelock_delay"] == 2 * 86_400
    assert len({record["roles"][r] for r in ("registrar", "guardian", "certifier")}) == 3
    assert "the sample catalog certified: 1 energy-efficient appliances" in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--account", "nobody"], "no account named 'nobody'"),
        (["--registrar", "0x1234"], "'0x1234' is not an address"),
        (["--certifier", "0x1234"], "'0x1234' is not an address"),
        (
            ["--certifier", "0x90F79bf6EB2c4f870365E785982E1f101E93b906", "--sample-catalog"],
            "a catalog is certified at deployment only by a certifier account we can sign with",
        ),
        (["--rule", "issue_bps=99999"], "outside its hard bounds"),
        (["--asset", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"], "no contract at"),
        (["--network", "ethereum:nowhere"], "No network in 'ethereum' named 'nowhere'"),
    ],
)
def test_deploy_script__bad_input__one_line_error_nonzero_exit(args, message):
    result = run("deploy", *args)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert message in output
    assert "Traceback" not in output


def test_demo_script__embedded_chain__prints_worked_example():
    result = run("demo", "--asset-decimals", "6")
    assert result.returncode == 0, result.stderr
    assert "A holds 210.00 points" in result.stdout
    assert "B holds 147.00 points" in result.stdout


def test_play_worked_example__in_process__chain_figures(
    system, merchant, other_merchant, charity, consumer, other_consumer, unit
):
    steps = play_worked_example(
        system,
        merchant=merchant,
        cafe=other_merchant,
        charity=charity,
        consumer_a=consumer,
        consumer_b=other_consumer,
    )
    assert [(s.total_assets, s.total_supply) for s in steps[1:3]] == [
        (300 * unit, 210 * 10**18),
        (600 * unit, 357 * 10**18),
    ]
    settled = steps[-1]
    assert settled.total_supply == 347 * 10**18
    assert settled.price_per_point > steps[2].price_per_point


def test_simulate_script__model_backend__writes_results(tmp_path):
    result = run(
        "simulate", "--scenario", "rogue-merchant", "--days", "30", "--seed", "7", "--out", str(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    assert "rogue-merchant: 30 days" in result.stdout and "seed 7" in result.stdout
    for name in ("daily.csv", "summary.json", "value_per_point.png", "cohort_returns.png"):
        assert (tmp_path / name).is_file(), name
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["days"] == 30 and summary["seed"] == 7 and summary["ok"] is True


def test_simulate_script__growth_then_stall__the_exit_queue_in_every_output(tmp_path):
    import pandas as pd

    result = run("simulate", "--scenario", "growth-then-stall", "--days", "60", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    # the figures of this run (seed 1), also read by docs/simulation.md
    assert (
        "exit queue: 435 requests, 329 fills paying 10,264.40 (19% of exit payouts), 322 claims; at the end "
        "114 waiting, 362.00 unclaimed; requests waited 2 days (median), 6 at most"
    ) in result.stdout
    assert (tmp_path / "exit_queue.png").is_file()
    daily = pd.read_csv(tmp_path / "daily.csv")
    assert daily["queue_requests"].sum() == 435 and daily["queue_fills"].sum() == 329
    assert daily["queue_waiting_requests"].iloc[-1] == 114 and daily["queue_oldest_wait_days"].max() == 5
    summary = json.loads((tmp_path / "summary.json").read_text())
    figures = summary["outcomes"]
    assert (figures["median_queue_days"], figures["max_queue_days"]) == (2, 6)
    assert figures["queue_share"] == summary["totals"]["queue_fill_payouts"] / (
        summary["totals"]["exit_payouts"] + summary["totals"]["queue_fill_payouts"]
    )


@pytest.mark.parametrize("how", ["scenario file", "option"])
def test_simulate_script__nobody_requests__no_queue_line_nor_plot(how, tmp_path):
    scenario = tmp_path / "no-line.yaml"
    text = (ROOT / "scenarios" / "growth-then-stall.yaml").read_text()
    scenario.write_text(text.replace("exit_request_share: 0.9", "exit_request_share: 0"))
    given = ["--scenario", str(scenario)] if how == "scenario file" else ["--exit-request-share", "0"]
    if how == "option":
        given = ["--scenario", "growth-then-stall", *given]
    result = run("simulate", *given, "--days", "60", "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "exit queue:" not in result.stdout and not (tmp_path / "out" / "exit_queue.png").exists()
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["totals"]["queue_requests"] == 0 and summary["outcomes"]["queue_share"] == 0.0


def test_simulate_script__fast_backend__reports_chain_equals_model(tmp_path):
    args = [
        "--backend",
        "fast",
        "--days",
        "3",
        "--consumers",
        "15",
        "--merchants",
        "3",
        "--out",
        str(tmp_path),
    ]
    result = run("simulate", *args)
    assert result.returncode == 0, result.stderr
    assert "ends in the chain's state: equal" in result.stdout
    assert json.loads((tmp_path / "summary.json").read_text())["cross_check"]["equal"] is True


@pytest.mark.parametrize(
    "args, message",
    [
        (["--scenario", "nope"], "no scenario named 'nope'"),
        (["--scenario", "BAD_FILE"], "unknown field 'consumer'"),
        (["--days", "0"], "Invalid value for '--days'"),
        (["--backend", "paper"], "Invalid value for '--backend'"),
        (["--exit-request-share", "1.5"], "Invalid value for '--exit-request-share'"),
    ],
)
def test_simulate_script__bad_input__one_line_error_nonzero_exit(args, message, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("days: 3\nconsumer: 4\n")
    result = run("simulate", *[str(bad) if a == "BAD_FILE" else a for a in args])
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert message in output
    assert "Traceback" not in output


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no deployment record at"),
        ("not json", "is not a deployment record"),
    ],
)
def test_audit_script__bad_record__one_line_error(content, message, tmp_path):
    path = tmp_path / "record.json"
    if content is not None:
        path.write_text(content)
    result = run("audit", "--deployment", str(path))
    assert result.returncode != 0
    assert message in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_audit_script__no_contract_at_address__one_line_error(tmp_path, chain):
    # The embedded chain has the same chain id in every process.
    empty = "0x" + "12" * 20
    contracts = {"asset": empty, "pool": empty, "governor": empty}
    record = {"chain_id": chain.chain_id, "network": "local", "deployment_block": 0, "timelock_delay": 0}
    record |= {"contracts": contracts, "roles": {}, "rules": {}}
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record))
    result = run("audit", "--deployment", str(path))
    assert result.returncode != 0
    assert "no contract at" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr

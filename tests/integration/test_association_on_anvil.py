"""The association's scripts on anvil as a user runs them (SPEC 9): deploy an association with a
platform, launch another from the command line, list, suspend, reinstate, audit every platform and
follow them with the monitor, each `ape run` a separate process on the same node."""

import json

from tests.cli import run_env

FOUNDRY = ["--network", "ethereum:local:foundry"]


def _ok(result):
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return result.stdout


def test_association_scripts__anvil__launch_list_suspend_audit_monitor(anvil_env, tmp_path):
    record = tmp_path / "local.json"
    out = _ok(run_env(anvil_env, "deploy", "--association", "--platforms", "1", "--timelock-delay", "3600",
                      "--out", str(record), *FOUNDRY))  # fmt: skip
    assert "greenpoints association deployed" in out and "platform 0" in out
    written = json.loads(record.read_text())
    assert written["kind"] == "association" and len(written["platforms"]) == 1
    assert set(written["blueprint_codehashes"]) == {"ValuePool", "Registry", "Governor"}

    out = _ok(run_env(anvil_env, "association", "launch", "--association", str(record), "--name", "Hangzhou",
                      "--timelock-delay", "3600", *FOUNDRY))  # fmt: skip
    assert "platform 1 (Hangzhou) launched" in out
    assert len(json.loads(record.read_text())["platforms"]) == 2  # the record follows

    address = written["association"]
    out = _ok(run_env(anvil_env, "association", "list", "--association", address, *FOUNDRY))
    assert "2 platforms" in out and "Hangzhou" in out

    out = _ok(run_env(anvil_env, "association", "suspend", "1", "--reason", "escrow statement overdue",
                      "--association", str(record), *FOUNDRY))  # fmt: skip
    assert "suspended" in out
    again = run_env(
        anvil_env, "association", "suspend", "1", "--reason", "x", "--association", str(record), *FOUNDRY
    )
    assert again.returncode != 0 and "platform 1 is not active" in again.stdout + again.stderr
    assert "Traceback" not in again.stdout + again.stderr

    out = _ok(
        run_env(anvil_env, "audit", "--association", address, "--out", str(tmp_path / "audit"), *FOUNDRY)
    )
    assert "2 platforms" in out and "PASSED" in out
    summary = json.loads((tmp_path / "audit" / "association.json").read_text())
    assert summary["ok"] and [p["status"] for p in summary["platforms"]] == ["active", "suspended"]
    assert (tmp_path / "audit" / "platform-1" / "audit.json").is_file()

    out = _ok(run_env(anvil_env, "monitor", "--association", address, "--from-block", "0", "--once", "--json",
                      "--state", str(tmp_path / "state.json"), *FOUNDRY))  # fmt: skip
    alerts = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    kinds = {(a["kind"], a["details"].get("platform")) for a in alerts}
    assert ("platform_launched", 0) in kinds and ("platform_launched", 1) in kinds
    assert ("platform_suspended", 1) in kinds and ("paused", 1) in kinds


def test_association_scripts__wrong_address__one_line_error(anvil_env, tmp_path):
    for args in (["audit", "--association", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"],
                 ["association", "list", "--association", "0x1234"],
                 ["association", "list", "--association", str(tmp_path / "missing.json")]):  # fmt: skip
        result = run_env(anvil_env, *args, *FOUNDRY)
        text = result.stdout + result.stderr
        assert result.returncode != 0, args
        assert "Traceback" not in text, text
        assert "no contract at" in text or "is not an address" in text or "no deployment record" in text, text


def test_dashboard_script__bad_input__one_line_errors(anvil_env, tmp_path):
    import socket

    record = tmp_path / "local.json"
    _ok(run_env(anvil_env, "deploy", "--association", "--out", str(record), *FOUNDRY))
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        cases = [
            (["--association", str(record), "--port", port], "cannot serve on 127.0.0.1:"),
            (
                ["--association", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "--port", "1"],
                "no contract at",
            ),
            (["--association", str(record), "--db", "nowhere://x"], "database nowhere://x"),
            (["--deployment", str(record)], "is an association's record: pass it with --association"),
        ]
        for args, message in cases:
            result = run_env(anvil_env, "dashboard", *args, *FOUNDRY)
            text = result.stdout + result.stderr
            assert result.returncode != 0, args
            assert message in text, (args, text)
            assert "Traceback" not in text, text


def test_association_people_scripts__anvil__trainer_certificate_launch(anvil_env, tmp_path):
    record = tmp_path / "local.json"
    out = _ok(run_env(anvil_env, "deploy", "--association", "--out", str(record), *FOUNDRY))
    assert "trainer" in out and "accredited" in out  # the sample trainer qualified the named accounts
    at = ["--association", str(record), *FOUNDRY]
    refused = run_env(anvil_env, "association", "launch", "--name", "Foshan", "--operator", "TEST::6", *at)
    text = refused.stdout + refused.stderr
    assert refused.returncode != 0 and "Traceback" not in text
    assert "not qualified at the association for its role: the operator 0x976E" in text

    _ok(run_env(anvil_env, "association", "accredit-trainer", "TEST::8", "--name", "Foshan academy", *at))
    certificate = tmp_path / "certificate.pdf"
    certificate.write_bytes(b"%PDF-1.4 operator course passed")
    qualify = ["qualify", "TEST::6", "--role", "operator", "--trainer", "TEST::8", "--days", "30"]
    out = _ok(run_env(anvil_env, "association", *qualify, "--certificate", str(certificate), *at))
    assert "qualified as operator" in out
    out = _ok(run_env(anvil_env, "association", "launch", "--name", "Foshan", "--operator", "TEST::6", *at))
    assert "platform 0 (Foshan) launched" in out
    out = _ok(run_env(anvil_env, "association", "people", *at))
    assert "2 trainers" in out and "3 role holders on 1 platforms, 0 not qualified" in out
    assert "expiring" in out  # 30 days: within the notice

    _ok(
        run_env(
            anvil_env, "association", "disqualify", "TEST::6", "--role", "operator", "--reason", "fraud", *at
        )
    )
    out = _ok(run_env(anvil_env, "association", "people", *at))
    assert "1 not qualified" in out and "disqualified" in out
    bad = run_env(anvil_env, "association", "qualify", "TEST::6", "--role", "treasurer", *at)
    assert bad.returncode != 0 and "Traceback" not in bad.stdout + bad.stderr

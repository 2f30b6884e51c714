"""What a new user meets in the first hour, on the embedded chain: every bad path or option answered
in one line with a non-zero exit and no traceback, checked before any work; notes where a chain
vanishes; a simulation stopped by Ctrl-C writes the days it finished. (On anvil, with the node that
stays up: tests/integration/test_readme_walkthrough.py and test_node.py.)"""

import json
import signal
import subprocess

import pytest

from tests.cli import APE, ROOT, Lines, run


def _one_line_failure(result, message):
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert message in output, output
    assert "Traceback" not in output, output
    errors = [line for line in output.splitlines() if line.startswith("Error")]
    assert len(errors) == 1, output


@pytest.fixture
def a_file(tmp_path):
    path = tmp_path / "a-file"
    path.write_text("not a folder")
    return path


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["deploy", "--out", "{file}/record.json"],
            "--out: cannot create {file}/record.json: {file} is a file",
        ),
        (["deploy", "--association", "--out", "{file}/a.json"], "is a file, not a folder"),
        (["simulate", "--days", "2", "--out", "{file}/run"], "--out: cannot create {file}/run"),
        (["simulate", "--days", "2", "--out", "{file}"], "'{file}' is a file"),
        (["audit", "--out", "{file}/audit"], "--out: cannot create {file}/audit"),
        (["monitor", "--state", "{file}/state.json"], "--state: cannot create {file}/state.json"),
        (["dashboard", "--db", "{file}/db.sqlite"], "--db: cannot create {file}/db.sqlite"),
        (
            ["monitor", "--association", "0x" + "11" * 20, "--guardian-account", "TEST::2"],
            "--guardian-account pauses one pool",
        ),
        (["simulate", "--days", "100000"], "100000 is not in the range 1<=x<=3650"),
        (["simulate", "--consumers", "5000000"], "5000000 is not in the range 0<=x<=1000000"),
        (["simulate", "--audit"], "--audit and --association need a chain backend"),
        (["audit", "--network", "ethereum:sepolia:node"], "Missing URI for network 'sepolia'"),
        (["association", "list"], "no deployment record at deployments/ethereum-local-test-association.json"),
    ],
)
def test_scripts__bad_output_path_or_option__one_line_error_before_any_work(args, message, a_file):
    result = run(*[a.format(file=a_file) for a in args])
    _one_line_failure(result, message.format(file=a_file))
    if args[0] == "deploy":  # refused before the first transaction: nothing deployed, nothing said
        assert "Contract 'MockStablecoin' deployed" not in result.stdout + result.stderr


def test_audit_script__record_of_the_vanished_embedded_chain__says_to_use_a_node(tmp_path):
    record = tmp_path / "record.json"
    assert run("deploy", "--out", str(record)).returncode == 0
    result = run("audit", "--deployment", str(record))
    _one_line_failure(result, "this chain started empty with this command")
    assert "make node" in result.stdout + result.stderr


def test_deploy_script__embedded_chain__notes_the_chain_vanishes_and_names_its_record(tmp_path):
    record = tmp_path / "record.json"
    result = run("deploy", "--out", str(record))
    assert result.returncode == 0, result.stderr
    assert "the embedded chain vanishes when this command exits" in result.stderr
    assert "make node" in result.stderr
    assert f"record: {record}" in result.stdout


def test_scripts__any_command__no_pydantic_warning():
    result = run("simulate", "--days", "1", "--consumers", "5", "--out", "/dev/null/x")
    assert "IncompleteFieldDefinitionWarning" not in result.stderr
    assert "Warning" not in result.stderr


def test_simulate_script__ctrl_c__writes_the_days_done_marked_partial(tmp_path):
    out = tmp_path / "run"
    process = subprocess.Popen(
        [APE, "run", "simulate", "--days", "3650", "--consumers", "3000", "--out", str(out), "-v", "WARNING"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    Lines(process.stderr).until("Ctrl-C stops after the day in play")
    for _ in range(50):  # wait for the first day's row (the run is under way)
        process.poll()
        if process.returncode is not None:
            break
        subprocess.run(["sleep", "0.1"])
    process.send_signal(signal.SIGINT)
    stdout, _ = process.communicate(timeout=120)
    assert process.returncode == 130, stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["partial"] is True
    assert 0 < summary["days"] < 3650
    assert summary["days_planned"] == 3650
    assert len((out / "daily.csv").read_text().splitlines()) == summary["days"] + 1
    assert f"STOPPED after {summary['days']} of 3650 days" in stdout


def test_simulate_script__not_a_terminal__no_progress_bar_in_the_log(tmp_path):
    result = run("simulate", "--days", "3", "--consumers", "20", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "\r" not in result.stderr
    assert "day/s" not in result.stderr

"""The tests' warm `ape run` (tests/warm_ape.py): a command forked from the server answers as the
same command started cold, each in a process of its own, and one past its timeout is killed."""

import json
import subprocess

import pytest

from tests import cli


def _cold(monkeypatch, *args) -> subprocess.CompletedProcess:
    with monkeypatch.context() as cold:
        cold.setenv("GREENPOINTS_COLD_APE", "1")
        return cli.run(*args)


@pytest.mark.parametrize(
    "args",
    [
        ("simulate", "--days", "0"),  # refused by click, before Ape connects
        ("deploy", "--account", "nobody"),  # refused after Ape has connected to the embedded chain
    ],
    ids=["click refusal", "after connecting"],
)
def test_run__one_line_refusal__same_code_and_output_as_a_cold_process(args, monkeypatch):
    warm, cold = cli.run(*args), _cold(monkeypatch, *args)

    assert warm.returncode == cold.returncode != 0
    assert (warm.stdout, warm.stderr) == (cold.stdout, cold.stderr)
    assert warm.stderr.strip().splitlines()[-1].startswith("Error: ")


def test_run__two_deployments__each_on_a_fresh_chain_of_its_own_process(tmp_path):
    first = cli.run("deploy", "--out", str(tmp_path / "a.json"))
    second = cli.run("deploy", "--out", str(tmp_path / "b.json"))

    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    # the same first block and addresses: not the second deployment on one chain
    a, b = (json.loads((tmp_path / name).read_text()) for name in ("a.json", "b.json"))
    assert (a["deployment_block"], a["contracts"]) == (b["deployment_block"], b["contracts"])
    assert a["deployment_block"] == 1


def test_run__past_its_timeout__killed_timeout_expired_and_the_next_command_runs(tmp_path):
    with pytest.raises(subprocess.TimeoutExpired):
        cli.run("simulate", "--days", "3650", "--consumers", "3000", "--out", str(tmp_path / "r"), timeout=3)

    assert cli.run("simulate", "--days", "0").returncode == 2

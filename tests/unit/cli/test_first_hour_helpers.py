"""The helpers behind the first hour: output paths checked first, connection failures in one line,
the node's record, progress bars that stay out of logs, a simulation stopped half-way."""

import json
import os
import shutil
import signal
import time
from pathlib import Path

import pytest
from ape.exceptions import ProviderError
from ape_foundry.exceptions import FoundryNotInstalledError

from greenpoints import node
from greenpoints.cli import connection_message
from greenpoints.paths import OutputError, check_dir, check_file
from greenpoints.progress import StopFlag, bar
from greenpoints.sim import load_scenario, run_simulation


def test_check_file__new_file_in_new_folders__accepted_and_nothing_created(tmp_path):
    path = tmp_path / "a" / "b" / "record.json"
    assert check_file(path, "--out") == path
    assert not (tmp_path / "a").exists()


@pytest.mark.parametrize(
    "layout, target, message",
    [
        ("file", "file/x.json", "cannot create {t}: {root}/file is a file, not a folder"),
        ("folder", "folder", "{t} is a folder, not a file"),
    ],
)
def test_check_file__file_in_the_way_or_a_folder__output_error(tmp_path, layout, target, message):
    (tmp_path / "file").write_text("")
    (tmp_path / "folder").mkdir()
    with pytest.raises(OutputError, match="^--out: ") as caught:
        check_file(tmp_path / target, "--out")
    assert message.format(t=tmp_path / target, root=tmp_path) in str(caught.value)


def test_check_dir__existing_folder_or_new_one__accepted(tmp_path):
    assert check_dir(tmp_path, "--out") == tmp_path
    assert check_dir(tmp_path / "new" / "deeper", "--out") == tmp_path / "new" / "deeper"


def test_check_dir__a_file__output_error(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        check_dir(tmp_path / "file", "--out")
    with pytest.raises(OutputError, match="cannot create"):
        check_dir(tmp_path / "file" / "sub", "--out")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_check_dir__read_only_parent__output_error(tmp_path):
    tmp_path.joinpath("ro").mkdir(mode=0o500)
    with pytest.raises(OutputError, match="is not writable"):
        check_dir(tmp_path / "ro" / "out", "--out")


def test_connection_message__anvil_missing__says_make_install():
    message = connection_message(FoundryNotInstalledError(), "ethereum:local:foundry")
    assert message.startswith("anvil is not installed: run `make install`")
    assert "\n" not in message


def test_connection_message__network_without_uri__says_where_to_give_it():
    message = connection_message(ProviderError("Missing URI for network 'sepolia' on 'ethereum'."), "x")
    assert (
        "Missing URI for network 'sepolia' on 'ethereum': give the node's URL in ape-config.yaml" in message
    )


def test_connection_message__other_failure__first_line_and_network():
    message = connection_message(ProviderError("refused\nmore detail"), "ethereum:local:foundry")
    assert message == "cannot connect to ethereum:local:foundry: refused"


def test_running__no_record_or_dead_process__none(tmp_path):
    assert node.running(tmp_path) is None
    dead = {
        "url": "http://127.0.0.1:1",
        "port": 1,
        "pid": 2**22 + 12345,
        "state": "",
        "log": "",
        "started": 0,
    }
    (tmp_path / "node.json").write_text(json.dumps(dead))
    assert node.running(tmp_path) is None
    assert node.stop(tmp_path) is None
    assert not (tmp_path / "node.json").exists()


@pytest.mark.parametrize("value", ["abc", "0", "70000"])
def test_default_port__bad_environment_value__node_error(monkeypatch, value):
    monkeypatch.setenv("GREENPOINTS_NODE_PORT", value)
    with pytest.raises(node.NodeError, match="is not a port number"):
        node.default_port()


def test_default_port__environment__used(monkeypatch):
    monkeypatch.delenv("GREENPOINTS_NODE_PORT", raising=False)
    assert node.default_port() == 8545
    monkeypatch.setenv("GREENPOINTS_NODE_PORT", "8600")
    assert node.default_port() == 8600


def test_bar__not_a_terminal__disabled():
    with bar(10, "work", "day") as progress:
        assert progress.disable  # pytest's captured stderr is not a terminal
        progress.update(3)


def test_run_simulation__stopped_after_some_days__partial_result_of_those_days(tmp_path):
    scenario = load_scenario("baseline").with_overrides(days=30, consumers=40)
    stop = StopFlag()
    result = run_simulation(
        scenario, seed=3, on_day=lambda day: setattr(stop, "requested", day >= 4), stop=stop
    )
    assert result.partial and result.runner.days_done == 5
    assert [row["day"] for row in result.rows] == [0, 1, 2, 3, 4]
    summary = result.summary()
    assert (summary["days"], summary["days_planned"], summary["partial"]) == (5, 30, True)
    assert "STOPPED after 5 of 30 days" in result.describe()
    written = result.write(str(tmp_path / "out"))  # a string path works as a Path
    assert (tmp_path / "out" / "summary.json") in written


def test_run_simulation__not_stopped__whole_run_not_partial():
    result = run_simulation(
        load_scenario("baseline").with_overrides(days=3, consumers=10), seed=3, stop=StopFlag()
    )
    assert not result.partial and result.summary()["partial"] is False and result.runner.days_done == 3


def test_scenario__over_the_limits__scenario_error():
    from greenpoints.sim.scenario import ScenarioError

    with pytest.raises(ScenarioError, match="days: at most 3,650"):
        load_scenario("baseline").with_overrides(days=3_651)
    with pytest.raises(ScenarioError, match="consumers: at most 1,000,000"):
        load_scenario("baseline").with_overrides(consumers=1_000_001)


def test_put_on_path__shell_without_the_venv__the_venvs_vyper_first_and_anvil_found(monkeypatch):
    from greenpoints import tools

    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    tools.put_on_path()
    assert shutil.which("vyper") == str(tools.VENV_BIN / "vyper")
    assert shutil.which("anvil") is not None  # the venv's link (make install) or node_modules/.bin
    once = os.environ["PATH"]
    tools.put_on_path()  # again: nothing added
    assert os.environ["PATH"] == once


def _npm_layout(root, platform_binary: bool):
    """node_modules as `npm ci` lays out @foundry-rs/anvil: .bin/anvil -> the package's bin.mjs,
    and (when `platform_binary`) the platform package's bin/anvil, executable."""
    package = root / "node_modules" / "@foundry-rs" / "anvil"
    package.mkdir(parents=True)
    (package / "bin.mjs").write_text("#!/usr/bin/env node\n")
    (package / "bin.mjs").chmod(0o755)
    (root / "node_modules" / ".bin").mkdir()
    launcher = root / "node_modules" / ".bin" / "anvil"
    launcher.symlink_to("../@foundry-rs/anvil/bin.mjs")
    binary = root / "node_modules" / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"
    if platform_binary:
        binary.parent.mkdir(parents=True)
        binary.write_bytes(b"\x7fELF")
        binary.chmod(0o755)
    return launcher, binary


def test_npm_binary__npm_launcher__the_platform_binary_beside_it(tmp_path):
    from greenpoints.tools import npm_binary

    launcher, binary = _npm_layout(tmp_path, platform_binary=True)
    assert npm_binary(str(launcher)) == str(binary)


def test_npm_binary__launcher_without_a_platform_package__the_launcher(tmp_path):
    from greenpoints.tools import npm_binary

    launcher, _ = _npm_layout(tmp_path, platform_binary=False)
    assert npm_binary(str(launcher)) == str(launcher)


def test_npm_binary__an_anvil_not_from_npm__itself(tmp_path):
    from greenpoints.tools import npm_binary

    own = tmp_path / "foundry" / "bin" / "anvil"  # foundryup's, or a build of one's own
    own.parent.mkdir(parents=True)
    own.write_bytes(b"\x7fELF")
    own.chmod(0o755)
    assert npm_binary(str(own)) == str(own)


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux's /proc")
def test_check_dir__a_folder_that_refuses_files__output_error_before_any_work():
    # root passes the permission bits on /proc; creating a file there fails: the check tries it
    with pytest.raises(OutputError, match=r"^--out: cannot create /proc/x: /proc is not writable \("):
        check_dir("/proc/x", "--out")
    with pytest.raises(OutputError, match=r"^--out: /proc/self is not writable"):
        check_dir("/proc/self", "--out")
    with pytest.raises(OutputError, match=r"^--out: cannot create /proc/x.json: /proc is not writable \("):
        check_file("/proc/x.json", "--out")


def test_load_scenario__yaml_error__names_the_line_and_column(tmp_path):
    from greenpoints.sim.scenario import ScenarioError

    path = tmp_path / "bad.yaml"
    path.write_text("days: 10\n  consumers: 5\n")
    with pytest.raises(ScenarioError, match=r"bad.yaml, line 2, column 12: not valid YAML \(mapping values"):
        load_scenario(str(path))


def _kg(text: str) -> int:
    return int(text.replace(",", "").replace(".", ""))  # grams


def test_describe__returns_actions_and_one_exit__carbon_adds_up_and_words_mean_one_thing():
    result = run_simulation(load_scenario("green-city").with_overrides(days=30, consumers=100), seed=3)
    text, totals = result.describe(), result.summary()["totals"]
    assert (totals["exits"], totals["reversals"] > 0, totals["green_actions"] > 0) == (1, True, True)
    (carbon,) = [line for line in text.splitlines() if "carbon avoided" in line]
    words = carbon.replace("=", " ").replace("+", " ").split()
    figures = [_kg(words[i - 1]) for i, word in enumerate(words) if word == "kg"]
    total, purchases, actions, reversed_ = figures
    assert total == purchases + actions - reversed_ == result.summary()["carbon"]["total_g"]
    assert f"reversed by {totals['reversals']} returns" in carbon
    assert "1 exit paying" in text and "1 exits" not in text
    assert "sponsored green actions" in carbon and "actions/s" not in text  # the runner's are operations
    assert f"{result.summary()['actions']:,} operations" in text
    assert "value per point (pool assets ÷ points outstanding): " in text
    assert "at the end of day 0, the first with points out -> " in text
    assert "at the end of day 29;" in text


def test_describe__rule_breaking_attempts_all_refused__said_once():
    result = run_simulation(load_scenario("rogue-merchant").with_overrides(days=40, consumers=100), seed=3)
    attempts = result.summary()["totals"]["attempts"]
    assert attempts > 0 and not result.summary()["attempts_not_refused"]
    text = result.describe()
    assert f"{attempts} rule-breaking attempts, all refused (" in text
    assert "refusals in all" not in text


def test_reset_note__record_older_than_a_fresh_chain__says_started_fresh_and_deploy_again(
    tmp_path, monkeypatch
):
    from greenpoints.anvil import free_port

    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text("{}")
    os.utime(old, (os.path.getmtime(old) - 3600,) * 2)  # made an hour before
    try:
        info, _ = node.start(tmp_path / "node", port=free_port(), fresh=True)
        monkeypatch.setenv("APE_FOUNDRY_HOST", info.url)
        new.write_text("{}")
        note = node.reset_note(old, tmp_path / "node")
        began = time.strftime("%H:%M", time.localtime(node.chain_began(tmp_path / "node")[0]))
        assert (
            note
            == f"the node was started fresh at {began}; {old} was made on the chain before it: deploy again"
        )
        assert node.reset_note(new, tmp_path / "node") is None
        node.stop(tmp_path / "node")  # stopped and started again: the same chain, the same note
        node.start(tmp_path / "node", port=info.port)
        assert node.reset_note(old, tmp_path / "node") == note
        monkeypatch.setenv("APE_FOUNDRY_HOST", "http://127.0.0.1:1")  # another node: nothing to say
        assert node.reset_note(old, tmp_path / "node") is None
    finally:
        node.stop(tmp_path / "node")


def _kill_hard(info) -> None:
    """SIGKILL the node's process (no save) and reap it, as a crash or `kill -9` ends it."""
    os.kill(info.pid, signal.SIGKILL)
    os.waitpid(info.pid, 0)  # started by this process: its child


@pytest.fixture
def home(tmp_path):
    """The node's folder; whatever node runs from it is stopped at the end."""
    folder = tmp_path / "node"
    yield folder
    node.stop(folder)


def _saved_and_running(home):
    """A node started, stopped (its chain saved in state.json) and started again on the same port."""
    from greenpoints.anvil import free_port

    info, _ = node.start(home, port=free_port())
    node.stop(home)
    info, _ = node.start(home, port=info.port)
    return info


def test_unclean_end__node_killed__said_then_booked_and_records_made_after_its_save_named(
    home, tmp_path, monkeypatch
):
    before, after = tmp_path / "before.json", tmp_path / "after.json"
    info = _saved_and_running(home)
    saved = (home / "state.json").stat().st_mtime
    before.write_text("{}")
    after.write_text("{}")
    began = node.chain_began(home)[0]
    assert began < saved
    os.utime(before, ((began + saved) / 2,) * 2)  # made on this chain before its last save: kept
    os.utime(after, (saved + 1,) * 2)  # made after it: lost with the node
    _kill_hard(info)
    end = node.unclean_end(home)
    assert end == node.UncleanEnd(info.pid, saved)
    at = time.strftime("%H:%M:%S", time.localtime(saved))
    assert end.note() == (
        f"the last node (process {info.pid}) ended without `make node-stop` (killed or crashed): "
        f"its chain is kept as saved at {at}, and what it did after that is lost"
    )
    again, started = node.start(home, port=info.port)
    assert started and node.unclean_end(home) is None  # said once: booked in chain.json
    (lost,) = node.chain_losses(home)
    assert lost[0] == saved and saved < lost[1] <= time.time()
    monkeypatch.setenv("APE_FOUNDRY_HOST", again.url)
    os.utime(after, (saved + (lost[1] - saved) / 2,) * 2)  # between the save and the restart
    note = node.reset_note(after, home)
    assert note is not None and note.startswith(f"{after} was made after {at}, the last save")
    assert note.endswith("without it: deploy again")
    assert node.reset_note(before, home) is None


def test_unclean_end__node_stopped__none_and_nothing_booked(home, tmp_path, monkeypatch):
    from greenpoints.anvil import free_port

    record = tmp_path / "record.json"
    info, _ = node.start(home, port=free_port())
    record.write_text("{}")
    assert node.unclean_end(home) is None  # running
    node.stop(home)
    assert node.unclean_end(home) is None  # stopped: the record is gone
    again, _ = node.start(home, port=info.port)
    assert node.chain_losses(home) == []
    monkeypatch.setenv("APE_FOUNDRY_HOST", again.url)
    assert node.reset_note(record, home) is None


def test_unclean_end__killed_before_its_first_save__says_the_next_chain_is_new(home):
    from greenpoints.anvil import free_port

    info, _ = node.start(home, port=free_port())
    _kill_hard(info)  # within its first 30 s: no state.json yet
    end = node.unclean_end(home)
    assert end == node.UncleanEnd(info.pid, None)
    assert end.note() == (
        f"the last node (process {info.pid}) ended without `make node-stop` (killed or crashed) "
        "before its chain was first saved: the next start begins a new chain"
    )
    again, _ = node.start(home, port=info.port)
    assert node.block_number(again.url) == 0 and node.chain_losses(home) == []


def test_stop__node_killed_before__booked_so_the_next_start_names_the_loss(home):
    _kill_hard(_saved_and_running(home))
    assert node.stop(home) is None  # nothing running; the loss is booked, the record gone
    assert node.unclean_end(home) is None and not (home / "node.json").exists()
    ((saved, _),) = node.chain_losses(home)
    assert saved == (home / "state.json").stat().st_mtime


def _node_script():
    """scripts/node.py's click group (`ape run node ...`), loaded by path as Ape loads it."""
    import importlib.util

    path = Path(__file__).resolve().parents[3] / "scripts" / "node.py"
    spec = importlib.util.spec_from_file_location("node_script", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.cli


def test_node_script__node_killed__status_start_and_stop_say_what_was_lost_once(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from greenpoints.anvil import free_port

    monkeypatch.chdir(tmp_path)  # the project: .node/ is under it
    monkeypatch.setenv("GREENPOINTS_NODE_PORT", str(free_port()))
    cli, runner = _node_script(), CliRunner(mix_stderr=False)
    try:
        assert runner.invoke(cli, ["start"]).exit_code == 0
        assert runner.invoke(cli, ["stop"]).exit_code == 0  # saved
        assert runner.invoke(cli, ["start"]).exit_code == 0
        info = node.running()
        _kill_hard(info)
        said = f"note: the last node (process {info.pid}) ended without `make node-stop` (killed or crashed)"
        status = runner.invoke(cli, ["status"])
        assert status.exit_code == 1 and status.stderr.startswith(said)
        assert "node: not running (start it with `make node`)" in status.stderr
        start = runner.invoke(cli, ["start"])
        assert start.exit_code == 0 and start.stderr.startswith(said)
        assert start.stdout.startswith("node: anvil started at")
        again = runner.invoke(cli, ["stop"])  # a clean stop: nothing more to say
        assert again.exit_code == 0 and again.stderr == "" and again.stdout.startswith("node: stopped")
        assert runner.invoke(cli, ["start"]).stderr == ""
    finally:
        node.stop()


def _time_wait_on_a_port() -> int:
    """A port whose server closed a connection first (so it sits in TIME-WAIT) and stopped listening."""
    import socket

    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = server.accept()
        accepted.close()  # the server closes first: its side goes to TIME-WAIT
        client.recv(1)
        client.close()
    return port


def test_check_port__only_time_wait_left_by_a_stopped_page__free():
    import socket

    from greenpoints.cli import check_port

    port = _time_wait_on_a_port()
    with socket.socket() as plain, pytest.raises(OSError):  # what a probe without SO_REUSEADDR met
        plain.bind(("127.0.0.1", port))
    check_port("127.0.0.1", port)


def test_check_port__another_program_listens__one_line_naming_port():
    import socket

    import click

    from greenpoints.cli import check_port

    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        with pytest.raises(click.ClickException, match=f"cannot serve on 127.0.0.1:{port} .*: pass --port N"):
            check_port("127.0.0.1", port)


def test_dashboard_demo__dashboard_port__passed_to_the_page():
    import subprocess
    from pathlib import Path

    from greenpoints.dashboard.demo import _arguments

    root = Path(__file__).resolve().parents[3]
    dry = subprocess.run(
        ["make", "-n", "-o", "install", "dashboard-demo", "DASHBOARD_PORT=8123"],
        cwd=root, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "-m greenpoints.dashboard.demo --port 8123" in dry.stdout
    assert _arguments(["--port", "8123"]).port == 8123 and _arguments([]).port == 8000
    with pytest.raises(SystemExit):
        _arguments(["--port", "70000"])

"""What a new user meets in the first hour, on the embedded chain: every bad path or option answered
in one line with a non-zero exit and no traceback, checked before any work; notes where a chain
vanishes; a simulation stopped by Ctrl-C writes the days it finished. (On anvil, with the node that
stays up: tests/integration/test_readme_walkthrough.py and test_node.py.)"""

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from greenpoints.anvil import anvil_node, free_port
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
        (["monitor", "--queue-epochs", "0"], "'--queue-epochs': 0 is not in the range x>=1"),
        (["monitor", "--stuck-after", "-5"], "'--stuck-after': -5 is not in the range x>=1"),
        (["simulate", "--days", "100000"], "100000 is not in the range 1<=x<=3650"),
        (["simulate", "--consumers", "5000000"], "5000000 is not in the range 0<=x<=1000000"),
        (["simulate", "--audit"], "--audit and --association need a chain backend"),
        (
            ["simulate", "--days", "2", "--out", "/proc/x"],
            "--out: cannot create /proc/x: /proc is not writable",
        ),
        (["simulate", "--seed", "-3"], "Invalid value for '--seed': -3 is not in the range x>=0"),
        (
            ["simulate", "--scenario", "{yaml}"],
            "{yaml}, line 2, column 12: not valid YAML (mapping values are not allowed here)",
        ),
        (["audit", "--network", "ethereum:sepolia:node"], "Missing URI for network 'sepolia'"),
        (["association", "list"], "no deployment record at deployments/ethereum-local-test-association.json"),
    ],
)
def test_scripts__bad_output_path_or_option__one_line_error_before_any_work(args, message, a_file, tmp_path):
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("days: 10\n  consumers: 5\n")
    result = run(*[a.format(file=a_file, yaml=bad_yaml) for a in args])
    _one_line_failure(result, message.format(file=a_file, yaml=bad_yaml))
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


# --------------------------------------------------------------- a shell without the venv activated


def _unactivated_env() -> dict[str, str]:
    """A shell as a new user opens it after `make install`: PATH has no folder with vyper or anvil."""
    path = [
        p
        for p in os.environ.get("PATH", "").split(os.pathsep)
        if p and not (Path(p, "vyper").exists() or Path(p, "anvil").exists())
    ]
    env = {k: v for k, v in os.environ.items() if k not in ("APE_FOUNDRY_HOST", "VIRTUAL_ENV")}
    return env | {"PATH": os.pathsep.join(path)}


@pytest.fixture
def fresh_clone(tmp_path):
    """A copy of the checkout's files without .build (nothing compiled yet), the installed venv and
    node_modules linked as `make install` leaves them."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.splitlines()  # fmt: skip
    copy = tmp_path / "clone"
    for name in listed:
        if (ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
    (copy / ".venv").symlink_to(Path(sys.prefix))
    (copy / "node_modules").symlink_to((ROOT / "node_modules").resolve())
    return copy


def test_ape_run__venv_not_activated_nothing_compiled__deploy_and_dashboard_as_the_readme_types_them(
    fresh_clone,
):
    env = _unactivated_env()
    assert shutil.which("vyper", path=env["PATH"]) is None and shutil.which("anvil", path=env["PATH"]) is None
    network = ["--network", "ethereum:local:foundry", "-v", "WARNING"]
    with anvil_node() as url:
        env["APE_FOUNDRY_HOST"] = url
        deploy = subprocess.run(
            [".venv/bin/ape", "run", "deploy", "--association", "--platforms", "1", *network],
            cwd=fresh_clone, env=env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert deploy.returncode == 0, deploy.stdout + deploy.stderr  # compiled: vyper was found
        record = fresh_clone / "deployments" / "ethereum-local-foundry-association.json"
        association = json.loads(record.read_text())["association"]
        port = free_port()
        page = subprocess.Popen(
            [".venv/bin/ape", "run", "dashboard", "--association", association, *network,
             "--port", str(port), "--db", "results/dashboard.sqlite"],
            cwd=fresh_clone, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            Lines(page.stderr).until(f"serving http://127.0.0.1:{port}/", timeout=240)
            assert b"pool" in _get(f"http://127.0.0.1:{port}/api/platforms")
            page.send_signal(signal.SIGINT)
            assert page.wait(timeout=60) == 0
        finally:
            page.kill()


def _get(url: str, timeout: float = 60) -> bytes:
    """The page's answer at `url`, once it listens (uvicorn starts after the "serving" line)."""
    import time
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as answer:
                return answer.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture
def venv_without_anvil(tmp_path):
    """The installed venv as `pip install` leaves it before `npm ci`: its packages, no anvil in bin."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    shutil.copy(Path(sys.prefix) / "pyvenv.cfg", venv / "pyvenv.cfg")
    (venv / "lib").symlink_to(Path(sys.prefix) / "lib")
    (venv / "bin" / "python").symlink_to(Path(sys.executable).resolve())
    return venv / "bin" / "python"


@pytest.mark.parametrize("benchmark", ["gas", "sim_speed"])
def test_benchmark_main__no_anvil_installed__one_line_saying_make_install_before_any_work(
    tmp_path, venv_without_anvil, benchmark
):
    clone = tmp_path / "clone"  # a clone where `npm ci` never ran: no node_modules
    for package in ("greenpoints", "benchmarks"):
        shutil.copytree(ROOT / package, clone / package, ignore=shutil.ignore_patterns("__pycache__"))
    env = _unactivated_env() | {"PYTHONPATH": str(clone)}
    result = subprocess.run(
        [str(venv_without_anvil), "-m", f"benchmarks.{benchmark}"],
        cwd=clone, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.strip().splitlines() == [
        f"benchmarks.{benchmark}: anvil is needed and is not installed: run `make install` "
        "(or `npm ci`, which puts it in node_modules/.bin)"
    ]
    assert "Machine:" not in result.stdout  # stopped before any work


def _in_a_terminal(command: list[str], cwd) -> tuple[subprocess.Popen, int]:
    """`command` as a terminal runs it: its own session, a pseudo-terminal as its controlling terminal
    (Ctrl-C written to the terminal reaches its foreground process group)."""
    import fcntl
    import termios

    master, slave = os.openpty()
    process = subprocess.Popen(
        command, cwd=cwd, stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
        preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
    )  # fmt: skip
    os.close(slave)
    return process, master


def _read_until(master: int, text: str, timeout: float = 60) -> str:
    import select
    import time

    seen, deadline = b"", time.monotonic() + timeout
    while text.encode() not in seen:
        ready, _, _ = select.select([master], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            raise AssertionError(f"{text!r} never came; got {seen!r}")
        try:
            seen += os.read(master, 4096)
        except OSError:  # the terminal closed: everything was read
            break
    return seen.decode(errors="replace")


def test_own_terminal__ctrl_c_in_a_make_recipe__demo_stops_and_make_exits_0(tmp_path):
    # What `make dashboard-demo` does on Ctrl-C, with a step that waits for it instead of the page.
    step = (
        "import signal, time\n"
        "from greenpoints.dashboard.demo import own_terminal\n"
        "signal.signal(signal.SIGINT, signal.default_int_handler)  # as main() does\n"
        "with own_terminal():\n"
        "    try:\n"
        "        print('ready', flush=True)\n"
        "        time.sleep(60)\n"
        "    except KeyboardInterrupt:\n"
        "        print('demo: stopped (Ctrl-C)', flush=True)\n"
    )
    (tmp_path / "step.py").write_text(step)
    (tmp_path / "Makefile").write_text(f"demo:\n\t{sys.executable} step.py\n")
    env_path = f"PYTHONPATH={ROOT}"
    process, master = _in_a_terminal(["env", env_path, "make", "-s", "demo"], tmp_path)
    try:
        _read_until(master, "ready")
        os.write(master, b"\x03")  # Ctrl-C typed at the terminal
        output = _read_until(master, "demo: stopped (Ctrl-C)")
        assert process.wait(timeout=30) == 0, output
        assert "Error" not in output and "Interrupt" not in output, output
    finally:
        process.kill()
        os.close(master)

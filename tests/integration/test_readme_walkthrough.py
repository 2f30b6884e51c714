"""The README's first hour, run as a new user types it: in a copy of this checkout (so its records,
results and node are the copy's), with a shell that has not activated the virtual environment
(PATH without .venv/bin or node_modules/.bin), the README's blocks run line by line in one bash.

The only changes to what is typed: the node's port (GREENPOINTS_NODE_PORT, a free one, which the
README documents) and the dashboard's `--port` (a free one), so the test never meets a node or a
page the user already runs.
"""

import os
import re
import shlex
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from greenpoints.anvil import free_port
from tests.cli import ROOT, Lines

MARKER = re.compile(r"<!-- walkthrough: ?([^>]*?) ?-->\s*```bash\n(.*?)```", re.S)


def blocks() -> dict[str, list[str]]:
    """The README's walkthrough blocks by name (the first is 'run as typed ...'), command by command."""
    found = {}
    for name, body in MARKER.findall((ROOT / "README.md").read_text()):
        lines = [line for line in body.splitlines() if line.strip() and not line.lstrip().startswith("#")]
        commands: list[str] = []
        for line in lines:  # a line ending in a backslash goes on in the next, as bash reads it
            if commands and commands[-1].endswith("\\"):
                commands[-1] += "\n" + line
            else:
                commands.append(line)
        found[name.split(":")[0].strip() or "main"] = commands
    return found


@pytest.fixture
def checkout(tmp_path):
    """A copy of the checkout (tracked and new files, the compiled contracts), with the installed
    environments linked, not copied; make must find them up to date."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.splitlines()  # fmt: skip
    copy = tmp_path / "greenpoints"
    for name in listed:
        source = ROOT / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    shutil.copytree(ROOT / ".build", copy / ".build")
    for env in (".venv", ".venv-analysis", "node_modules"):
        (copy / env).symlink_to(ROOT / env)
    up_to_date = subprocess.run(["make", "-q", "install"], cwd=copy, capture_output=True)
    assert up_to_date.returncode == 0, "make install is not up to date: run `make install` first"
    return copy


def user_env(port: int) -> dict[str, str]:
    """A shell as a user opens it: no virtual environment active, no anvil on PATH."""
    hidden = {str(ROOT / ".venv" / "bin"), str(ROOT / "node_modules" / ".bin")}
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p not in hidden]
    env = {k: v for k, v in os.environ.items() if k not in ("APE_FOUNDRY_HOST", "VIRTUAL_ENV", "MAKEFLAGS")}
    return env | {"PATH": os.pathsep.join(path), "GREENPOINTS_NODE_PORT": str(port)}


def fetch(url: str) -> bytes:
    """The page's answer, once uvicorn listens (it says "serving" just before it starts)."""
    for _ in range(300):
        try:
            with urllib.request.urlopen(url, timeout=30) as answer:
                return answer.read()
        except ConnectionRefusedError:
            time.sleep(0.1)
        except urllib.error.URLError as err:
            if not isinstance(err.reason, ConnectionRefusedError):
                raise
            time.sleep(0.1)
    raise AssertionError(f"{url} never answered")


def bash(lines: list[str]) -> str:
    """The lines as one bash script that stops at the first failing one and says which."""
    script = ["set -e -o pipefail"]
    for line in lines:
        script += [f"echo '>>> '{shlex.quote(line)}", line]
    return "\n".join(script)


def test_readme_walkthrough__typed_in_order__every_command_works(checkout):
    walk = blocks()
    assert {
        "run as typed by tests/integration/test_readme_walkthrough.py",
        "dashboard",
        "stop",
        "association",
    } <= set(walk)
    main = walk["run as typed by tests/integration/test_readme_walkthrough.py"]
    assert main[0].startswith("source .venv/bin/activate") and main[1].startswith("make node")
    env = user_env(free_port())
    try:
        done = subprocess.run(
            ["bash", "-c", bash(main)], cwd=checkout, env=env, capture_output=True, text=True, timeout=900
        )
        output = done.stdout + done.stderr
        assert done.returncode == 0, output[-6000:]
        assert "Traceback" not in output
        assert "node: anvil started at" in output
        assert "record: deployments/ethereum-local-foundry.json" in output
        assert output.count("\nPASSED\n") == 2, output[-4000:]
        assert "ends in the chain's state: equal" in output
        assert "history folded up to block" in output
        assert "started for this command only" not in output  # every command found the node
        assert (checkout / "deployments" / "ethereum-local-foundry.json").exists()
        assert (checkout / "results" / "baseline-fast" / "summary.json").exists()
        assert (checkout / "results" / "audit" / "audit.md").exists()

        # The association's section: trainer, certificate, launch, people, audit, monitor.
        done = subprocess.run(
            ["bash", "-c", "source .venv/bin/activate\n" + bash(walk["association"])],
            cwd=checkout, env=env, capture_output=True, text=True, timeout=900,
        )  # fmt: skip
        output = done.stdout + done.stderr
        assert done.returncode == 0, output[-6000:]
        assert "Traceback" not in output
        assert "accredited: Shenzhen compliance academy" in output
        assert "qualified as operator by" in output
        assert "platform 2 (Hangzhou centre) launched" in output
        assert "trainer 0x" in output and "Shenzhen compliance academy" in output
        assert "9 role holders on 3 platforms, 0 not qualified" in output
        assert "launches checked ok" in output and "PASSED" in output
        assert (checkout / "operator-certificate.txt").exists()

        # The dashboard, as typed (on a free port), until Ctrl-C.
        (command,) = walk["dashboard"]
        port = free_port()
        page = subprocess.Popen(
            ["bash", "-c", f"source .venv/bin/activate && exec {command} --port {port}"],
            cwd=checkout, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            Lines(page.stderr).until(f"serving http://127.0.0.1:{port}/", timeout=240)
            assert b"pool" in fetch(f"http://127.0.0.1:{port}/api/platforms")
            page.send_signal(signal.SIGINT)
            assert page.wait(timeout=60) == 0
        finally:
            page.kill()
    finally:
        stopped = subprocess.run(
            ["bash", "-c", bash(walk["stop"])],
            cwd=checkout,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    assert "node: stopped" in stopped.stdout
    assert (checkout / ".node" / "state.json").exists()
    assert not Path(checkout / ".node" / "node.json").exists()

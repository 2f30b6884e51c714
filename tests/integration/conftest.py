"""The integration suite: the same code and scripts on a real node (anvil, through ape-foundry).

`anvil_env` starts one anvil per test (`greenpoints.anvil.anvil_node`) and gives the environment
that points ape-foundry at it, so several processes of one test share its chain.
"""

import os

import pytest

from tests.cli import BIN


@pytest.fixture
def anvil_env():
    """A fast anvil of our own, shared by the processes of one test (ape-foundry connects to it)."""
    from greenpoints.anvil import anvil_node

    os.environ["PATH"] = f"{BIN}:{os.environ.get('PATH', '')}"
    with anvil_node() as url:
        yield {"PATH": os.environ["PATH"], "APE_FOUNDRY_HOST": url}

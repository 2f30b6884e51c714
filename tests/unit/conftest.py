"""Fixtures shared by several unit test folders."""

import pytest

from tests.chain_states import built_once
from tests.monitoring import open_line


@pytest.fixture
@built_once
def line_system(live, merchant, consumer, other_consumer, unit):
    """The live system with an exit queue likely (`tests.monitoring.open_line`): the monitor's and the
    page's exit-queue tests ."""
    open_line(live, merchant, consumer, other_consumer, unit)
    return live

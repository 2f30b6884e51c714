"""Fixtures of the lens's tests: the session system's lens, and a check that a preview and its action
refuse alike."""

import ape
import pytest


@pytest.fixture(scope="session")
def lens(system):
    return system.lens


@pytest.fixture(scope="session")
def refused_alike():
    """Assert that `preview()` reverts with `reason`, then that `action()` reverts with it too."""

    def _refused_alike(reason, preview, action):
        with ape.reverts(reason):
            preview()
        with ape.reverts(reason):
            action()

    return _refused_alike

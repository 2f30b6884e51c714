"""The error a user's request can end in, in a module of its own: the scripts' shared pieces
(`greenpoints.cli`) catch it without importing the deployment code, so that `ape run SCRIPT` with a
bad option answers before anything heavy is imported."""

from __future__ import annotations


class DeployError(ValueError):
    """A deployment request that cannot be carried out; the message says why."""

"""Shared pieces of the click scripts: account and address options that fail with one line."""

from __future__ import annotations

import functools

import click
from ape import accounts
from ape.exceptions import ApeException

from .deploy import DeployError, is_local_network, parse_address


def resolve_account(alias: str | None, *, role: str, local_default: int | None):
    """An account that can sign: an Ape alias, `TEST::N`, or on a local chain test account N."""
    if alias is None:
        if is_local_network() and local_default is not None:
            return accounts.test_accounts[local_default]
        raise click.ClickException(f"--{role} is required on this network (an account alias)")
    if alias.upper().startswith("TEST::"):
        try:
            return accounts.test_accounts[int(alias.split("::", 1)[1])]
        except (ValueError, IndexError) as err:
            raise click.ClickException(f"--{role}: no test account {alias!r}") from err
    try:
        return accounts.load(alias)
    except (IndexError, KeyError, ApeException) as err:
        raise click.ClickException(f"--{role}: no account named {alias!r} (see `ape accounts list`)") from err


def resolve_role(value: str | None, *, role: str, local_default: int):
    """A role holder given as an address or an account alias (local default: test account N)."""
    if value is None:
        if is_local_network():
            return accounts.test_accounts[local_default]
        raise click.ClickException(f"--{role} is required on this network (an address or alias)")
    if value.startswith("0x"):
        try:
            return parse_address(value, f"--{role}")
        except DeployError as err:
            raise click.ClickException(str(err)) from err
    return resolve_account(value, role=role, local_default=None)


def one_line_errors(func):
    """Turn the errors a user can cause into `Error: <one line>` and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except click.ClickException:
            raise
        except (DeployError, ValueError, ApeException) as err:
            message = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise click.ClickException(message) from err

    return wrapper

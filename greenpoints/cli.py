"""Shared pieces of the click scripts: the connected command (a node that stays up, connection
failures in one line), account and address options that fail with one line.

Light to import, as the scripts' own top levels are: Ape imports every script in `scripts/` to list
its commands, whichever one is run, so what a script imports at its top is paid by every `ape run`
(a bad option answered in half a second instead of three). The accounts and the deployment code are
imported where they are used."""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import socket

import click
from ape.cli import ConnectedProviderCommand
from ape.cli.commands import parse_network
from ape.exceptions import ApeException

from . import node, tools
from .errors import DeployError


def _find_tools_and_node() -> None:
    """The venv's vyper and anvil on PATH (for `.venv/bin/ape` run without activating the venv:
    `greenpoints.tools`), and ape-foundry pointed at the node `make node` started, if it runs."""
    tools.put_on_path()
    if "APE_FOUNDRY_HOST" not in os.environ and (info := node.running()) is not None:
        os.environ["APE_FOUNDRY_HOST"] = info.url


_find_tools_and_node()


def connection_message(err: Exception, choice: str) -> str:
    """One line saying why connecting to `choice` failed and what to do."""
    name = type(err).__name__
    text = str(err).strip().splitlines()[0] if str(err).strip() else name
    if name == "FoundryNotInstalledError":
        return "anvil is not installed: run `make install` (it puts anvil in node_modules/.bin and .venv/bin)"
    if "Missing URI" in text:
        return (
            f"{text.rstrip('.')}: give the node's URL in ape-config.yaml "
            "(node: ecosystem: network: uri: ...), see the README's 'Other networks'"
        )
    return f"cannot connect to {choice}: {text}"


class Command(ConnectedProviderCommand):
    """Ape's connected command, whose connection failures (anvil missing, no URI for a network, a
    node that does not answer) end in one line and exit code 1 instead of a traceback."""

    def invoke(self, ctx):
        if self.callback is None:
            return None
        choice = ctx.params.get("network")
        choice = getattr(choice, "network_choice", choice)
        with contextlib.ExitStack() as stack:
            try:
                network_ctx = parse_network(ctx)
                provider = stack.enter_context(network_ctx) if network_ctx else None
            except (ApeException, OSError, ValueError) as err:
                raise click.ClickException(connection_message(err, str(choice or "the network"))) from None
            if provider is not None and provider.name == "foundry" and (note := node.ephemeral_note()):
                click.echo(note, err=True)
            # Ctrl-C: one line and exit code 130 (Ape's handler exits with no word); long commands
            # catch it themselves where they can write what was finished (simulate, monitor).
            previous = signal.signal(signal.SIGINT, signal.default_int_handler)
            try:
                return self._invoke(ctx, provider=provider)
            except KeyboardInterrupt:
                click.echo(f"\n{ctx.command_path}: stopped (Ctrl-C)", err=True)
                ctx.exit(130)
            finally:
                signal.signal(signal.SIGINT, previous)


def check_port(host: str, port: int) -> None:
    """A one-line error when another program listens on host:port. Connections of a page stopped a
    moment ago (TIME-WAIT) do not count: uvicorn binds with SO_REUSEADDR, and so does this probe, so
    the page restarts on its port at once."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as err:
            raise click.ClickException(
                f"cannot serve on {host}:{port} ({err.strerror}): pass --port N"
            ) from err


def resolve_account(alias: str | None, *, role: str, local_default: int | None):
    """An account that can sign: an Ape alias, `TEST::N`, or on a local chain test account N."""
    from ape import accounts

    from .deploy import is_local_network

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
    from ape import accounts

    from .deploy import is_local_network, parse_address

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

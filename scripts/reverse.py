"""ape run reverse --order-id 0x... --account ALIAS: a merchant reverses one of its purchases.

The merchant names only the order id: the record `reverse_purchase` takes back (SPEC 4.3) is built
from the purchase's `PurchaseRecorded` event and its block (`Client.purchase_record`). The chain is
asked first (`eth_call`), so a refusal is one line with the pool's reason and nothing is sent.
"""

from pathlib import Path

import click

from greenpoints.cli import Command, one_line_errors, resolve_account


def parse_order_id(value: str) -> bytes:
    """An order id as the pool takes it: 0x and 64 hex digits (bytes32)."""
    text = value[2:] if value.lower().startswith("0x") else ""
    if len(text) != 64:
        raise click.BadParameter("an order id is 0x and 64 hex digits (bytes32)", param_hint="--order-id")
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not hexadecimal", param_hint="--order-id") from None


@click.command(cls=Command, short_help="A merchant reverses a purchase, naming only its order id")
@click.option("--deployment", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The deployment record [default: this network's, "
              "deployments/<ecosystem>-<network>-<provider>.json]")  # fmt: skip
@click.option("--account", "account_alias", help="The merchant's account alias (local chain: test account 4)")
@click.option("--order-id", required=True, help="The order id the purchase was recorded under (bytes32)")
@one_line_errors
def cli(network, deployment, account_alias, order_id):
    from greenpoints.client import Client
    from greenpoints.deploy import default_record_path, load_system

    order = parse_order_id(order_id)
    system = load_system(deployment or default_record_path())
    merchant = resolve_account(account_alias, role="account", local_default=4)
    client = Client(system)
    try:
        record = client.purchase_record(merchant, order)
    except LookupError as err:
        raise click.ClickException(str(err)) from None
    reason = client.refusal("reverse_purchase", merchant, order, tuple(record))
    if reason is not None:
        raise click.ClickException(f"the pool refuses to reverse order {order.hex()}: {reason}")
    reversed_ = client.reverse_purchase(merchant, order, record)
    click.echo(
        f"order {order.hex()} reversed: {reversed_.points} points of {reversed_.consumer} burned, "
        f"{reversed_.refund} asset units refunded to {merchant.address}, {reversed_.co2e} g CO2e taken back"
    )

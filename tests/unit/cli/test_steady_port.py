"""`tests.cli.steady_port`: ports for a node a test stops and starts again, out of the range the
kernel hands to `bind(0)` (where `free_port()` and every outgoing connection take theirs)."""

import socket
from pathlib import Path

from greenpoints.anvil import free_port
from tests.cli import steady_port


def test_steady_port__twenty_draws__each_free_and_below_the_range_free_port_draws_from():
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    ports = [steady_port() for _ in range(20)]

    assert all(20_000 <= port < low for port in ports), ports
    assert free_port() >= low  # the kernel's own draws come from the range above
    for port in ports:
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))

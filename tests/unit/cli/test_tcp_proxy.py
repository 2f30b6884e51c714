"""tests/tcp_proxy.py, the proxy the monitor's and the page's tests cut and restore: it forwards
again after a restore, and a port someone else holds is an error that names the holder."""

import socket
import time

import pytest

from tests.tcp_proxy import Proxy


@pytest.fixture
def echo():
    """A one-shot echo server on a free port: (its port, the listening socket)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    yield server.getsockname()[1], server
    server.close()


def _echoed(proxy, server) -> bytes:
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=5) as client:
        peer, _ = server.accept()
        with peer:
            client.sendall(b"ping")
            peer.sendall(peer.recv(4))
            return client.recv(4)


def test_restore__after_a_cut__forwards_again_on_the_same_port(echo):
    port, server = echo
    proxy = Proxy(port)
    try:
        assert _echoed(proxy, server) == b"ping"
        proxy.cut()
        time.sleep(0.3)  # the accept thread lets the old listener go within its 0.1 s poll
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
        proxy.restore()
        assert _echoed(proxy, server) == b"ping"
    finally:
        proxy.cut()


def test_restore__port_held_by_another_listener__error_names_the_holder(echo):
    proxy = Proxy(echo[0])
    proxy.cut()
    time.sleep(0.3)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", proxy.port))
        squatter.listen()
        with pytest.raises(OSError, match=rf"port {proxy.port}: LISTEN .*127\.0\.0\.1:{proxy.port}"):
            proxy.restore(grace=0.3)

"""A TCP proxy the tests can cut and restore: a node that goes away and comes back."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import threading
import time

from tests.cli import steady_port


class Proxy:
    """Forwards 127.0.0.1:`port` to 127.0.0.1:`target`. `cut()` drops every connection and refuses
    new ones; `restore()` listens again on the same port (one no `bind(0)` elsewhere can take while
    it is cut: `steady_port`)."""

    def __init__(self, target: int):
        self.target, self.port = target, steady_port()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._server: socket.socket | None = None
        self.restore()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def restore(self, grace: float = 5.0) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Once (fresh-clone CI at 41c67e7) the port was in use when a restore bound it again, by a
        # holder nobody has named yet: `grace` seconds, then an error that names the holders.
        deadline = time.monotonic() + grace
        while True:
            try:
                server.bind(("127.0.0.1", self.port))
                break
            except OSError as err:
                if time.monotonic() > deadline:
                    server.close()
                    held = f"{err.strerror}: port {self.port}: {_holders(self.port)}"
                    raise OSError(err.errno, held) from err
                time.sleep(0.1)
        server.listen()
        server.settimeout(0.1)
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def cut(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for s in sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def _accept(self, server: socket.socket) -> None:
        while self._server is server:
            try:
                client, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            with self._lock:
                self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)


def _holders(port: int) -> str:
    """The sockets on `port`, as `ss` lists them (state, addresses, process)."""
    try:
        listed = subprocess.run(["ss", "-Htanp"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError) as err:
        return f"(ss could not list them: {err})"
    lines = [" ".join(line.split()) for line in listed.splitlines() if f":{port} " in line + " "]
    return "; ".join(lines) or "no socket listed"

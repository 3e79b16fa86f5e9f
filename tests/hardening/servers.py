"""Servers the hardening tests talk to, really listening on 127.0.0.1 (never another address):
each connection is handed to a function of the test's, on a thread of its own."""

from __future__ import annotations

import contextlib
import socket
import threading


class RawServer:
    """A TCP server on 127.0.0.1 that runs `behave(conn)` for each connection, counting
    them; closed at the end of the test."""

    def __init__(self, behave) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.behave, self.connections, self.open = behave, 0, []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            self.open.append(conn)
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError):  # the client gave up: what the tests want
            self.behave(conn)

    def url(self, path: str = "/services/T000/B000/XXXXSECRET") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.sock.close()
        for conn in self.open:
            conn.close()

"""A loopback HTTP server that answers every request a byte at a time, each byte
well within any read timeout: the token endpoint (or a box in between) that never
quite stops and never quite finishes. It drips the whole answer, or sends the head
at once and drips the body, and hangs up after ``give_up_after`` seconds."""

from __future__ import annotations

import socket
import socketserver
import threading
import time


class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        server: DripServer = self.server.drip  # type: ignore[attr-defined]
        sock: socket.socket = self.request
        sock.settimeout(10)
        try:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = sock.recv(65536)
                if not chunk:
                    return
                data += chunk
            server._connected()
            head, _, body = server.answer.partition(b"\r\n\r\n")
            head += b"\r\n\r\n"
            if not server.drip_head:
                sock.sendall(head)
                head = b""
            ends = time.monotonic() + server.give_up_after
            for byte in (head + body)[:-1]:  # the last byte never comes
                if time.monotonic() > ends or server.stopped.is_set():
                    return
                sock.sendall(bytes([byte]))
                time.sleep(server.interval)
        except OSError:
            pass  # the client gave up: that is the point


class DripServer:
    """``with DripServer(drip_head=True) as srv:`` point vcc at ``srv.url``; ``srv.connections``."""

    def __init__(
        self, *, drip_head: bool = True, interval: float = 0.1, give_up_after: float = 30.0, body_size: int = 4000
    ):
        body = b'{"access_token": "tok-drip", "token_type": "Bearer", "expires_in": 900, "pad": "'
        body += b"a" * body_size + b'"}'
        self.answer = (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        self.drip_head = drip_head
        self.interval = interval
        self.give_up_after = give_up_after
        self.connections = 0
        self.stopped = threading.Event()
        self._lock = threading.Lock()
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.drip = self  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def _connected(self) -> None:
        with self._lock:
            self.connections += 1

    def __enter__(self) -> DripServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        self._server.shutdown()
        self._server.server_close()

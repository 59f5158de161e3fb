"""A tiny HTTPS proxy for tests: answers ``CONNECT host:port`` to loopback targets
only, pipes bytes both ways, and records each tunnel and every byte it carried (so
a test can check the proxy saw no token or secret in clear)."""

from __future__ import annotations

import select
import socket
import socketserver
import threading

from vcc_cli.config import is_loopback


class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        proxy: ConnectProxy = self.server.proxy  # type: ignore[attr-defined]
        client = self.request
        client.settimeout(10)
        head = b""
        while b"\r\n\r\n" not in head and len(head) < 65536:
            chunk = client.recv(4096)
            if not chunk:
                return
            head += chunk
        request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        method, _, rest = request_line.partition(" ")
        target = rest.split(" ", 1)[0]
        host, _, port = target.rpartition(":")
        proxy._record(request_line)
        if method != "CONNECT" or not port.isdigit() or not is_loopback(host):
            client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        try:
            upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=10)
        except OSError:
            client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        with upstream:
            sockets = [client, upstream]
            while True:
                readable, _, _ = select.select(sockets, [], [], 10)
                if not readable:
                    return
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    proxy._carried(data)
                    (upstream if sock is client else client).sendall(data)


class ConnectProxy:
    """``with ConnectProxy() as proxy:`` → ``proxy.url``, ``proxy.requests``, ``proxy.traffic``."""

    def __init__(self) -> None:
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.proxy = self  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.requests: list[str] = []
        self._traffic = bytearray()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def _record(self, line: str) -> None:
        with self._lock:
            self.requests.append(line)

    def _carried(self, data: bytes) -> None:
        with self._lock:
            self._traffic += data

    @property
    def traffic(self) -> bytes:
        with self._lock:
            return bytes(self._traffic)

    def __enter__(self) -> ConnectProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

"""A loopback HTTP server that answers exactly what a test scripts, byte for byte:
any status (even 999), any headers, any body, a body cut short, chunked or not,
slowly or not. It is the "misbehaving VCC" of the fuzz tests: the token endpoint
path and the API paths each get their own scripted answer."""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from dataclasses import dataclass, field

TOKEN_PATH = "/Auth/connect/token"
FRAMINGS = ("length", "truncated", "close", "chunked", "bad-chunked")


@dataclass
class Answer:
    status: int = 200
    reason: str = "OK"
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    #: length: a right Content-Length; truncated: a Content-Length larger than the body,
    #: then the connection closes; close: no length, the end of the body is the close;
    #: chunked: Transfer-Encoding: chunked; bad-chunked: a broken chunk size.
    framing: str = "length"
    delay: float = 0.0  # seconds before the answer starts

    def encode(self) -> bytes:
        lines = [f"HTTP/1.1 {self.status} {self.reason}".encode("latin-1", "replace")]
        for name, value in self.headers:
            lines.append(f"{name}: {value}".encode("latin-1", "replace"))
        body = self.body
        if self.framing == "length":
            lines.append(f"Content-Length: {len(body)}".encode())
        elif self.framing == "truncated":
            lines.append(f"Content-Length: {len(body) + 100}".encode())
        elif self.framing == "chunked":
            lines.append(b"Transfer-Encoding: chunked")
            body = (f"{len(body):x}\r\n".encode() + body + b"\r\n" if body else b"") + b"0\r\n\r\n"
        elif self.framing == "bad-chunked":
            lines.append(b"Transfer-Encoding: chunked")
            body = b"zz\r\n" + body
        lines.append(b"Connection: close")
        return b"\r\n".join(lines) + b"\r\n\r\n" + body


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        server: ScriptedServer = self.server.scripted  # type: ignore[attr-defined]
        sock: socket.socket = self.request
        sock.settimeout(10)
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                chunk = sock.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = ([*lines[0].split(" ", 2), "", ""])[:3]
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length") or 0)
            while len(body) < length:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                body += chunk
            answer = server._received(Received(method, path, headers, body))
            if answer.delay:
                time.sleep(answer.delay)
            sock.sendall(answer.encode())
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the client gave up (a timeout test): fine


class ScriptedServer:
    """``with ScriptedServer() as srv:`` set ``srv.token_answer`` / ``srv.api_answer``,
    point vcc at ``srv.url``, read ``srv.requests``."""

    def __init__(self) -> None:
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.scripted = self  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.token_answer = Answer(
            200,
            "OK",
            [("Content-Type", "application/json")],
            b'{"access_token": "tok-scripted", "token_type": "Bearer", "expires_in": 900}',
        )
        self.api_answer = Answer(200, "OK", [("Content-Type", "application/json")], b'{"items": []}')
        self.requests: list[Received] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def _received(self, request: Received) -> Answer:
        with self._lock:
            self.requests.append(request)
            return self.token_answer if request.path.split("?")[0].lower() == TOKEN_PATH.lower() else self.api_answer

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

"""The emulator's HTTP server: one base URL serving the token endpoint, the
catalogued APIs and the loopback-only control endpoints (``/_emulator/...``,
described in ``vcc_cli.emulator``'s docstring).

Standard library only: ``http.server.ThreadingHTTPServer`` with daemon
threads, HTTP/1.1 keep-alive, a Content-Length on every response (except 204),
and a ``stop()`` that closes idle keep-alive connections so it returns at once.
"""

from __future__ import annotations

import ipaddress
import json
import re
import socket
import socketserver
import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import fields
from email.message import Message
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from vcc_cli import __version__, catalog

from .api import ApiService
from .auth import TOKEN_PATH, TokenAuthority
from .clients import DEFAULT_CLIENT, Client, parse_client
from .faults import FairUsage, Faults
from .messages import JSON_TYPE, Request, Response, json_response, message, oauth_error
from .resources import State

CONTROL_PREFIX = "/_emulator/"
MAX_BODY = 8 * 1024 * 1024
DEFAULT_RECORDING_SIZE = 1024 * 1024


def _is_loopback(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


# A wildcard address listens on every interface, loopback included.
_WILDCARD_TO_LOOPBACK = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}

_SECRET_IN_LINE = re.compile(r"(client_secret=)[^&\s\"]*", re.IGNORECASE)


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a stuck client never blocks shutdown
    request_queue_size = 128  # many clients connecting at once

    def __init__(self, address: tuple[str, int], emulator: Emulator):
        self.emulator = emulator
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a reverse DNS lookup
        # that can take seconds; the emulator never needs the name.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, OSError):
            return  # a client hanging up (reset, timeout) is not news
        if self.emulator.log is not None:
            self.emulator.log(traceback.format_exc())
        else:
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = f"vcc-emulator/{__version__}"
    sys_version = ""
    timeout = 120  # seconds an idle keep-alive connection is kept
    disable_nagle_algorithm = True  # headers and body leave without a delayed-ACK stall
    server: _Server

    def version_string(self) -> str:
        return self.server_version

    def setup(self) -> None:
        super().setup()
        self.server.emulator._track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.server.emulator._untrack(self.connection)

    def date_time_string(self, timestamp: float | None = None) -> str:
        # The Date header follows the emulator's clock, so tests can fake skew.
        return formatdate(self.server.emulator.clock() if timestamp is None else timestamp, usegmt=True)

    def log_message(self, format: str, *args: Any) -> None:
        log = self.server.emulator.log
        if log is not None:
            log(_SECRET_IN_LINE.sub(r"\1***", f"{self.address_string()} {format % args}"))

    def send_error(self, code: int, message_text: str | None = None, explain: str | None = None) -> None:
        """http.server's own errors (bad request line, 414...) as JSON too."""
        self.close_connection = True
        text = message_text or self.responses.get(code, ("error",))[0]
        self._send(message(code, text), head_only=self.command == "HEAD")

    # ----------------------------------------------------------- plumbing

    def _read_body(self) -> bytes | None:
        """The request body; None when an error was already answered."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        raw = self.headers.get("Content-Length")
        if raw is None:
            return b""
        try:
            length = int(raw)
            if length < 0:
                raise ValueError
        except ValueError:
            self.send_error(400, f"bad Content-Length {raw!r}")
            return None
        if length > MAX_BODY:
            self.send_error(413, f"the body is larger than {MAX_BODY} bytes")
            return None
        return self.rfile.read(length)

    def _read_chunked(self) -> bytes | None:
        body = bytearray()
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                self.send_error(400, "bad chunked encoding")
                return None
            if size == 0:
                break
            if len(body) + size > MAX_BODY:
                self.send_error(413, f"the body is larger than {MAX_BODY} bytes")
                return None
            body += self.rfile.read(size)
            self.rfile.readline(1024)  # the CRLF after each chunk
        while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
            pass  # trailers
        return bytes(body)

    def _send(self, response: Response, head_only: bool) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        if response.status not in (204, 304):
            length = response.length if response.stream is not None else len(response.body)
            self.send_header("Content-Length", str(length))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if head_only or response.status in (204, 304):
            return
        chunks = response.stream if response.stream is not None else [response.body] if response.body else []
        left = response.cut_after
        for chunk in chunks:
            if left is not None:
                chunk = chunk[:left]
                left -= len(chunk)
            if chunk:
                self.wfile.write(chunk)
            if left == 0:
                break
        if left is not None:  # a cut: fewer bytes than promised, then the connection closes
            self.wfile.flush()
            self.close_connection = True

    def _dispatch(self) -> None:
        emulator = self.server.emulator
        head_only = self.command == "HEAD"
        try:
            body = self._read_body()
            if body is None:
                return
            response = emulator.answer(self.command, self.path, self.headers, body, self.client_address[0])
            self._send(response, head_only)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True  # the client went away mid-answer
        except Exception:  # a bug: answer 500 rather than drop the connection
            if emulator.log is not None:
                emulator.log(traceback.format_exc())
            self.close_connection = True
            try:
                self._send(message(500, "internal emulator error"), head_only)
            except OSError:
                pass

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _dispatch


class Emulator:
    """A local VCC: token endpoint, sample APIs and control endpoints on one
    base URL (``url``). The socket is bound on creation (port 0 picks a free
    port); ``start()`` serves in a daemon thread, ``serve_forever()`` in the
    foreground; ``stop()`` ends both.

    ``host``: the address to listen on; ``url`` names a loopback address
    even when that is a wildcard (0.0.0.0, ::), since vcc accepts plain http
    only for loopback. ``clients``: Client objects or ``ID:SECRET:SCOPES``
    specs (default: the demo client with every scope). ``token_ttl``: seconds
    (also ``faults.token_ttl``; VCC's 7200 by default). ``recording_size``:
    bytes of each WAV recording.
    ``clock``: Unix seconds, for token expiry, the ``Date`` header and the
    fair-usage window.
    ``log``: called with one line per request (and tracebacks); None is quiet.
    ``scale``: how dense the generated time series are (``data.Dataset``):
    F times as many agent activities and interactions per hour; 1, the
    default, is the standard sample data. ``rate_limit``: VCC's fair usage,
    at most N API requests a minute per client ID (also
    ``faults.rate_limit``); None or 0 is off.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        clients: Iterable[Client | str] | None = None,
        token_ttl: int = 7200,
        recording_size: int = DEFAULT_RECORDING_SIZE,
        clock: Callable[[], float] = time.time,
        *,
        log: Callable[[str], None] | None = None,
        scale: float = 1.0,
        rate_limit: int | None = None,
    ):
        parsed = [parse_client(c) if isinstance(c, str) else c for c in (clients or [DEFAULT_CLIENT])]
        by_id: dict[str, Client] = {}
        for client in parsed:
            if client.client_id in by_id:
                raise ValueError(f"client {client.client_id!r} is given twice")
            by_id[client.client_id] = client
        if recording_size < 0:
            raise ValueError("recording_size must be ≥ 0 bytes")
        self.clients = by_id
        self.clock = clock
        self.log = log
        self.faults = Faults(token_ttl=int(token_ttl))
        self.faults.update({"rate_limit": rate_limit or 0})  # ValueError for a bad one
        self.state = State(clock, recording_size, self.faults, scale)  # ValueError for a bad scale
        self._fair_usage = FairUsage()
        self._server = _Server((host, port), self)
        self.host, self.port = str(self._server.server_address[0]), int(self._server.server_address[1])
        self.local_host = _WILDCARD_TO_LOOPBACK.get(self.host, self.host)
        shown = f"[{self.local_host}]" if ":" in self.local_host else self.local_host
        self.url = f"http://{shown}:{self.port}"
        self.authority = TokenAuthority(by_id, clock, lambda: self.faults.token_ttl, issuer=f"{self.url}/Auth")
        self.api = ApiService(self.authority, self.state)
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()  # counts, faults, connections
        self._connections: set[socket.socket] = set()
        self._thread: threading.Thread | None = None
        self._started = False
        self._closed = False
        self._stopped = threading.Event()

    def __repr__(self) -> str:
        return f"<Emulator {self.url} clients={sorted(self.clients)}>"

    # ------------------------------------------------------------ settings

    @property
    def token_ttl(self) -> int:
        """Lifetime in seconds of the next tokens (same as ``faults.token_ttl``)."""
        return self.faults.token_ttl

    @token_ttl.setter
    def token_ttl(self, seconds: int) -> None:
        self.faults.token_ttl = int(seconds)

    @property
    def recording_size(self) -> int:
        return self.state.recording_size

    @recording_size.setter
    def recording_size(self, size: int) -> None:
        self.state.recording_size = int(size)

    @property
    def scale(self) -> float:
        """Density of the generated time series (``data.Dataset``). Setting it
        switches to another dataset: GUIDs of the old one are unknown (404)
        from then on, and deletions made in it are forgotten."""
        return self.state.dataset.scale

    @scale.setter
    def scale(self, scale: float) -> None:
        self.state.use_scale(scale)

    @property
    def rate_limit(self) -> int:
        """API requests a minute per client ID before 429 (same as ``faults.rate_limit``); 0 is off."""
        return self.faults.rate_limit

    @rate_limit.setter
    def rate_limit(self, per_minute: int | None) -> None:
        self.faults.update({"rate_limit": per_minute or 0})

    # ----------------------------------------------------------- lifecycle

    def start(self) -> Emulator:
        """Serve in a daemon thread; returns self."""
        with self._lock:
            if self._closed:
                raise RuntimeError("this emulator was stopped; create a new one")
            if self._started:
                return self
            self._started = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.5},  # stop() wakes it at once anyway
            name=f"vcc-emulator:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve until ``stop()`` (from another thread or a signal handler).
        On Ctrl-C, stops and re-raises KeyboardInterrupt."""
        self.start()
        try:
            while not self._stopped.wait(0.2):
                pass
        except KeyboardInterrupt:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop serving, close open connections and the socket. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            started = self._started
        if started:
            # shutdown() waits for the serve loop to notice; a connection of
            # our own wakes its select() at once instead of at the next poll.
            stopper = threading.Thread(target=self._server.shutdown, daemon=True)
            stopper.start()
            while stopper.is_alive():
                self._wake()
                stopper.join(0.05)
        with self._lock:
            connections = list(self._connections)
        for conn in connections:  # wake handler threads blocked on idle keep-alives
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._stopped.set()

    def _wake(self) -> None:
        try:
            socket.create_connection((self.local_host, self.port), timeout=0.2).close()
        except OSError:
            pass

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _track(self, conn: socket.socket) -> None:
        with self._lock:
            self._connections.add(conn)

    def _untrack(self, conn: socket.socket) -> None:
        with self._lock:
            self._connections.discard(conn)

    # ------------------------------------------------------------ controls

    def counts(self) -> dict[str, int]:
        """Requests received per ``"METHOD /path"`` (no query string), control
        endpoints excluded."""
        with self._lock:
            return dict(sorted(self._counts.items()))

    def reset_counts(self) -> None:
        with self._lock:
            self._counts.clear()

    def revoke_all(self) -> int:
        """Make every token issued so far invalid (401); returns how many."""
        return self.authority.revoke_all()

    # ------------------------------------------------------------ requests

    def answer(
        self,
        method: str,
        target: str,
        headers: Message | dict[str, str] | None = None,
        body: bytes = b"",
        client_host: str = "127.0.0.1",
    ) -> Response:
        """The response to one request, without HTTP: what the server sends
        for ``method`` and ``target`` (path and query string). Faults, delays
        and counters apply as over HTTP. Tests drive it directly."""
        if not isinstance(headers, Message):
            message_headers = Message()
            for name, value in (headers or {}).items():
                message_headers[name] = value
            headers = message_headers
        url = urlsplit(target)
        raw_path = url.path or "/"
        request = Request(
            method=method.upper(),
            path=unquote(raw_path),
            query=parse_qs(url.query, keep_blank_values=True),
            headers=headers,
            body=body,
            client_host=client_host,
        )
        return self._respond(request, raw_path)

    def _respond(self, request: Request, raw_path: str) -> Response:
        if raw_path.startswith(CONTROL_PREFIX) or raw_path == CONTROL_PREFIX.rstrip("/"):
            return self._control(request, raw_path)
        delay = self.faults.delay
        if delay > 0:
            time.sleep(delay)
        with self._lock:
            self._counts[f"{request.method} {raw_path}"] += 1
        if request.path.lower() == TOKEN_PATH.lower():
            return self._token(request)
        if catalog.find_api(request.path) is not None:
            fault = self._take_fault() or self._over_fair_usage(request)
            if fault is not None:
                return fault
        return self.api.handle(request)

    def _over_fair_usage(self, request: Request) -> Response | None:
        """429 for a client over ``faults.rate_limit`` requests a minute (VCC's
        fair usage, shared by all APIs of the account). Keyed by the client ID
        of the bearer token; a request without a live token is not counted (it
        gets its 401)."""
        limit = self.faults.rate_limit
        if limit <= 0:
            return None
        scheme, _, token = (request.header("Authorization") or "").strip().partition(" ")
        grant = self.authority.lookup(token.strip()) if scheme.lower() == "bearer" else None
        if grant is None or self._fair_usage.admit(grant.client_id, limit, self.clock()):
            return None
        # No Retry-After: VCC documents none for its fair-usage 429, so a
        # client must back off on its own; this one shows whether it does.
        return message(429, f"Too Many Requests: over the fair usage limit of {limit} requests a minute")

    def _take_fault(self) -> Response | None:
        with self._lock:
            if self.faults.rate_limit_next > 0:
                self.faults.rate_limit_next -= 1
                wait = self.faults.retry_after
                return message(429, f"too many requests; retry after {wait} seconds", [("Retry-After", str(wait))])
            if self.faults.fail_next_503 > 0:
                self.faults.fail_next_503 -= 1
                return message(503, "the service is temporarily unavailable")
        return None

    def _token(self, request: Request) -> Response:
        if "client_secret" in request.query:
            return oauth_error(400, "invalid_request", "client_secret must not be sent in the URL (RFC 6749 2.3.1)")
        fault = self.faults.token_fault
        if fault == "503":
            return message(503, "the token service is temporarily unavailable")
        if fault == "html":
            page = b"<!DOCTYPE html><html><head><title>Sign in</title></head><body><h1>Proxy login</h1></body></html>"
            return Response(200, [("Content-Type", "text/html; charset=utf-8")], page)
        if fault == "not-json":
            return Response(200, [("Content-Type", JSON_TYPE)], b'{"access_token": "eyJ0eXAiOiJKV1Qi')
        if fault == "no-access-token":
            return json_response(200, {"token_type": "Bearer", "expires_in": self.faults.token_ttl})
        response = self.authority.token_endpoint(request)
        if fault == "no-expires-in" and response.status == 200:
            document = json.loads(response.body)
            document.pop("expires_in", None)
            return json_response(200, document, [h for h in response.headers if h[0] != "Content-Type"])
        return response

    def _control(self, request: Request, raw_path: str) -> Response:
        if not _is_loopback(request.client_host):
            return message(403, "the /_emulator/ control endpoints answer loopback clients only")
        name = raw_path[len(CONTROL_PREFIX) :].strip("/")
        routes: dict[str, tuple[str, ...]] = {
            "counts": ("GET",),
            "reset-counts": ("POST",),
            "revoke": ("POST",),
            "faults": ("GET", "POST"),
        }
        if name not in routes:
            return message(404, f"no control endpoint {raw_path}; there are: {', '.join(routes)}")
        method = "GET" if request.method == "HEAD" else request.method
        if method not in routes[name]:
            return message(405, f"{request.method} is not allowed on {raw_path}", [("Allow", ", ".join(routes[name]))])
        if name == "counts":
            return json_response(200, self.counts())
        if name == "reset-counts":
            self.reset_counts()
            return json_response(200, self.counts())
        if name == "revoke":
            return json_response(200, {"revoked": self.revoke_all()})
        if method == "POST":
            try:
                values = json.loads(request.body or b"{}")
                if not isinstance(values, dict):
                    raise ValueError('send a JSON object, e.g. {"rate_limit_next": 2}')
                with self._lock:
                    self.faults.update(values)
            except ValueError as exc:
                return message(400, str(exc), fields=[f.name for f in fields(Faults)])
        with self._lock:
            return json_response(200, self.faults.as_dict())

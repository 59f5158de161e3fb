"""A loopback HTTP server that plays the API for `vcc call -o` tests: ``serve(body)``
answers every GET with ``body``; ``stall_after`` bytes makes it stop mid-body until
``release()``, so that a test can signal vcc while a download is half-way."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class BodyServer:
    def __init__(self, body: bytes, stall_after: int | None):
        self.body = body
        self.stall_after = stall_after
        self._release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "audio/wav")
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                if server.stall_after is None:
                    self.wfile.write(server.body)
                    return
                self.wfile.write(server.body[: server.stall_after])
                self.wfile.flush()
                server._release.wait(30)  # mid-body until the test is done
                self.wfile.write(server.body[server.stall_after :])

        class Quiet(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # a client that went away mid-body is what some tests do

        self.httpd = Quiet(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def release(self) -> None:
        """Let a stalled answer finish."""
        self._release.set()


@contextmanager
def serve(body: bytes, *, stall_after: int | None = None):
    server = BodyServer(body, stall_after)
    thread = threading.Thread(target=server.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release()
        server.httpd.shutdown()
        server.httpd.server_close()

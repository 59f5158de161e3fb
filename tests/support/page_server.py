"""A loopback server of one big page-numbered VCC collection (``?page=N`` →
``{"items", "meta": {page, count, pageCount, totalCount}}``), pages rendered on demand,
for tests that watch a client stream: it can hold back every page after the first
until ``release`` is set, and it records the pages asked for."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class PageServer:
    def __init__(self, pages: int, per_page: int, *, hold_after_first: bool = False):
        self.pages = pages
        self.per_page = per_page
        self.release = threading.Event()
        if not hold_after_first:
            self.release.set()
        self.asked: list[int] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                # head and body go out in two writes: without this, Nagle's algorithm and the
                # client's delayed ACK hold every page back 40 ms
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                page = int(query.get("page", ["1"])[0])
                server.asked.append(page)
                if page > 1 and not server.release.wait(30):
                    return
                body = server.page(page)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def page(self, page: int) -> bytes:
        first = (page - 1) * self.per_page
        items = [
            {"agentId": f"agent-{i % 97}", "type": "presence", "start": "2026-01-01T00:00:00Z", "duration": i, "n": i}
            for i in range(first, first + self.per_page)
        ]
        total = self.pages * self.per_page
        meta = {"page": page, "count": len(items), "pageCount": self.pages, "totalCount": total}
        return json.dumps({"items": items, "meta": meta}).encode()

    def __enter__(self) -> PageServer:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()

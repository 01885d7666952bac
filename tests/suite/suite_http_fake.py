"""A tiny local HTTP server for client tests: canned answers by path, requests recorded.

(A unique module name: pytest puts every test folder on sys.path.)
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Canned:
    status: int
    body: str = ""
    content_type: str = "application/json"


@dataclass
class FakeHttp:
    """Answers `routes[(method, path)]` (or 404); keeps every request as (method, path, headers, body)."""

    routes: dict[tuple[str, str], Canned] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""

    def answer(self, method: str, path: str, status: int, body: str = "", content_type: str = "application/json"):
        self.routes[(method, path)] = Canned(status, body, content_type)


@contextmanager
def fake_http() -> Iterator[FakeHttp]:
    fake = FakeHttp()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            fake.requests.append((self.command, self.path, dict(self.headers), body))
            canned = fake.routes.get((self.command, self.path), Canned(404, '{"error": "not found"}'))
            payload = canned.body.encode()
            self.send_response(canned.status)
            self.send_header("Content-Type", canned.content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()

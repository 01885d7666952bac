"""A small real HTTP(S) server with canned answers, for tests of anything that speaks HTTP to a target.

Routes match a method and a path (exact with `answer`, a regex with `route`), under an optional prefix that `url`
also carries; anything else answers 404. Every request is kept (method, path, headers, body), in order.

    with serve(FakeHttp(prefix="/focus-server").answer("GET", "/ack", 200, "{}")) as fake:
        requests.get(fake.url + "/ack")

(`tests/` is on pytest's path: see `pythonpath` in pyproject.toml.)
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple


@dataclass
class Canned:
    status: int
    body: str = ""
    content_type: str = "application/json"


Route = Callable[[re.Match[str], bytes], Canned]


class Request(NamedTuple):
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


def answer(status: int, body: Any = "", content_type: str = "application/json") -> Route:
    """A route that always gives this answer; a body that is not a string goes as JSON."""
    text = body if isinstance(body, str) else json.dumps(body)
    return lambda _match, _body: Canned(status, text, content_type)


@dataclass
class FakeHttp:
    prefix: str = ""
    routes: list[tuple[str, re.Pattern[str], Route]] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    url: str = ""  # set by `serve`, prefix included

    def route(self, method: str, path_regex: str, handler: Route) -> FakeHttp:
        self.routes.append((method, re.compile(f"^{re.escape(self.prefix)}{path_regex}$"), handler))
        return self

    def answer(
        self, method: str, path: str, status: int, body: Any = "", content_type: str = "application/json"
    ) -> FakeHttp:
        return self.route(method, re.escape(path), answer(status, body, content_type))

    @property
    def seen(self) -> list[str]:
        return [f"{r.method} {r.path}" for r in self.requests]

    def handle(self, request: Request) -> Canned:
        self.requests.append(request)
        for method, pattern, handler in self.routes:
            found = pattern.match(request.path)
            if method == request.method and found:
                return handler(found, request.body)
        return Canned(404, json.dumps({"error": f"no route {request.method} {request.path}"}))


@contextlib.contextmanager
def serve(fake: FakeHttp, tls: ssl.SSLContext | None = None) -> Iterator[FakeHttp]:
    """Serve `fake` on a loopback port (HTTPS with `tls`) until the block ends."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            canned = fake.handle(Request(self.command, self.path, dict(self.headers), body))
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
    server.daemon_threads = True
    scheme = "http"
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    thread = threading.Thread(target=server.serve_forever, name="fake-http", daemon=True)
    thread.start()
    fake.url = f"{scheme}://127.0.0.1:{server.server_address[1]}{fake.prefix}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


def fake_http(prefix: str = "") -> contextlib.AbstractContextManager[FakeHttp]:
    """A new fake, served: `with fake_http() as fake: fake.answer(...)`."""
    return serve(FakeHttp(prefix=prefix))


def closed_port() -> int:
    """A loopback port that nothing listens on (bound and released: the kernel will not hand it out at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def focus_server_whose_streams_take_no_connection(prefix: str = "/focus-server") -> tuple[FakeHttp, int]:
    """A Focus Server REST that answers its health check and configures job 7-37, whose stream address is a
    closed port; and that port. Not served yet: `with serve(fake) as target: ...`."""
    port = closed_port()
    configured = {
        "status": "",
        "job_id": "7-37",
        "stream_url": "http://127.0.0.1",
        "stream_port": str(port),
        "stream_amount": 1,
        "channel_to_stream_index": {"1": 0},
        "channel_amount": 1,
        "frequencies_list": [0.0, 500.0],
        "frequencies_amount": 2,
        "lines_dt": 0.05,
        "view_type": "0",
    }
    fake = FakeHttp(prefix=prefix)
    fake.answer("GET", "/ack", 200, {})
    fake.answer("GET", "/channels", 200, {"lowest_channel": 1, "highest_channel": 100})
    fake.answer("POST", "/configure", 200, configured)
    return fake, port

"""Small real servers for the safety tests: a fake Focus Server REST target with canned answers (HTTP or HTTPS),
a TLS terminator in front of the stand's REST, and a TCP port that is certainly closed."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PREFIX = "/focus-server"


def closed_port() -> int:
    """A loopback port that nothing listens on (bound and released: the kernel will not hand it out at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Canned:
    status: int
    body: str = ""
    content_type: str = "application/json"


Route = Callable[[re.Match[str], bytes], Canned]


def answer(status: int, body: Any = "", content_type: str = "application/json") -> Route:
    text = body if isinstance(body, str) else json.dumps(body)
    return lambda _match, _body: Canned(status, text, content_type)


@dataclass
class FakeTarget:
    """Answers `PREFIX + path` by the first route whose (method, regex) matches; 404 otherwise."""

    routes: list[tuple[str, re.Pattern[str], Route]] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)
    url: str = ""

    def route(self, method: str, path_regex: str, handler: Route) -> FakeTarget:
        self.routes.append((method, re.compile(f"^{PREFIX}{path_regex}$"), handler))
        return self

    def handle(self, method: str, path: str, body: bytes) -> Canned:
        self.seen.append(f"{method} {path}")
        for wanted, pattern, handler in self.routes:
            found = pattern.match(path)
            if wanted == method and found:
                return handler(found, body)
        return Canned(404, json.dumps({"error": f"no route {method} {path}"}))


@contextlib.contextmanager
def serve(target: FakeTarget, tls: ssl.SSLContext | None = None) -> Iterator[FakeTarget]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            canned = target.handle(self.command, self.path, body)
            payload = canned.body.encode()
            self.send_response(canned.status)
            self.send_header("Content-Type", canned.content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    scheme = "http"
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    thread = threading.Thread(target=server.serve_forever, name="fake-target", daemon=True)
    thread.start()
    target.url = f"{scheme}://127.0.0.1:{server.server_address[1]}{PREFIX}"
    try:
        yield target
    finally:
        server.shutdown()
        server.server_close()


class TlsTerminator:
    """HTTPS in front of a plain HTTP server on the loopback: TLS ends here, bytes go on unchanged."""

    def __init__(self, upstream_port: int, context: ssl.SSLContext) -> None:
        self.upstream_port = upstream_port
        self.context = context
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._loop.set_exception_handler(lambda _loop, _context: None)  # refused handshakes are the point
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tls-terminator", daemon=True)

    def __enter__(self) -> TlsTerminator:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the TLS terminator did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def url(self, path: str = PREFIX) -> str:
        return f"https://127.0.0.1:{self.port}{path}"

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._pipe, "127.0.0.1", 0, ssl=self.context))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            server.close()
            self._loop.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            writer.close()
            return

        async def copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while chunk := await source.read(65536):
                    sink.write(chunk)
                    await sink.drain()
            except (OSError, ssl.SSLError, asyncio.IncompleteReadError):
                pass
            finally:
                with contextlib.suppress(Exception):
                    sink.close()

        await asyncio.gather(copy(reader, up_writer), copy(up_reader, writer))

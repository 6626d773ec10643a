"""A JSON service on loopback for the web metric sources: a fake crates.io
(`/api/v1/crates/{crate}/{version}`, refusing requests without a User-Agent as crates.io does)
and any other path a test sets, with ETags and 304s, chosen statuses, bad JSON, and a route
that never answers (for timeouts)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Route:
    body: Any = None
    status: int = 200
    raw: bytes | None = None
    """Sent as is (not JSON)."""
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False


class JsonServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.seen: list[dict[str, str]] = []
        """Each request's headers, in order."""
        self.not_modified = 0
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                with contextlib.suppress(ConnectionError):
                    self.answer()

            def answer(self) -> None:
                server.seen.append({k.lower(): v for k, v in self.headers.items()})
                route = server.routes.get(self.path)
                if self.path.startswith("/api/v1/crates/") and not self.headers.get("User-Agent"):
                    route = Route({"errors": [{"detail": "We require a User-Agent"}]}, 403)
                if route is None:
                    route = Route({"errors": [{"detail": "Not Found"}]}, 404)
                if route.hang:
                    server.release.wait(60)
                    return
                data = route.raw if route.raw is not None else json.dumps(route.body).encode()
                etag = '"' + hashlib.sha256(data).hexdigest()[:12] + '"'
                status = route.status
                if status == 200 and self.headers.get("If-None-Match") == etag:
                    server.not_modified += 1
                    status, data = 304, b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if route.status == 200:
                    self.send_header("ETag", etag)
                for key, value in route.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def crate(self, name: str, version: str, downloads: int) -> None:
        self.routes[f"/api/v1/crates/{name}/{version}"] = Route(
            {"version": {"crate": name, "num": version, "downloads": downloads}})

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()

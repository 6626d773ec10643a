"""A Discord-compatible webhook receiver on loopback: JSON `content` up to 2,000 characters,
`?wait=true` answers with the message, and a 429 with `retry_after` when told to throttle."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlparse


@dataclass
class Received:
    posts: list[str] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    throttle: list[float] = field(default_factory=list)
    """retry_after values to answer with (429), one per request, before accepting."""
    refused: int = 0
    fail: list[int] = field(default_factory=list)
    """Statuses (5xx) to answer with after taking a post, one per post: a far side that fails
    after it took it (the post is made)."""
    hang: list[float] = field(default_factory=list)
    """Seconds to hold the reply after taking a post, one per post (the post is made: a
    client killed meanwhile never learns it)."""


class WebhookServer:
    def __init__(self) -> None:
        self.received = Received()
        received = self.received
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with lock:
                    url = urlparse(self.path)
                    if not url.path.startswith("/api/webhooks/"):
                        return self.send(404, {"message": "Unknown Webhook", "code": 10015})
                    if received.throttle:
                        received.refused += 1
                        wait = received.throttle.pop(0)
                        return self.send(429, {"message": "You are being rate limited.",
                                               "retry_after": wait, "global": False},
                                         {"Retry-After": str(int(wait) + 1)})
                    content = json.loads(body)["content"]
                    if len(content) > 2000:
                        return self.send(400, {"message": "Invalid Form Body", "code": 50035})
                    received.posts.append(content)
                    received.times.append(time.monotonic())
                    message_id = str(1_000_000 + len(received.posts))
                    hang = received.hang.pop(0) if received.hang else 0.0
                    if received.fail:
                        status = received.fail.pop(0)
                        return self.send(status, {"message": "Bad Gateway", "code": 0})
                if hang:
                    time.sleep(hang)
                if "wait=true" not in url.query:
                    return self.send(204, None)
                return self.send(200, {"id": message_id, "content": content})

            def send(self, status: int, payload: Any, headers: dict[str, str] | None = None
                     ) -> None:
                data = b"" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = (f"http://127.0.0.1:{self.httpd.server_address[1]}/api/webhooks/"
                    "123456/tok-" + "s" * 40)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

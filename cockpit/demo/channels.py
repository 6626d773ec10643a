"""The demo's chat channels: a webhook receiver on loopback that answers as Discord does
(`?wait=true`: the message with its id) and writes each post to `channels/<name>.txt` in the
workspace, so the demo's announcements and updates really go out by webhook and can be read.

Only for the demo: a channel whose webhook variable is already set keeps it."""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cockpit.clock import utc_stamp

LIMIT = 2000
"""Discord's limit on a message's characters."""


class DemoChannels:
    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        lock = threading.Lock()
        count = [0]

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return  # the screen is the cockpit's

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                channel = self.path.split("?")[0].strip("/").rsplit("/", 1)[-1]
                try:
                    content = json.loads(body)["content"]
                except (ValueError, KeyError, TypeError):
                    return self._send(400, {"message": "Cannot send an empty message"})
                if not channel.isidentifier() or not isinstance(content, str):
                    return self._send(404, {"message": "Unknown Webhook"})
                if len(content) > LIMIT:
                    return self._send(400, {"message": "Invalid Form Body"})
                stamp = utc_stamp(datetime.now(UTC))
                with lock:
                    count[0] += 1
                    message_id = str(count[0])
                    with (folder / f"{channel}.txt").open("a") as out:
                        out.write(f"--- {stamp} (message {message_id})\n{content}\n")
                if "wait=true" not in self.path:
                    return self._send(204, None)
                return self._send(200, {"id": message_id, "content": content,
                                        "timestamp": stamp})

            def _send(self, status: int, payload: Any) -> None:
                data = b"" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="demo-channels",
                                       daemon=True)

    def url(self, channel: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/webhooks/{channel}"

    def start(self, webhooks: dict[str, str]) -> list[str]:
        """Serve; point each channel's webhook variable (`{channel: VARIABLE}`) that is not
        set at it. Returns the channels served here."""
        self.thread.start()
        served = []
        for channel, variable in webhooks.items():
            if not os.environ.get(variable):
                os.environ[variable] = self.url(channel)
                served.append(channel)
        return served

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

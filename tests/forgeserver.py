"""A GitHub REST double on loopback: the endpoints the cockpit uses, with GitHub's response
shapes and the failures that happen in practice, over a real HTTP socket.

Faults are queued per operation (`fail("upload", "502-starter")`) and each fires once:
  upload: 502-starter (the asset is left in state `starter`), drop (the connection closes
          mid-upload, leaving a starter), 422 (answer already_exists), hang (a starter, and
          no answer for 30 s: for killing the client mid-upload)
  any:    403 (no permission), rate-limit (403 with X-RateLimit-Remaining: 0),
          500 / 502 / 503 (a server error; 503 says Retry-After: 7)
Release assets carry GitHub's download_count (set it in `state.releases` to make them move).
Conditional GETs with a matching If-None-Match answer 304 and cost no rate limit (the releases
list, one release by tag, latest, search, the repository).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

TOKEN = "ghp_" + "T" * 36


@dataclass
class ForgeState:
    repository: str = "acme/caro"
    releases: list[dict[str, Any]] = field(default_factory=list)
    latest_id: int | None = None
    faults: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    uploads: list[str] = field(default_factory=list)
    """Names of completed uploads, in order (an asset uploaded twice shows twice)."""
    publishes: int = 0
    push: bool = True
    """What GET /repos/{o}/{r} says about the token's permission to write."""
    remaining: int = 5000
    search_remaining: int = 30
    issues: list[dict[str, Any]] = field(default_factory=list)
    """GitHub's issue shape: number, title, state, labels [{name}], pull_request on PRs."""
    requests: list[str] = field(default_factory=list)
    not_modified: int = 0
    """Conditional GETs answered 304 (they cost no rate limit)."""
    server_errors: int = 0
    next_id: int = 100
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, operation: str, fault: str) -> None:
        self.faults[operation].append(fault)

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def release(self, release_id: int) -> dict[str, Any] | None:
        return next((r for r in self.releases if r["id"] == release_id), None)


class ForgeServer:
    def __init__(self) -> None:
        self.state = ForgeState()
        state = self.state

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                self.handle_call("GET")

            def do_POST(self) -> None:
                self.handle_call("POST")

            def do_PATCH(self) -> None:
                self.handle_call("PATCH")

            def do_DELETE(self) -> None:
                self.handle_call("DELETE")

            def handle_call(self, method: str) -> None:
                with state.lock, contextlib.suppress(ConnectionError):
                    self.route(method)

            def body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length", 0)))

            def send(self, status: int, payload: Any = None, *, etag: str | None = None,
                     counted: bool = True, retry_after: str | None = None) -> None:
                data = b"" if payload is None else json.dumps(payload).encode()
                search = self.path.startswith("/search/")
                if counted and search and state.search_remaining > 0:
                    state.search_remaining -= 1
                elif counted and not search and state.remaining > 0:
                    state.remaining -= 1
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("X-RateLimit-Limit", "30" if search else "5000")
                self.send_header("X-RateLimit-Resource", "search" if search else "core")
                self.send_header("X-RateLimit-Remaining",
                                 str(state.search_remaining if search else state.remaining))
                self.send_header("X-RateLimit-Reset", "1900000000")
                if etag:
                    self.send_header("ETag", etag)
                if retry_after:
                    self.send_header("Retry-After", retry_after)
                self.end_headers()
                self.wfile.write(data)

            def fault(self, operation: str) -> str | None:
                queue = state.faults.get(operation) or state.faults.get("any")
                return queue.pop(0) if queue else None

            def route(self, method: str) -> None:
                url = urlparse(self.path)
                state.requests.append(f"{method} {url.path}")
                base = f"/repos/{state.repository}"
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    self.body()
                    return self.send(401, {"message": "Bad credentials"})
                upload = re.fullmatch(rf"/uploads{base}/releases/(\d+)/assets", url.path)
                operation = "upload" if upload else method.lower()
                fault = self.fault(operation)
                if fault == "403":
                    self.body()
                    return self.send(403, {"message": "Resource not accessible by integration"})
                if fault in {"500", "502", "503"}:
                    self.body()
                    state.server_errors += 1
                    return self.send(int(fault), {"message": "Server Error"},
                                     retry_after="7" if fault == "503" else None)
                if fault == "rate-limit":
                    self.body()
                    state.remaining = 0
                    return self.send(403, {"message": "API rate limit exceeded"}, counted=False)
                if upload:
                    return self.upload(int(upload.group(1)), parse_qs(url.query)["name"][0],
                                       fault)
                if method == "GET" and url.path == "/search/issues":
                    return self.search(parse_qs(url.query))
                if method == "GET" and url.path == base:
                    return self.conditional({"full_name": state.repository, "permissions": {
                        "admin": False, "push": state.push, "pull": True}})
                if method == "GET" and url.path == f"{base}/releases":
                    return self.conditional(sorted(state.releases, key=lambda r: -r["id"]))
                if method == "GET" and (m := re.fullmatch(rf"{base}/releases/tags/([^/]+)",
                                                          url.path)):
                    # GitHub's: published releases only (a draft's tag is a 404 here)
                    tag = unquote(m.group(1))
                    found = next((r for r in state.releases
                                  if r["tag_name"] == tag and not r["draft"]), None)
                    if found is None:
                        return self.send(404, {"message": "Not Found", "documentation_url":
                                               "https://docs.github.com/rest/releases/releases"
                                               "#get-a-release-by-tag-name"})
                    return self.conditional(found)
                if method == "GET" and url.path == f"{base}/releases/latest":
                    latest = state.release(state.latest_id or -1)
                    if latest is None or latest["draft"]:
                        return self.send(404, {"message": "Not Found"})
                    return self.conditional(latest)
                if method == "POST" and url.path == f"{base}/releases":
                    return self.create(json.loads(self.body()))
                if method == "PATCH" and (m := re.fullmatch(rf"{base}/releases/(\d+)", url.path)):
                    return self.update(int(m.group(1)), json.loads(self.body()))
                if method == "DELETE" and (m := re.fullmatch(rf"{base}/releases/assets/(\d+)",
                                                             url.path)):
                    for r in state.releases:
                        r["assets"] = [a for a in r["assets"] if a["id"] != int(m.group(1))]
                    return self.send(204)
                self.body()
                return self.send(404, {"message": "Not Found"})

            def conditional(self, payload: Any) -> None:
                etag = '"' + hashlib.sha256(json.dumps(payload).encode()).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    state.not_modified += 1
                    return self.send(304, None, etag=etag, counted=False)
                return self.send(200, payload, etag=etag)

            def search(self, query: dict[str, list[str]]) -> None:
                """Issue search: repo:, is:issue|pr, is:open|closed and label:"X" qualifiers."""
                terms = re.findall(r'(\w+):("[^"]*"|\S+)', query["q"][0])
                items = state.issues
                for key, value in terms:
                    value = value.strip('"')
                    if key == "repo" and value != state.repository:
                        return self.send(422, {"message": "Validation Failed"})
                    if key == "is" and value in {"open", "closed"}:
                        items = [i for i in items if i["state"] == value]
                    elif key == "is":
                        items = [i for i in items if ("pull_request" in i) == (value == "pr")]
                    elif key == "label":
                        items = [i for i in items if value in {x["name"] for x in i["labels"]}]
                per_page = int(query.get("per_page", ["30"])[0])
                return self.conditional({"total_count": len(items), "incomplete_results": False,
                                         "items": items[:per_page]})

            def create(self, body: dict[str, Any]) -> None:
                if any(r["tag_name"] == body["tag_name"] for r in state.releases):
                    return self.send(422, {"message": "Validation Failed", "errors": [
                        {"resource": "Release", "code": "already_exists", "field": "tag_name"}]})
                release_id = state.new_id()
                host = f"http://127.0.0.1:{self.server.server_address[1]}"
                release = {
                    "id": release_id, "tag_name": body["tag_name"], "name": body.get("name"),
                    "body": body.get("body"), "draft": bool(body.get("draft")),
                    "prerelease": bool(body.get("prerelease")),
                    "html_url": f"{host}/{state.repository}/releases/tag/{body['tag_name']}",
                    "upload_url": f"{host}/uploads/repos/{state.repository}/releases/"
                                  f"{release_id}/assets{{?name,label}}",
                    "assets": []}
                state.releases.append(release)
                return self.send(201, release)

            def update(self, release_id: int, body: dict[str, Any]) -> None:
                release = state.release(release_id)
                if release is None:
                    return self.send(404, {"message": "Not Found"})
                if "draft" in body:
                    if release["draft"] and not body["draft"]:
                        state.publishes += 1
                    release["draft"] = bool(body["draft"])
                if body.get("make_latest") == "true":
                    state.latest_id = release_id
                return self.send(200, release)

            def upload(self, release_id: int, name: str, fault: str | None) -> None:
                release = state.release(release_id)
                data = self.body()
                if release is None:
                    return self.send(404, {"message": "Not Found"})
                if fault == "422" or any(a["name"] == name for a in release["assets"]):
                    return self.send(422, {"message": "Validation Failed", "errors": [
                        {"resource": "ReleaseAsset", "code": "already_exists", "field": "name"}]})
                asset = {"id": state.new_id(), "name": name, "size": len(data),
                         "state": "uploaded", "download_count": 0,
                         "content_type": self.headers.get("Content-Type")}
                if fault == "hang":  # the upload never finishes (the client gets killed)
                    asset.update(state="starter", size=len(data) // 2)
                    release["assets"].append(asset)
                    state.lock.release()
                    try:
                        time.sleep(30)
                    finally:
                        state.lock.acquire()
                    return None
                if fault in {"502-starter", "drop"}:
                    asset.update(state="starter", size=len(data) // 2)
                    release["assets"].append(asset)
                    if fault == "drop":
                        self.close_connection = True
                        self.connection.shutdown(2)
                        return None
                    return self.send(502, {"message": "Server Error"})
                release["assets"].append(asset)
                state.uploads.append(name)
                return self.send(201, asset)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

"""A GitHub Actions double on loopback, behaving as GitHub's REST API does for a release
workflow with a `workflow_dispatch` trigger and a matrix job per target:

- POST .../actions/workflows/{wf}/dispatches: 204 and no body (422 for a ref that does not exist
  or an input the workflow does not declare); the run appears a moment later, queued, then in
  progress, each job's steps completing over time; on success "the workflow" uploads each
  target's asset and its `.sha256` to the release (made, published, if there is none).
- runs listed newest first with `event`, `head_branch`, `created_at`, `status`, `conclusion`,
  `actor`, `triggering_actor`; jobs with steps and their times; a job's log as a 302 to where
  it lies; release assets downloaded through a 302 too (the token is not for that host).
- cancel (202), a job made to fail at a step (`fail_step`), someone else's run of the same
  workflow dispatched at the same moment (`rival`), 5xx and secondary rate limits (`faults`).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import re
import threading
import time
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from tests.forgeserver import TOKEN

STEPS = ("Set up job", "Checkout", "Install Rust", "Build", "Upload to the release")
WORKFLOW = """name: Release
on:
  push:
    tags: ["v*"]
  workflow_dispatch:
    inputs:
      tag:
        description: The tag to build and release
        required: true
        type: string
jobs:
  build:
    name: Build ${{ matrix.target }}
    strategy:
      matrix:
        target: [x86_64-apple-darwin, aarch64-apple-darwin, x86_64-pc-windows-msvc]
    runs-on: ${{ matrix.os }}
    steps:
      - uses: actions/checkout@v4
      - run: cargo build --release --target ${{ matrix.target }}
"""


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class ActionsState:
    repository: str = "acme/caro"
    workflow: str = "release.yml"
    inputs: tuple[str, ...] = ("tag",)
    refs: tuple[str, ...] = ("main",)
    login: str = "rm"
    workflow_text: str = WORKFLOW
    workflow_state: str = "active"
    push: bool = True
    binaries: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    """target -> (asset name, bytes) the workflow builds and uploads."""
    step_seconds: float = 0.15
    fail_step: dict[str, str] = field(default_factory=dict)
    """target -> the step its job fails at."""
    rival: bool = False
    """Someone else dispatches the same workflow at the same moment as the next dispatch."""
    faults: list[str] = field(default_factory=list)
    """Answers for the next calls: "502", "secondary" (a secondary rate limit)."""
    runs: list[dict[str, Any]] = field(default_factory=list)
    jobs: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    releases: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    dispatches: list[dict[str, Any]] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    not_modified: int = 0
    """Conditional GETs of the jobs answered 304 (no rate budget spent)."""
    reruns: list[int] = field(default_factory=list)
    artifacts: bool = False
    """The workflow leaves each binary as a run's artifact (a zip), not on the release."""
    run_artifacts: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    remaining: int = 4999
    """What X-RateLimit-Remaining says (the token's hourly budget left)."""
    next_id: int = 1000
    lock: threading.RLock = field(default_factory=threading.RLock)

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id


class ActionsServer:
    def __init__(self) -> None:
        self.state = state = ActionsState()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                self.call("GET")

            def do_POST(self) -> None:
                self.call("POST")

            def call(self, method: str) -> None:
                with state.lock, contextlib.suppress(ConnectionError):
                    self.route(method)

            def send(self, status: int, payload: Any = None, *, raw: bytes | None = None,
                     headers: dict[str, str] | None = None) -> None:
                data = raw if raw is not None else (b"" if payload is None
                                                    else json.dumps(payload).encode())
                self.send_response(status)
                self.send_header("Content-Type", "application/octet-stream" if raw is not None
                                 else "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("X-RateLimit-Remaining", str(state.remaining))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def route(self, method: str) -> None:
                url = urlparse(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                state.requests.append(f"{method} {url.path}")
                if url.path.startswith("/_files/"):  # where the redirects lead: no token there
                    if "Authorization" in self.headers:
                        return self.send(400, {"message": "the token went to the file host"})
                    name = url.path.removeprefix("/_files/")
                    if name not in state.files:  # a log not written yet (the job runs)
                        return self.send(404, raw=b"<Error><Code>BlobNotFound</Code><Message>"
                                         b"The specified blob does not exist.</Message></Error>")
                    return self.send(200, raw=state.files[name])
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    return self.send(401, {"message": "Bad credentials"})
                if state.faults:
                    fault = state.faults.pop(0)
                    if fault == "secondary":
                        return self.send(403, {"message": "You have exceeded a secondary rate "
                                               "limit. Please wait a few minutes."},
                                         headers={"Retry-After": "1"})
                    return self.send(int(fault), {"message": "Server Error"})
                base = f"/repos/{state.repository}"
                wf = f"{base}/actions/workflows/{state.workflow}"
                if url.path == "/user":
                    return self.send(200, {"login": state.login})
                if method == "GET" and url.path == base:
                    return self.send(200, {"full_name": state.repository, "permissions": {
                        "admin": False, "push": state.push, "pull": True}})
                if method == "GET" and url.path == wf:
                    return self.send(200, {"id": 161335, "name": "Release", "path":
                                           f".github/workflows/{state.workflow}",
                                           "state": state.workflow_state})
                if method == "GET" and url.path == f"{base}/contents/.github/workflows/" \
                        f"{state.workflow}":
                    if parse_qs(url.query).get("ref", ["main"])[0] not in state.refs:
                        return self.send(404, {"message": "No commit found for the ref"})
                    return self.send(200, {"type": "file", "encoding": "base64", "content":
                                           base64.b64encode(state.workflow_text.encode())
                                           .decode()})
                if m := re.fullmatch(rf"{base}/branches/([^/]+)", url.path):
                    if m.group(1) not in state.refs:
                        return self.send(404, {"message": "Branch not found"})
                    return self.send(200, {"name": m.group(1), "protected": False})
                if method == "POST" and url.path == f"{wf}/dispatches":
                    return self.dispatch(json.loads(body or b"{}"))
                if method == "GET" and url.path == f"{wf}/runs":
                    q = parse_qs(url.query)
                    runs = [r for r in state.runs if r["event"] == q.get("event", ["?"])[0]
                            and r["head_branch"] == q.get("branch", ["?"])[0]]
                    return self.send(200, {"total_count": len(runs), "workflow_runs":
                                           sorted(runs, key=lambda r: -r["id"])})
                if m := re.fullmatch(rf"{base}/actions/runs/(\d+)/artifacts", url.path):
                    found = state.run_artifacts.get(int(m.group(1)), [])
                    return self.send(200, {"total_count": len(found), "artifacts": found})
                if m := re.fullmatch(rf"{base}/actions/artifacts/(\d+)/zip", url.path):
                    return self.send(302, headers={
                        "Location": f"{server.files_url}/_files/artifact-{m.group(1)}"})
                if m := re.fullmatch(rf"{base}/actions/runs/(\d+)(/jobs|/cancel|"
                                     r"/rerun-failed-jobs)?", url.path):
                    run_id = int(m.group(1))
                    run = next((r for r in state.runs if r["id"] == run_id), None)
                    if run is None:
                        return self.send(404, {"message": "Not Found"})
                    if m.group(2) == "/jobs":
                        jobs = state.jobs.get(run_id, [])
                        payload = {"total_count": len(jobs), "jobs": jobs}
                        etag = '"' + hashlib.sha256(json.dumps(payload).encode()).hexdigest()[
                            :16] + '"'
                        if self.headers.get("If-None-Match") == etag:
                            state.not_modified += 1
                            return self.send(304, headers={"ETag": etag})
                        return self.send(200, payload, headers={"ETag": etag})
                    if m.group(2) == "/rerun-failed-jobs" and method == "POST":
                        if run["status"] != "completed":
                            return self.send(403, {"message": "This workflow is already "
                                                   "running"})
                        server.rerun(run)
                        return self.send(201, {})
                    if m.group(2) == "/cancel" and method == "POST":
                        state.cancelled.append(run_id)
                        if run["status"] == "completed":
                            return self.send(409, {"message": "Cannot cancel a workflow run "
                                                   "that is completed."})
                        server.finish(run, "cancelled")
                        return self.send(202, {})
                    return self.send(200, run)
                if m := re.fullmatch(rf"{base}/actions/jobs/(\d+)/logs", url.path):
                    return self.send(302, headers={
                        "Location": f"{server.files_url}/_files/log-{m.group(1)}"})
                if m := re.fullmatch(rf"{base}/releases/tags/([^/]+)", url.path):
                    assets = state.releases.get(m.group(1))
                    if assets is None:
                        return self.send(404, {"message": "Not Found"})
                    return self.send(200, {"tag_name": m.group(1), "draft": False,
                                           "prerelease": False, "assets": assets})
                if m := re.fullmatch(rf"{base}/releases/assets/(\d+)", url.path):
                    asset = next((a for assets in state.releases.values() for a in assets
                                  if a["id"] == int(m.group(1))), None)
                    if asset is None:
                        return self.send(404, {"message": "Not Found"})
                    return self.send(302, headers={"Location": asset["browser_download_url"]})
                return self.send(404, {"message": "Not Found"})

            def dispatch(self, wanted: dict[str, Any]) -> None:
                ref, inputs = str(wanted.get("ref", "")), dict(wanted.get("inputs", {}))
                if ref not in state.refs:
                    return self.send(422, {"message": f"No ref found for: {ref}"})
                unknown = sorted(set(inputs) - set(state.inputs))
                if unknown:
                    return self.send(422, {"message": f"Unexpected inputs provided: {unknown}"})
                state.dispatches.append(wanted)
                if state.rival:  # someone else's, the same second, listed first
                    state.rival = False
                    server.start_run(ref, "someone-else", inputs)
                server.start_run(ref, state.login, inputs)
                return self.send(204)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.files = ThreadingHTTPServer(("127.0.0.1", 0), Handler)  # another origin, as
        self.files_url = f"http://127.0.0.1:{self.files.server_address[1]}"  # GitHub's is
        for httpd in (self.httpd, self.files):
            threading.Thread(target=httpd.serve_forever, daemon=True).start()

    def start_run(self, ref: str, who: str, inputs: dict[str, Any]) -> None:
        state = self.state
        run_id = state.new_id()
        run = {"id": run_id, "name": "Release", "event": "workflow_dispatch",
               "head_branch": ref, "status": "queued", "conclusion": None,
               "created_at": now(), "run_attempt": 1, "actor": {"login": who},
               "triggering_actor": {"login": who}, "inputs": inputs,
               "html_url": f"https://github.com/{state.repository}/actions/runs/{run_id}"}
        state.runs.append(run)
        state.jobs[run_id] = [
            {"id": state.new_id(), "run_id": run_id, "name": f"Build {target}",
             "status": "queued", "conclusion": None, "steps": [
                 {"name": s, "number": n, "status": "queued", "conclusion": None,
                  "started_at": None, "completed_at": None} for n, s in enumerate(STEPS, 1)]}
            for target in state.binaries]
        threading.Thread(target=self._work, args=(run, who == state.login), daemon=True).start()

    def rerun(self, run: dict[str, Any]) -> None:
        """A new attempt: the failed jobs queued again, the others kept as they ended."""
        self.state.reruns.append(run["id"])
        run.update(status="queued", conclusion=None,
                   run_attempt=int(run.get("run_attempt", 1)) + 1)
        for job in self.state.jobs[run["id"]]:
            if job["conclusion"] != "success":
                job.update(status="queued", conclusion=None)
                for step in job["steps"]:
                    step.update(status="queued", conclusion=None, started_at=None,
                                completed_at=None)
        threading.Thread(target=self._work, args=(run, True), daemon=True).start()

    def _work(self, run: dict[str, Any], uploads: bool) -> None:
        """The run, over time: queued, each step of each job in turn, then the uploads."""
        state = self.state
        time.sleep(state.step_seconds)
        with state.lock:
            if run["status"] == "completed":
                return
            run["status"] = "in_progress"
        targets = list(state.binaries)
        for n in range(len(STEPS)):
            time.sleep(state.step_seconds)
            with state.lock:
                if run["status"] == "completed":
                    return
                for job, target in zip(state.jobs[run["id"]], targets, strict=True):
                    if job["status"] == "completed":
                        continue
                    job["status"] = "in_progress"
                    step = job["steps"][n]
                    step.update(status="completed", started_at=now(), completed_at=now())
                    failed = state.fail_step.get(target) == step["name"]
                    step["conclusion"] = "failure" if failed else "success"
                    if STEPS[n] == "Upload to the release" and uploads and not failed:
                        self._upload(run, target)
                    if failed or n == len(STEPS) - 1:
                        job.update(status="completed", conclusion="failure" if failed
                                   else "success")
                        state.files[f"log-{job['id']}"] = "\n".join(
                            f"{now()} {s['name']}: {s['conclusion']}" for s in job["steps"]
                            if s["conclusion"]).encode() + (
                            b"\nerror: linking with `cc` failed" if failed else b"")
        with state.lock:
            jobs = state.jobs[run["id"]]
            self.finish(run, "success" if all(j["conclusion"] == "success" for j in jobs)
                        else "failure")

    def _upload(self, run: dict[str, Any], target: str) -> None:
        state = self.state
        tag = str(run["inputs"].get("tag", ""))
        name, data = state.binaries[target]
        if state.artifacts:  # actions/upload-artifact: a zip of the file and its .sha256
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w") as archive:
                archive.writestr(name, data)
                archive.writestr(f"{name}.sha256",
                                 f"{hashlib.sha256(data).hexdigest()}  {name}\n")
            artifact_id = state.new_id()
            state.files[f"artifact-{artifact_id}"] = buffer.getvalue()
            state.run_artifacts.setdefault(run["id"], []).append({
                "id": artifact_id, "name": name, "size_in_bytes": len(buffer.getvalue()),
                "expired": False, "archive_download_url":
                f"{self.url}/repos/{state.repository}/actions/artifacts/{artifact_id}/zip"})
            return
        assets = state.releases.setdefault(tag, [])
        for asset_name, blob in ((name, data), (f"{name}.sha256", (
                f"{hashlib.sha256(data).hexdigest()}  {name}\n").encode())):
            asset_id = state.new_id()
            state.files[f"asset-{asset_id}"] = blob
            assets.append({"id": asset_id, "name": asset_name, "size": len(blob),
                           "state": "uploaded", "download_count": 0,
                           "url": f"{self.url}/repos/{state.repository}/releases/assets/{asset_id}",
                           "browser_download_url": f"{self.files_url}/_files/asset-{asset_id}"})

    def finish(self, run: dict[str, Any], conclusion: str) -> None:
        run.update(status="completed", conclusion=conclusion)
        for job in self.state.jobs.get(run["id"], []):
            if job["status"] != "completed":
                job.update(status="completed", conclusion=conclusion)

    def close(self) -> None:
        for httpd in (self.httpd, self.files):
            httpd.shutdown()
            httpd.server_close()

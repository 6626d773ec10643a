"""`cockpit serve --web`: the read-only cockpit in a real browser (Debian's chromium, driven by
Playwright), and the access token's guard on every route."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from cockpit.config import Config
from cockpit.journal import viewers
from cockpit.journal.events import RunStarted
from cockpit.journal.store import Journal
from tests.helpers import gives_way
from tests.integration.test_serve_ssh import free_port, wait_for

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
"""As Debian's chromium runs here: none of its own connections (this machine has no internet)."""


class WebServer:
    def __init__(self, config: Config, out: Path, host: str = "127.0.0.1") -> None:
        self.port = free_port()
        self.out = out
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cockpit", "serve", "--web", "--host", host, "--port",
             str(self.port), "--config", str(config.source)], stdout=out.open("w"),
            stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(lambda: "web: http" in out.read_text(), "the server never started")
        self.url = re.search(r"web: (\S+)", out.read_text())[1]  # type: ignore[index]
        self.base = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=20)


@pytest.fixture
def guarded(config: Config, journal: Journal, tmp_path: Path) -> Iterator[WebServer]:
    """Bound beyond loopback (every address): the token is needed."""
    server = WebServer(config, tmp_path / "web.out", host="0.0.0.0")
    try:
        yield server
    finally:
        server.stop()


def test_off_loopback_every_route_needs_the_token(guarded: WebServer) -> None:
    token = re.search(r"\?token=(\S+)", guarded.url)
    assert token, f"no token in the printed URL: {guarded.url}"
    base = guarded.base
    with httpx.Client() as http:
        for path in ("/", "/ws", "/static/js/textual.js", "/static/css/xterm.css",
                     "/static/", "/nothing-here"):
            assert http.get(base + path).status_code == 403, path
            assert http.get(base + path, params={"token": "wrong"}).status_code == 403, path
        page = http.get(base + "/", params={"token": token[1]})
        assert page.status_code == 200 and "textual.js" in page.text
        assert "http" not in re.sub(r"ws://[^\"]+|http://www.w3.org[^\"]*", "", page.text)
        # the page's own files, by the cookie it was given
        assert http.get(base + "/static/js/textual.js").status_code == 200
        for path in ("/static/../../server.py", "/static/%2e%2e/%2e%2e/server.py",
                     "/static/..%2f..%2fserver.py", "/static/", "/static/js/"):
            got = http.get(base + path)  # httpx keeps the dots: the server sees them
            assert got.status_code in (403, 404), (path, got.status_code)
            assert b"import" not in got.content
    assert guarded.proc.poll() is None


def test_on_loopback_no_token_is_asked(config: Config, journal: Journal,
                                       tmp_path: Path) -> None:
    server = WebServer(config, tmp_path / "web.out")
    try:
        assert "token" not in server.url
        assert httpx.get(server.base + "/").status_code == 200
    finally:
        server.stop()


def journal_digest(path: Path) -> str:
    """Every row of every table (the file's own bytes move when the controller checkpoints
    its write-ahead log into it: the same rows, elsewhere)."""
    digest = hashlib.sha256()
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        tables = [r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        for table in tables:
            digest.update(table.encode())
            for row in db.execute(f'SELECT * FROM "{table}" ORDER BY rowid'):
                digest.update(repr(row).encode())
    return digest.hexdigest()


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (.ci/run)")
def test_a_teammate_watches_in_chromium_and_cannot_change_anything(
        config: Config, journal: Journal, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    server = WebServer(config, tmp_path / "web.out")
    drawn: list[bytes] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            asked: list[str] = []
            page.on("request", lambda request: asked.append(request.url))
            page.on("websocket", lambda ws: ws.on(
                "framereceived", lambda frame: drawn.append(
                    frame if isinstance(frame, bytes) else frame.encode())))
            page.goto(server.url)

            def drawn_in_page(text: str, message: str) -> None:
                def seen() -> bool:
                    page.wait_for_timeout(100)  # the page's own loop turns meanwhile
                    return text.encode() in b"".join(drawn)
                wait_for(seen, message)

            drawn_in_page("SPECTATOR", "the cockpit was never drawn in the browser")
            drawn_in_page("Build and Upload", "the timeline was never drawn")
            watching = viewers.watching(config.journal_path)
            assert [v.via for v in watching] == ["web"]
            environ = Path(f"/proc/{watching[0].pid}/environ").read_bytes().split(b"\0")
            assert b"MALLOC_ARENA_MAX=2" in environ  # few malloc arenas: a viewer stays small
            assert gives_way(watching[0].pid)  # the controller's CPU comes first

            journal.record(RunStarted(playbook="hotfix", operator="rm@test"), run_id="live1")
            drawn_in_page("Hotfix Deployment", "the controller's run never reached the browser")
            before = journal_digest(config.journal_path)
            rows = journal.last_id()
            page.locator("#terminal").click()
            for key in ("H", "R", "I", "g", "u", "Enter", "y", "b", "Enter", "c"):
                page.keyboard.press(key)  # the controller's keys: here they change nothing
                page.wait_for_timeout(150)
            drawn_in_page("build matrix", "keys never reached the spectator (b: builds mode)")
            page.screenshot(path=str(tmp_path / "browser.png"))
            assert journal.last_id() == rows, [
                (e.kind, e.payload) for e in journal.events(after=rows)]
            assert journal_digest(config.journal_path) == before
            assert all(url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:"))
                       for url in asked), asked  # nothing from the internet
            browser.close()
        wait_for(lambda: not viewers.watching(config.journal_path),
                 "the browser's spectator was left behind when the page went")
    finally:
        server.stop()
    time.sleep(0.1)


def test_another_sites_page_cannot_open_the_websocket(config: Config, journal: Journal,
                                                        tmp_path: Path) -> None:
    server = WebServer(config, tmp_path / "web.out")
    try:
        foreign = httpx.get(server.base + "/ws", headers={"Origin": "http://evil.example"})
        assert foreign.status_code == 403
        own = httpx.get(server.base + "/", headers={"Origin": server.base})
        assert own.status_code == 200
    finally:
        server.stop()


def test_the_server_stopping_takes_its_viewers_with_it(config: Config, journal: Journal,
                                                        tmp_path: Path) -> None:
    """A viewer leads a session of its own (it gives way to the controller), so a signal to
    the server's process group no longer reaches it: the server ends it."""
    import asyncio

    import aiohttp

    server = WebServer(config, tmp_path / "web.out")

    async def watch_then_stop() -> int:
        async with aiohttp.ClientSession() as http, \
                http.ws_connect(f"ws://127.0.0.1:{server.port}/ws?width=80&height=24") as ws:
            async def read() -> None:  # the page reads on: the server's close is answered
                async for _ in ws:
                    pass

            reading = asyncio.create_task(read())
            for _ in range(300):
                found = viewers.watching(config.journal_path)
                if found:
                    break
                await asyncio.sleep(0.1)
            assert found, "no viewer started for the websocket"
            pid = found[0].pid
            assert gives_way(pid) and os.getpgid(pid) != os.getpgid(server.proc.pid)
            server.proc.send_signal(signal.SIGTERM)  # the server alone, as `kill` does
            await asyncio.to_thread(server.proc.wait, 20)
            await reading
            return pid

    try:
        pid = asyncio.run(watch_then_stop())
        wait_for(lambda: not Path(f"/proc/{pid}").exists()
                 or "Z" in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1][:3],
                 "the viewer outlived its server")
        assert not viewers.watching(config.journal_path)
    finally:
        if server.proc.poll() is None:
            server.stop()

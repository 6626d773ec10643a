"""`cockpit serve --web`: the read-only cockpit in a browser, through textual-serve (each page's
websocket drives a spectator process of its own, `cockpit --spectate` on Textual's web driver).

On loopback nobody else can reach it. Bound to any other address it needs the access token the
printed URL carries (`?token=`; the page then keeps it in a cookie for its websocket and
files): without it every route answers 403. The page is ours, and needs nothing from the
internet (the font and the script are served from textual-serve's own files).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import html
import ipaddress
import secrets
import shlex
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server

from cockpit.serve import sessions

COOKIE = "cockpit_token"
STOP_GRACE = 5.0
PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="stylesheet" href="{static}css/xterm.css">
<style>
@font-face {{ font-family: "Roboto Mono"; src: url("{static}fonts/RobotoMono-VariableFont_wght.ttf"); }}
html, body {{ margin: 0; height: 100%; background: #101820; color: #e6e6e6; }}
#terminal {{ width: 100vw; height: 100vh; }}
#ended {{ display: none; position: absolute; top: 40%; width: 100%; text-align: center;
          font-family: "Roboto Mono", monospace; }}
body.-closed #ended {{ display: block; }}
</style>
<script src="{static}js/textual.js"></script>
</head>
<body>
<div id="ended">The session ended. <a href="" style="color: #8cf">Watch again</a></div>
<div id="terminal" class="textual-terminal" data-session-websocket-url="{websocket}"
     data-font-size="{font_size}"></div>
</body>
</html>
"""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class SpectatorWeb(Server):
    """textual-serve's server with our page, the token's guard and the sessions' record."""

    def __init__(self, journal: Path, command: list[str], host: str, port: int,
                 token: str | None, say: Callable[[str], None] = print) -> None:
        super().__init__(shlex.join(command), host=host, port=port,
                         title="Launch Cockpit (spectator)")
        self.journal, self.argv, self.token, self.say = journal, command, token, say
        self.live: set[web.WebSocketResponse] = set()

    async def close(self) -> None:
        """Every page's session ended (their spectators stopped by their handlers): a viewer
        leads a session of its own, so the server's own signal never reaches it."""
        await asyncio.gather(*(ws.close() for ws in list(self.live)), return_exceptions=True)

    def url(self) -> str:
        shown = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{shown}:{self.port}/" + (f"?token={self.token}" if self.token else "")

    @web.middleware
    async def guard(self, request: web.Request,
                    handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                    ) -> web.StreamResponse:
        """Every route: the token (query or cookie), or 403; and the websocket only for our
        own page (another site's page in the operator's browser may not open it)."""
        origin = request.headers.get("Origin")
        if origin is not None and origin.split("://", 1)[-1] != request.host:
            raise web.HTTPForbidden(text="403: this cockpit is shown only by its own page")
        if self.token is not None:
            given = request.query.get("token") or request.cookies.get(COOKIE) or ""
            if not hmac.compare_digest(given.encode(), self.token.encode()):
                raise web.HTTPForbidden(text="403: this cockpit needs the access token its URL "
                                             "carries")
        return await handler(request)

    async def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self.guard])
        app.add_routes([web.get("/", self.page), web.get("/ws", self.handle_websocket),
                        web.static("/static", self.statics_path, show_index=False,
                                   follow_symlinks=False)])
        return app

    async def page(self, request: web.Request) -> web.Response:
        query = request.query
        font = query.get("fontsize", "16")
        websocket = f"ws://{request.host}/ws"
        text = PAGE.format(title=html.escape(self.title), static="/static/",
                           websocket=html.escape(websocket),
                           font_size=int(font) if font.isdigit() and int(font) < 64 else 16)
        response = web.Response(text=text, content_type="text/html")
        if self.token is not None:
            response.set_cookie(COOKIE, self.token, httponly=True, samesite="Strict")
        return response

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """A page's session: a spectator process of its own, stopped when the page goes."""
        peer = request.remote or "?"
        name = f"browser@{peer}"
        websocket = web.WebSocketResponse(heartbeat=60)  # a busy machine is not a dead page
        await websocket.prepare(request)
        width = _number(request.query.get("width"), 80)
        height = _number(request.query.get("height"), 24)
        command = shlex.join(["env", f"MALLOC_ARENA_MAX={sessions.MALLOC_ARENAS}",
                              f"COCKPIT_SPECTATOR={name}", "COCKPIT_VIA=web", *self.argv])
        async def close() -> None:
            await websocket.close()

        service = AppService(f"exec {command}", write_bytes=websocket.send_bytes,
                             write_str=websocket.send_str, close=close,
                             download_manager=self.download_manager, debug=False)
        pid = 0
        self.live.add(websocket)
        try:
            await service.start(width, height)
            process = getattr(service, "_process", None)  # textual-serve keeps it there
            pid = getattr(process, "pid", 0)
            self.say(sessions.record(self.journal, "arrived", name=name, via="web", peer=peer,
                                     pid=pid))
            await self._process_messages(websocket, service)
        except ConnectionError:
            pass  # the page went: the finally stops its spectator
        finally:
            self.live.discard(websocket)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(service.stop(), STOP_GRACE)
            process = getattr(service, "_process", None)
            if process is not None and process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
            if pid:
                self.say(sessions.record(self.journal, "left", name=name, via="web", peer=peer,
                                         pid=pid))
            await websocket.close()
        return websocket


def _number(text: str | None, default: int) -> int:
    return int(text) if text and text.isdigit() and 0 < int(text) < 1000 else default


async def serve(journal: Path, command: list[str], host: str, port: int,
                say: Callable[[str], None] = print
                ) -> tuple[web.AppRunner, SpectatorWeb]:
    """Listen; returns the runner (to stop: the server's `close`, then the runner's
    `cleanup`) and the server (its `url()` to share)."""
    token = None if is_loopback(host) else secrets.token_urlsafe(24)
    server = SpectatorWeb(journal, command, host, port, token, say)
    runner = web.AppRunner(await server._make_app(), handle_signals=False, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    say(f"web: {server.url()}" + ("" if token is None else
                                  "  (the token is needed: share the whole URL)"))
    return runner, server

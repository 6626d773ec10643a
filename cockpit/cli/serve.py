"""`cockpit serve --ssh | --web [--host H] [--port P]`: the read-only cockpit for teammates
elsewhere, until ctrl-c; who comes and goes is printed and kept beside the journal."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from pathlib import Path

from cockpit.cli.loading import load_config_of
from cockpit.errors import CockpitError, Problem


def command(args: argparse.Namespace) -> int:
    config = load_config_of(args)
    if not config.journal_path.exists():
        raise CockpitError([Problem(f"there is no journal at {config.journal_path} to watch",
                                    field="[journal]", fix="open the cockpit (or run "
                                    "`cockpit check`) once, then serve it")], exit_code=2)
    port = args.port or (2222 if args.ssh else 8000)
    if not 0 < port < 65536:
        raise CockpitError([Problem(f"no such port: {port}", field="--port",
                                    fix="a number from 1 to 65535")], exit_code=2)
    return asyncio.run(_serve(config.source, config.journal_path, args.ssh, args.host, port))


async def _serve(source: Path, journal: Path, ssh: bool, host: str, port: int) -> int:
    from cockpit.serve.sessions import sessions_path, spectator_command

    argv = spectator_command(source)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        if ssh:
            from cockpit.serve import ssh as server

            acceptor, relay = await server.serve(journal, argv, host, port, say=_say)
            _say(f"  sessions are kept in {sessions_path(journal)}; ctrl-c stops serving")
            await stop.wait()
            acceptor.close()
            await relay.close()
        else:
            from cockpit.serve import web

            runner, pages = await web.serve(journal, argv, host, port, say=_say)
            _say(f"  sessions are kept in {sessions_path(journal)}; ctrl-c stops serving")
            await stop.wait()
            with contextlib.suppress(Exception):
                await pages.close()  # each page's viewer leads its own session: ended here
                await runner.cleanup()
    except OSError as exc:
        raise CockpitError([Problem(f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                                    field="--port" if "use" in str(exc) else "--host",
                                    fix="choose another --port, or stop what listens there")],
                           exit_code=2) from None
    return 0


def _say(line: str) -> None:
    print(line, flush=True)

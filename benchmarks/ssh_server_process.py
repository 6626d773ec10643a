"""Runs the test SSH server in its own process (a builder is another machine, not our loop).

Prints `PORT IDENTITY KNOWN_HOSTS` on one line, then serves until killed."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.sshserver import start_ssh_server


async def main() -> None:
    fx = await start_ssh_server(Path(sys.argv[1]))
    print(fx.port, fx.identity, fx.known_hosts, fx.home, flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())

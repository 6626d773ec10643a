"""Who came to watch and when they left, as JSON lines beside the journal
(`journal.db.sessions`): the journal itself is the controller's, which a server cannot write
while a cockpit holds it; this file can be read beside it (`cockpit serve` prints each line).
Names and addresses only, never what a spectator typed."""

from __future__ import annotations

import json
import os
import shutil
import sys
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

_write = threading.Lock()


def sessions_path(journal: Path) -> Path:
    return journal.with_name(journal.name + ".sessions")


NICE = 10
"""Where the idle scheduling class is not to be had: how much lower the viewers' CPU priority
is than the server's and the controller's."""


def spectator_command(config_file: Path) -> list[str]:
    """What each viewer runs: the spectator, in a process of its own, scheduled to take only
    the CPU nothing else wants (Linux's SCHED_IDLE, through util-linux's chrt; else nice):
    on a busy machine the controller's keys and journal come first, always."""
    lower = (["chrt", "--idle", "0"] if sys.platform == "linux" and shutil.which("chrt")
             else ["nice", "-n", str(NICE)])
    return [*lower, sys.executable, "-m", "cockpit", "--config", str(config_file),
            "--spectate"]


MALLOC_ARENAS = "2"
"""glibc's malloc arenas for a viewer (its default: eight per core). The spectator's threads
(the journal's poll, the terminal's reader and writer) each got an arena whose freed memory
stayed in the process: with two, a viewer streaming four logs holds ~90 MB, not 105-150."""


def spectator_env(name: str, via: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The viewer's environment: who it is (for the others' count); not the server's own
    COLUMNS and LINES, which would override the size of the viewer's own terminal; few
    malloc arenas (MALLOC_ARENAS)."""
    env = {k: v for k, v in os.environ.items() if k not in {"COLUMNS", "LINES"}}
    return {"MALLOC_ARENA_MAX": MALLOC_ARENAS, **env, **(extra or {}),
            "COCKPIT_SPECTATOR": name, "COCKPIT_VIA": via}


def record(journal: Path, what: str, **fields: str | int | Sequence[int]) -> str:
    """Append one session event; returns the line as printed."""
    entry = {"at": datetime.now(UTC).isoformat(timespec="seconds"), "event": what, **fields}
    line = json.dumps(entry)
    with _write, sessions_path(journal).open("a") as out:
        out.write(line + "\n")
    return line

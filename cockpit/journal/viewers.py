"""Who watches a journal: each spectator process (in a terminal here, over SSH, in a browser)
says so with a file of its own in a directory beside the journal (`journal.db.viewers/PID`),
removed when it exits. A spectator killed outright leaves its file: a file whose process is
gone counts for nobody. Never the journal itself: a spectator cannot write there.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Viewer:
    pid: int
    name: str
    via: str
    """terminal | ssh | web"""


def viewers_dir(journal: Path) -> Path:
    return journal.with_name(journal.name + ".viewers")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's, alive
        return True
    return True


def arrive(journal: Path, name: str, via: str) -> Path | None:
    """Say this process watches (None when the directory cannot be written: it then counts
    for nobody, and nothing else changes)."""
    folder = viewers_dir(journal)
    path = folder / f"{socket.gethostname()}-{os.getpid()}"
    try:
        folder.mkdir(exist_ok=True)
        path.write_text(json.dumps({"pid": os.getpid(), "name": name, "via": via}))
    except OSError:
        return None
    return path


def leave(path: Path | None) -> None:
    if path is not None:
        with contextlib.suppress(OSError):
            path.unlink()


def watching(journal: Path) -> list[Viewer]:
    """The spectators watching now on this host (a dead one's file is passed over)."""
    folder = viewers_dir(journal)
    host = socket.gethostname() + "-"
    found = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    for entry in entries:
        try:
            data = json.loads(entry.read_text())
            pid = int(data["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if not entry.name.startswith(host):
            continue
        if _alive(pid):
            found.append(Viewer(pid, str(data.get("name", "?")), str(data.get("via", "?"))))
        else:  # a spectator killed outright: its file goes (a later pid may take its number)
            with contextlib.suppress(OSError):
                entry.unlink()
    return found

"""Who controls a journal: the controller holds an exclusive flock on the journal file itself
for as long as it lives (deleting or editing any file cannot make a second one), and writes
who it is in a side file ("…, exited" once it closes). A spectator asks whether that lock is
still held, so it can say a controller died instead of showing its run as running."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


def lock_path(journal: Path) -> Path:
    """The side file the controller locks."""
    return journal.with_name(journal.name + ".lock")


def controller_gone(journal: Path) -> str | None:
    """None while a controller holds the lock; else who held it last ("nobody" if no one
    ever did). A quick test (a shared lock taken and given back at once): still, call it off
    the UI's thread."""
    try:
        fd = os.open(journal, os.O_RDONLY)  # the claim is a lock on the journal itself
    except FileNotFoundError:
        return "nobody"
    except OSError:
        return None  # cannot tell: say nothing rather than something false
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return None  # held: the controller lives
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
    try:  # who held it last (the side file the controller writes)
        return lock_path(journal).read_text(errors="replace").strip()[:512] or "nobody"
    except OSError:
        return "nobody"

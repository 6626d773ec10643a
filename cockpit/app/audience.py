"""Who watches, journaled by the controller: each spectator's arrival and departure (what the
viewers' files beside the journal say, read once a second on the poll's thread) becomes a
`Spectator` event, so a replay and the record know who was watching when."""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable
from pathlib import Path

from cockpit.journal import viewers
from cockpit.journal.events import Spectator
from cockpit.journal.store import Journal

TRIM_EVERY = 10
"""Reads of who watches (one a second) between two returns of freed memory to the system."""


class Audience:
    def __init__(self) -> None:
        self.seen: dict[int, viewers.Viewer] = {}
        self.count = 0
        """How many watch, besides this process."""
        self._read: list[viewers.Viewer] | None = None
        self._reads = 0

    def read(self, journal: Path) -> None:
        """On the poll's worker thread: who watches now; every TRIM_EVERY reads, the memory
        freed since given back (`trim`)."""
        self._read = viewers.watching(journal)
        self._reads += 1
        if self._reads % TRIM_EVERY == 0:
            trim()

    def settle(self, journal: Journal) -> None:
        """On the UI's thread, after the poll: the count, and (the controller) each arrival
        and departure journaled once."""
        if self._read is None:
            return
        now = {v.pid: v for v in self._read if v.pid != os.getpid()}
        self._read, self.count = None, len(now)
        if journal.writable:
            for pid in now.keys() - self.seen.keys():
                v = now[pid]
                journal.record(Spectator(event="arrived", name=v.name, via=v.via, pid=pid))
            for pid in self.seen.keys() - now.keys():
                v = self.seen[pid]
                journal.record(Spectator(event="left", name=v.name, via=v.via, pid=pid))
        self.seen = now


def trim() -> None:
    """glibc keeps the memory a burst freed (a poll that read a second of four logs streaming
    while the machine was busy) for the process: with twenty-five spectators each held 110-150
    MB though they used ~60. malloc_trim gives it back (a millisecond or two, off the UI's
    thread). Elsewhere than glibc: nothing to do."""
    if not _LIBC:
        try:
            libc = ctypes.CDLL(None)
            _LIBC.append(libc.malloc_trim)  # glibc has it; another libc may not
        except (OSError, AttributeError):
            _LIBC.append(None)
    if _LIBC[0] is not None:
        _LIBC[0](0)


_LIBC: list[Callable[[int], int] | None] = []

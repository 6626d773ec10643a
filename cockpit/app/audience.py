"""Who watches, journaled by the controller: each spectator's arrival and departure (what the
viewers' files beside the journal say, read once a second on the poll's thread) becomes a
`Spectator` event, so a replay and the record know who was watching when."""

from __future__ import annotations

import os
from pathlib import Path

from cockpit.journal import viewers
from cockpit.journal.events import Spectator
from cockpit.journal.store import Journal


class Audience:
    def __init__(self) -> None:
        self.seen: dict[int, viewers.Viewer] = {}
        self.count = 0
        """How many watch, besides this process."""
        self._read: list[viewers.Viewer] | None = None

    def read(self, journal: Path) -> None:
        """On the poll's worker thread: who watches now."""
        self._read = viewers.watching(journal)

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

"""Moving the journal's write-ahead log into the database file, off the event loop."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from pathlib import Path


class Checkpointer:
    """Moves the WAL into the database file from a thread of its own, once a second.

    SQLite's automatic checkpoint runs inside a commit, on the event loop, and doubles the
    cost of appending a flood of build output; here it overlaps with the loop (SQLite
    releases the GIL while it does I/O). A passive checkpoint never blocks a writer.
    """

    def __init__(self, path: Path, interval: float = 1.0) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(path, interval),
                                        name="journal-checkpoint", daemon=True)
        self._thread.start()

    def _run(self, path: Path, interval: float) -> None:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            while not self._stop.wait(interval):
                with contextlib.suppress(sqlite3.Error):  # busy now: the next round catches up
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            conn.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

"""The journal: an append-only SQLite (WAL) record of every fact of the launch.

Facts are committed here before anything shows them; the UI, spectators and exports are
projections of it. One controller per journal holds an exclusive lock (flock on the journal
file itself; a side file says who); everyone else opens the database with ``mode=ro``, so a
spectator physically cannot write.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import getpass
import json
import os
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from cockpit.clock import Clock, SystemClock
from cockpit.errors import JournalError, Problem
from cockpit.journal.checkpoint import Checkpointer
from cockpit.journal.events import Payload, SessionStarted
from cockpit.journal.holder import controller_gone, lock_path
from cockpit.journal.problems import journal_problem as _problem
from cockpit.journal.problems import unmerged_wal, writable
from cockpit.journal.row import SELECT, Event, table_columns
from cockpit.redact import redact_value

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    ts      TEXT NOT NULL,
    session TEXT NOT NULL,
    kind    TEXT NOT NULL,
    run_id  TEXT,
    step    TEXT,
    data    TEXT NOT NULL,
    text    TEXT
);
CREATE INDEX IF NOT EXISTS events_kind ON events(kind);
CREATE INDEX IF NOT EXISTS events_run ON events(run_id);
"""


def operator_id() -> str:
    """Who acts: $COCKPIT_OPERATOR if set (a person's name on a shared account), else user@host."""
    explicit = os.environ.get("COCKPIT_OPERATOR", "").strip()
    if explicit:
        return explicit
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return f"{user}@{socket.gethostname()}"


class JournalLocked(JournalError):
    """Another controller holds this journal."""


class Journal:
    """Append and read events. Open with `Journal.controller` or `Journal.readonly`."""

    def __init__(self, path: Path, conn: sqlite3.Connection, *, writable: bool,
                 clock: Clock, session: str, lock_fd: int | None = None,
                 reader: sqlite3.Connection | None = None) -> None:
        self.path = path
        self._conn = conn
        self.writable = writable
        self.clock = clock
        self.session = session
        self._lock_fd = lock_fd
        self._claim_fd: int | None = None
        """The controller's lock on the journal file itself (the claim that counts)."""
        self._select = SELECT
        self._lock = threading.RLock()
        """The writing connection is used from the UI and from the build thread: a
        transaction runs whole."""
        self._reader = reader or conn
        self._read_lock = threading.Lock() if reader is not None else self._lock
        """A controller reads on a connection of its own: in WAL mode a read and a write run
        at the same time, so the UI reading a flood of output never holds up the build thread
        writing it (and the other way round)."""
        self._checkpointer: Checkpointer | None = None

    # opening ----------------------------------------------------------------------------

    @classmethod
    def controller(cls, path: Path, *, clock: Clock | None = None) -> Journal:
        """Open for writing, taking the controller lock; raise JournalLocked if it is held."""
        clock = clock or SystemClock()
        if path.is_dir():
            raise _problem(path, IsADirectoryError(errno.EISDIR, "is a directory"), "open")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(lock_path(path), os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise _problem(path, exc, "create the journal") from None
        try:  # the claim is a lock on the journal itself: deleting the side file (or writing
            # in it) cannot make a second controller; the side file says who holds it
            claim = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            os.close(fd)
            raise _problem(path, exc, "create the journal") from None
        if not (_take(claim) and _take(fd)):
            holder = os.pread(fd, 512, 0).decode(errors="replace").strip() or "another process"
            os.close(fd)
            os.close(claim)
            raise JournalLocked([Problem(
                f"another cockpit controls this release ({holder})",
                file=path,
                fix="watch it with `cockpit --spectate`, or stop the other cockpit first",
            )], exit_code=2) from None
        session = uuid.uuid4().hex[:12]
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{operator_id()} pid {os.getpid()}".encode(), 0)
        try:
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA wal_autocheckpoint=0")  # the checkpointer thread does it
            conn.executescript(SCHEMA)
            if "text" not in table_columns(conn):  # a journal from before the text column
                conn.execute("ALTER TABLE events ADD COLUMN text TEXT")
            reader = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            reader.execute("PRAGMA query_only=1")
        except sqlite3.Error as exc:
            os.close(fd)
            os.close(claim)
            raise _problem(path, exc, "write the journal") from None
        journal = cls(path, conn, writable=True, clock=clock, session=session, lock_fd=fd,
                      reader=reader)
        journal._claim_fd = claim
        journal._checkpointer = Checkpointer(path)
        journal.record(SessionStarted(operator=operator_id(), pid=os.getpid()))
        return journal

    @classmethod
    def readonly(cls, path: Path, *, clock: Clock | None = None, immutable: bool = False
                 ) -> Journal:
        """Open read-only (spectators): SQLite itself refuses every write. `immutable` (a
        replay): with no controller holding it and nothing in its -wal, read as immutable at
        once, so SQLite makes no -shm or -wal file beside it (nor on read-only media)."""
        if not path.exists():
            raise JournalError([Problem(
                "no journal yet: the controller has not started",
                file=path,
                fix="start `cockpit` (the controller) first, then spectate",
            )])
        if path.is_dir():
            raise _problem(path, IsADirectoryError(errno.EISDIR, "is a directory"), "open")
        frozen = (immutable and controller_gone(path) is not None
                  and unmerged_wal(path) is None)
        try:
            conn, columns = _open_readonly(path, "immutable=1" if frozen else "mode=ro")
        except sqlite3.Error as exc:
            # on read-only media (or where this user may not write) SQLite cannot make the
            # journal's -shm file and mode=ro fails: with no controller writing it, the
            # journal cannot change, and is read as immutable
            if writable(path) or controller_gone(path) is None:
                raise _problem(path, exc, "read the journal") from None
            if (stale := unmerged_wal(path)) is not None:
                raise stale from None
            try:
                conn, columns = _open_readonly(path, "immutable=1")
            except sqlite3.Error as again:
                raise _problem(path, again, "read the journal") from None
        journal = cls(path, conn, writable=False, clock=clock or SystemClock(), session="spectator")
        if "text" not in columns:  # the controller adds it when it next opens this journal
            journal._select = SELECT.replace("text FROM", "NULL FROM")
        return journal

    @classmethod
    def scratch(cls, *, clock: Clock | None = None) -> Journal:
        """A journal in memory only, with no lock: a change rehearsed on it is checked before
        the controller's lock is taken (taking it journals a session), and vanishes."""
        conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        conn.executescript(SCHEMA)
        return cls(Path(":memory:"), conn, writable=True, clock=clock or SystemClock(),
                   session="scratch")

    def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
        with self._lock, self._read_lock:  # a read or write in flight on a thread ends first:
            if self._reader is not self._conn:  # closing under it crashes SQLite
                self._reader.close()
            self._conn.close()
        if self._lock_fd is not None:  # who held it says it exited: never a stale claim
            who = os.pread(self._lock_fd, 512, 0).decode(errors="replace").strip()
            with contextlib.suppress(OSError):
                os.ftruncate(self._lock_fd, 0)
                os.pwrite(self._lock_fd, f"{who}, exited".encode(), 0)
            os.close(self._lock_fd)
            self._lock_fd = None
        if self._claim_fd is not None:
            os.close(self._claim_fd)
            self._claim_fd = None

    # writing ----------------------------------------------------------------------------

    def record(self, payload: Payload, *, run_id: str | None = None,
               step: str | None = None) -> Event:
        """Commit one typed event and return it. Strings are redacted before they are stored."""
        return self.append_many([(payload.KIND.value, run_id, step, payload.as_data())])[-1]

    def append(self, kind: str, /, *, run_id: str | None = None, step: str | None = None,
               **data: Any) -> Event:
        """Commit one event given as a kind and fields (tests, and journals being written
        by hand); the cockpit itself writes typed payloads with `record`."""
        return self.append_many([(kind, run_id, step, data)])[-1]

    def append_many(
        self, events: Iterable[tuple[str, str | None, str | None, dict[str, Any]]]
    ) -> list[Event]:
        """Commit several events in one transaction (output batches)."""
        if not self.writable:
            raise JournalError([Problem("this journal is open read-only (spectator)",
                                        file=self.path)])
        ts = self.clock.now().astimezone(UTC)
        stamp = ts.isoformat()
        rows: list[tuple[str, str | None, str | None, dict[str, Any], str, str | None]] = []
        for kind, run_id, step, data in events:
            clean = redact_value(data)
            text = clean.pop("text", None)
            if kind == "output" and "count" not in clean and isinstance(text, str):
                clean["count"] = text.count("\n") + 1  # writers that know it pass it
            if not isinstance(text, str):  # a long text is kept out of JSON: no escaping
                if text is not None:
                    clean["text"] = text
                text = None
            rows.append((kind, run_id, step, clean, json.dumps(clean), text))
        out: list[Event] = []
        try:
            with self._transaction():
                for kind, run_id, step, clean, payload, text in rows:
                    cur = self._conn.execute(
                        "INSERT INTO events (ts, session, kind, run_id, step, data, text) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (stamp, self.session, kind, run_id, step, payload, text))
                    assert cur.lastrowid is not None
                    if text is not None:
                        clean["text"] = text
                    out.append(Event(cur.lastrowid, ts, self.session, kind, run_id, step, clean))
        except sqlite3.Error as exc:
            raise _problem(self.path, exc, "write the journal") from None
        return out

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                if self._conn.in_transaction:  # SQLite ends it itself on some errors (a
                    self._conn.execute("ROLLBACK")  # full disk): its error is the one to tell
                raise
            self._conn.execute("COMMIT")

    # reading ----------------------------------------------------------------------------

    def events(self, after: int = 0, *, kinds: Iterable[str] | None = None,
               run_id: str | None = None, upto: int | None = None,
               output_of: Collection[tuple[str, str | None]] | None = None,
               output_tail: int | None = None) -> list[Event]:
        """Events after `after`, oldest first. `output_of` (run id, step or None for every
        step) limits which output events come with their text: a screen reads the logs it
        shows, not the megabytes of every stream. With `output_tail`, only each shown log's
        newest output events holding that many lines come with their text; the ones before
        carry their line count (`data["count"]`) instead: a pane that keeps the last lines
        reads no more, however fast the stream."""
        sql = self._select
        args: list[Any] = []
        tails = output_tail is not None and bool(output_of) and "NULL FROM" not in sql
        if output_of is not None and "NULL FROM" not in sql:
            wanted = " OR ".join("(run_id = ? AND (? IS NULL OR step = ?))" for _ in output_of)
            if tails:  # shown output without its text, but for events written before "count"
                wanted = f"({wanted or '0'}) AND instr(data, '\"count\":') = 0"
            sql = sql.replace("text FROM", f"CASE WHEN kind != 'output' OR {wanted or '0'} "
                                           "THEN text END FROM")
            for source_run, source_step in output_of:
                args += [source_run, source_step, source_step]
        sql += " WHERE id > ?"
        args.append(after)
        if upto is not None:
            sql += " AND id <= ?"
            args.append(upto)
        if kinds is not None:
            kinds = list(kinds)
            sql += f" AND kind IN ({','.join('?' * len(kinds))})"
            args += kinds
        if run_id is not None:
            sql += " AND run_id = ?"
            args.append(run_id)
        try:
            with self._read_lock:
                rows = self._reader.execute(sql + " ORDER BY id", args).fetchall()
            events = [Event.from_row(r) for r in rows]
            if tails:
                self._read_tails(events, output_of or (), output_tail or 0)
        except sqlite3.Error as exc:
            raise _problem(self.path, exc, "read the journal") from None
        return events

    def output_tail(self, run_id: str, step: str | None, upto: int, lines: int) -> list[Event]:
        """The newest output events of a run's step (None: every step) up to event `upto`,
        back to where they hold `lines` lines, oldest first: read newest first and no
        further, so a pane opening on a long stream reads a few hundred events, not every
        one it ever wrote."""
        sql = (self._select + " WHERE kind = 'output' AND run_id = ? AND (? IS NULL OR step = ?)"
               " AND id <= ? ORDER BY id DESC")
        found: list[Event] = []
        held = 0
        try:
            with self._read_lock:
                for row in self._reader.execute(sql, (run_id, step, step, upto)):
                    event = Event.from_row(row)
                    found.append(event)
                    held += len(event.lines())
                    if held >= lines:
                        break
        except sqlite3.Error as exc:
            raise _problem(self.path, exc, "read the journal") from None
        found.reverse()
        return found

    def _read_tails(self, events: list[Event], sources: Collection[tuple[str, str | None]],
                    lines: int) -> None:
        """Give each source's newest output events their text, back to where they hold
        `lines` lines."""
        held: dict[tuple[str | None, str | None], int] = {}
        wanted: dict[int, Event] = {}
        for event in reversed(events):
            if event.kind != "output" or not event.unread:
                continue
            if not any(event.run_id == run and step in (None, event.step) for run, step in sources):
                continue
            key = (event.run_id, event.step)
            if held.get(key, 0) < lines:
                held[key] = held.get(key, 0) + event.unread
                wanted[event.id] = event
        ids = list(wanted)
        for start in range(0, len(ids), 500):  # within SQLite's limit on parameters
            chunk = ids[start:start + 500]
            with self._read_lock:
                rows = self._reader.execute(
                    f"SELECT id, text FROM events WHERE id IN ({','.join('?' * len(chunk))})",
                    chunk).fetchall()
            for id_, text in rows:
                wanted[id_].data["text"] = text

    def latest_values(self, kind: str, key: str, value: str) -> dict[str, tuple[Any, datetime]]:
        """The newest event of `kind` per distinct `key` field: its `value` field and when it
        was recorded, by key (the latest sample of each metric, in one query rather than a
        week of samples)."""
        sql = (f"SELECT json_extract(data, '$.{key}'), json_extract(data, '$.{value}'), ts FROM "
               f"events WHERE id IN (SELECT max(id) FROM events WHERE kind = ? GROUP BY "
               f"json_extract(data, '$.{key}'))")
        try:
            with self._read_lock:
                rows = self._reader.execute(sql, [kind]).fetchall()
        except sqlite3.Error as exc:
            raise _problem(self.path, exc, "read the journal") from None
        return {str(k): (v, datetime.fromisoformat(ts)) for k, v, ts in rows if k is not None}

    def stamps(self, after: int = 0, *, limit: int = 50_000, data_of: Collection[str] = ()
               ) -> list[tuple[int, str, str, str | None]]:
        """The ids, recorded times and kinds of the next `limit` events after `after`, oldest
        first; the data too of those of the kinds `data_of` (a replay's moments: which events
        are decisions or failures)."""
        kinds = list(data_of)
        wanted = f"kind IN ({','.join('?' * len(kinds))})" if kinds else "0"
        try:
            with self._read_lock:
                return self._reader.execute(
                    f"SELECT id, ts, kind, CASE WHEN {wanted} THEN data END FROM events "
                    "WHERE id > ? ORDER BY id LIMIT ?", [*kinds, after, limit]).fetchall()
        except sqlite3.Error as exc:
            raise _problem(self.path, exc, "read the journal") from None

    def last_id(self) -> int:
        with self._read_lock:
            row = self._reader.execute("SELECT max(id) FROM events").fetchone()
        return int(row[0] or 0)


def _open_readonly(path: Path, mode: str) -> tuple[sqlite3.Connection, set[str]]:
    conn = sqlite3.connect(f"file:{quote(str(path))}?{mode}", uri=True, isolation_level=None,
                           check_same_thread=False)
    try:
        conn.execute("SELECT count(*) FROM events").fetchone()
        return conn, table_columns(conn)
    except sqlite3.Error:
        conn.close()
        raise


def _take(fd: int) -> bool:
    """An exclusive lock, tried a few times: a spectator's probe holds a shared one for a
    moment (`holder.controller_gone`)."""
    for attempt in range(3):
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if attempt < 2:
                time.sleep(0.05)
    return False

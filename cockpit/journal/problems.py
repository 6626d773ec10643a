"""What went wrong with the journal, in words that lead to the right fix.

A journal path that is a directory, a full disk, read-only media and a file that is not a
journal at all each need a different fix; one generic hint ("check the journal path") sent
people to the wrong place.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
from pathlib import Path

from cockpit.errors import JournalError, Problem

_FULL = {errno.ENOSPC, errno.EDQUOT}
_DENIED = {errno.EROFS, errno.EACCES, errno.EPERM}


def journal_problem(path: Path, exc: BaseException, action: str) -> JournalError:
    """The error to raise when `action` ("write the journal", ...) failed with `exc`."""
    text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    code = exc.errno if isinstance(exc, OSError) else None
    if code == errno.EISDIR or path.is_dir():
        return JournalError([Problem(
            "is a directory, not a journal file", file=path, field="journal.path",
            fix=f"set [journal] path in cockpit.toml to a file, e.g. {path / 'journal.sqlite'}")])
    if code in _FULL or getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL \
            or "disk is full" in text:
        return JournalError([Problem(
            f"cannot {action}: the disk holding it is full ({_free(path.parent)} free in "
            f"{path.parent})", file=path,
            fix="free space on that disk (see `df -h " + str(path.parent) + "`), then go on: "
                "every event journaled before this one is kept (this write was undone whole)")])
    if "not a database" in text or "malformed" in text:
        return JournalError([Problem(
            "is not an SQLite journal", file=path,
            fix=f"this file is not a cockpit journal: move it away (mv {path} {path}.bad) or "
                "set [journal] path")])
    if code in _DENIED or "readonly" in text or "read-only" in text.lower() \
            or "unable to open" in text:
        return JournalError([Problem(
            f"cannot {action}: {text}", file=path,
            fix="make the journal's directory writable, or set [journal] path to a writable "
                "place")])
    return JournalError([Problem(f"cannot {action}: {text}", file=path,
                                 fix="check the journal path in [journal] path")])


def _free(directory: Path) -> str:
    try:
        return f"{shutil.disk_usage(directory).free / 1e6:,.1f} MB"
    except OSError:
        return "no space"


def writable(path: Path) -> bool:
    """Could SQLite write next to this journal (its -wal and -shm files)? Not on read-only
    media, nor in a directory this user may not write."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def unmerged_wal(path: Path) -> JournalError | None:
    """A journal read as immutable (read-only media) cannot take in its -wal file: if that
    holds events, reading would leave them out."""
    wal = path.with_name(path.name + "-wal")
    try:
        held = wal.stat().st_size
    except OSError:
        return None
    if not held:
        return None
    return JournalError([Problem(
        f"the journal's newest events are in {wal.name} ({held:,} bytes), which cannot be "
        "merged where the journal cannot be written", file=path,
        fix=f"copy {path.parent} (with {wal.name}) somewhere writable and read it there "
            "(--config with [journal] path pointing at the copy)")])

"""`cockpit replay` through the real command under a pty, on a copy of a journal from another
machine: it opens at `--at`, a key moves the moment, q quits with 0, and the copy and its
directory are exactly as they were (no byte changed, no -wal, -shm or crash file made)."""

from __future__ import annotations

import hashlib
import os
import shutil
from datetime import timedelta
from pathlib import Path

from cockpit.clock import FrozenClock
from cockpit.config import Config
from cockpit.runbook.model import Runbook
from tests.integration.test_crash_exit import Terminal
from tests.ui.test_replay_ui import FAILED_AT, journal_history


def files(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in directory.iterdir()}


def test_replay_of_a_copied_journal_moves_with_its_keys_and_writes_nothing(
        config: Config, runbook: Runbook, clock: FrozenClock, tmp_path: Path) -> None:
    journal_history(config, runbook, clock).close()
    elsewhere = tmp_path / "from-the-release-box"
    elsewhere.mkdir()
    copy = elsewhere / "journal.sqlite"
    shutil.copy2(config.journal_path, copy)
    before = files(elsewhere)
    local = FAILED_AT.astimezone(config.release.tz)
    term = Terminal(["replay", "--config", str(config.source), "--journal", str(copy),
                     "--at", local.strftime("%H:%M:%S")])
    try:
        term.wait_for(lambda: f"REPLAY {local:%H:%M:%S}" in term.text()
                      or f"{local:%a %d %b %H:%M:%S}" in term.text(), 60)
        os.write(term.fd, b"]")  # a minute on
        later = local + timedelta(minutes=1)
        term.wait_for(lambda: f"{later:%H:%M:%S}" in term.text(), 30)
        os.write(term.fd, b"q")
        term.wait_for(lambda: term.proc.poll() is not None, 30)
        code = term.proc.returncode
    finally:
        term.close()
    assert code == 0, term.text()[-2000:]
    assert files(elsewhere) == before

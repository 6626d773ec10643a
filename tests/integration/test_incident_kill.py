"""Issue 14: an incident survives SIGKILL. The real cockpit, in a pty, moves an open incident
on and is killed; the incident is still open afterwards, in the phase it was moved to, with
its clocks where the report and the journaled move put them (not the restart), and the next
change goes through."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from cockpit.config import Config
from cockpit.journal.store import Journal
from tests.unit.test_cli import cockpit


def _read_until(fd: int, wanted: bytes, limit: float = 60) -> bytes:
    seen, deadline = b"", time.monotonic() + limit
    while wanted not in seen and time.monotonic() < deadline:
        if select.select([fd], [], [], 0.2)[0]:
            try:
                seen += os.read(fd, 1 << 16)
            except OSError:
                break
    assert wanted in seen, f"{wanted!r} not shown"
    return seen


def _journaled(path: Path, kind: str, limit: float = 30) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        reader = Journal.readonly(path)
        try:
            if reader.events(kinds=[kind]):
                return
        finally:
            reader.close()
        time.sleep(0.1)
    raise AssertionError(f"no {kind} journaled")


def test_an_open_incident_and_its_clocks_survive_sigkill(config: Config) -> None:
    source = str(config.source)
    reported = (datetime.now(config.release.tz) - timedelta(minutes=3)).replace(microsecond=0)
    opened = cockpit("incident", "open", "--config", source, "--severity", "P0", "--title",
                     "Crash on start", "--scenario", "crash-on-start", "--reported-at",
                     reported.isoformat())
    assert opened.returncode == 0, opened.stderr
    pid, fd = pty.fork()
    if pid == 0:
        os.environ.update({"TERM": "xterm-256color", "COCKPIT_OPERATOR": "rm@test",
                           "PYTHONPATH": str(Path(__file__).parents[2])})
        os.execv(sys.executable, [sys.executable, "-m", "cockpit", "--config", source])
    try:
        _read_until(fd, "🔥".encode())  # the badge: the open incident, on the first screen
        os.write(fd, b"!")
        time.sleep(1.0)
        os.write(fd, b".")  # next phase: asked
        time.sleep(1.5)  # the dialog takes keys once it has settled
        os.write(fd, b"y")
        _journaled(config.journal_path, "incident_phase")
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)
    listed = cockpit("incident", "list", "--config", source, "--format", "json")
    assert listed.returncode == 0, listed.stderr
    [incident] = json.loads(listed.stdout)
    assert incident["phase"] == "alert" and incident["resolved_at"] is None
    assert datetime.fromisoformat(incident["reported_at"]) == reported
    reader = Journal.readonly(config.journal_path)
    try:
        moved = reader.events(kinds=["incident_phase"])[0].ts
    finally:
        reader.close()
    # the alert's clock: 5 minutes from when it was entered (journaled), not from now
    assert datetime.fromisoformat(incident["deadline"]) == moved + timedelta(minutes=5)
    going_on = cockpit("incident", "phase", "1", "investigate", "--config", source)
    assert going_on.returncode == 0, going_on.stderr  # the dead cockpit's lock went with it

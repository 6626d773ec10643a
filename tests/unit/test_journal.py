from __future__ import annotations

import os
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cockpit.clock import FrozenClock
from cockpit.errors import JournalError
from cockpit.journal.store import Journal, JournalLocked


def test_append_then_read_back(tmp_path: Path, clock: FrozenClock) -> None:
    j = Journal.controller(tmp_path / "j.sqlite", clock=clock)
    event = j.append("note", run_id="r1", step="s", text="hello", kind_of="x")
    j.append("step_started", run_id="r1", step="s", kind="shell")
    events = j.events()
    assert [e.kind for e in events] == ["session_started", "note", "step_started"]
    assert events[1] == event
    assert events[2].data["kind"] == "shell"
    assert j.events(after=event.id, kinds=["step_started"])[0].step == "s"
    j.close()


def test_second_controller_is_refused_and_told_why(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    first = Journal.controller(path)
    with pytest.raises(JournalLocked) as err:
        Journal.controller(path)
    assert "another cockpit controls this release (rm@test" in err.value.problems[0].message
    first.close()
    Journal.controller(path).close()  # the lock goes with its holder


def test_deleting_or_editing_the_lock_file_makes_no_second_controller(tmp_path: Path) -> None:
    """The repro: rm .cockpit/journal.sqlite.lock while the TUI controlled the release, and a
    headless run then tagged and pushed as a second controller."""
    from cockpit.journal.holder import controller_gone, lock_path

    path = tmp_path / "j.sqlite"
    first = Journal.controller(path)
    lock_path(path).unlink()
    with pytest.raises(JournalLocked):
        Journal.controller(path)
    lock_path(path).write_text("nobody at all")
    with pytest.raises(JournalLocked):
        Journal.controller(path)
    assert controller_gone(path) is None  # held: the controller lives
    first.close()
    second = Journal.controller(path)  # the claim went with its holder
    second.close()
    gone = controller_gone(path)  # not stale: who held it says it exited
    assert gone is not None and gone.endswith(", exited") and "rm@test" in gone


def test_spectator_cannot_write_even_through_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    controller = Journal.controller(path)
    spectator = Journal.readonly(path)
    with pytest.raises(JournalError, match="read-only"):
        spectator.append("note", text="nope")
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        spectator._conn.execute("INSERT INTO events (ts, session, kind, data) VALUES ('', '', '', '{}')")
    controller.append("note", text="live")
    assert spectator.events()[-1].data == {"text": "live"}  # follows the writer's commits
    spectator.close()
    controller.close()


def test_not_sqlite_file_is_named_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    path.write_text("this is not a database, it is a shopping list\n" * 100)
    with pytest.raises(JournalError) as err:
        Journal.controller(path)
    p = err.value.problems[0]
    assert p.file == path and "not an SQLite journal" in p.message
    assert p.fix and "mv" in p.fix
    assert path.read_text().startswith("this is not a database")  # untouched


@pytest.fixture
def readonly_dir(tmp_path: Path) -> Iterator[Path]:
    """A directory nobody can write to: a read-only tmpfs as root, chmod 555 otherwise."""
    target = tmp_path / "ro"
    target.mkdir()
    if os.geteuid() == 0:
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(target)],
                                 capture_output=True)
        if mounted.returncode != 0:
            pytest.skip(f"cannot mount a read-only tmpfs: {mounted.stderr.decode().strip()}")
        yield target
        subprocess.run(["umount", str(target)], check=False)
    else:
        target.chmod(0o555)
        yield target
        target.chmod(0o755)


def test_read_only_directory_is_a_clear_error(readonly_dir: Path) -> None:
    with pytest.raises(JournalError) as err:
        Journal.controller(readonly_dir / "journal.sqlite")
    p = err.value.problems[0]
    assert p.file == readonly_dir / "journal.sqlite"
    assert p.fix and "writable" in p.fix


def test_tokens_are_redacted_before_they_are_stored(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "s3cr3t-token-value-123")
    j = Journal.controller(tmp_path / "j.sqlite")
    j.append("output", text="\n".join(["using s3cr3t-token-value-123",
                                        "Authorization: Bearer abcdef1234567890",
                                        "ghp_" + "a" * 36, "https://user:pw@example.com/x",
                                        "pat github_pat_" + "b" * 30,
                                        "https://discord.com/api/webhooks/12/hook-Secret_1",
                                        "https://discordapp.com/api/webhooks/34/hook-Secret_2"]))
    raw = (tmp_path / "j.sqlite").read_bytes() + (tmp_path / "j.sqlite-wal").read_bytes()
    for secret in (b"s3cr3t", b"abcdef1234567890", b"aaaaaaaaaaaa", b"bbbbbbbbbbbb", b"hook-Secret"):
        assert secret not in raw
    lines = j.events(kinds=["output"])[0].lines()
    assert lines == ["using [GITHUB_TOKEN]", "Authorization: Bearer [redacted]", "[redacted]",
                     "https://[redacted]@example.com/x", "pat [redacted]",
                     "https://discord.com/api/webhooks/12/[redacted]",
                     "https://discordapp.com/api/webhooks/34/[redacted]"]
    j.close()


def test_spectating_before_any_controller_says_so(tmp_path: Path) -> None:
    with pytest.raises(JournalError, match="controller has not started"):
        Journal.readonly(tmp_path / "none.sqlite")



def test_a_screen_reads_only_the_output_it_shows(tmp_path: Path) -> None:
    j = Journal.controller(tmp_path / "j.sqlite")
    j.append("output", run_id="b1", step="x86", text="compiling x86")
    j.append("output", run_id="b1", step="arm", text="compiling arm")
    j.append("output", run_id="r2", step="tag", text="tagging")
    j.append("note", run_id="b1", step="arm", text="a note keeps its text")
    shown = {e.step: e.lines() for e in j.events(output_of={("b1", "x86"), ("r2", None)})}
    assert shown == {None: [], "x86": ["compiling x86"], "arm": ["a note keeps its text"],
                     "tag": ["tagging"]}
    nothing = [e for e in j.events(output_of=()) if e.kind == "output"]
    assert len(nothing) == 3 and all(e.lines() == [] for e in nothing)
    assert [ln for e in j.events() for ln in e.lines()][-2:] == ["tagging", "a note keeps its text"]
    j.close()


def test_a_pane_reads_only_the_newest_lines_of_a_flood(tmp_path: Path) -> None:
    j = Journal.controller(tmp_path / "j.sqlite")
    for i in range(10):
        j.append("output", run_id="b1", step="x86", count=100,
                 text="\n".join(f"x{i}.{k}" for k in range(100)))
    j.append("output", run_id="b1", step="arm", text="arm 1\narm 2")  # the journal counts
    shown = j.events(output_of={("b1", "x86"), ("b1", "arm")}, output_tail=250)
    x86 = [e for e in shown if e.step == "x86"]
    assert [len(e.lines()) for e in x86] == [0] * 7 + [100] * 3  # 300 lines hold the last 250
    assert [e.unread for e in x86] == [100] * 7 + [0] * 3
    assert x86[-1].lines()[-1] == "x9.99"
    arm = [e for e in shown if e.step == "arm"]
    assert arm[0].lines() == ["arm 1", "arm 2"] and arm[0].unread == 0
    whole_run = j.events(output_of={("b1", None)}, output_tail=150)  # every step of a run
    assert [len(e.lines()) for e in whole_run if e.kind == "output"] == [0] * 8 + [100] * 2 + [2]
    not_shown = [e for e in j.events(output_of={("b1", "arm")}, output_tail=250)
                 if e.step == "x86"]
    assert all(e.lines() == [] and e.unread == 100 for e in not_shown)
    everything = j.events(output_of={("b1", "x86")})  # no tail: every line of what is shown
    assert sum(len(e.lines()) for e in everything if e.step == "x86") == 1000
    j.close()


def test_a_pane_opening_on_a_long_stream_reads_its_newest_events_and_no_more(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A log pane's lines (Journal.output_tail): the newest output events of its step back to
    where they hold the lines it keeps, oldest first; the thousands before are not even
    read (a spectator opening four panes on an hour's stream held hundreds of megabytes)."""
    from cockpit.journal import row

    j = Journal.controller(tmp_path / "j.sqlite")
    for i in range(2000):
        j.append("output", run_id="b1", step="x86", text=f"x{i}.0\nx{i}.1")
        j.append("output", run_id="b1", step="arm", text=f"arm {i}")
    j.append("output", run_id="b2", step="x86", text="another run")
    newest = j.last_id()
    j.append("output", run_id="b1", step="x86", text="after the moment asked")
    read = 0
    decode = row.Event.from_row.__func__  # type: ignore[attr-defined]

    def counted(cls: type[row.Event], r: tuple[object, ...]) -> row.Event:
        nonlocal read
        read += 1
        return decode(cls, r)

    monkeypatch.setattr(row.Event, "from_row", classmethod(counted))
    tail = j.output_tail("b1", "x86", newest, 5)
    assert [ln for e in tail for ln in e.lines()] == [
        "x1997.0", "x1997.1", "x1998.0", "x1998.1", "x1999.0", "x1999.1"]
    assert read == 3  # three events hold five lines: nothing older was decoded
    whole = j.output_tail("b1", None, newest, 3)  # every step of the run, interleaved
    assert [ln for e in whole for ln in e.lines()] == ["x1999.0", "x1999.1", "arm 1999"]
    assert j.output_tail("b3", None, newest, 10) == []
    j.close()


def test_a_journal_from_before_the_text_column_still_opens(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)
    old.executescript("""
        CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, ts TEXT NOT NULL,
            session TEXT NOT NULL, kind TEXT NOT NULL, run_id TEXT, step TEXT, data TEXT NOT NULL);
        INSERT INTO events (ts, session, kind, run_id, step, data) VALUES
            ('2026-01-15T01:00:00+00:00', 's0', 'output', 'r1', 'tag', '{"text": "old line"}');
    """)
    old.commit()
    old.close()
    spectator = Journal.readonly(path)  # before any controller migrates it
    assert spectator.events()[0].lines() == ["old line"]
    spectator.close()
    controller = Journal.controller(path)
    controller.append("output", run_id="r1", step="tag", text="new line")
    assert [ln for e in controller.events() for ln in e.lines()] == ["old line", "new line"]
    tail = controller.events(output_of={("r1", "tag")}, output_tail=1)
    assert [ln for e in tail for ln in e.lines()] == ["old line", "new line"]  # no count: whole
    controller.close()


def test_the_wal_is_checkpointed_off_the_writer(tmp_path: Path) -> None:
    """Appends never pay for a checkpoint; a thread moves the WAL into the database."""
    path = tmp_path / "j.sqlite"
    j = Journal.controller(path)
    before = path.stat().st_size
    for i in range(300):
        j.append("output", run_id="r", step="s", text=f"line {i} " + "x" * 4000)
    assert path.stat().st_size == before  # nothing checkpointed inside a commit
    deadline = time.monotonic() + 5
    while path.stat().st_size < 1_000_000 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert path.stat().st_size >= 1_000_000
    j.close()


def test_the_launch_record_says_how_each_build_target_ended(tmp_path: Path) -> None:
    from cockpit.state.record import to_markdown

    j = Journal.controller(tmp_path / "j.sqlite")
    j.append("build_started", run_id="b-1", commit="abc123", retry_of=None, targets=[
        {"target": "x86", "builder": "local"}, {"target": "arm", "builder": "pi"},
        {"target": "mac", "builder": "mini"}])
    j.append("build_stage", run_id="b-1", step="x86", stage="size", state="ok", detail="0.3 MB")
    j.append("build_stage", run_id="b-1", step="x86", stage="checksum", state="ok",
             detail="2a64b00e…")
    j.append("build_stage", run_id="b-1", step="arm", stage="build", state="failed",
             detail="cancelled by the operator", cancelled=True)
    j.append("build_stage", run_id="b-1", step="mac", stage="sync", state="failed",
             detail="connection lost:\nreset by peer", lost=True)
    j.append("build_finished", run_id="b-1", status="failed",
             results={"x86": "ok", "arm": "cancelled", "mac": "builder lost"})
    j.append("build_started", run_id="b-2", commit="abc123", retry_of="b-1",
             targets=[{"target": "arm", "builder": "local"}, {"target": "mac", "builder": "mini"}])
    j.append("build_stage", run_id="b-2", step="mac", stage="build", state="failed",
             detail="cancelled by the operator", cancelled=True)  # and then no finish
    record = to_markdown(j.events(), title="caro").split("## Builds\n", 1)[1]
    assert "### build b-1: failed\ncommit abc123, started " in record
    assert "- `x86` on local: **ok**, size 0.3 MB, sha256 2a64b00e…" in record
    assert "- `arm` on pi: **cancelled** at build: cancelled by the operator" in record
    assert "- `mac` on mini: **builder lost** at sync: connection lost: reset by peer" in record
    assert "### build b-2: did not finish" in record and ", a retry of b-1" in record
    assert "- `arm` on local: **not finished**" in record
    assert "- `mac` on mini: **cancelled** at build: cancelled by the operator" in record
    j.close()

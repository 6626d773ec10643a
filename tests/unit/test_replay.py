"""A replay's pure parts: where a moment cuts the journal, the moments next to another (events,
decisions and failures), the journal's bounds, `--at`'s forms, checkpoints; and the command
line: bad input names the option (exit 2), the journal is never written."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cockpit.app.seeking import Seeker
from cockpit.cli.main import main
from cockpit.cli.replay import open_for_replay
from cockpit.clock import FrozenClock
from cockpit.config import Config
from cockpit.errors import CockpitError
from cockpit.journal.store import Journal
from cockpit.runbook.model import Runbook
from cockpit.state.replay import Checkpoints, Moments, notable, parse_at

T0 = datetime(2026, 1, 15, 13, 0, tzinfo=UTC)
NY = ZoneInfo("America/New_York")


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def moments() -> Moments:
    found = Moments()
    for id_, minute, is_notable in [(1, 0, False), (2, 1, True), (3, 1, False), (4, 5, False),
                                    (5, 3, False),  # a clock stepped back: counts at minute 5
                                    (6, 9, True), (7, 12, False)]:
        found.add(id_, at(minute), is_notable)
    return found


def test_a_moment_shows_the_events_journaled_at_or_before_it(moments: Moments) -> None:
    assert moments.upto(at(-1)) == 0 and moments.shown(at(-1)) == 0
    assert moments.upto(at(0)) == 1
    assert moments.upto(at(1)) == 3  # both events of minute 1
    assert moments.upto(at(4.9)) == 3
    assert moments.upto(at(5)) == 5  # the one stamped earlier comes with the one before it
    assert moments.upto(at(100)) == 7 and moments.shown(at(100)) == 7


def test_next_and_previous_event(moments: Moments) -> None:
    assert moments.next_event(at(-1)) == at(0)
    assert moments.next_event(at(0)) == at(1)
    assert moments.next_event(at(1)) == at(5)
    assert moments.next_event(at(12)) is None
    assert moments.previous_event(at(5)) == at(1)
    assert moments.previous_event(at(4)) == at(1)
    assert moments.previous_event(at(0)) is None


def test_next_and_previous_decision_or_failure(moments: Moments) -> None:
    assert moments.next_notable(at(0)) == at(1)
    assert moments.next_notable(at(1)) == at(9)
    assert moments.next_notable(at(9)) is None
    assert moments.previous_notable(at(12)) == at(9)
    assert moments.previous_notable(at(9)) == at(1)
    assert moments.previous_notable(at(1)) is None


def test_bounds(moments: Moments) -> None:
    assert moments.first == at(0) and moments.last == at(12)
    assert moments.clamp(at(-60)) == at(0) and moments.clamp(at(60)) == at(12)
    assert moments.clamp(at(3)) == at(3)
    empty = Moments()
    assert empty.first is None and empty.upto(at(0)) == 0 and empty.next_event(at(0)) is None
    assert empty.clamp(at(3)) == at(3)


def test_which_events_are_decisions_or_failures() -> None:
    assert notable("gate_decision", {"decision": "GO"})
    assert notable("gate_override", {})
    assert notable("step_finished", {"status": "failed"})
    assert notable("step_finished", {"status": "timeout"})
    assert not notable("step_finished", {"status": "ok"})
    assert notable("run_finished", {"status": "aborted"})
    assert notable("build_stage", {"state": "failed"})
    assert not notable("build_stage", {"state": "ok"})
    assert notable("cockpit_crashed", None) and notable("incident_opened", None)
    assert not notable("output", None) and not notable("metric_sample", None)


def test_at_forms() -> None:
    launch = datetime(2026, 1, 15, 8, 0, tzinfo=NY)
    assert parse_at("2026-01-15T14:05:00-05:00", launch, NY) == datetime(2026, 1, 15, 19, 5,
                                                                          tzinfo=UTC)
    assert parse_at("2026-01-15T14:05", launch, NY) == datetime(2026, 1, 15, 14, 5, tzinfo=NY)
    assert parse_at("14:05", launch, NY) == datetime(2026, 1, 15, 14, 5, tzinfo=NY)
    assert parse_at("14:05:30", launch, NY) == datetime(2026, 1, 15, 14, 5, 30, tzinfo=NY)
    assert parse_at("T+2h", launch, NY) == launch + timedelta(hours=2)
    assert parse_at("T-30m", launch, NY) == launch - timedelta(minutes=30)
    assert parse_at("T+1d", launch, NY) == launch + timedelta(days=1)
    reported = {"1": datetime(2026, 1, 15, 15, 0, tzinfo=UTC)}
    assert parse_at("incident:1", launch, NY, reported) == reported["1"]


@pytest.mark.parametrize(("text", "says"), [
    ("yesterday", "is not a time"), ("25:00", "is not a time of day"),
    ("incident:9", "no incident '9'"), ("T+2x", "is not a time")])
def test_bad_at_names_the_option(text: str, says: str) -> None:
    with pytest.raises(CockpitError) as raised:
        parse_at(text, T0, NY, {"1": T0})
    problem = raised.value.problems[0]
    assert raised.value.exit_code == 2 and problem.field == "--at" and says in problem.message
    assert problem.fix


def test_checkpoints_give_fresh_copies_of_the_nearest() -> None:
    kept = Checkpoints()
    assert kept.nearest(10) is None
    kept.keep(10, {"folded": [1]})
    kept.keep(20, {"folded": [1, 2]})
    found = kept.nearest(15)
    assert found == (10, {"folded": [1]})
    found[1]["folded"].append(99)  # a copy: the kept one is untouched
    assert kept.nearest(19) == (10, {"folded": [1]})
    assert kept.nearest(25) == (20, {"folded": [1, 2]}) and kept.through() == 20


def test_a_seek_from_a_checkpoint_folds_the_same_as_from_the_start(tmp_path: Path) -> None:
    clock = FrozenClock(T0)
    journal = Journal.controller(tmp_path / "journal.sqlite", clock=clock)
    for minute in range(50):
        clock.set(at(minute))
        journal.append("run_started", run_id=f"r{minute}", playbook="p", params={},
                       operator="rm", steps=["s"])
        journal.append("step_finished", run_id=f"r{minute}", step="s",
                       status="failed" if minute % 7 == 0 else "ok")
        journal.append("metric_sample", metric="downloads", value=float(minute), source="t")
    journal.close()
    reader = Journal.readonly(tmp_path / "journal.sqlite", immutable=True)
    try:
        seeker = Seeker(reader, T0, every=20)
        moments = seeker.index()
        assert len(moments) == 151 and moments.next_notable(at(0)) == at(7)
        cold = seeker.seek(moments.upto(at(33)))
        seeker.checkpoint()
        assert len(seeker.checkpoints) == 8
        warm = seeker.seek(moments.upto(at(33)))
        assert warm.through == cold.through == moments.upto(at(33))
        assert sorted(warm.launch.runs) == sorted(cold.launch.runs) and len(cold.launch.runs) == 34
        assert warm.metrics.latest("downloads") == cold.metrics.latest("downloads") == 33.0
        assert [r.status for r in warm.launch.runs.values()] == \
            [r.status for r in cold.launch.runs.values()]
    finally:
        reader.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_journal_with_its_newest_events_in_its_wal_is_read_from_a_copy(tmp_path: Path) -> None:
    """A copy from a machine where the cockpit died: the -wal holds events. Read from a
    temporary copy: every event, and nothing beside the journal changes."""
    path = tmp_path / "journal.sqlite"
    journal = Journal.controller(path, clock=FrozenClock(T0))
    journal.append("gate_decision", item="t0", decision="GO", rationale="", operator="rm")
    crashed = tmp_path / "copy"  # the files as a crash leaves them: the -wal unmerged
    crashed.mkdir()
    for name in (path.name, path.name + "-wal"):
        shutil.copy2(tmp_path / name, crashed / name)
    journal.close()
    copied = crashed / path.name
    assert (crashed / (path.name + "-wal")).stat().st_size > 0
    before = {p.name: digest(p) for p in crashed.iterdir()}
    replayed, scratch, note = open_for_replay(copied)
    try:
        assert scratch is not None and note and "-wal" in note
        assert [e.kind for e in replayed.events()][-1] == "gate_decision"
    finally:
        replayed.close()
        shutil.rmtree(scratch, ignore_errors=True)
    assert {p.name: digest(p) for p in crashed.iterdir()} == before


def test_a_closed_journal_is_read_as_immutable_and_nothing_is_made_beside_it(
        tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    Journal.controller(path, clock=FrozenClock(T0)).close()
    before = {p.name: digest(p) for p in tmp_path.iterdir()}
    replayed, scratch, note = open_for_replay(path)
    try:
        assert scratch is None and note is None
        assert replayed.events()[0].kind == "session_started"
        with pytest.raises(sqlite3.OperationalError):
            replayed._reader.execute("DELETE FROM events")
    finally:
        replayed.close()
    assert {p.name: digest(p) for p in tmp_path.iterdir()} == before


def test_command_line_bad_input(config: Config, capsys: pytest.CaptureFixture[str],
                                tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Journal.controller(config.journal_path).close()
    assert main(["replay", "--config", str(config.source), "--at", "half past"]) == 2
    err = capsys.readouterr().err
    assert "--at" in err and "is not a time" in err and "HH:MM" in err
    assert main(["replay", "--config", str(config.source), "--at", "incident:7"]) == 2
    assert "no incident '7'" in capsys.readouterr().err
    assert main(["replay", "--config", str(config.source), "--journal",
                 str(tmp_path / "nope.sqlite")]) == 2
    err = capsys.readouterr().err
    assert "no journal here" in err and "--journal" in err
    monkeypatch.chdir(tmp_path)  # no cockpit.toml here: the journal alone is not enough
    assert main(["replay", "--journal", str(config.journal_path)]) == 2
    err = capsys.readouterr().err
    assert "needs the release's cockpit.toml" in err and "--config" in err


def test_help_lists_replay_and_its_forms(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "replay" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["replay", "--help"])
    out = capsys.readouterr().out
    for said in ("--journal", "--at", "incident:ID", "HH:MM", "T+2h", "600x", "< >"):
        assert said in out


def test_at_an_incident_is_when_it_was_reported(config: Config, runbook: Runbook,
                                                clock: FrozenClock) -> None:
    """A post-mortem starts where the incident was reported (the clocks started then), not
    where it was declared."""
    from cockpit.cli.incident import fold
    from cockpit.cli.replay import _at
    from cockpit.engine import incidents as cmd

    reported = clock.now() - timedelta(minutes=20)
    journal = Journal.controller(config.journal_path, clock=clock)
    try:
        cmd.declare(journal, runbook.timeline.incidents, fold(journal).incidents,
                    title="Crash on start", severity="P0", reported_at=reported,
                    operator="rm@test")
    finally:
        journal.close()
    replayed = Journal.readonly(config.journal_path, immutable=True)
    try:
        assert _at("incident:1", config, replayed) == reported
        with pytest.raises(CockpitError) as raised:
            _at("incident:2", config, replayed)
        assert "one of: 1" in str(raised.value)
    finally:
        replayed.close()


def test_a_journal_from_before_typed_events_replays_to_its_end_as_it_folds(
        tmp_path: Path) -> None:
    """The fixture of a journal written before typed events (no text column): indexed and
    sought to its last moment, it folds as a reading of it whole does; nothing is written."""
    from cockpit.state.launch import LaunchState
    from tests.unit.test_journal_compat import FIXTURE

    copy = tmp_path / "journal.sqlite"
    shutil.copy(FIXTURE / "journal.sqlite", copy)
    before = {p.name: digest(p) for p in tmp_path.iterdir()}
    journal, scratch, _ = open_for_replay(copy)
    try:
        whole = LaunchState()
        whole.apply(journal.events())
        seeker = Seeker(journal, T0, every=7)
        moments = seeker.index()
        assert moments.last is not None and scratch is None
        seeker.checkpoint()
        folded = seeker.seek(moments.upto(moments.last))
        assert {r: s.status for r, s in folded.launch.runs.items()} == \
            {r: s.status for r, s in whole.runs.items()}
        assert folded.launch.decisions.keys() == whole.decisions.keys()
    finally:
        journal.close()
    assert {p.name: digest(p) for p in tmp_path.iterdir()} == before


def test_a_journal_a_controller_holds_is_read_as_a_spectator_reads_it(tmp_path: Path) -> None:
    """Not as immutable: the controller's -wal holds its newest events."""
    path = tmp_path / "journal.sqlite"
    controller = Journal.controller(path, clock=FrozenClock(T0))
    try:
        controller.append("gate_decision", item="t0", decision="GO", rationale="", operator="rm")
        replayed, scratch, note = open_for_replay(path)
        try:
            assert scratch is None and note is None
            assert [e.kind for e in replayed.events()][-1] == "gate_decision"
        finally:
            replayed.close()
    finally:
        controller.close()

"""`cockpit replay` driven by its keys: the moment moves by minutes, hours, events and
decisions or failures; a seek back forgets what was journaled after the moment (a log's lines
too); playing moves the clock; the journal is never written, nor anything made beside it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot

from cockpit.app.replaying import ReplayApp
from cockpit.clock import FrozenClock
from cockpit.config import Config
from cockpit.journal.store import Journal
from cockpit.runbook.model import Runbook
from screens.help import HelpScreen
from tests.conftest import FROZEN
from tests.helpers import decide_gates
from tests.ui.test_timeline_ui import SIZE, select, until
from widgets.header import CockpitHeader
from widgets.log_pane import LogPane

STEPS = ["clean-tree", "manifest-version", "tag", "push", "verify"]
RUN_AT = FROZEN - timedelta(minutes=30)
"""When tag-release started (its first two steps done, with output, by RUN_AT + 1 minute)."""
FAILED_AT = FROZEN - timedelta(minutes=10)
"""When its push failed (a second output line came with it)."""


def journal_history(config: Config, runbook: Runbook, clock: FrozenClock,
                    until: datetime | None = None) -> Journal:
    """A launch morning journaled as it happened, the clock moving between the facts (those
    after `until` not yet); returns the controller's journal, still open."""
    clock.set(FROZEN - timedelta(hours=2))
    journal = Journal.controller(config.journal_path, clock=clock)

    def at(moment: datetime) -> bool:
        if until is not None and moment > until:
            return False
        clock.set(moment)
        return True

    decide_gates(journal, runbook, before="t0-tag")
    if at(RUN_AT):
        journal.append("run_started", run_id="r1", playbook="tag-release",
                       params={"version": "1.1.0-beta"}, operator="rm@test", steps=STEPS)
    if at(RUN_AT + timedelta(minutes=1)):
        for step in STEPS[:2]:
            journal.append("step_finished", run_id="r1", step=step, status="ok", exit_code=0,
                           duration=0.1, message="exit code 0")
        journal.append("output", run_id="r1", step="tag", text="tagging v1.1.0-beta")
    if at(FAILED_AT):
        journal.append("output", run_id="r1", step="push", text="remote rejected the push")
        journal.append("step_finished", run_id="r1", step="push", status="failed", exit_code=1,
                       duration=0.2, message="exit code 1")
    if at(FAILED_AT + timedelta(minutes=5)):
        journal.append("run_finished", run_id="r1", status="failed")
    clock.set(until or FROZEN)
    return journal


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def replayed(config: Config, runbook: Runbook, clock: FrozenClock) -> Iterator[Journal]:
    journal_history(config, runbook, clock).close()
    before = digest(config.journal_path)
    siblings = sorted(p.name for p in config.journal_path.parent.iterdir())
    journal = Journal.readonly(config.journal_path, immutable=True)
    yield journal
    journal.close()
    assert digest(config.journal_path) == before  # never written
    assert sorted(p.name for p in config.journal_path.parent.iterdir()) == siblings


def header(app: ReplayApp) -> str:
    return str(app.screen.query_one(CockpitHeader).render())


def log_text(app: ReplayApp) -> str:
    return "\n".join(app.screen.query_one(LogPane).lines)


async def moved(pilot: Pilot[int], app: ReplayApp, key: str) -> None:
    before = app.clock.now()
    await pilot.press(key)
    await until(pilot, lambda: app.clock.now() != before and not app.replay._seeking)
    await pilot.pause(0.1)


async def test_keys_move_the_moment_and_a_seek_back_forgets_what_came_after(
        config: Config, runbook: Runbook, replayed: Journal) -> None:
    app = ReplayApp(config, runbook, replayed, at=RUN_AT + timedelta(minutes=2))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "REPLAY" in header(app) and app.replay.ready)
        assert "REPLAY Thu 15 Jan" in header(app) and "⏸ 60x" in header(app)
        run = app.state.runs["r1"]
        assert run.status == "running" and "push" not in [s for s, st in run.steps.items()
                                                           if st.status == "failed"]
        await select(pilot, "t0-tag")
        await until(pilot, lambda: "tagging v1.1.0-beta" in log_text(app))
        assert "remote rejected" not in log_text(app)  # journaled after the moment

        await moved(pilot, app, "full_stop")  # the next event: the failed push
        assert app.clock.now() == FAILED_AT
        assert app.state.runs["r1"].steps["push"].status == "failed"
        await until(pilot, lambda: "remote rejected the push" in log_text(app))

        await moved(pilot, app, "left_square_bracket")  # a minute back: before the failure
        assert app.clock.now() == FAILED_AT - timedelta(minutes=1)
        assert app.state.runs["r1"].steps["push"].status != "failed"
        await until(pilot, lambda: "tagging v1.1.0-beta" in log_text(app))
        assert "remote rejected" not in log_text(app)  # the pane forgot it

        await moved(pilot, app, "greater_than_sign")  # the next failure
        assert app.clock.now() == FAILED_AT
        await moved(pilot, app, "greater_than_sign")  # the run's failure
        assert app.state.runs["r1"].status == "failed"
        await moved(pilot, app, "less_than_sign")  # back to the push's failure
        assert app.clock.now() == FAILED_AT and app.state.runs["r1"].status != "failed"

        await moved(pilot, app, "left_curly_bracket")  # an hour back: gates only
        assert "r1" not in app.state.runs and app.state.decisions
        await moved(pilot, app, "right_curly_bracket")
        assert "r1" in app.state.runs

        await moved(pilot, app, "comma")  # the previous event
        assert app.clock.now() < FAILED_AT - timedelta(minutes=10)


async def test_play_moves_the_clock_at_the_speed_shown_and_stops_at_the_end(
        config: Config, runbook: Runbook, replayed: Journal) -> None:
    app = ReplayApp(config, runbook, replayed, at=RUN_AT, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.replay.ready and "REPLAY" in header(app))
        await pilot.press("plus", "plus")  # 60x -> 600x (the fastest)
        await pilot.press("plus")
        await until(pilot, lambda: "⏸ 600x" in header(app))
        await pilot.press("space")
        await until(pilot, lambda: "▶ 600x" in header(app))
        await until(pilot, lambda: app.state.runs["r1"].status == "failed")  # 25 min in 2.5 s
        await until(pilot, lambda: not app.replay.playing)  # the journal's end
        assert app.clock.now() == FAILED_AT + timedelta(minutes=5)
        await pilot.press("minus", "minus", "minus", "minus")
        await until(pilot, lambda: "⏸ 1x" in header(app))


async def test_every_mode_works_in_a_replay_at_80x24(
        config: Config, runbook: Runbook, replayed: Journal) -> None:
    app = ReplayApp(config, runbook, replayed, at=FAILED_AT)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.replay.ready and "REPLAY" in header(app))
        for key in ("b", "m", "exclamation_mark", "t"):
            await pilot.press(key)
            await until(pilot, lambda: "REPLAY" in header(app))
            assert "REPLAY" in header(app) and ":" in header(app)
        await moved(pilot, app, "comma")  # and the keys still work
        await pilot.press("exclamation_mark")  # where . and > are the screen's own keys
        await until(pilot, lambda: "REPLAY" in header(app))
        await moved(pilot, app, "full_stop")  # a spectator's: the replay's keys
        await moved(pilot, app, "less_than_sign")
        await pilot.press("t", "H")  # nothing acts in a replay
        await pilot.pause(0.2)
        assert app.engine is None and len(app.screen_stack) == 1
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        shown = " ".join(str(row) for row in app.screen.rows)  # type: ignore[attr-defined]
        for said in ("Play", "+1h", "Previous event", "Next decision/failure", "Faster"):
            assert said in shown


async def test_a_moment_outside_the_journal_shows_its_first_event_and_says_so(
        config: Config, runbook: Runbook, replayed: Journal) -> None:
    app = ReplayApp(config, runbook, replayed, at=FROZEN - timedelta(days=3))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.replay.ready and "REPLAY" in header(app))
        assert app.clock.now() == FROZEN - timedelta(hours=2)  # the first event
        assert any("is outside the journal" in n.message for n in app.notices)


async def test_builds_mode_follows_every_jump_to_another_moment(
        config: Config, runbook: Runbook, clock: FrozenClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A jump hands builds mode a fresh state with no event (every move here is one: on a
    big journal, any long step): the matrix goes with the moment, log panes open or not."""
    from textual.widgets import Static

    from cockpit.app import replaying
    from tests.helpers import journal_a_build

    monkeypatch.setattr(replaying, "FORWARD", -1)
    clock.set(FROZEN - timedelta(hours=2))
    journal = Journal.controller(config.journal_path, clock=clock)
    clock.set(FROZEN)
    journal_a_build(journal)
    journal.close()
    replayed = Journal.readonly(config.journal_path, immutable=True)
    app = ReplayApp(config, runbook, replayed, at=FROZEN - timedelta(hours=1))
    try:
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.replay.ready and "REPLAY" in header(app))
            await pilot.press("b")
            empty = app.screen.query_one("#empty", Static)
            await until(pilot, lambda: empty.display)
            await moved(pilot, app, "right_curly_bracket")  # an hour on: the build
            assert app.builds.targets
            await until(pilot, lambda: not empty.display)
            await moved(pilot, app, "left_curly_bracket")  # back: no build yet
            assert not app.builds.targets
            await until(pilot, lambda: empty.display)
    finally:
        replayed.close()


def test_a_replay_that_crashes_leaves_its_crash_file_in_the_temporary_directory(
        config: Config, runbook: Runbook, replayed: Journal) -> None:
    """Never beside the journal (a copy it does not own), and stamped with the real time,
    not the moment shown."""
    import tempfile

    app = ReplayApp(config, runbook, replayed, at=RUN_AT)
    path, why = app.faults._write(RuntimeError("injected"), "a key's handler", {})
    assert path is not None and not why
    try:
        assert path.parent == Path(tempfile.gettempdir())
        assert f"crash-{RUN_AT:%Y%m%d}" not in path.name and "as: REPLAY" in path.read_text()
    finally:
        path.unlink()


async def test_moving_the_moment_reads_the_journal_only_on_worker_threads(
        config: Config, runbook: Runbook, replayed: Journal,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Every seek, step and log load of a replay reads the journal off the UI's thread (as
    `tests/ui/test_projections.py` asks of the cockpit); `stamps` too, and no git runs there."""
    from cockpit.app import replaying
    from tests.ui.test_projections import UiThreadCalls

    calls = UiThreadCalls()
    monkeypatch.setattr(Journal, "events", calls.wrap("journal query", Journal.events))
    monkeypatch.setattr(Journal, "stamps", calls.wrap("journal query", Journal.stamps))
    monkeypatch.setattr(Journal, "last_id", calls.wrap("journal query", Journal.last_id))
    monkeypatch.setattr(replaying, "FORWARD", 1)  # jumps and steps both
    app = ReplayApp(config, runbook, replayed, at=RUN_AT, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.replay.ready and "REPLAY" in header(app))
        calls.watching = True
        await select(pilot, "t0-tag")
        for key in ("full_stop", "full_stop", "right_square_bracket", "greater_than_sign",
                    "left_curly_bracket", "right_curly_bracket", "comma", "less_than_sign"):
            await moved(pilot, app, key)
        await pilot.press("b", "t")
        await pilot.pause(0.3)
        calls.watching = False
        assert calls.calls == []


async def test_a_post_mortem_starts_at_the_report_and_steps_through_what_was_seen(
        config: Config, runbook: Runbook, clock: FrozenClock) -> None:
    """`--at incident:1`: the report time, before anyone declared it; `>` is its declaration,
    `.` each phase it moved through, shown in incident mode as it was then."""
    from cockpit.cli.incident import fold
    from cockpit.cli.replay import _at
    from cockpit.engine import incidents as cmd

    rules = runbook.timeline.incidents
    clock.set(FROZEN - timedelta(hours=1))
    journal = Journal.controller(config.journal_path, clock=clock)
    clock.set(FROZEN)
    cmd.declare(journal, rules, fold(journal).incidents, title="Crash on start", severity="P0",
                scenario="crash-on-start", reported_at=FROZEN - timedelta(minutes=20),
                operator="rm@test")
    for minutes, phase in ((3, "alert"), (9, "investigate")):
        clock.set(FROZEN + timedelta(minutes=minutes))
        cmd.move(journal, rules, fold(journal).incidents, "1", phase, operator="rm@test")
    journal.close()
    replayed = Journal.readonly(config.journal_path, immutable=True)
    at = _at("incident:1", config, replayed)
    assert at == FROZEN - timedelta(minutes=20)
    app = ReplayApp(config, runbook, replayed, at=at)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.replay.ready and "REPLAY" in header(app))
            assert not app.state.incidents.by_id  # reported, not yet declared
            await pilot.press("exclamation_mark")
            await moved(pilot, app, "greater_than_sign")  # its declaration
            assert app.clock.now() == FROZEN and "1" in app.state.incidents.by_id
            await until(pilot, lambda: "🔥" in header(app))  # its badge, as it was shown
            await moved(pilot, app, "full_stop")
            assert app.state.incidents.by_id["1"].phase == "alert"
            await moved(pilot, app, "full_stop")
            assert app.state.incidents.by_id["1"].phase == "investigate"
            await moved(pilot, app, "comma")
            assert app.state.incidents.by_id["1"].phase == "alert"
    finally:
        replayed.close()

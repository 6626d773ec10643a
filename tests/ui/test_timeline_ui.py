"""The cockpit driven with Pilot, against a real demo workspace, asserting on state."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Checkbox, Input

from cockpit.app.app import CockpitApp
from cockpit.app.palette import CockpitCommands
from cockpit.clock import FrozenClock
from cockpit.config import Config
from cockpit.journal.store import Journal
from cockpit.runbook.model import Runbook
from screens.help import HelpScreen
from screens.modals import ConfirmModal, ParamsModal, ResolveModal, StepConfirmModal
from screens.questions import GateModal
from screens.timeline import TimelineScreen
from tests.helpers import decide_gates
from widgets.header import CockpitHeader
from widgets.log_pane import LogPane
from widgets.timeline_table import NOW_KEY, TimelineTable

SIZE = (160, 48)


async def until(pilot: Pilot[int], predicate: Callable[[], object], timeout: float = 20) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.05)


def asked(app: object, kind: type) -> bool:
    """A dialog of this kind is on screen and takes keys (it has settled)."""
    screen = app.screen  # type: ignore[attr-defined]
    return isinstance(screen, kind) and bool(getattr(screen, "settled", True))


async def answer(pilot: Pilot[int], kind: type, shows: str = "", timeout: float = 20) -> None:
    """A run waits for an answer (no dialog opens by itself): take it up with w, and wait
    until its dialog takes keys (and `shows` that)."""
    app = pilot.app
    flows = app.flows  # type: ignore[attr-defined]
    await until(pilot, lambda: any(not q.open and not q.answer.done()
                                   for q in flows.waiting.questions), timeout)
    await pilot.press("w")
    await until(pilot, lambda: asked(app, kind) and shows in getattr(app.screen, "body", shows))


def make_app(config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock,
             **kwargs: object) -> CockpitApp:
    return CockpitApp(config, runbook, journal, clock=clock, poll_seconds=0.05, **kwargs)  # type: ignore[arg-type]


def table(app: CockpitApp) -> TimelineTable:
    screen = app.timeline
    return screen.query_one(TimelineTable)


async def select(pilot: Pilot[int], key: str) -> None:
    table(pilot.app).select_key(key)  # type: ignore[arg-type]
    await pilot.pause()


async def test_timeline_shows_the_runbook_with_now_marker(config: Config, runbook: Runbook,
                                                          journal: Journal,
                                                          clock: FrozenClock) -> None:
    app = make_app(config, runbook, journal, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        t = table(app)
        keys = t.rows_keys()
        assert {"t-7-planning", "t0-tag", "t0-monitoring@17:30", "rollback", "sop-weekly-metrics",
                NOW_KEY, "section:emergency"} <= keys
        assert t.selected_key == "t0-build-upload"  # the item due now
        header = str(app.screen.query_one(CockpitHeader).render())
        assert "CONTROLLER rm@test" in header
        assert "next: Update Install Script in 40m 00s" in header
        assert t.views["t0-tag"].overdue and t.views["t0-build-upload"].status == "due"
        now_row = t.get_row_index(NOW_KEY)
        assert t.get_row_index("t0-build-upload") < now_row < t.get_row_index("t0-install-script")


@pytest.mark.usefixtures("gates_go")
async def test_run_tag_release_with_confirmations(config: Config, runbook: Runbook,
                                                  journal: Journal, clock: FrozenClock) -> None:
    app = make_app(config, runbook, journal, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await select(pilot, "t0-tag")
        await pilot.press("enter")
        await until(pilot, lambda: asked(app, ParamsModal))
        assert app.screen.query_one("#param-version", Input).value == "1.1.0-beta"
        await pilot.press("enter")
        await answer(pilot, StepConfirmModal)
        body = str(app.screen.query_one("#confirm-body").render())
        assert "$ git tag -a v1.1.0-beta -m 'Release v1.1.0-beta" in body
        await pilot.press("y")
        await answer(pilot, StepConfirmModal, "git push origin v1.1.0-beta")
        await pilot.press("y")
        await until(pilot, lambda: table(app).views["t0-tag"].status == "done")
        log = app.screen.query_one(LogPane)
        await until(pilot, lambda: any("[new tag]" in line for line in log.lines))
        assert log.source == table(app).views["t0-tag"].run.run_id  # type: ignore[union-attr]


async def test_gate_decision_from_the_modal_is_journaled(config: Config, runbook: Runbook,
                                                         journal: Journal,
                                                         clock: FrozenClock) -> None:
    app = make_app(config, runbook, journal, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await select(pilot, "t-7-planning")
        await pilot.press("enter")
        await until(pilot, lambda: asked(app, ParamsModal))
        await pilot.press("enter")
        await answer(pilot, GateModal)
        modal = app.screen
        assert "PASS" in str(modal.query_one("#result-0").render())  # git tree is clean
        modal.query_one("#tick-1", Checkbox).value = True
        modal.query_one("#note-2", Input).value = "3 untriaged"
        await pilot.click("#go")
        assert "needs a rationale" in str(modal.query_one("#gate-error").render())
        modal.query_one("#rationale", Input).value = "docs and roles ready"
        modal.query_one("#go", Button).press()
        await until(pilot, lambda: table(app).views["t-7-planning"].status == "GO")
    decision = journal.events(kinds=["gate_decision"])[0].data
    assert (decision["decision"], decision["rationale"]) == ("GO", "docs and roles ready")
    ticks = {e.data["index"]: (e.data["ticked"], e.data["note"])
             for e in journal.events(kinds=["manual_check"])}
    assert ticks[1] == (True, "") and ticks[2] == (False, "3 untriaged")


async def test_spectator_follows_live_and_cannot_act(config: Config, runbook: Runbook,
                                                     journal: Journal, clock: FrozenClock) -> None:
    spectator_journal = Journal.readonly(config.journal_path, clock=clock)
    app = make_app(config, runbook, spectator_journal, clock, spectator_reason="--spectate")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.engine is None
        assert "SPECTATOR" in str(app.screen.query_one(CockpitHeader).render())
        await select(pilot, "t0-tag")
        await pilot.press("enter", "d", "o", "i", "c")
        assert isinstance(app.screen, TimelineScreen)
        screen = app.screen
        assert not any(screen.check_action(a, ()) for a in
                       ["run", "dry_run", "override", "resolve", "cancel_run"])
        # the controller (another connection) writes; the spectator sees it within a poll
        journal.append("run_started", run_id="r9", playbook="tag-release", params={},
                       operator="rm@test", steps=["tag"])
        journal.append("step_started", run_id="r9", step="tag", command="git tag")
        journal.append("output", run_id="r9", step="tag", text="tagging now")
        await until(pilot, lambda: table(app).views["t0-tag"].status == "running", timeout=2)
        log = app.screen.query_one(LogPane)
        await until(pilot, lambda: "tagging now" in log.lines, timeout=2)
        titles = [title for title, *_ in CockpitCommands(app.screen)._commands()]
        assert "Show timeline" in titles
        assert not any(t.startswith(("Run playbook", "Dry-run")) for t in titles)
    spectator_journal.close()


async def test_help_is_built_from_live_bindings(config: Config, runbook: Runbook,
                                                journal: Journal, clock: FrozenClock) -> None:
    app = make_app(config, runbook, journal, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for binding in [*CockpitApp.BINDINGS, *TimelineScreen.BINDINGS]:
            assert binding.id and binding.tooltip, binding  # type: ignore[union-attr]
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        described = [row[1] for row in app.screen.rows]
        assert {"Run", "Dry-run", "Help", "Quit", "Timeline", "Override", "Resume",
                "Cancel"} <= set(described)
        enabled = {row[1]: row[3] for row in app.screen.rows}
        assert enabled["Run"] and not enabled["Override"]  # the row is not a gate
        await pilot.press("escape")
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)


async def test_quit_when_idle(config: Config, runbook: Runbook, journal: Journal,
                              clock: FrozenClock) -> None:
    app = make_app(config, runbook, journal, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
    assert app.return_value == 0


async def test_interrupted_run_is_offered_for_resolution_at_start(
        config: Config, runbook: Runbook, clock: FrozenClock, tmp_path: Path) -> None:
    earlier = Journal.controller(config.journal_path, clock=clock)
    decide_gates(earlier, runbook)
    earlier.append("run_started", run_id="r1", playbook="tag-release",
                   params={"version": "1.1.0-beta", "manager": "RM"}, operator="rm@test",
                   steps=["clean-tree", "manifest-version", "tag", "push", "verify"])
    for step in ["clean-tree", "manifest-version"]:
        earlier.append("step_finished", run_id="r1", step=step, status="ok")
    earlier.append("step_started", run_id="r1", step="tag", command="git tag -a v1.1.0-beta")
    earlier.close()
    subprocess.run(["git", "tag", "-a", "v1.1.0-beta", "-m", "x"], cwd=config.repo, check=True)
    journal = Journal.controller(config.journal_path, clock=clock)
    app = make_app(config, runbook, journal, clock)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: asked(app, ResolveModal))
        await pilot.click("#skip")
        assert "say why" in str(app.screen.query_one("#resolve-error").render())
        app.screen.query_one("#resolve-note", Input).value = "tagged by hand"
        app.screen.query_one("#skip", Button).press()
        await answer(pilot, StepConfirmModal)  # the push step
        await pilot.press("y")
        await until(pilot, lambda: app.state.runs["r1"].status == "ok")
    steps = {k: s.status for k, s in app.state.runs["r1"].steps.items()}
    assert steps["tag"] == "skipped" and steps["push"] == "ok"
    journal.close()


SLOW = """
title = "slow"
[[steps]]
id = "work"
kind = "shell"
title = "long work"
run = "sh -c 'echo working; sleep 30'"

[[steps]]
id = "after"
kind = "manual"
title = "after"
"""


async def test_cancel_stops_the_running_step_and_quit_asks(
        config: Config, journal: Journal, clock: FrozenClock, tmp_path: Path) -> None:
    from cockpit.runbook.loader import load_runbook
    from tests.helpers import playbook_folder

    runbook = load_runbook(playbook_folder(tmp_path, slow=SLOW))
    app = make_app(config, runbook, journal, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.start_playbook("slow")
        await until(pilot, lambda: app.state.active_runs())
        await pilot.press("q")
        await until(pilot, lambda: asked(app, ConfirmModal))  # a playbook runs: it asks
        await pilot.press("n")
        await pilot.press("c")
        await until(pilot, lambda: asked(app, ConfirmModal))  # stopping a run is asked too
        await pilot.press("y")
        await until(pilot, lambda: not app.running())
        run = next(iter(app.state.runs.values()))
        await until(pilot, lambda: run.status == "aborted")
        assert run.steps["work"].message == "cancelled by the operator"
        assert run.steps["work"].status == "cancelled"
        assert run.steps["after"].status == "pending"
        await pilot.press("q")
    assert app.return_value == 0


def test_a_second_cockpit_opens_as_spectator_and_says_why(tmp_path: Path) -> None:
    from cockpit.app.launch import open_journal
    from cockpit.config import load_config

    (tmp_path / "repo").mkdir()
    (tmp_path / "cockpit.toml").write_text(
        '[release]\nname = "c"\nversion = "1.0.0"\nrepo = "repo"\nlaunch = 2026-01-15T08:00:00\n'
        '[build]\npackage = "c"\nbinary = "c"\n')
    config = load_config(tmp_path / "cockpit.toml")
    first, reason = open_journal(config, spectate=False)
    assert first.writable and reason is None
    second, reason = open_journal(config, spectate=False)
    assert not second.writable
    assert reason is not None and reason.startswith("another cockpit controls this release")
    second.close()
    first.close()


async def test_the_collector_is_back_on_once_the_first_frame_is_drawn(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    import gc

    gc.disable()  # as `cockpit` starts (cli.entry)
    try:
        app = CockpitApp(config, runbook, journal, clock=clock)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert gc.isenabled() and gc.get_freeze_count() > 0
    finally:
        gc.enable()
        gc.unfreeze()

"""Waiting steps do not hold the screen: a running step's question waits (journaled, in the
header on every screen and on its item) until the operator takes it up with w; meanwhile the
operator switches modes, reads logs and starts an emergency playbook. Several runs go on at
once; those that need the git work tree take turns, and say who holds it."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from cockpit.app.app import CockpitApp
from cockpit.clock import FrozenClock
from cockpit.config import Config
from cockpit.journal.store import Journal
from cockpit.runbook.loader import load_runbook
from cockpit.runbook.model import Runbook
from screens.modals import ConfirmModal, ParamsModal, StepConfirmModal
from screens.questions import ManualModal
from tests.helpers import commit_fix, playbook_folder
from tests.ui.test_questions import WAITS
from tests.ui.test_timeline_ui import SIZE, answer, asked, until
from widgets.header import CockpitHeader

SLOW = """
title = "{name}"
[[steps]]
id = "work"
kind = "shell"
title = "work in the tree"
run = "sleep 1"
"""


P0_CHECKLIST = """
title = "P0 Incident Response"
emergency = true

[params.description]
type = "string"

[params.owner]
type = "string"
default = "{operator}"

[[steps]]
id = "alert"
kind = "manual"
title = "ALERT: post the P0 message in #release"
instructions = "P0 INCIDENT: {description}, owner {owner}"

[[steps]]
id = "investigate"
kind = "manual"
title = "INVESTIGATE (within 15 minutes)"
instructions = "Reproduce the issue, identify the root cause, assess impact."
"""
"""The P0 procedure as an emergency playbook of manual steps (incident command replaced the
shipped one): a run that waits for a person while another starts."""


def header(app: CockpitApp) -> str:
    return str(app.screen_stack[0].query_one(CockpitHeader).render())


async def test_a_p0_stays_open_while_the_hotfix_it_calls_for_starts(
        config: Config, journal: Journal, clock: FrozenClock, tmp_path: Path) -> None:
    """The repro: the P0's manual steps were modal: H and b went into the note field, and
    escape recorded the P0 as aborted and its clock vanished."""
    runbook = load_runbook(playbook_folder(tmp_path, **{"p0-incident": P0_CHECKLIST}))
    app = CockpitApp(config, runbook, journal, clock=clock, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.start_playbook("p0-incident")
        await until(pilot, lambda: asked(app, ParamsModal))
        app.screen.query_one("#param-description", Input).value = "crash on start"
        await pilot.press("enter")
        await until(pilot, lambda: asked(app, ConfirmModal))  # the whole plan
        await pilot.press("y")
        await until(pilot, lambda: "P0 Incident Response 0h00m" in header(app))
        await until(pilot, lambda: "⏸ p0-incident waits" in header(app))
        assert not isinstance(app.screen, ManualModal)  # it waits: nothing took the screen
        await pilot.press("b")  # another mode, and back: the header says it there too
        await until(pilot, lambda: app.current_mode == "builds")
        await until(pilot, lambda: "⏸ p0-incident waits" in str(
            app.screen.query_one(CockpitHeader).render()))
        await pilot.press("H")  # the hotfix the P0 calls for starts while the P0 waits
        await until(pilot, lambda: asked(app, ParamsModal))
        assert app.screen.query_one("#param-version", Input).value == "1.1.0-beta.1"
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ParamsModal))
        await answer(pilot, ManualModal)
        assert "ALERT" in app.screen.title_text  # type: ignore[attr-defined]
        await pilot.press("escape")  # later, not abort
        await until(pilot, lambda: not isinstance(app.screen, ManualModal))
        await pilot.pause(0.3)
        (p0,) = app.state.runs.values()
        assert p0.status == "running" and p0.waiting is not None
        assert "P0 Incident Response" in header(app)  # its clock stays
        await pilot.press("w")  # taken up again
        await until(pilot, lambda: asked(app, ManualModal))
        await pilot.press("ctrl+y")
        await until(pilot, lambda: p0.steps["alert"].status == "ok")
        assert not journal.events(kinds=["run_finished"])  # nothing ended it: it goes on


async def test_runs_go_on_at_once_and_take_turns_with_the_work_tree(
        config: Config, journal: Journal, clock: FrozenClock, tmp_path: Path) -> None:
    runbook = load_runbook(playbook_folder(
        tmp_path, waits=WAITS, first=SLOW.format(name="first"),
        second=SLOW.format(name="second")))
    app = CockpitApp(config, runbook, journal, clock=clock, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.start_playbook("waits")
        await until(pilot, lambda: app.state.waiting())
        app.start_playbook("first")  # beside the waiting run: it needs nothing the other has
        await until(pilot, lambda: len(app.state.active_runs()) == 2)
        app.start_playbook("second")  # needs the work tree "first" holds: it waits its turn
        await until(pilot, lambda: any("second waits for the git work tree: first holds it"
                                       in n.message for n in app._notifications))
        await until(pilot, lambda: "⧖ second (behind first) queued" in header(app))
        # its turn: it starts on a fresh yes (what it was confirmed on may have changed)
        await until(pilot, lambda: "second" in app.flows.waiting.playbooks())  # type: ignore[union-attr]
        app.flows.waiting.take("second")  # type: ignore[union-attr]
        await until(pilot, lambda: asked(app, StepConfirmModal))
        assert "It waited for first to end" in app.screen.body  # type: ignore[attr-defined]
        await pilot.press("y")
        await until(pilot, lambda: len(app.state.runs) == 3, timeout=10)
        await until(pilot, lambda: all(r.status == "ok" for r in app.state.runs.values()
                                       if r.playbook != "waits"), timeout=10)
        await answer(pilot, ManualModal)
        await pilot.press("ctrl+y")
        await until(pilot, lambda: not app.running())
    ids = {(e.kind, e.data.get("playbook") or e.run_id): e.id
           for e in journal.events(kinds=["run_started", "run_finished"])}
    runs = {r.playbook: r.run_id for r in app.state.runs.values()}
    assert ids[("run_started", "second")] > ids[("run_finished", runs["first"])]
    assert ids[("run_started", "first")] < ids[("run_finished", runs["waits"])]


async def test_a_spectator_sees_what_a_run_waits_for(
        config: Config, journal: Journal, clock: FrozenClock, tmp_path: Path) -> None:
    runbook = load_runbook(playbook_folder(tmp_path, waits=WAITS))
    journal.append("run_started", run_id="w1", playbook="waits", operator="rm@test",
                   params={}, steps=["look"])
    journal.append("step_started", run_id="w1", step="look", command="")
    journal.append("step_waiting", run_id="w1", step="look", question="manual",
                   title="look at it")
    spectator = Journal.readonly(config.journal_path, clock=clock)
    app = CockpitApp(config, runbook, spectator, clock=clock, poll_seconds=0.05,
                     spectator_reason="--spectate")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "⏸ waits waits for the controller"
                    in header(app))
        await pilot.press("w")  # not offered, and nothing opens
        await pilot.pause(0.2)
        assert not isinstance(app.screen, ManualModal)
        journal.append("manual_done", run_id="w1", step="look", done=True)
        await until(pilot, lambda: "⏸" not in header(app))
        journal.append("step_waiting", run_id="w1", step="look", question="manual",
                       title="look again")
        await until(pilot, lambda: "⏸" in header(app))
        journal.close()  # the controller dies: nobody is there to answer
        await until(pilot, lambda: "GONE" in header(app))
        assert "⏸" not in header(app)
    spectator.close()


async def test_a_question_whose_run_was_cancelled_closes_itself(
        config: Config, journal: Journal, clock: FrozenClock, tmp_path: Path) -> None:
    runbook = load_runbook(playbook_folder(tmp_path, waits=WAITS))
    app = CockpitApp(config, runbook, journal, clock=clock, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.start_playbook("waits")
        await answer(pilot, ManualModal)
        app.flows.cancel_run("waits")  # type: ignore[union-attr]
        await until(pilot, lambda: not isinstance(app.screen, ManualModal))
        await until(pilot, lambda: not app.running())
        assert journal.events(kinds=["run_finished"])[-1].data["status"] == "aborted"
        app.start_playbook("waits")  # again: its question is asked for, then the run goes
        await until(pilot, lambda: app.state.waiting())
        await pilot.press("question_mark")  # help on top: the question waits its turn
        await pilot.pause(0.2)
        app.flows.waiting.take("waits")  # type: ignore[union-attr]
        app.flows.cancel_run("waits")  # type: ignore[union-attr]
        await until(pilot, lambda: not app.running())
        await pilot.press("escape")  # help closes: no question of a run that is gone
        await pilot.pause(0.6)
        assert not isinstance(app.screen, ManualModal)


SHOWS = """
title = "shows the branch"
[[steps]]
id = "fix"
kind = "manual"
title = "commit the fix"
instructions = "Commit it; the newest commit:"
show = "git log -1 --format=%s"

[[steps.done_when]]
kind = "command"
title = "the fix is committed"
run = "git log -1 --format=%s"
expect_output = "^fix:"
"""


async def test_a_manual_step_shows_what_its_command_says_when_it_is_opened(
        config: Config, journal: Journal, clock: FrozenClock, tmp_path: Path) -> None:
    """It waited a while: what it shows is read when the operator opens it, not when it asked
    (the fix committed meanwhile is there)."""
    runbook = load_runbook(playbook_folder(tmp_path, shows=SHOWS))
    app = CockpitApp(config, runbook, journal, clock=clock, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.start_playbook("shows")
        await until(pilot, lambda: app.state.waiting())
        await answer(pilot, ManualModal)
        await pilot.press("ctrl+y")  # done, before the fix is in: asked again at once, saying why
        await until(pilot, lambda: asked(app, ManualModal)
                    and "Not done yet" in app.screen.instructions)  # type: ignore[attr-defined]
        await pilot.press("escape")  # later
        commit_fix(config.repo, "the crash on start")
        await answer(pilot, ManualModal)
        await until(pilot, lambda: "fix: the crash on start" in app.screen.instructions)  # type: ignore[attr-defined]
        await pilot.press("ctrl+y")
        await until(pilot, lambda: not app.running())


async def test_a_run_that_starts_is_shown_whatever_the_timeline_filter(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    from widgets.timeline_table import TimelineTable

    app = CockpitApp(config, runbook, journal, clock=clock, poll_seconds=0.05)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.timeline.query_one(TimelineTable)
        await until(pilot, lambda: table.row_count > 0)
        await pilot.press("slash", *"tag", "enter")  # only the tag shows
        await until(pilot, lambda: table.has_focus and "hotfix" not in {
            v.item.playbook for v in table.views.values()})
        app.timeline.follow_run("hotfix")  # what a run that starts does
        await pilot.pause()
        assert app.timeline.selected().item.playbook == "hotfix"  # type: ignore[union-attr]
        assert not table.row_filter.active

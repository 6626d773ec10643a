"""One question on screen at a time: a question raised while another dialog is open waits
its turn (and the header says so), a key meant for one dialog never answers the next, a
question made moot closes itself, and stopping a run is never a side effect."""

from __future__ import annotations

from pathlib import Path

from cockpit.app.app import CockpitApp
from cockpit.clock import FrozenClock
from cockpit.config import Config
from cockpit.journal.store import Journal
from cockpit.runbook.loader import load_runbook
from screens.modals import ConfirmModal, StepConfirmModal, StopRunModal
from screens.questions import ManualModal
from tests.helpers import playbook_folder
from tests.ui.test_timeline_ui import SIZE, answer, asked, until
from widgets.header import CockpitHeader

SLOW_THEN_ASK = """
title = "publish later"
[[steps]]
id = "build"
kind = "shell"
title = "a build"
run = "sleep 1.5"

[[steps]]
id = "publish"
kind = "shell"
title = "publish"
run = "true"
confirm = true
"""

WAITS = """
title = "waits for you"
[[steps]]
id = "look"
kind = "manual"
title = "look at it"
instructions = "look"
"""


def make(config: Config, journal: Journal, clock: FrozenClock, tmp_path: Path,
         **playbooks: str) -> CockpitApp:
    runbook = load_runbook(playbook_folder(tmp_path, **playbooks))
    return CockpitApp(config, runbook, journal, clock=clock, poll_seconds=0.05)


async def test_a_step_question_waits_behind_the_quit_question_and_its_key(
        config: Config, journal: Journal, clock: FrozenClock, tmp_path: Path) -> None:
    """The repro: quit asked during a build, then the publish confirmation came on top of it
    and the "n" meant for "don't quit" declined the publish."""
    app = make(config, journal, clock, tmp_path, later=SLOW_THEN_ASK)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.start_playbook("later")
        await until(pilot, lambda: app.state.active_runs())
        await pilot.press("q")
        await until(pilot, lambda: asked(app, ConfirmModal))
        quit_dialog = app.screen
        await until(pilot, lambda: app.state.waiting(), timeout=10)  # publish asks
        assert app.screen is quit_dialog  # no dialog opens by itself: the header says so
        await until(pilot, lambda: "⏸ later waits" in str(
            app.screen_stack[0].query_one(CockpitHeader).render()))
        app.simulate_key("n")  # "stay", and the same key again at once, a bit too eagerly
        app.simulate_key("n")
        await until(pilot, lambda: not isinstance(app.screen, ConfirmModal))
        await pilot.pause(0.5)
        assert not isinstance(app.screen, ConfirmModal)  # the publish question waits for w
        assert journal.events(kinds=["step_waiting"])[-1].step == "publish"
        await answer(pilot, StepConfirmModal)
        await pilot.press("y")
        run = next(iter(app.state.runs.values()))
        await until(pilot, lambda: run.status == "ok")
    confirmed = [e.data["confirmed"] for e in journal.events(kinds=["step_confirmed"])]
    assert confirmed == [True]


async def test_a_quit_question_made_moot_closes_itself(
        config: Config, journal: Journal, clock: FrozenClock, tmp_path: Path) -> None:
    app = make(config, journal, clock, tmp_path, later=SLOW_THEN_ASK.split("[[steps]]\nid = "
                                                                        '"publish"')[0])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.start_playbook("later")
        await until(pilot, lambda: app.state.active_runs())
        await pilot.press("q")
        await until(pilot, lambda: asked(app, ConfirmModal))
        await until(pilot, lambda: not isinstance(app.screen, ConfirmModal), timeout=10)
        await until(pilot, lambda: any("nothing runs any more" in n.message
                                       for n in app._notifications))
        assert app.is_running  # closed unanswered: the cockpit did not quit


async def test_escape_never_stops_a_run_and_stopping_is_asked_again(
        config: Config, journal: Journal, clock: FrozenClock, tmp_path: Path) -> None:
    app = make(config, journal, clock, tmp_path, waits=WAITS)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.start_playbook("waits")
        await answer(pilot, ManualModal)
        await pilot.press("escape")  # later: the dialog closes, the run keeps waiting
        await until(pilot, lambda: not isinstance(app.screen, ManualModal))
        await pilot.pause(0.3)
        run = next(iter(app.state.runs.values()))
        assert run.status == "running" and run.waiting is not None
        await answer(pilot, ManualModal)
        await pilot.press("ctrl+t")
        await until(pilot, lambda: asked(app, StopRunModal))
        await pilot.press("b")  # back: the question again, at once
        await until(pilot, lambda: asked(app, ManualModal))
        await pilot.press("ctrl+t")
        await until(pilot, lambda: asked(app, StopRunModal))
        await pilot.press("s")
        run = next(iter(app.state.runs.values()))
        await until(pilot, lambda: run.status == "aborted")

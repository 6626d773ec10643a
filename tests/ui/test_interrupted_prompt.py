"""The question an interrupted run asks shows its step as it ran: its title filled from the
run's journaled values, never the playbook's template (issue 12)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Label

from cockpit.app.app import CockpitApp
from cockpit.clock import FrozenClock
from cockpit.config import load_config
from cockpit.journal.store import Journal
from cockpit.runbook.loader import load_runbook
from screens.modals import ResolveModal
from tests.conftest import FROZEN
from tests.helpers import decide_gates


async def test_the_interrupted_step_prompt_shows_its_title_filled_from_the_run(
        workspace: Path) -> None:
    config, runbook, clock = load_config(workspace), load_runbook(), FrozenClock(FROZEN)
    earlier = Journal.controller(config.journal_path, clock=clock)
    decide_gates(earlier, runbook)
    earlier.append("run_started", run_id="r1", playbook="tag-release",
                   params={"version": "1.1.0-beta.7"}, operator="rm@test",
                   steps=["clean-tree", "manifest-version", "tag", "push", "verify"])
    for step in ["clean-tree", "manifest-version"]:
        earlier.append("step_finished", run_id="r1", step=step, status="ok")
    earlier.append("step_started", run_id="r1", step="tag", command="git tag -a v1.1.0-beta.7")
    earlier.close()
    journal = Journal.controller(config.journal_path, clock=clock)
    app = CockpitApp(config, runbook, journal, clock=clock, poll_seconds=0.05)
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            for _ in range(400):
                if isinstance(app.screen, ResolveModal):
                    break
                await pilot.pause(0.05)
            assert isinstance(app.screen, ResolveModal)
            title = str(app.screen.query_one(".modal-title", Label).render())
            await pilot.click("#later")
    finally:
        journal.close()
    assert title == "Interrupted: tag-release / Create annotated tag v1.1.0-beta.7"


async def test_starting_a_playbook_with_an_interrupted_run_offers_that_run_not_a_second(
        workspace: Path) -> None:
    config, runbook, clock = load_config(workspace), load_runbook(), FrozenClock(FROZEN)
    earlier = Journal.controller(config.journal_path, clock=clock)
    earlier.append("run_started", run_id="h1", playbook="hotfix",
                   params={"version": "1.1.0-beta.1", "reason": "crash"}, operator="rm@test",
                   steps=["branch", "fix"])
    earlier.append("step_finished", run_id="h1", step="branch", status="ok")
    earlier.append("step_started", run_id="h1", step="fix", command="commit the fix")
    earlier.close()
    journal = Journal.controller(config.journal_path, clock=clock)
    app = CockpitApp(config, runbook, journal, clock=clock, poll_seconds=0.05)
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            for _ in range(400):  # at start it is offered once; later is later
                if isinstance(app.screen, ResolveModal):
                    break
                await pilot.pause(0.05)
            await pilot.click("#later")
            await pilot.pause(0.5)
            await pilot.press("H")  # the hotfix again: the interrupted one comes back
            for _ in range(100):
                if isinstance(app.screen, ResolveModal):
                    break
                await pilot.pause(0.05)
            assert isinstance(app.screen, ResolveModal)
            assert "hotfix" in str(app.screen.query_one(".modal-title", Label).render())
            await pilot.click("#later")
            await pilot.pause(0.2)
    finally:
        journal.close()
    reader = Journal.readonly(config.journal_path)
    runs = [e.run_id for e in reader.events(kinds=["run_started"])]
    reader.close()
    assert runs == ["h1"]  # no second hotfix was started


async def test_i_offers_the_selected_items_interrupted_run(workspace: Path) -> None:
    from tests.ui.test_timeline_ui import select

    config, runbook, clock = load_config(workspace), load_runbook(), FrozenClock(FROZEN)
    earlier = Journal.controller(config.journal_path, clock=clock)
    decide_gates(earlier, runbook)
    for run_id, playbook, step in [("t1", "tag-release", "tag"), ("h1", "hotfix", "fix")]:
        earlier.append("run_started", run_id=run_id, playbook=playbook, operator="rm@test",
                       params={"version": "1.1.0-beta.1", "reason": "crash"}, steps=[step])
        earlier.append("step_started", run_id=run_id, step=step, command="...")
    earlier.close()
    journal = Journal.controller(config.journal_path, clock=clock)
    app = CockpitApp(config, runbook, journal, clock=clock, poll_seconds=0.05)
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            for _ in range(400):  # at start: the newest, the hotfix's
                if isinstance(app.screen, ResolveModal):
                    break
                await pilot.pause(0.05)
            assert "hotfix" in str(app.screen.query_one(".modal-title", Label).render())
            await pilot.click("#later")
            await pilot.pause(0.5)
            await select(pilot, "t0-tag")
            await pilot.press("i")
            for _ in range(100):
                if isinstance(app.screen, ResolveModal):
                    break
                await pilot.pause(0.05)
            assert "tag-release" in str(app.screen.query_one(".modal-title", Label).render())
            await pilot.click("#later")
            await pilot.pause(0.2)
    finally:
        journal.close()

"""Every run visible: a run that stopped short shows on its item where it stopped and what it
left behind, and its log's title says how it ended."""

from __future__ import annotations

import subprocess

from textual.widgets import Input

from cockpit.clock import FrozenClock
from cockpit.config import Config
from cockpit.journal.store import Journal
from cockpit.runbook.model import Runbook
from screens.modals import ParamsModal, StepConfirmModal, StopRunModal
from tests.helpers import decide_gates, publish_stand_in
from tests.ui.test_projections import detail_text
from tests.ui.test_timeline_ui import SIZE, answer, asked, make_app, select, until
from widgets.log_pane import LogPane


async def test_declining_the_commit_shows_where_it_stopped_and_the_edit_left_behind(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    """The repro: declining the commit in Update Install Script left every step pending on
    the item, no last-run line, the log title "(running)", and `M install.sh` unseen."""
    decide_gates(journal, runbook)
    publish_stand_in(config, "1.1.0-beta")
    app = make_app(config, runbook, journal, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await select(pilot, "t0-install-script")
        await pilot.press("enter")
        await until(pilot, lambda: asked(app, ParamsModal))
        assert app.screen.query_one("#param-version", Input).value == "1.1.0-beta"
        await pilot.press("enter")
        await answer(pilot, StepConfirmModal)  # the edit's diff
        assert '+VERSION="v1.1.0-beta"' in app.screen.body  # type: ignore[attr-defined]
        await pilot.pause(0.5)  # a dialog takes no key before it settles
        await pilot.press("y")
        await answer(pilot, StepConfirmModal, "git commit")
        await pilot.pause(0.5)
        await pilot.press("n")  # decline the commit: the run stops, asked again
        await until(pilot, lambda: asked(app, StopRunModal))
        await pilot.pause(0.5)
        await pilot.press("s")
        await until(pilot, lambda: not app.running())
        await until(pilot, lambda: "stopped at commit" in detail_text(app))
        shown = detail_text(app)
        assert "last run" in shown and ": aborted" in shown
        assert "stopped at commit: declined" in shown
        assert "left changed in the repository, not committed: M install.sh" in shown
        title = str(app.screen.query_one(LogPane).border_title)
        assert title.endswith("(aborted)"), title
    status = subprocess.run(["git", "status", "--short"], cwd=config.repo, capture_output=True,
                            text=True).stdout
    assert status.strip() == "M install.sh"  # what the item says is what git says
    end = journal.events(kinds=["run_finished"])[-1].data
    assert end["status"] == "aborted" and end["left"] == [" M install.sh"]

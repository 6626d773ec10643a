"""Issue 11's small things: cancel asks, notifications are kept, one zone on screen, the
spectator sees a dead controller, timeline search and filter, help's order."""

from __future__ import annotations

from pathlib import Path

from cockpit.clock import FrozenClock
from cockpit.config import Config
from cockpit.journal.store import Journal
from screens.modals import ConfirmModal
from tests.ui.test_timeline_ui import SIZE, asked, make_app, until

SLOW = """
title = "slow"
[[steps]]
id = "work"
kind = "shell"
title = "long work"
run = "sh -c 'echo working; sleep 30'"
"""


async def test_c_asks_before_cancelling_and_escape_or_n_keeps_the_run(
        config: Config, journal: Journal, clock: FrozenClock, tmp_path: Path) -> None:
    from cockpit.runbook.loader import load_runbook
    from tests.helpers import playbook_folder

    runbook = load_runbook(playbook_folder(tmp_path, slow=SLOW))
    app = make_app(config, runbook, journal, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.start_playbook("slow")
        await until(pilot, lambda: app.state.active_runs())
        for keep in ("escape", "n"):
            await pilot.press("c")
            await until(pilot, lambda: asked(app, ConfirmModal))
            assert "Cancel the running playbook?" in app.screen.title_text  # type: ignore[attr-defined]
            await pilot.press(keep)
            await until(pilot, lambda: not isinstance(app.screen, ConfirmModal))
            await pilot.pause(0.2)
            assert app.running() and app.state.active_runs()
        await pilot.press("c")
        await until(pilot, lambda: asked(app, ConfirmModal))
        await pilot.press("y")
        await until(pilot, lambda: not app.running())
        run = next(iter(app.state.runs.values()))
        await until(pilot, lambda: run.status == "aborted")
        assert run.steps["work"].status == "cancelled"


async def test_notifications_are_kept_with_their_time_in_the_release_zone(
        config: Config, journal: Journal, clock: FrozenClock) -> None:
    from datetime import timedelta

    from rich.console import Console
    from textual.widgets import Static

    from cockpit.runbook.loader import load_runbook
    from screens.notifications import NotificationsScreen

    app = make_app(config, load_runbook(), journal, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.timeline.notify("select an item", title="nothing to run here")
        clock.advance(timedelta(minutes=5))
        app.notify("tag-release: aborted", severity="error")
        await pilot.press("N")
        await until(pilot, lambda: isinstance(app.screen, NotificationsScreen))
        console = Console(width=120, record=True)
        console.print(app.screen.query_one("#notices-table", Static).content)
        text = console.export_text()
        assert "Thu 15 Jan 10:20:00" in text and "nothing to run here: select an item" in text
        assert "Thu 15 Jan 10:25:00" in text and "error" in text and "tag-release: aborted" in text
        assert text.index("10:20:00") < text.index("10:25:00")  # newest last
        assert "UTC+9" in str(app.screen.query_one(".modal-title", Static).content)
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, NotificationsScreen))

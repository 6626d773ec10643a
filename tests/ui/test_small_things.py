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

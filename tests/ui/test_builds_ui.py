"""The builds mode driven with Pilot: a real local cargo build of the demo crate."""

from __future__ import annotations

from textual.widgets import Input

from cockpit.app import CockpitApp
from cockpit.clock import FrozenClock
from cockpit.config import Config
from cockpit.journal import Journal
from cockpit.runbook import Runbook
from screens.builds import BuildsScreen
from tests.conftest import needs_cargo
from tests.ui.test_timeline_ui import SIZE, until
from widgets.build_grid import BuildGrid
from widgets.log_pane import LogPane

HOST = "x86_64-unknown-linux-gnu"


@needs_cargo
async def test_build_from_the_builds_screen_then_split_and_filter(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    app = CockpitApp(config, runbook, journal, clock=clock, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("b")
        assert isinstance(app.screen, BuildsScreen)
        assert app.screen.query_one("#empty").display
        await pilot.press("enter")
        await until(pilot, lambda: HOST in app.builds.targets
                    and app.builds.targets[HOST].status == "ok", timeout=60)
        screen = app.screen
        assert isinstance(screen, BuildsScreen)
        await until(pilot, lambda: "✓" in screen.query_one(BuildGrid).get_cell(HOST, "fetch").plain)
        pane = screen.query_one(LogPane)
        await until(pilot, lambda: any("caro 1.1.0-beta" in ln for ln in pane.lines))
        assert pane.border_title == f"{HOST} (local)"
        assert screen.check_action("retry", ()) is None  # nothing failed: dimmed
        await pilot.press("slash")
        box = screen.query_one("#filter", Input)
        assert box.has_focus
        box.value = "Finished"
        await pilot.press("enter")
        await pilot.pause()
        pane = screen.query_one(LogPane)
        await until(pilot, lambda: pane.lines and all("Finished" in ln for ln in pane.lines))
        await pilot.press("escape")
        await pilot.press("s")
        await pilot.pause()
        assert len(screen.query(LogPane)) == 1  # one target: one pane, split or not


async def test_spectator_cannot_build(config: Config, runbook: Runbook, journal: Journal,
                                      clock: FrozenClock) -> None:
    spectator = Journal.readonly(config.journal_path, clock=clock)
    app = CockpitApp(config, runbook, spectator, clock=clock, poll_seconds=0.05,
                     spectator_reason="--spectate")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("b")
        await pilot.press("enter")
        await pilot.pause()
        assert not app.building() and not app.builds.targets
        screen = app.screen
        assert not any(screen.check_action(a, ()) for a in ["build", "retry", "cancel"])
    spectator.close()

"""Replay (issue 15): a scene frozen at a chosen moment against what the live cockpit showed
then. Each moment is pictured twice, live (a spectator while the launch went on, the journal
holding what was journaled by then) and replayed (`cockpit replay --at` that moment, the
journal holding the whole morning), and the two are compared line by line: the same but
for the header (REPLAY and the moment) and the footer (the replay's keys)."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any

import pytest
from rich.console import Console
from textual.app import App
from textual.pilot import Pilot

from cockpit.app.app import CockpitApp
from cockpit.app.replaying import ReplayApp
from cockpit.clock import FrozenClock
from cockpit.config import Config
from cockpit.journal.store import Journal
from cockpit.runbook.model import Runbook
from tests.snapshots.test_snapshots import planned
from tests.ui.test_replay_ui import FAILED_AT, RUN_AT, journal_history
from tests.ui.test_timeline_ui import select

MOMENTS = {"mid-run": (RUN_AT + timedelta(minutes=2), (160, 48)),
           "push-failed": (FAILED_AT + timedelta(seconds=30), (80, 24))}
"""The moments pictured, each at its terminal size: tag-release running with its first steps
done and its log; then its push just failed, at 80x24."""


async def shown(pilot: Pilot[int]) -> None:
    """The tag-release item selected, its plan and its log in."""
    await pilot.pause(0.3)
    await select(pilot, "t0-tag")
    await planned(pilot)
    await pilot.pause(0.5)


def spectate(config: Config, runbook: Runbook, clock: FrozenClock, moment: datetime
             ) -> tuple[CockpitApp, Journal, Journal]:
    """The live spectator at `moment`: the journal as it was then, its controller running."""
    controller = journal_history(config, runbook, clock, until=moment)
    clock.set(moment)
    spectator = Journal.readonly(config.journal_path, clock=clock)
    return (CockpitApp(config, runbook, spectator, clock=clock, spectator_reason="--spectate"),
            spectator, controller)


def replay(config: Config, runbook: Runbook, clock: FrozenClock, moment: datetime
           ) -> tuple[ReplayApp, Journal]:
    """`cockpit replay --at moment` on the whole morning's journal."""
    journal_history(config, runbook, clock).close()
    replayed = Journal.readonly(config.journal_path, immutable=True)
    return ReplayApp(config, runbook, replayed, at=moment), replayed


@pytest.mark.parametrize("name", MOMENTS)
def test_live_spectator_at_a_moment(snap_compare: Any, name: str, config: Config,
                                    runbook: Runbook, clock: FrozenClock) -> None:
    moment, size = MOMENTS[name]
    app, spectator, controller = spectate(config, runbook, clock, moment)
    try:
        assert snap_compare(app, terminal_size=size, run_before=shown)
    finally:
        spectator.close()
        controller.close()


@pytest.mark.parametrize("name", MOMENTS)
def test_replay_at_the_same_moment(snap_compare: Any, name: str, config: Config,
                                   runbook: Runbook, clock: FrozenClock) -> None:
    moment, size = MOMENTS[name]
    app, replayed = replay(config, runbook, clock, moment)
    try:
        assert snap_compare(app, terminal_size=size, run_before=shown)
    finally:
        replayed.close()


def screen_lines(app: App[Any]) -> list[str]:
    """What the terminal shows, as text (as `export_screenshot` renders it)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", record=True, legacy_windows=False,
                      safe_box=False)
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text(styles=False).splitlines()


async def frozen_scene(app: App[Any], size: tuple[int, int]) -> list[str]:
    async with app.run_test(size=size) as pilot:
        await shown(pilot)
        return screen_lines(app)


@pytest.mark.parametrize("name", MOMENTS)
async def test_the_replay_shows_what_the_live_cockpit_showed_then(
        name: str, config: Config, runbook: Runbook, clock: FrozenClock) -> None:
    moment, size = MOMENTS[name]
    app, spectator, controller = spectate(config, runbook, clock, moment)
    try:
        live = await frozen_scene(app, size)
    finally:
        spectator.close()
        controller.close()
    config.journal_path.unlink()
    replay_app, replayed = replay(config, runbook, clock, moment)
    try:
        replayed_lines = await frozen_scene(replay_app, size)
    finally:
        replayed.close()
    assert "SPECTATOR" in live[0] and "REPLAY" in replayed_lines[0]
    assert moment.astimezone(config.release.tz).strftime("%H:%M:%S") in replayed_lines[0]
    assert replayed_lines[1:-1] == live[1:-1]

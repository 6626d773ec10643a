"""The builds mode driven with Pilot: a real local cargo build of the demo crate."""

from __future__ import annotations

import subprocess
from itertools import pairwise
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from cockpit.app.app import CockpitApp
from cockpit.clock import FrozenClock
from cockpit.config import BuilderConfig, Config
from cockpit.journal.store import Journal
from cockpit.runbook.model import Runbook
from screens.builds import BuildsScreen
from tests.conftest import needs_cargo
from tests.ui.test_timeline_ui import SIZE, until
from widgets.build_grid import BuildGrid
from widgets.header import CockpitHeader
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
        header = app.screen.query_one(CockpitHeader)  # the same header as the timeline's
        await until(pilot, lambda: "T+" in str(header.render()))
        assert "caro v1.1.0-beta" in str(header.render()) and "CONTROLLER" in str(header.render())
        empty = app.screen.query_one("#empty", Static)
        assert empty.display and "every target of [build] targets" in str(empty.render())
        await until(pilot, lambda: f"{HOST}  on local (local)" in str(empty.render()))  # the plan
        await pilot.press("enter")
        await until(pilot, lambda: HOST in app.builds.targets
                    and app.builds.targets[HOST].status == "ok", timeout=60)
        screen = app.screen
        assert isinstance(screen, BuildsScreen)
        await until(pilot, lambda: "✓" in screen.query_one(BuildGrid).get_cell(HOST, "fetch").plain)
        pane = screen.query_one(LogPane)
        await until(pilot, lambda: any("caro 1.1.0-beta" in ln for ln in pane.lines))
        assert pane.border_title == f"{HOST} (local)"
        builds_before = len(journal.events(kinds=["build_started"]))
        await pilot.press("r")  # nothing failed: it says so, and builds nothing
        await pilot.pause()
        assert any(f"{HOST} is ok: retry is for a failed" in n.message
                   for n in app._notifications)
        assert len(journal.events(kinds=["build_started"])) == builds_before
        await pilot.press("slash")
        box = screen.query_one("#filter", Input)
        assert box.has_focus
        box.value = "Finished"
        await pilot.press("enter")
        await pilot.pause()
        pane = screen.query_one(LogPane)
        await until(pilot, lambda: pane.lines and all("Finished" in ln for ln in pane.lines))
        await pilot.press("escape")
        await pilot.press("slash")
        box.value = "no such text"
        await pilot.press("enter")
        await pilot.pause()
        pane = screen.query_one(LogPane)  # not an empty pane that looks like a lost log
        await until(pilot, lambda: list(pane.lines) == [
            "no line matches 'no such text' yet (escape clears the filter)"])
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
        hint = str(screen.query_one("#empty").render())
        assert "controller's builds show here" in hint and "Press enter" not in hint
    spectator.close()


def slow_local(config: Config, wrapper: Path, marker: str) -> Config:
    wrapper.write_text(f"#!/bin/sh\nsleep {marker}\nexec \"$@\"\n")
    wrapper.chmod(0o755)
    return config.model_copy(update={"builders": [BuilderConfig(
        name="local", kind="local", targets=[HOST], env={"RUSTC_WRAPPER": str(wrapper)})]})


def running_with(marker: str) -> list[str]:
    return [ln for ln in subprocess.run(["ps", "-eo", "stat,args"], capture_output=True,
                                        text=True).stdout.splitlines()
            if marker in ln and not ln.startswith("Z")]


@needs_cargo
async def test_cancel_all_stops_a_build_running_on_the_build_thread(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock,
        tmp_path: Path) -> None:
    marker = "81.5151"
    app = CockpitApp(slow_local(config, tmp_path / "slow-rustc", marker), runbook, journal,
                     clock=clock, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        await pilot.press("enter")
        await until(pilot, lambda: bool(running_with(marker)), timeout=60)
        assert app.building()
        await pilot.press("X")
        await until(pilot, lambda: not app.building(), timeout=20)
        await until(pilot, lambda: app.builds.targets[HOST].status == "cancelled")
        assert running_with(marker) == []
    finished = journal.events(kinds=["build_finished"])
    assert finished[-1].data["status"] == "cancelled"


@needs_cargo
async def test_quitting_mid_build_stops_its_processes(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock,
        tmp_path: Path) -> None:
    marker = "82.6262"
    app = CockpitApp(slow_local(config, tmp_path / "slow-rustc", marker), runbook, journal,
                     clock=clock, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        await pilot.press("enter")
        await until(pilot, lambda: bool(running_with(marker)), timeout=60)
        app.exit()
    assert running_with(marker) == []
    assert journal.events(kinds=["build_finished"])[-1].data["status"] == "cancelled"


@needs_cargo
async def test_a_build_in_the_cockpit_of_a_tagged_version_builds_its_tag(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    """The repro: the published version was rebuilt from a commit other than its tag without
    a word. In the cockpit too, the tag's commit is built (in a worktree), and it says so."""
    import subprocess

    from tests.helpers import install_script_serves

    git = ["git", "-C", str(config.repo), "-c", "user.name=rm", "-c", "user.email=rm@test"]
    subprocess.run([*git, "tag", "-a", "v1.1.0-beta", "-m", "Release"], check=True)
    tagged = subprocess.run([*git, "rev-parse", "v1.1.0-beta^{commit}"], check=True,
                            capture_output=True, text=True).stdout.strip()
    install_script_serves(config, "1.1.0-beta", push=False)  # a commit on top of the tag
    app = CockpitApp(config, runbook, journal, clock=clock, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("b")
        empty = app.screen.query_one("#empty", Static)
        await until(pilot, lambda: f"{HOST}  on local (local)" in str(empty.render()))
        await pilot.press("enter")
        await until(pilot, lambda: any("building the tag's commit" in n.message
                                       for n in app._notifications))
        await until(pilot, lambda: HOST in app.builds.targets
                    and app.builds.targets[HOST].status == "ok", timeout=60)
    started = journal.events(kinds=["build_started"])[-1].data
    assert started["commit"] == tagged
    listed = subprocess.run([*git, "worktree", "list"], capture_output=True, text=True,
                            check=True).stdout
    assert len(listed.splitlines()) == 1  # the tag's worktree is gone


def test_a_spectator_draws_right_after_a_poll_and_slows_down_as_more_watch(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """All the spectators on a machine draw SPECTATORS_FRAMES log frames a second together:
    alone, one every poll; with 19 others, one a second. A frame is drawn right after the
    poll that read its lines (the newest lines wait for no timer); lines a poll brought are
    drawn by a later poll's frame even when no more come."""
    import screens.builds as builds
    from screens.base import SPECTATOR_FLUSH, SPECTATORS_FRAMES

    def frames(watching: int, polls_with_lines: int = 50) -> list[float]:
        """Ten seconds of polls, every 0.2 s, the first ones bringing lines: when frames
        were drawn."""
        screen = BuildsScreen(can_act=False, alternatives=lambda t, b: None)
        drawn: list[float] = []
        clock = [1000.0]

        class Pane:
            def flush(self) -> None:
                drawn.append(round(clock[0] - 1000.0, 3))

        screen._panes = [Pane()]  # type: ignore[list-item]
        monkeypatch.setattr(builds.time, "monotonic", lambda: clock[0])
        monkeypatch.setattr(screen, "_show", lambda feed: None)
        screen._watching = watching
        for poll in range(50):
            screen._undrawn = screen._undrawn or poll < polls_with_lines
            screen.show(None)  # type: ignore[arg-type]
            clock[0] += 0.2 + (0.003 if poll % 2 else -0.003)  # polls are not exactly on time
        return drawn

    assert SPECTATORS_FRAMES == 20 and SPECTATOR_FLUSH == 0.2
    assert len(frames(watching=0)) == 50  # alone: after every poll
    ten = frames(watching=9)  # every 0.5 s at most: after every third poll
    assert 16 <= len(ten) <= 17 and min(b - a for a, b in pairwise(ten)) > 0.5
    assert len(frames(watching=19)) == 10  # twenty: one a second each
    late = frames(watching=19, polls_with_lines=2)  # the second poll's lines: a second later
    assert [round(at, 1) for at in late] == [0.0, 1.0]
    assert frames(watching=0, polls_with_lines=0) == []  # nothing new: no frame

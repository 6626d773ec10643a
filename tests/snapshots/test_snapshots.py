"""Pixel-stable pictures of the cockpit: fixed size, frozen clock, fixed operator."""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from cockpit.app.app import CockpitApp
from cockpit.clock import FrozenClock
from cockpit.config import Config
from cockpit.journal.store import Journal
from cockpit.runbook.model import Runbook
from screens.modals import ConfirmModal
from tests.helpers import decide_gates, journal_a_build

SIZE = (160, 48)


async def planned(pilot: Pilot[int]) -> None:
    """The plans are in (they are made on a worker thread after the first frame): the detail
    shows the selected item's steps, not "planning…"."""
    from rich.console import Console

    from widgets.item_detail import ItemDetail

    def shown() -> str:
        console = Console(width=200, record=True)
        console.print(pilot.app.screen.query_one(ItemDetail).shown)
        return console.export_text()

    for _ in range(200):
        await pilot.pause(0.05)
        if "planning" not in shown():
            break
    await pilot.pause()


def test_timeline_at_launch_day_10_20(snap_compare: Any, config: Config, runbook: Runbook,
                                       journal: Journal, clock: FrozenClock) -> None:
    decide_gates(journal, runbook, before="t0-tag")  # the gates so far went GO
    journal.append("run_started", run_id="r1", playbook="tag-release", params={"version": "1.1.0-beta"},
                   operator="rm@test", steps=["clean-tree", "manifest-version", "tag", "push", "verify"])
    for step in ["clean-tree", "manifest-version", "tag", "push", "verify"]:
        journal.append("step_finished", run_id="r1", step=step, status="ok", exit_code=0, duration=0.1,
                       message="exit code 0")
    journal.append("run_finished", run_id="r1", status="ok")
    app = CockpitApp(config, runbook, journal, clock=clock)
    assert snap_compare(app, terminal_size=SIZE, run_before=planned)


def test_spectator_view_of_a_no_go(snap_compare: Any, config: Config, runbook: Runbook,
                                   journal: Journal, clock: FrozenClock) -> None:
    decide_gates(journal, runbook, before="t0-go-no-go")  # T-7 .. T-1 went GO
    journal.append("run_started", run_id="g1", playbook="final-go-no-go", params={},
                   operator="rm@test", steps=["gate"])
    journal.append("gate_decision", run_id="g1", step="gate", item="t0-go-no-go", decision="NO-GO",
                   rationale="P0 #127 still open", operator="rm@test")
    journal.append("run_finished", run_id="g1", status="no-go")
    spectator = Journal.readonly(config.journal_path, clock=clock)
    app = CockpitApp(config, runbook, spectator, clock=clock, spectator_reason="--spectate")

    try:
        # the item due now (build and upload) is selected: its detail says the NO-GO blocks it
        assert snap_compare(app, terminal_size=SIZE, run_before=planned)
    finally:
        spectator.close()


SIZES = [(80, 24), (100, 30), (160, 48)]
"""Usable at 80x24 (issue 11): the smallest terminal tried, a common one, and the big one."""
LONG_PLAN = "\n".join(f"{i:>2}. git push origin refs/tags/v1.1.0-beta.{i}  "
                      f"# step {i} of the hotfix's whole plan, said in full" for i in range(1, 61))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_timeline_at_each_size(snap_compare: Any, size: tuple[int, int], config: Config,
                               runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    decide_gates(journal, runbook, before="t0-tag")
    app = CockpitApp(config, runbook, journal, clock=clock)
    assert snap_compare(app, terminal_size=size, run_before=planned)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_builds_at_each_size(snap_compare: Any, size: tuple[int, int], config: Config,
                             runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    journal_a_build(journal)
    app = CockpitApp(config, runbook, journal, clock=clock)

    async def builds(pilot: Pilot[int]) -> None:
        await pilot.press("b")
        await pilot.pause(0.5)

    assert snap_compare(app, terminal_size=size, run_before=builds)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_dialog_with_a_long_body_at_each_size(snap_compare: Any, size: tuple[int, int],
                                                config: Config, runbook: Runbook,
                                                journal: Journal, clock: FrozenClock) -> None:
    app = CockpitApp(config, runbook, journal, clock=clock)

    async def dialog(pilot: Pilot[int]) -> None:
        await planned(pilot)
        pilot.app.push_screen(ConfirmModal("Hotfix 1.1.1: the whole plan", LONG_PLAN,
                                           confirm_label="Run it (y)"))
        await pilot.pause(0.6)  # settled: the body has focus

    assert snap_compare(app, terminal_size=size, run_before=dialog)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_metrics_at_each_size(snap_compare: Any, size: tuple[int, int], config: Config,
                              runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    """Issue 13: metrics mode with downloads moving, a stale source, a metric never read, and
    an open P0's banner; downloads selected (its detail: per asset, both deadlines)."""
    from tests.ui.test_metrics_ui import journal_samples

    journal_samples(journal, clock, p0=1)
    app = CockpitApp(config, runbook, journal, clock=clock)

    async def metrics(pilot: Pilot[int]) -> None:
        await pilot.press("m")
        await pilot.pause(0.3)
        await pilot.press("down")
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=size, run_before=metrics)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_incidents_at_each_size(snap_compare: Any, size: tuple[int, int], config: Config,
                                runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    """Issue 14: a P0 twelve minutes after its report, in triage with its alert posted a
    minute late (missed), investigate met, the fix's clock running; a note; a resolved P2
    below it."""
    from datetime import timedelta

    from cockpit.engine import incidents as cmd
    from cockpit.state.launch import LaunchState

    rules = runbook.timeline.incidents

    def fold() -> LaunchState:
        state = LaunchState()
        state.apply(journal.events())
        return state

    start = clock.now()
    cmd.declare(journal, rules, fold().incidents, title="Typo in --help", severity="P2",
                operator="rm@test")
    cmd.resolve(journal, rules, fold().incidents, "1", decision="hotfix", operator="rm@test")
    cmd.declare(journal, rules, fold().incidents, title="Crash on start with an empty config",
                severity="P0", scenario="crash-on-start", reporter="@sam on Discord",
                reported_at=start, operator="rm@test")
    for minutes, phase in ((3, "alert"), (9, "investigate"), (11, "triage")):
        clock.set(start + timedelta(minutes=minutes))
        cmd.move(journal, rules, fold().incidents, "2", phase, operator="rm@test")
    cmd.note(journal, fold().incidents, "2", "reproduced with an empty ~/.config/caro",
             operator="rm@test")
    clock.set(start + timedelta(minutes=12))
    app = CockpitApp(config, runbook, journal, clock=clock)

    async def incidents(pilot: Pilot[int]) -> None:
        await pilot.press("exclamation_mark")
        await pilot.pause(0.5)

    assert snap_compare(app, terminal_size=size, run_before=incidents)

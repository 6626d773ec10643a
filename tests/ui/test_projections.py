"""Screens are projections: moving through the cockpit runs no git, no subprocess, no plan
and no journal query on the UI thread; what they need is loaded on worker threads."""

from __future__ import annotations

import ast
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cockpit.app.app import CockpitApp
from cockpit.clock import FrozenClock
from cockpit.config import Config
from cockpit.engine.planner import Planner
from cockpit.journal.store import Journal
from cockpit.runbook.model import Runbook
from tests.ui.test_timeline_ui import SIZE, table, until
from widgets.item_detail import ItemDetail
from widgets.log_pane import LogPane

ROOT = Path(__file__).resolve().parents[2]


def detail_text(app: CockpitApp) -> str:
    from rich.console import Console

    console = Console(width=200, record=True)
    console.print(app.screen.query_one(ItemDetail).shown)
    return console.export_text()


class UiThreadCalls:
    """Records the slow calls made on the UI (main) thread while `watching`."""

    def __init__(self) -> None:
        self.watching = False
        self.calls: list[str] = []

    def wrap(self, name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def watched(*args: Any, **kwargs: Any) -> Any:
            if self.watching and threading.current_thread() is threading.main_thread():
                self.calls.append(name)
            return real(*args, **kwargs)
        return watched


@pytest.fixture
def ui_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[UiThreadCalls]:
    calls = UiThreadCalls()
    monkeypatch.setattr(subprocess.Popen, "__init__",
                        calls.wrap("subprocess", subprocess.Popen.__init__))
    monkeypatch.setattr(Journal, "events", calls.wrap("journal query", Journal.events))
    monkeypatch.setattr(Planner, "values", calls.wrap("planner", Planner.values))
    monkeypatch.setattr(Planner, "context", calls.wrap("planner", Planner.context))
    yield calls


async def test_moving_through_the_timeline_runs_nothing_slow_on_the_ui_thread(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock,
        ui_calls: UiThreadCalls) -> None:
    app = CockpitApp(config, runbook, journal, clock=clock, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        ui_calls.watching = True
        for _ in range(2):
            await pilot.press(*["down"] * 25, *["up"] * 25)
        await pilot.press("n", "l", "l", "b", "t", "end", "home")
        # ... and what it moved to is shown, once the workers answer
        await pilot.press("n")
        await until(pilot, lambda: "planning" not in detail_text(app))
        ui_calls.watching = False
        assert ui_calls.calls == []
        detail = detail_text(app)
        assert "playbook build-and-upload" in detail and "build x86_64" in detail


async def test_a_runs_log_loads_off_the_ui_thread_and_keeps_what_arrives_meanwhile(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock,
        ui_calls: UiThreadCalls) -> None:
    journal.append("run_started", run_id="r1", playbook="tag-release", params={},
                   operator="rm@test", steps=["tag"])
    journal.append("output", run_id="r1", step="tag", text="one\ntwo")
    app = CockpitApp(config, runbook, journal, clock=clock, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        ui_calls.watching = True
        table(app).select_key("t0-tag")
        await pilot.pause()
        ui_calls.watching = False
        journal.append("output", run_id="r1", step="tag", text="three")
        log = app.screen.query_one(LogPane)
        await until(pilot, lambda: list(log.lines) == ["one", "two", "three"])
        assert ui_calls.calls == []


def test_screens_and_widgets_never_plan_nor_read_the_journal_nor_start_processes() -> None:
    banned = {"subprocess", "cockpit.gitrepo", "cockpit.engine.planner", "cockpit.engine.engine",
              "cockpit.journal.store.Journal", "asyncio.subprocess"}
    found = []
    for path in [*(ROOT / "screens").glob("*.py"), *(ROOT / "widgets").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            found += [f"{path.name}: {n}" for n in names if n in banned]
    assert found == []


async def test_a_log_shown_while_a_poll_was_in_flight_loads_again_instead_of_losing_lines(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    """The poll chose which logs to read with text before the pane showed this one: the
    lines it brings for it have no text, so the pane asks for them again."""
    from screens.base import OutputWanted

    journal.append("run_started", run_id="r1", playbook="tag-release", params={},
                   operator="rm@test", steps=["tag"])
    journal.append("output", run_id="r1", step="tag", text="one")
    app = CockpitApp(config, runbook, journal, clock=clock, poll_seconds=60)  # polls by hand
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table(app).select_key("t0-tag")
        log = app.screen.query_one(LogPane)
        await until(pilot, lambda: list(log.lines) == ["one"])
        journal.append("output", run_id="r1", step="tag", text="two")
        without_text = journal.events(after=app.state.last_id, output_of=())
        assert without_text[-1].unread == 1
        app.feeder.show(without_text, OutputWanted())  # read before the pane showed r1
        assert log.loading
        await until(pilot, lambda: list(log.lines) == ["one", "two"])

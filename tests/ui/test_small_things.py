"""Issue 11's small things: cancel asks, notifications are kept, one zone on screen, the
spectator sees a dead controller, timeline search and filter, help's order."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.clock import FrozenClock
from cockpit.config import Config
from cockpit.journal.store import Journal
from screens.modals import ConfirmModal
from tests.ui.test_timeline_ui import SIZE, SLOW, asked, make_app, until


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
            assert "Cancel slow?" in app.screen.title_text  # type: ignore[attr-defined]
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


def test_builds_log_filter_is_case_insensitive() -> None:
    from screens.builds import BuildsScreen

    screen = BuildsScreen(can_act=True, alternatives=lambda target, builder: None)
    screen.filter = "error"
    assert screen._filtered(["ERROR: linker failed", "Compiling caro", "an Error"]) == [
        "ERROR: linker failed", "an Error"]


async def test_timeline_search_and_status_filter_and_row_keys(
        config: Config, journal: Journal, clock: FrozenClock) -> None:
    from cockpit.runbook.loader import load_runbook
    from cockpit.state.gates import blocked_by
    from tests.helpers import decide_gates
    from widgets.search import SearchBox
    from widgets.timeline_table import TimelineTable

    runbook = load_runbook()
    decide_gates(journal, runbook, before="t0-go-no-go")  # T-0's gate undecided: it blocks
    app = make_app(config, runbook, journal, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.timeline.query_one(TimelineTable)
        await until(pilot, lambda: table.row_count > 0)
        everything = set(table.views)
        await pilot.press("slash")
        box = app.timeline.query_one(SearchBox)
        await until(pilot, lambda: box.has_focus)
        await pilot.press(*"TAG")  # any case: "Tag Release"
        await until(pilot, lambda: set(table.views) == {"t0-tag"})
        assert "/TAG: 1 of" in str(table.border_title)
        await pilot.press("enter")  # keeps the search, runs nothing
        await until(pilot, lambda: table.has_focus)
        assert set(table.views) == {"t0-tag"} and not app.state.runs
        assert table.selected_key == "t0-tag"  # on the first match: enter there runs it
        await pilot.press("escape")
        await until(pilot, lambda: set(table.views) == everything)
        assert not table.border_title

        await pilot.press("f")  # overdue
        overdue = {k for k, v in table.views.items() if v.overdue}
        assert set(table.views) == overdue and "t0-tag" in overdue
        assert str(table.border_title).startswith("overdue:")
        await pilot.press("f")  # blocked by the undecided gate
        assert "t0-tag" in table.views and "t-7-planning" not in table.views  # after / before
        assert all(blocked_by(runbook, app.state, v.item.playbook, "block-undecided")
                   for v in table.views.values())
        assert str(table.border_title).startswith("blocked:")
        await pilot.press("f", "f")  # running, then done
        assert str(table.border_title).startswith("done:")
        assert table.views and all(v.status in {"done", "GO"} for v in table.views.values())
        await pilot.press("f")  # all again
        assert set(table.views) == everything and not table.border_title

        await pilot.press("g")
        first = table.selected_key
        assert first == next(k for k in (str(r.key.value) for r in table.ordered_rows)
                             if k in table.views)
        await pilot.press("j")
        assert table.cursor_row == table.get_row_index(first) + 1
        await pilot.press("k")
        assert table.selected_key == first
        await pilot.press("G")
        last = table.selected_key
        assert last == [k for k in (str(r.key.value) for r in table.ordered_rows)
                        if k in table.views][-1]
        await pilot.press("home")
        assert table.selected_key == first
        await pilot.press("end")
        assert table.selected_key == last


async def test_the_spectator_says_when_the_controller_died(
        config: Config, journal: Journal, clock: FrozenClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from cockpit.app import feeding
    from cockpit.runbook.loader import load_runbook
    from widgets.header import CockpitHeader

    checked_on: set[str] = set()
    real = feeding.controller_gone

    def checked(path: Path) -> str | None:
        checked_on.add(threading.current_thread().name)
        return real(path)

    monkeypatch.setattr(feeding, "controller_gone", checked)
    monkeypatch.setattr(feeding, "HOLDER_EVERY", 0.05)
    journal.append("run_started", run_id="r1", playbook="tag-release",
                   params={"version": "1.1.0-beta"}, operator="rm@test",
                   steps=["clean-tree", "tag"])
    spectator = Journal.readonly(config.journal_path, clock=clock)
    app = make_app(config, load_runbook(), spectator, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        header = app.timeline.query_one(CockpitHeader)
        await until(pilot, lambda: "running: 09:00 T" in str(header.render()))  # cut at 80
        await pilot.pause(0.3)
        assert "GONE" not in str(header.render())  # the controller holds the lock
        journal.close()  # the controller dies: its lock goes with it
        await until(pilot, lambda: "GONE" in str(header.render()))
        shown = str(header.render())
        assert "running:" not in shown and "stopped mid-" in shown
        assert "⚠ GONE" in shown[:60]  # beside the role: seen at 80 columns
        await pilot.resize_terminal(160, 48)
        await until(pilot, lambda: "CONTROLLER GONE" in str(header.render()))
        await pilot.resize_terminal(220, 48)  # wide enough for who held it
        await until(pilot, lambda: "CONTROLLER GONE (rm@test pid" in str(header.render()))
        shown = str(header.render())
        assert "running:" not in shown and "stopped mid-run: 09:00 Tag Release" in shown
    assert checked_on and threading.main_thread().name not in checked_on
    spectator.close()


async def test_help_lists_the_cockpits_own_keys_first_then_textuals(
        config: Config, journal: Journal, clock: FrozenClock) -> None:
    from cockpit.runbook.loader import load_runbook
    from screens.help import HelpScreen

    app = make_app(config, load_runbook(), journal, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        ours = [(key, what) for key, what, *_ in help_screen.rows]
        textual = [(key, what) for key, what, *_ in help_screen.navigation]
        described = [what for _, what in ours]
        # the mode's keys, then the app's, then the timeline table's own
        assert described[0] == "Run" and described.index("Log") < described.index("Timeline")
        assert described.index("Alerts") < described.index("Search")
        keys = {what: set(key.split()) for key, what in ours}  # one row per action
        assert {"Search": {"/"}, "Filter": {"f"}, "Down": {"j"}, "Up": {"k"},
                "First item": {"g", "home"}, "Last item": {"G", "end"}, "Alerts": {"N"},
                "Help": {"?", "f1"}}.items() <= keys.items()
        assert ("↑", "Cursor up") in textual and ("^q", "Quit") in textual
        assert not {what for _, what in textual} & {"Run", "Search", "Alerts", "Help"}


def test_every_cockpit_binding_has_an_id_and_a_tooltip() -> None:
    """Help tells the cockpit's keys from Textual's by their id."""
    import importlib
    import inspect
    import pkgutil

    from textual.binding import Binding

    missing = []
    for package in ("screens", "widgets", "cockpit.app"):
        for info in pkgutil.iter_modules(importlib.import_module(package).__path__):
            module = importlib.import_module(f"{package}.{info.name}")
            for name, cls in vars(module).items():
                if inspect.isclass(cls) and cls.__module__ == module.__name__:
                    missing += [f"{module.__name__}.{name} {b}" for b in
                                cls.__dict__.get("BINDINGS", [])
                                if not isinstance(b, Binding) or not (b.id and b.tooltip)]
    assert missing == []


async def test_every_spectator_and_the_controller_see_how_many_watch(
        config: Config, journal: Journal, clock: FrozenClock,
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Two other spectators (real processes, each its file beside the journal) and a third
    killed outright (its file left behind): "👁 2 others watching" for a spectator, "👁 2
    watching" for the controller; one leaves, the count follows."""
    import json
    import os
    import subprocess
    import sys

    from cockpit.app import feeding
    from cockpit.journal import viewers
    from cockpit.runbook.loader import load_runbook
    from widgets.header import CockpitHeader

    monkeypatch.setattr(feeding, "HOLDER_EVERY", 0.05)
    folder = viewers.viewers_dir(config.journal_path)
    others = [subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
              for _ in range(3)]
    try:
        for name, other in zip(("bob", "carol", "dan"), others, strict=True):
            folder.mkdir(exist_ok=True)
            (folder / f"{os.uname().nodename}-{other.pid}").write_text(
                json.dumps({"pid": other.pid, "name": name, "via": "ssh"}))
        others[2].kill()  # dan's spectator killed outright: its file stays, it counts for nobody
        others[2].wait()
        spectator = Journal.readonly(config.journal_path, clock=clock)
        mine = viewers.arrive(config.journal_path, "me", "terminal")
        app = make_app(config, load_runbook(), spectator, clock)
        async with app.run_test(size=(160, 48)) as pilot:
            header = app.timeline.query_one(CockpitHeader)
            await until(pilot, lambda: "👁 2 others watching" in str(header.render()))
            others[0].kill()
            others[0].wait()
            await until(pilot, lambda: "👁 1 other watching" in str(header.render()))
        viewers.leave(mine)
        spectator.close()
        controller = make_app(config, load_runbook(), journal, clock)
        async with controller.run_test(size=(80, 24)) as pilot:
            header = controller.timeline.query_one(CockpitHeader)
            await until(pilot, lambda: "1 watching" in str(header.render())
                        or "👁 1" in str(header.render()))  # the shortest form, at 80
            assert "other" not in str(header.render())

            def spectators() -> list[tuple[str, str, str]]:  # as the controller journaled them
                return [(e.data["event"], e.data["name"], e.data["via"])
                        for e in journal.events(kinds=["spectator"])]

            await until(pilot, lambda: spectators() == [("arrived", "carol", "ssh")])
            others[1].kill()
            others[1].wait()
            await until(pilot, lambda: spectators()[-1] == ("left", "carol", "ssh"))
            assert len(spectators()) == 2  # each once
    finally:
        for other in others:
            other.kill()
            other.wait()
    assert not (folder / f"{os.uname().nodename}-{os.getpid()}").exists()  # left: no file

"""Usable at 80x24 (issue 11): at the three sizes the cockpit is tried at, the timeline shows
the items' names, every dialog's buttons lie on the screen however long its body, the footer
keeps the emergency keys, help and quit, and the header keeps the role, time and badges."""

from __future__ import annotations

import pytest
from textual.app import App
from textual.geometry import Region
from textual.screen import Screen
from textual.widgets import Button
from textual.widgets._footer import FooterKey

from cockpit.app.app import CockpitApp
from cockpit.clock import FrozenClock
from cockpit.config import Config
from cockpit.journal.store import Journal
from cockpit.params import ParamSpec
from cockpit.runbook.model import Runbook
from cockpit.steps.checks import CheckResult
from screens.modals import ConfirmModal, ParamsModal, ResolveModal, TextModal
from screens.questions import FailureModal, GateModal, ManualModal
from tests.helpers import journal_a_build
from tests.ui.test_timeline_ui import until
from widgets.build_grid import BuildGrid
from widgets.footer import CockpitFooter
from widgets.header import CockpitHeader
from widgets.timeline_table import NAME_MIN, TimelineTable

SIZES = [(80, 24), (100, 30), (160, 48)]
LONG = "\n".join(f"{i:>3}  git push origin v1.1.0-beta.{i}  # a long plan" for i in range(80))


async def no_errors(_: list[str]) -> list[str]:
    return []


def dialogs() -> dict[str, Screen[object]]:
    specs = {name: ParamSpec(type="string", description=f"the {name} of the hotfix")
             for name in ("reason", "version", "previous_version", "manager", "owner")}
    checks = [CheckResult(title=f"check {i}", ok=i % 3 != 0 if i % 4 else None,
                          summary="exit code 0", kind="command") for i in range(20)]
    return {"confirm": ConfirmModal("The whole plan", LONG),
            "params": ParamsModal("Hotfix", specs, {}, no_errors),
            "resolve": ResolveModal("hotfix", None, "push", LONG),
            "text": TextModal("Override", "why"),
            "manual": ManualModal("Investigate", LONG),
            "failure": FailureModal("Push the tag", LONG),
            "gate": GateModal("T-0", checks)}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_every_dialogs_buttons_are_on_screen(size: tuple[int, int]) -> None:
    """Repro: at 80x24 the buttons of a dialog with a long body were below the screen."""
    for name, dialog in dialogs().items():
        app: App[None] = App()
        async with app.run_test(size=size) as pilot:
            app.push_screen(dialog)
            await pilot.pause()
            screen = Region(0, 0, *size)
            buttons = list(dialog.query(Button))
            assert buttons, name
            for button in buttons:
                assert screen.contains_region(button.region), (name, button.label, size)
                assert button.region.height == 3, (name, button.label)
            title = dialog.query_one(".modal-title")
            assert screen.contains_region(title.region), name


VERSION_SAID = ["param version: 'bad version!' is not a semantic version (use MAJOR.MINOR.PATCH "
                "with an optional -prerelease, e.g. 1.1.0-beta.1)",
                "param reason: is required (give it a value)"]


async def refuse(_: dict[str, str]) -> list[str]:
    return VERSION_SAID


def refusing() -> dict[str, tuple[Screen[object], str, str]]:
    """Dialogs with a long body or many fields, the button that is refused, what it says."""
    specs = {"version": ParamSpec(type="semver", description="The hotfix version (the next "
                                  "one after the release and every existing tag)."),
             "reason": ParamSpec(type="string", description="What the hotfix fixes, in one "
                                 "line (tag message and announcement).")}
    checks = [CheckResult(title=f"check {i}", ok=True, summary="exit code 0", kind="command")
              for i in range(20)]
    return {"params-error": (ParamsModal("Run: Hotfix Deployment", specs, {}, refuse), "#ok",
                             "\n".join(VERSION_SAID)),
            "gate-error": (GateModal("T-0", checks), "#go", "a decision needs a rationale"),
            "failure-error": (FailureModal("Push the tag", LONG), "#skip",
                              "say why it is safe to go on without this step")}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_a_dialogs_error_is_shown_whole(size: tuple[int, int]) -> None:
    """Repro: at 80x24 a hotfix's bad version said only "param version: 'bad version!' is
    not a semantic version (use": the buttons were drawn over the rest of its error."""
    from textual.widgets import Static

    for error_id, (dialog, button_id, said) in refusing().items():
        app: App[None] = App()
        async with app.run_test(size=size) as pilot:
            app.push_screen(dialog)
            await pilot.pause(0.3)  # settled: it takes keys and clicks
            await pilot.click(button_id)
            await pilot.pause()
            error = dialog.query_one(f"#{error_id}", Static)
            lines = error.render_lines(Region(0, 0, error.size.width, error.size.height))
            shown = " ".join("".join(seg.text for seg in line).strip() for line in lines)
            assert " ".join(shown.split()) == " ".join(said.split()), (error_id, size)
            box = dialog.query_one(".modal-box")
            assert box.content_region.contains_region(error.region), (error_id, size)
            for button in dialog.query(Button):  # nothing drawn over it
                assert box.content_region.contains_region(button.region), size
                assert not error.region.overlaps(button.region), (error_id, size)


async def test_many_errors_leave_the_title_and_fields_their_rows() -> None:
    """Seven refused values at 80x24 (an incident's update has seven parameters): the error
    takes at most six rows; the title and some of the fields stay in view."""
    from textual.widgets import Static

    specs = {f"field{i}": ParamSpec(type="string", description="a value") for i in range(7)}

    async def refuse_all(_: dict[str, str]) -> list[str]:
        return [f"param field{i}: is required (give it a value)" for i in range(7)]

    app: App[None] = App()
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = ParamsModal("Run: Incident Update", specs, {}, refuse_all)
        app.push_screen(dialog)
        await pilot.pause(0.3)
        await pilot.click("#ok")
        await pilot.pause()
        error = dialog.query_one("#params-error", Static)
        title, fields = dialog.query_one(".modal-title"), dialog.query_one(".modal-scroll")
        box = dialog.query_one(".modal-box").content_region
        assert 0 < error.region.height <= 6
        assert box.contains_region(title.region) and not title.region.overlaps(error.region)
        assert fields.region.height >= 3 and not fields.region.overlaps(error.region)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_timeline_shows_status_and_names(size: tuple[int, int], config: Config,
                                                   runbook: Runbook, journal: Journal,
                                                   clock: FrozenClock) -> None:
    """Repro: at 80x24 no item names showed (the columns before them took the width), at
    100x30 names were cut to 11 characters."""
    app = CockpitApp(config, runbook, journal, clock=clock)
    async with app.run_test(size=size) as pilot:
        await pilot.pause(0.3)
        table = app.screen.query_one(TimelineTable)
        assert {"status", "item"} <= set(table.shown_columns)
        assert table.shown_columns["item"] >= NAME_MIN
        assert table.virtual_size.width <= table.size.width  # nothing hides off the right
        if size[0] >= 160:
            assert set(table.shown_columns) == {"status", "when", "rel", "item"}
        names = [str(table.get_cell(key, "item")) for key in table.rows_keys()]
        assert any("Tag Release" in name for name in names)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_footer_keeps_the_emergency_keys_help_and_quit(
        size: tuple[int, int], config: Config, runbook: Runbook, journal: Journal,
        clock: FrozenClock) -> None:
    """Repro: at 80x24 the footer dropped H, R, ? and q (the screen's keys came first)."""
    app = CockpitApp(config, runbook, journal, clock=clock)
    async with app.run_test(size=size) as pilot:
        for mode in ("timeline", "builds", "incidents"):
            await app.switch_mode(mode)
            for _ in range(100):  # a loaded machine draws the mode's footer later
                await pilot.pause(0.1)
                footer = app.screen.query_one(CockpitFooter)
                keys = {key.key: key for key in footer.query(FooterKey)}
                if keys:
                    break
            assert {"H", "R", "question_mark", "q"} <= set(keys), (mode, sorted(keys))
            screen = Region(0, 0, *size)
            for key in keys.values():
                assert screen.contains_region(key.region), (mode, key.key, key.region)
            if mode == "incidents":  # the room the modes leave takes one of its own keys
                assert {"greater_than_sign", "a", "o", "z", "u", "p"} & set(keys), sorted(keys)
            if size[0] >= 160 and mode == "timeline":  # room for every key, as before
                assert not footer.compact and {"enter", "d", "n", "l", "t", "b"} <= set(keys)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_header_keeps_role_time_and_badges_on_one_line(
        size: tuple[int, int], config: Config, runbook: Runbook, journal: Journal,
        clock: FrozenClock) -> None:
    """Repro: at 80 columns the overdue badge fell off the end of the header."""
    app = CockpitApp(config, runbook, journal, clock=clock)
    async with app.run_test(size=size) as pilot:
        await pilot.pause(0.3)
        header = app.screen.query_one(CockpitHeader)
        view = app.screen.view  # type: ignore[attr-defined]
        header.show(view, waiting=1)
        await pilot.pause()
        line = str(header.render())
        assert header.region.height == 1 and len(line) <= header.size.width
        for part in ("CONTROLLER", view.now_local[-5:], "T+", "1 ", "waiting", "overdue"):
            assert part in line, (part, line)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_build_grid_shows_targets_and_status(
        size: tuple[int, int], config: Config, runbook: Runbook, journal: Journal,
        clock: FrozenClock) -> None:
    """At 80 columns the grid's status ran off the right: the builder goes, then the stages
    show as icons; the target and its status stay whole."""
    journal_a_build(journal)
    app = CockpitApp(config, runbook, journal, clock=clock)
    async with app.run_test(size=size) as pilot:
        await app.switch_mode("builds")
        grid = app.screen.query_one(BuildGrid)
        await until(pilot, lambda: grid.row_count == 3)  # the first poll's fold (CI: slower)
        await pilot.pause(0.2)  # the columns fitted to the rows
        assert grid.virtual_size.width <= grid.size.width  # nothing hides off the right
        columns = grid.shown_columns
        assert columns["target"][1] >= len("aarch64-unknown-linux-gnu")
        assert columns["status"][1] >= 12
        assert str(grid.get_cell("x86_64-pc-windows-gnu", "status")) == "failed"
        if size[0] >= 160:
            assert "builder" in columns and columns["build"][1] == 16

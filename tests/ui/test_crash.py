"""Issue 12, "a crash is a crash": keys typed ahead into the command palette never pop the
screen under it (Textual's palette dismissed itself once per queued enter)."""

from __future__ import annotations

from textual import events
from textual.command import CommandList, CommandPalette
from textual.widgets import Input

from cockpit.clock import FrozenClock
from cockpit.config import Config
from cockpit.journal.store import Journal
from cockpit.runbook.model import Runbook
from screens.help import HelpScreen
from screens.timeline import TimelineScreen
from tests.ui.test_timeline_ui import SIZE, make_app, until


async def _palette_showing(pilot: object, query: str) -> CommandPalette:
    """ctrl+p, `query` typed, and its one hit highlighted in the list."""
    app = pilot.app  # type: ignore[attr-defined]
    await pilot.press("ctrl+p")  # type: ignore[attr-defined]
    await until(pilot, lambda: isinstance(app.screen, CommandPalette))  # type: ignore[arg-type]
    palette = app.screen
    await until(pilot, lambda: palette.query_one(Input).has_focus)  # type: ignore[arg-type]
    await pilot.press(*query)  # type: ignore[attr-defined]
    listed = palette.query_one(CommandList)
    await until(pilot, lambda: listed.option_count == 1  # type: ignore[arg-type]
                and query in str(listed.get_option_at_index(0).prompt))
    assert isinstance(palette, CommandPalette)
    return palette


def _two_enters_at_once(app: object) -> None:
    """What a busy UI thread sees when enter is typed twice (or a loop's next try lands):
    both keys are queued before the palette handles the first."""
    for _ in range(2):
        app.post_message(events.Key("enter", "\r"))  # type: ignore[attr-defined]


async def test_two_enters_queued_in_the_palette_pop_only_the_palette(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    app = make_app(config, runbook, journal, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await _palette_showing(pilot, "Show timeline")
        _two_enters_at_once(app)
        await until(pilot, lambda: not isinstance(app.screen, CommandPalette))
        await pilot.pause(0.2)
        assert app.is_running and app.return_code is None  # no ScreenStackError
        assert isinstance(app.screen, TimelineScreen) and len(app.screen_stack) == 1


async def test_a_command_chosen_with_two_enters_runs_once_and_keeps_its_screen(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    """The second enter neither pops the screen the command opened nor runs it again."""
    app = make_app(config, runbook, journal, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await _palette_showing(pilot, "Help: keys")
        _two_enters_at_once(app)
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.pause(0.2)
        assert app.is_running and isinstance(app.screen, HelpScreen)
        assert [type(s) for s in app.screen_stack] == [TimelineScreen, HelpScreen]


async def test_ctrl_p_while_the_palette_that_just_closed_is_being_removed_opens_a_new_one(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    """The next try of the loop: ctrl+p lands after enter closed the palette, before Textual
    has removed it (two palettes with one id: DuplicateIds)."""
    app = make_app(config, runbook, journal, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        first = await _palette_showing(pilot, "Show timeline")
        first.dismiss()  # as its enter does: off the stack now, removed a moment later
        app.action_command_palette()
        await until(pilot, lambda: isinstance(app.screen, CommandPalette)
                    and app.screen is not first)
        await pilot.pause(0.2)
        assert app.is_running and app.return_code is None

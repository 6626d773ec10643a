"""The command palette (ctrl+p): every playbook, to run or dry-run (controller only), and
every screen; and the palette itself, without Textual's race on keys typed ahead.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import cast

from textual import on
from textual.app import App
from textual.await_complete import AwaitComplete
from textual.command import CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.message import Message
from textual.theme import ThemeProvider
from textual.widgets import Button, Input, OptionList

from cockpit.app.host import Host


class CockpitCommands(Provider):
    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        app = cast(Host, self.app)
        commands: list[tuple[str, str, Callable[[], object]]] = [
            ("Show timeline", "The runbook on its timeline", partial(app.switch_mode, "timeline")),
            ("Show builds", "The build matrix", partial(app.switch_mode, "builds")),
            ("Show metrics", "The launch's numbers against the runbook's targets",
             partial(app.switch_mode, "metrics")),
            ("Help: keys", "Every key, from the live bindings", app.action_help),
        ]
        if app.journal.writable:
            for name, pb in sorted(app.runbook.playbooks.items()):
                commands.append((f"Run playbook: {name}", pb.title,
                                 partial(app.start_playbook, name, False)))
                commands.append((f"Dry-run playbook: {name}", pb.title,
                                 partial(app.start_playbook, name, True)))
        return commands

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)


class CockpitPalette(CommandPalette):
    """Textual's palette, closed once. Its enter dismisses it and runs the command, but an
    enter queued behind the first (typed ahead while the UI was busy) dismissed it again:
    `dismiss` pops whatever is on top, so the mode's own screen went and the app died of
    ScreenStackError, or a screen the command had just opened was closed and the command
    ran twice. What reaches it after it closed is dropped."""

    closed = False

    def dismiss(self, result: None = None) -> AwaitComplete:
        if self.closed or self.app.screen is not self:
            return AwaitComplete()  # gone already: pop nothing under it
        self.closed = True
        return super().dismiss(result)

    @on(Input.Submitted)
    @on(Button.Pressed)
    @on(OptionList.OptionSelected)
    def _drop_after_close(self, event: Message) -> None:
        """Runs before the palette's own handlers (subclass first); after the palette
        closed, the event goes no further: nothing selected, nothing run, nothing popped."""
        if self.closed or self.app.screen is not self:
            event.prevent_default()
            event.stop()


class PaletteHost(Host):
    """An app whose palettes (ctrl+p's, and Textual's theme search) are `CockpitPalette`s."""

    def action_command_palette(self) -> None:
        """Without Textual's fixed id: a ctrl+p handled after enter closed the palette but
        before Textual removed it made a second widget with that id (DuplicateIds)."""
        if self.use_command_palette and not CockpitPalette.is_open(cast("App[object]", self)):
            self.push_screen(CockpitPalette())

    def search_themes(self) -> None:
        self.push_screen(CockpitPalette(providers=[ThemeProvider],
                                        placeholder="Search for themes…"))

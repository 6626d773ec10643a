"""Searching what a screen shows: one rule for every `/` (case-insensitive), and the box it is
typed in."""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input


def matches(query: str, *texts: str) -> bool:
    """`query` is in one of `texts`, whatever the case (an empty query matches everything):
    a release manager typing "tag" means "Tag Release" too."""
    wanted = query.strip().casefold()
    return not wanted or any(wanted in text.casefold() for text in texts)


class SearchBox(Input):
    """A one-line search, hidden until asked for: each change is applied as it is typed,
    enter keeps it and goes back, escape clears it."""

    DEFAULT_CSS = """
    SearchBox { dock: bottom; display: none; }
    SearchBox.visible { display: block; }
    """
    BINDINGS = [Binding("escape", "clear", "Clear search", id="search-clear",
                        tooltip="Clear the search and go back")]

    class Searched(Message):
        def __init__(self, box: SearchBox, text: str, *, done: bool) -> None:
            super().__init__()
            self.box = box
            self.text = text
            self.done = done
            """Enter or escape: the search is no longer being typed."""

    def open(self) -> None:
        self.add_class("visible")
        self.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Searched(self, event.value, done=False))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.remove_class("visible")
        self.post_message(self.Searched(self, event.value, done=True))

    def action_clear(self) -> None:
        self.value = ""  # its Input.Changed comes first
        self.remove_class("visible")
        self.post_message(self.Searched(self, "", done=True))

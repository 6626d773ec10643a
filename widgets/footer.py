"""The footer every mode shows: at any width it keeps the emergency keys (H, R), w (a run waits
for you), help and quit.

Textual's footer lists the active bindings in order and crops what does not fit on the right,
which is where the app's keys are. This one shows them all when they fit; otherwise it goes
compact and leaves out, first, the keys that do nothing right now, then the command palette,
then the screen's own keys from the last, then the modes: never H, R, w, ? or q (help lists
every key). A working key left out comes back if it fits in the room a wider one left.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.events import Resize
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

ESSENTIAL = frozenset({"hotfix", "rollback", "answer", "help", "quit"})
"""Binding ids the footer never leaves out."""
MOOT, PALETTE, SCREEN, MODE, KEPT = range(5)
"""Ranks: what the footer leaves out first when the keys do not all fit; KEPT never."""


class CockpitFooter(Footer):
    def __init__(self) -> None:
        super().__init__()
        self._width = 0

    def compose(self) -> ComposeResult:
        keys = [k for k in super().compose() if isinstance(k, FooterKey)]
        width = self.screen.size.width or self.app.size.width
        self._width = width
        compact = sum(self._cells(k, compact=False) for k in keys) > width
        self.set_reactive(Footer.compact, compact)
        self.set_class(compact, "-compact")
        shown = set(range(len(keys)))
        ranks = [self._rank(k) for k in keys]
        cells = [self._cells(key, compact=compact) for key in keys]
        for index in sorted(shown, key=lambda i: (ranks[i], -i)):
            if sum(cells[i] for i in shown) <= width:
                break
            if ranks[index] != KEPT:
                shown.discard(index)
        left_out = sorted((i for i in range(len(keys)) if i not in shown and ranks[i] != MOOT),
                          key=lambda i: (-ranks[i], i))
        for index in left_out:  # the room a wider key left: a narrower one, best rank first
            if sum(cells[i] for i in shown) + cells[index] <= width:
                shown.add(index)
        yield from (key for i, key in enumerate(keys) if i in shown)

    def _rank(self, key: FooterKey) -> int:
        """Which keys go first when they do not all fit (lowest first)."""
        if key.has_class("-command-palette"):
            return PALETTE
        active = self.screen.active_bindings.get(key.key)
        if active is not None and active.binding.id in ESSENTIAL:
            return KEPT
        if active is not None and active.node is self.app:
            return MODE
        return MOOT if key.has_class("-disabled") else SCREEN

    @staticmethod
    def _cells(key: FooterKey, *, compact: bool) -> int:
        """The cells a key takes: its key, its description and their padding (the palette's
        also its border)."""
        text = cell_len(key.key_display) + cell_len(key.description)
        if key.has_class("-command-palette"):
            return text + 3
        return text + (2 if compact else 3)

    def on_resize(self, event: Resize) -> None:
        if event.size.width != self._width and self.is_attached:
            self.call_after_refresh(self.recompose)


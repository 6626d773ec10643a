"""A log pane fed in batches.

Writing one line at a time to a Textual `Log` costs a refresh per line; here lines are
buffered and written with one `write_lines` every 50 ms. Both the buffer and the widget are
bounded (`max_lines`): the full log stays in the journal.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from textual.widgets import Log


class LogPane(Log):
    DEFAULT_CSS = """
    LogPane { border: round $panel-lighten-2; border-title-color: $text-muted; }
    LogPane:focus { border: round $accent; }
    """

    def __init__(self, *, max_lines: int = 5000, flush_interval: float = 0.05,
                 id: str | None = None) -> None:
        super().__init__(max_lines=max_lines, id=id, auto_scroll=True)
        self._pending: deque[str] = deque(maxlen=max_lines)
        self._interval = flush_interval
        self.source: str | None = None
        """What is shown (a run id), so callers know whether new lines belong here."""

    def on_mount(self) -> None:
        self.set_interval(self._interval, self.flush)

    def push(self, lines: Iterable[str]) -> None:
        """Queue lines; they appear at the next flush."""
        self._pending.extend(lines)

    def flush(self) -> None:
        if self._pending:
            lines = list(self._pending)
            self._pending.clear()
            self.write_lines(lines)

    def show_source(self, source: str | None, lines: Iterable[str], title: str) -> None:
        """Replace the content with another run's output."""
        self.source = source
        self._pending.clear()
        self.clear()
        self._pending.extend(lines)
        self.border_title = title

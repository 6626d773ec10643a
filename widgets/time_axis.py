"""Time labels under a plot of a history: the first and last moments and, as the width allows,
a few between, each under the column that plots it.

The plot is Textual's Sparkline, which spreads the points over its cells by their order, not
their time (an older history is thinned: see metrics/state.py): column c of a plot `width`
cells wide shows the points from index c * n // width on, so a label says the moment of the
first point its column shows. Rendered at the widget's own width, whatever it is resized to:
a few index computations, no pass over the history.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo

from rich.text import Text
from textual.widgets import Static

from cockpit.clock import local_time

LABELS_MAX = 5
GAP = 3
"""The least room between two labels."""
DAY = 86400.0


def ticks(points: Sequence[tuple[float, float]], width: int, tz: tzinfo) -> str:
    """The labels for `points` ((POSIX seconds, value), oldest first) plotted `width` wide."""
    n = len(points)
    if not n or width <= 0:
        return ""
    fmt = "%H:%M" if points[-1][0] - points[0][0] < DAY else "%a %H:%M"

    def label(at: float) -> str:
        return local_time(datetime.fromtimestamp(at, UTC), tz, fmt)

    size = len(label(points[-1][0]))
    if n == 1 or width < 2 * size + GAP:
        return label(points[0][0])[:width]
    count = max(2, min(LABELS_MAX, (width + GAP) // (size + GAP)))
    line = [" "] * width
    for i in range(count):
        column = round(i * (width - 1) / (count - 1))
        at = points[-1][0] if i == count - 1 else points[min(n - 1, column * n // width)][0]
        text = label(at)
        start = 0 if i == 0 else min(max(0, column - len(text) // 2), width - len(text))
        line[start:start + len(text)] = text
    return "".join(line).rstrip()


class TimeAxis(Static):
    """The time labels of the plot above it (as wide as it)."""

    DEFAULT_CSS = "TimeAxis { height: 1; color: $text-muted; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self._points: Sequence[tuple[float, float]] = ()
        self._tz: tzinfo = UTC

    def show(self, points: Sequence[tuple[float, float]], tz: tzinfo | None) -> None:
        """Label these points (kept by reference: the fold's history, not copied)."""
        self._points, self._tz = points, tz or UTC
        self.refresh()

    def render(self) -> Text:
        return Text(ticks(self._points, self.size.width, self._tz))

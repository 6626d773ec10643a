"""A log pane fed in batches.

Writing one line at a time to a Textual `Log` costs a refresh per line; here lines are
buffered and written with one `write_lines` every 50 ms. Both the buffer and the widget are
bounded (`max_lines`): the full log stays in the journal.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region, Size
from textual.reactive import Reactive
from textual.strip import Strip
from textual.widgets import Log

WIDTH_STEP = 40
MAX_PER_FLUSH = 1000
REST_AFTER_FLOOD = 9
"""Flushes skipped after one that could not draw everything: under a flood a pane redraws
about once a second, leaving the CPU to the stream and the keyboard."""


class LogPane(Log):
    DEFAULT_CSS = """
    LogPane { border: round $panel-lighten-2; border-title-color: $text-muted; }
    LogPane:focus { border: round $accent; }
    """

    virtual_size: Reactive[Size] = Reactive(Size(0, 0))
    """As Textual's, without a layout on change: a pane's size comes from the CSS, not from
    its lines, so a longer log only moves its scrollbars (see `watch_virtual_size`). Textual
    laid out the whole screen on every write until the pane was full: a 50-250 ms frame
    with four panes streaming."""

    def __init__(self, *, max_lines: int = 5000, flush_interval: float | None = 0.05,
                 max_per_flush: int = MAX_PER_FLUSH, id: str | None = None) -> None:
        super().__init__(max_lines=max_lines, id=id, auto_scroll=True)
        self._pending: deque[str] = deque(maxlen=max_per_flush)
        self._received = 0
        self._interval = flush_interval
        self._rest = 0
        """Flushes still to skip (REST_AFTER_FLOOD)."""
        self._follow_end = False
        self.source: str | None = None
        """What is shown (a run id), so callers know whether new lines belong here."""
        self.loading = False
        """Waiting for the source's earlier lines (`wait_for`): new ones are held till then."""
        self.through = 0
        """The newest journal event whose lines the pane holds: an older one is not pushed
        again."""
        self._request = 0
        self._held: list[tuple[list[str], int, int]] = []
        self._frame_style: Style | None = None

    # drawing -----------------------------------------------------------------------------
    # A scrolling pane draws every visible line anew each frame (each one moved up): for the
    # controller while its logs stream, and for every spectator on each of its frames. Textual's
    # Log asks the DOM for the pane's style once per line and builds each line through a rich
    # Text and three Strips; a build log's lines are mostly plain ASCII, drawn here directly.

    def render_lines(self, crop: Region) -> list[Strip]:
        self._frame_style = self.rich_style  # once a frame: its ancestors' backgrounds blended
        try:
            return super().render_lines(crop)
        finally:
            self._frame_style = None

    @property
    def rich_style(self) -> Style:
        return self._frame_style if self._frame_style is not None else super().rich_style

    def _render_line(self, y: int, scroll_x: int, width: int) -> Strip:
        """A printable ASCII line (one cell a character, nothing to expand or replace) is one
        segment of the pane's style, cut and padded to the width; anything else, or a line
        with text selected, is drawn as Textual's Log draws it."""
        if y < len(self._lines) and self.text_selection is None:
            line = self._lines[y]
            if line.isascii() and line.isprintable():
                seen = line[scroll_x:scroll_x + width]
                return Strip([Segment(seen + " " * (width - len(seen)), self.rich_style)],
                             width).apply_offsets(scroll_x, y)
        return super()._render_line(y, scroll_x, width)

    def _update_size(self, updates: int, lines: list[str]) -> None:  # type: ignore[override]
        """Textual's Log measures new lines on a thread per write and re-lays out the screen
        whenever the widest line grows by a column. Here: measured inline (len is the width of
        ASCII without tabs; anything else is measured as Textual does), and the scroll width
        grows in steps of WIDTH_STEP, so a stream of ever-so-slightly longer lines causes a
        layout now and then, not every flush."""
        if not lines:
            return
        widest = max(len(line) if line.isascii() and "\t" not in line
                     else cell_len(self._process_line(line)) for line in lines)
        if widest > self._width:
            self._update_maximum_width(updates, -(-widest // WIDTH_STEP) * WIDTH_STEP)

    def watch_virtual_size(self, size: Size) -> None:
        self._scroll_update(size)  # scrollbar sizes; one appearing still lays out (its reactive)

    def on_mount(self) -> None:
        if self._interval is not None:  # None: the parent flushes (several panes, one frame)
            self.set_interval(self._interval, self.flush)

    def push(self, lines: list[str], skipped: int = 0, event: int = 0) -> None:
        """Queue lines; they appear at the next flush. `skipped`: lines that came before these
        and were not even read (the journal keeps them); they count as not drawn. `event`:
        the journal event they came in (0: not from the journal)."""
        if event and event <= self.through:
            return  # the pane has it already (it came with the earlier lines)
        if self.loading:  # after the earlier lines, which are on their way
            self._held.append((lines, skipped, event))
            return
        self.through = max(self.through, event)
        self._received += len(lines) + skipped
        self._pending.extend(lines)

    def flush(self) -> None:
        """Write what arrived since the last flush. Under a flood only the newest
        `max_per_flush` lines are drawn, with a marker saying how many were not: nobody reads
        100k lines a second, and the full log is in the journal and on disk."""
        if self._rest > 0:  # counted down with or without lines: a calm log is prompt again
            self._rest -= 1
            return
        if not self._pending:
            return
        lines = list(self._pending)
        skipped = self._received - len(lines)
        self._pending.clear()
        self._received = 0
        if skipped > 0:
            self._rest = REST_AFTER_FLOOD
            lines.insert(0, f"… {skipped:,} lines not drawn (streaming fast; the full log is "
                            "in the journal)")
        self.write_lines(_kept_blank(lines))
        if self.max_lines is not None and self.line_count >= self.max_lines:
            # Log repaints the rows the new lines had before it dropped the oldest: past the
            # end, so a full pane would go on showing what it showed
            self.refresh()

    def show_source(self, source: str | None, lines: Iterable[str], title: str) -> None:
        """Replace the content with another run's output."""
        self.source = source
        self.loading = False
        self.through = 0
        self._pending.clear()
        self._received = 0
        self._rest = 0
        self.clear()
        self.write_lines(_kept_blank(list(lines)[-self.max_lines if self.max_lines else 0:]))
        self.border_title = title
        # a pane mounted just now has no size yet, so the write could not follow the end:
        # it does when the pane gets its size (on_resize)
        self._follow_end = not self.size

    def wait_for(self, source: str | None, title: str) -> int:
        """Show another source, whose lines are being loaded; return the request's number
        (`loaded` takes only the latest). Lines pushed meanwhile follow them."""
        self.show_source(source, [], title)
        self.loading = source is not None
        self._held.clear()
        self._request += 1
        return self._request

    def loaded(self, lines: list[str], through: int, request: int) -> None:
        """The source's lines up to journal event `through`: shown, then what arrived while
        they were loaded and is newer."""
        if not self.loading or request != self._request:
            return  # another source since, or a newer request on its way
        self.loading = False
        self.write_lines(_kept_blank(lines[-self.max_lines if self.max_lines else 0:]))
        self.through = through
        self._follow_end = self._follow_end or not self.size
        for held, skipped, event in self._held:
            self.push(held, skipped, event)
        self._held.clear()

    def on_resize(self) -> None:
        if self._follow_end and self.size:
            self._follow_end = False
            self.scroll_end(animate=False, immediate=True, x_axis=False)


def _kept_blank(lines: list[str]) -> list[str]:
    """Textual's Log drops an empty line (it splits each one again); a space keeps it."""
    return [line or " " for line in lines]

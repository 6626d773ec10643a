"""The metrics mode (`m`): the launch's numbers against the runbook's targets.

A table of every metric (configured, targeted or read): its value, its change since the last
update was posted (the value it had then: none before the first) and since the launch, a plot
of its history, the tier its target of the deadline at hand reached and the projection to that
deadline; `s` orders it by another column. Below, the selected metric in detail (enter shows it
alone, enter or escape goes back): its history with time labels, the targets of both
deadlines, and what the number is made of (downloads per asset, open issues by label with
their titles); then the updates posted so far (the numbers feed them: `u` posts the one due).
A metric nobody read says so and how to configure it: no number is invented.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime, tzinfo

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Sparkline, Static
from textual.widgets.data_table import CellDoesNotExist

from cockpit.clock import local_time
from cockpit.metrics.state import MetricsState
from cockpit.metrics.targets import judge
from cockpit.metrics.view import HOW_TO_CONFIGURE, SORTS, Row, rows
from cockpit.runbook.model import Target
from cockpit.state.updates import last_update
from screens.base import Feed, ModeScreen
from screens.metrics_columns import LABELS, NARROW, Cells, Layout, history_cell, layout, row_cells
from screens.metrics_detail import describe, posted_text
from widgets.footer import CockpitFooter
from widgets.header import CockpitHeader
from widgets.time_axis import TimeAxis


def _look(cell: Text | None) -> tuple[str, str] | None:
    return None if cell is None else (cell.plain, str(cell.style))


class MetricsScreen(ModeScreen):
    DEFAULT_CSS = """
    MetricsScreen #metrics { height: auto; max-height: 50%; border: round $panel-lighten-2; }
    MetricsScreen #metrics:focus { border: round $accent; }
    MetricsScreen #detail-box { height: 1fr; padding: 0 1; }
    MetricsScreen.detail-only #metrics { display: none; }
    MetricsScreen #plot { height: 3; margin: 0 0; }
    MetricsScreen #plot.empty { display: none; }
    """

    BINDINGS = [
        Binding("s", "sort", "Sort", id="metrics-sort",
                tooltip="Order the table by the next column (name, value, changes, tier)"),
        Binding("enter", "detail", "Detail", id="metrics-detail", priority=True,
                tooltip="The selected metric alone, in full: per asset, by label, targets"),
        Binding("escape", "table", "Table", id="metrics-table",
                tooltip="Back to the table of every metric"),
    ]

    def __init__(self, targets: Sequence[Target], configured: Sequence[str], *,
                 release: str = "", role: str = "", timezone: str = "UTC",
                 tz: tzinfo | None = None, can_act: bool = True,
                 updates: Collection[str] = ()) -> None:
        super().__init__()
        self.targets = list(targets)
        self.updates = frozenset(updates)
        """The playbooks whose posts are the updates (`state/updates.py: update_playbooks`)."""
        self.update_at: datetime | None = None
        """When the last update was posted (None: none yet): "Δ update" counts from it."""
        self.configured = list(configured)
        self.release_label, self.role, self.timezone = release, role, timezone
        self.tz = tz
        self.can_act = can_act
        self.sort = "name"
        self.metrics: MetricsState | None = None
        self.now: datetime | None = None
        self.shown: list[Row] = []
        self._tick: object = None
        self._header_tick: object = None
        self._width = 0
        self._details: dict[str, str] = {}
        self._drawn: dict[str, Cells] = {}
        """The cells on show, by metric and column."""
        self._layout: Layout | None = None
        self._heights: dict[str, int] = {}
        self._posts = -1

    def compose(self) -> ComposeResult:
        header = CockpitHeader(self.release_label, self.role, self.timezone, id="header")
        if not self.can_act:
            header.add_class("spectator")
        yield header
        table: DataTable[Text] = DataTable(id="metrics", cursor_type="row", zebra_stripes=True)
        yield table
        with VerticalScroll(id="detail-box"):
            yield Static("", id="summary", markup=False)
            # Textual's own Sparkline: it buckets however many points there are into the
            # cells it has, redraws on resize and needs no plotting dependency (textual-
            # plotext would add one, and its axes do not fit 80x24 beside the table); the
            # time labels go on the line under it.
            yield Sparkline([], summary_function=max, id="plot", classes="empty")
            yield TimeAxis(id="axis")
            yield Static("", id="detail", markup=False)  # issue titles: "[P1]" is no markup
            yield Static("", id="posts", markup=False)
        yield CockpitFooter()

    def on_mount(self) -> None:
        self.query_one("#metrics", DataTable).border_title = "metrics"

    # state in -------------------------------------------------------------------------------

    def show(self, feed: Feed) -> None:
        """Redraw when a sample or failure came or the minute turned (projections move with
        the clock); the header once a second."""
        header = feed.header
        tick = (feed.now.replace(microsecond=0), id(header))
        if tick != self._header_tick:
            self._header_tick = tick
            self.query_one(CockpitHeader).show_header(feed.header)
        if len(feed.launch.posts) != self._posts:
            self._posts = len(feed.launch.posts)
            self._update("posts", posted_text(feed.launch.posts, self.tz))
        if feed.metrics is None:
            return
        posted = last_update(feed.launch, self.updates)
        update_at = posted.at if posted is not None else None
        redraw = (feed.metrics.version, feed.now.replace(second=0, microsecond=0),
                  feed.metrics.loading, update_at)
        if redraw == self._tick:
            return
        self._tick = redraw
        self.metrics, self.now, self.update_at = feed.metrics, feed.now, update_at
        self.redraw()

    def _title(self, width: int) -> str:
        """What the table is, its order, and what "Δ update" counts from (when shown)."""
        if self.metrics is not None and self.metrics.loading:
            return "metrics: reading the journal's samples…"
        title = f"metrics (by {self.sort})" if self.sort != "name" else "metrics"
        if width < NARROW:
            return title
        if self.update_at is None:
            return f"{title} · Δ update: no update posted yet"
        return (f"{title} · Δ update: since the update posted "
                f"{local_time(self.update_at, self.tz or UTC, '%a %H:%M')}")

    def redraw(self) -> None:
        """The table from the fold (rows keyed by metric: the selection stays on its metric)."""
        if self.metrics is None or self.now is None:
            return
        table: DataTable[Text] = self.query_one("#metrics", DataTable)
        selected = self.selected_name()
        self.shown = rows(self.metrics, self.targets, self.configured, self.now, self.sort,
                          self.update_at)
        width = self.size.width or 80
        table.border_title = self._title(width)
        shown = {row.name: row_cells(row) for row in self.shown}
        columns = layout(width, list(shown.values()))
        if "history" in columns.keys:
            for row in self.shown:
                shown[row.name]["history"] = history_cell(row, columns.width("history"))
        heights = {name: columns.height(cells) for name, cells in shown.items()}
        if (width, columns, heights) == (self._width, self._layout, self._heights) \
                and list(shown) == [k.value for k in table.rows]:
            for name, cells in shown.items():  # in place: unchanged cells keep their render
                before = self._drawn.get(name, {})
                for key in columns.keys:
                    if _look(cells[key]) != _look(before.get(key)):
                        table.update_cell(name, key, cells[key])
        else:
            renew = (width, columns) != (self._width, self._layout) or not table.columns
            table.clear(columns=renew)
            if renew:
                self._width, self._layout = width, columns
                for key, size in zip(columns.keys, columns.widths, strict=True):
                    table.add_column(LABELS[key], width=size, key=key)
            for name, cells in shown.items():
                table.add_row(*(cells[k] for k in columns.keys), key=name, height=heights[name])
        self._heights = heights
        self._drawn = shown
        if selected is not None and any(r.name == selected for r in self.shown):
            table.move_cursor(row=table.get_row_index(selected), animate=False)
        self.show_detail()

    def on_resize(self) -> None:
        if self.size.width != self._width:
            self.redraw()

    # the selected metric --------------------------------------------------------------------

    def selected_name(self) -> str | None:
        table: DataTable[Text] = self.query_one("#metrics", DataTable)
        if not table.row_count:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        except CellDoesNotExist:  # no row under the cursor: nothing selected
            return None
        return str(key.value) if key.value is not None else None

    def on_data_table_row_highlighted(self, _: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        name = self.selected_name()
        plot = self.query_one("#plot", Sparkline)
        if name is None or self.metrics is None or self.now is None:
            self._update("summary", "No metrics: configure sources under [[metrics]] in "
                         "cockpit.toml and targets under [[targets]] in the runbook.\n\n"
                         + HOW_TO_CONFIGURE)
            plot.set_class(True, "empty")
            self.query_one("#axis", TimeAxis).show((), self.tz)
            return
        metric = self.metrics.metrics.get(name)
        judged = [judge(t, self.metrics, self.now) for t in self.targets if t.metric == name]
        summary, detail = describe(name, metric, judged, self.tz, self.update_at,
                                   configured=name in self.configured)
        data = [value for _, value in metric.points] if metric is not None else []
        if data != plot.data:
            plot.data = data
        plot.set_class(not data, "empty")
        self.query_one("#axis", TimeAxis).show(metric.points if metric is not None else (),
                                               self.tz)
        for name, shown in (("summary", summary), ("detail", detail)):
            self._update(name, shown)

    def _update(self, name: str, shown: Text | str) -> None:
        """A detail line, only when it says something else (an update lays the pane out)."""
        plain = shown.plain if isinstance(shown, Text) else shown
        if self._details.get(name) != plain:
            self._details[name] = plain
            self.query_one(f"#{name}", Static).update(shown)

    # actions --------------------------------------------------------------------------------

    def action_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.redraw()

    def action_detail(self) -> None:
        self.toggle_class("detail-only")
        if not self.has_class("detail-only"):
            self.query_one("#metrics", DataTable).focus()
        self.refresh_bindings()

    def action_table(self) -> None:
        if self.has_class("detail-only"):
            self.action_detail()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Escape is the detail's way back (offered only there)."""
        return action != "table" or self.has_class("detail-only")

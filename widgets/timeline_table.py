"""The timeline: every runbook item in time order, grouped by section, with a now-marker;
its keys (vi-like moves, `/` search and `f` status filter: `widgets.timeline_filter`)."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist

from cockpit.runbook.model import SECTION_TITLES
from cockpit.state.timeline import ItemStatus, ItemView, TimelineView, relative_label
from widgets.status import status_text
from widgets.timeline_filter import RowFilter

NOW_KEY = "now"
SECTION_PREFIX = "section:"
COLUMNS: dict[str, tuple[str, int]] = {"status": ("status", 13), "when": ("when", 16),
                                       "rel": ("T", 8), "item": ("item", 0)}
"""key: (label, width); the item column takes what the others leave."""
DROPPED_FIRST = ("when", "rel")
"""Hidden in this order when the item names would get narrower than NAME_MIN: the status and
the name are the last to go."""
NAME_MIN = 24
GUTTER = 2
"""A cell's padding (one each side); the vertical scrollbar takes as much."""
Cells = dict[str, Text]


def fit_columns(width: int) -> dict[str, int]:
    """The columns shown in `width` cells, each with its width."""
    shown = {key: w for key, (_, w) in COLUMNS.items() if key != "item"}
    room = width - GUTTER  # the scrollbar
    for key in DROPPED_FIRST:
        if room - sum(w + GUTTER for w in shown.values()) - GUTTER >= NAME_MIN:
            break
        del shown[key]
    name = max(NAME_MIN, room - sum(w + GUTTER for w in shown.values()) - GUTTER)
    return {key: shown[key] if key != "item" else name for key in COLUMNS
            if key in shown or key == "item"}


class TimelineTable(DataTable[Text]):
    """Rows are keyed by slot key; section and now rows have their own keys."""

    DEFAULT_CSS = """
    TimelineTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("slash", "search", "Search", id="timeline-search", show=False,
                tooltip="Show only the items whose name has some text (any case)"),
        Binding("f", "cycle_filter", "Filter", id="timeline-filter", show=False,
                tooltip="Show all items, or only overdue, blocked, running or done ones"),
        Binding("escape", "clear_filter", "Clear filter", id="timeline-clear", show=False,
                tooltip="Show every item again (the search and the status filter)"),
        Binding("j", "cursor_down", "Down", id="timeline-down", show=False,
                tooltip="The next row"),
        Binding("k", "cursor_up", "Up", id="timeline-up", show=False,
                tooltip="The row before"),
        Binding("g,home", "edge(False)", "First item", id="timeline-first", show=False,
                tooltip="The first item"),
        Binding("G,end", "edge(True)", "Last item", id="timeline-last", show=False,
                tooltip="The last item"),
    ]

    class SearchWanted(Message):
        """`/`: the screen opens its search box (`widgets.search.SearchBox`)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self._signature: tuple[object, ...] = ()
        self._now_plain: tuple[str, ...] = ()
        self.views: dict[str, ItemView] = {}
        self.row_filter = RowFilter()
        self._shown: tuple[TimelineView, frozenset[str]] | None = None
        self._rows: list[tuple[str, Cells]] = []
        self.shown_columns: dict[str, int] = {}
        """The columns on show, with their widths (they follow the table's width)."""

    def on_mount(self) -> None:
        self._fit(self.size.width or 160)

    def on_resize(self) -> None:
        self._fit(self.size.width)

    def _fit(self, width: int) -> None:
        """Columns for this width: rebuilt (rows and selection kept) only when they change."""
        columns = fit_columns(width)
        if columns == self.shown_columns:
            return
        selected = self.selected_key
        self.shown_columns = columns
        self.clear(columns=True)
        for key, column_width in columns.items():
            self.add_column(COLUMNS[key][0], key=key, width=column_width)
        self._add_rows(selected)

    def _add_rows(self, selected: str | None) -> None:
        for key, cells in self._rows:
            self.add_row(*(cells[c] for c in self.shown_columns), key=key)
        if selected is not None and selected in self.rows_keys():
            self.move_cursor(row=self.get_row_index(selected), animate=False)

    def show(self, view: TimelineView, blocked: frozenset[str] = frozenset()) -> None:
        """Render the view (the rows the filter keeps; `blocked`: the playbooks a gate blocks
        now); rebuild rows only when something visible changed."""
        self._shown = view, blocked
        keep = self.row_filter
        signature = (*tuple((v.slot.key, v.status, v.overdue, v.override is not None,
                             v.run.run_id if v.run else None, len(v.run.missed) if v.run else 0)
                            for v in view.items), view.now_index, keep,
                     blocked if keep.status == "blocked" else None)
        self._update_now_row(view)
        if signature == self._signature:
            return
        self._signature = signature
        selected = self.selected_key
        self.views = {v.slot.key: v for v in view.items if keep.keeps(v, blocked)}
        self.border_title = (keep.words(len(self.views), len(view.items)) if keep.active
                             else None)
        self._rows = []
        section = None
        timed_index = 0
        marker = False
        for item_view in view.items:
            needs_marker = not marker and (item_view.start is None
                                           or timed_index >= view.now_index)
            if item_view.slot.key not in self.views:
                timed_index += item_view.start is not None
                continue
            if item_view.item.section != section:
                if needs_marker:
                    self._add_now_row(view)
                    marker = True
                section = item_view.item.section
                self._rows.append((SECTION_PREFIX + section, {
                    "status": Text(""), "when": Text(""), "rel": Text(""),
                    "item": Text(SECTION_TITLES[section], style="bold underline")}))
            if needs_marker and not marker:
                self._add_now_row(view)
                marker = True
            if item_view.start is not None:
                timed_index += 1
            self._add_item_row(item_view)
        if not marker:
            self._add_now_row(view)
        self.clear()
        self._add_rows(selected)

    def rows_keys(self) -> set[str]:
        return {str(k.value) for k in self.rows}

    @property
    def selected_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except CellDoesNotExist:  # the cursor is past the rows while they are rebuilt
            return None
        return str(key.value) if key.value is not None else None

    def select_key(self, key: str) -> None:
        if key in self.rows_keys():
            self.move_cursor(row=self.get_row_index(key), animate=False)

    def follow(self, item_id: str, now: datetime) -> None:
        """Select an item's row: its occurrence that has started last, else its last one (a
        filter that hides it is cleared: a run that starts is always seen)."""
        if self.row_filter.active and all(v.item.id != item_id for v in self.views.values()):
            self.filter_rows(RowFilter())
        keys = [v.slot.key for v in self.views.values() if v.item.id == item_id]
        due = [v.slot.key for v in self.views.values() if v.item.id == item_id
               and v.start is not None and v.start <= now]
        if due or keys:
            self.select_key((due or keys)[-1])

    # keys -----------------------------------------------------------------------------------

    def filter_rows(self, row_filter: RowFilter) -> None:
        self.row_filter = row_filter
        if self._shown is not None:
            self.show(*self._shown)

    def search(self, text: str, *, done: bool) -> None:
        """What the search box says (as it is typed); `done`: the keys come back here."""
        self.filter_rows(RowFilter(text, self.row_filter.status))
        if done:
            self.focus()
            if self.selected_key not in self.views and self.views:  # on the first match
                self.select_key(next(iter(self.views)))

    def action_search(self) -> None:
        self.post_message(self.SearchWanted())

    def action_cycle_filter(self) -> None:
        self.filter_rows(self.row_filter.cycled())

    def action_clear_filter(self) -> None:
        self.filter_rows(RowFilter())

    def action_edge(self, last: bool) -> None:
        items = [str(row.key.value) for row in self.ordered_rows if row.key.value in self.views]
        if items:
            self.select_key(items[-1] if last else items[0])

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.row_filter.active if action == "clear_filter" else True

    def _add_item_row(self, v: ItemView) -> None:
        style = "bold" if v.status in {ItemStatus.DUE, ItemStatus.RUNNING} or v.overdue else ""
        title = Text(v.slot.label, style=style)
        if v.item.gate:
            title.append("  GO/NO-GO", style="dim italic")
        if v.override is not None:
            title.append("  overridden", style="bold yellow")
        if v.item.schedule:
            title.append(f"  ({v.item.schedule})", style="dim")
        if v.start is None and v.run is not None and v.run.params.get("version"):
            back = v.run.params.get("previous_version")  # a rollback: from which, to which
            title.append(f"  v{v.run.params['version']}" + (f" → v{back}" if back else ""),
                         style="dim")

        self._rows.append((v.slot.key, {"status": status_text(v.status, overdue=v.overdue),
                                        "when": Text(v.local_time),
                                        "rel": Text(v.relative, style="dim"), "item": title}))

    def _now_cells(self, view: TimelineView) -> Cells:
        label = Text("▶ NOW", style="bold reverse yellow")
        when = Text(view.now_local, style="bold yellow")
        rel = Text(relative_label(view.now_offset, 0), style="bold yellow")
        if view.next_item is not None:
            # minutes here (the row redraws once a minute); the header counts the seconds
            left = (view.countdown() or "").rsplit(" ", 1)[0]
            left = "<1m" if left == "0m" else left
            text = Text.assemble(("next: ", "yellow"), (view.next_item.slot.label, "bold"),
                                 (f" in {left}", "bold yellow"))
        else:
            text = Text("no more timed items", style="yellow")
        return {"status": label, "when": when, "rel": rel, "item": text}

    def _add_now_row(self, view: TimelineView) -> None:
        cells = self._now_cells(view)
        self._now_plain = tuple(c.plain for c in cells.values())
        self._rows.append((NOW_KEY, cells))

    def _update_now_row(self, view: TimelineView) -> None:
        """Redraw the marker only when its text changes: a table redraw every second would
        cost an idle cockpit ~9% of a core."""
        cells = self._now_cells(view)
        plain = tuple(c.plain for c in cells.values())
        if plain == self._now_plain or NOW_KEY not in self.rows_keys():
            return
        self._now_plain = plain
        self._rows = [(key, cells if key == NOW_KEY else old) for key, old in self._rows]
        for column in self.shown_columns:
            self.update_cell(NOW_KEY, column, cells[column])

"""Metrics mode's table: each row's cells, and the columns' widths chosen from the width and
what the cells hold.

The name and the value are shown whole; the outlook (the projection, or a stale source's
reason) takes the room the plot does not need, the plot between HISTORY_MIN and HISTORY_MAX.
When the outlook would still be cut, it wraps (its row grows, up to OUTLOOK_LINES), and when
even that is not enough the plot leaves the table (the detail below plots the metric at full
width): name, value and state go first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from textwrap import wrap

from rich.text import Text

from cockpit.metrics.view import Row, number, spark

KEYS = ("metric", "value", "last", "launch", "history", "tier", "outlook")
LABELS = {"metric": "metric", "value": "value", "last": "Δ update", "launch": "Δ launch",
          "history": "history", "tier": "tier", "outlook": "outlook"}
MINIMUM = {"metric": 6, "value": 5, "last": 8, "launch": 8, "tier": 4, "outlook": 14}
"""The least width of a column (the plot's is HISTORY_MIN)."""
NAME_MAX = 32
"""A longer name is cut (the detail names it whole)."""
NARROW = 100
"""Below this width the change since the last update leaves the table (the detail says it)."""
HISTORY_MIN, HISTORY_MAX = 8, 40
OUTLOOK_LINES = 3
"""The most lines a row's outlook wraps to."""
FRAME = 4
"""The table's border and scroll bar."""
TIER_STYLE = {"outstanding": "bold green", "target": "green", "minimum": "yellow",
              "not met": "yellow", "missed": "bold red"}

Cells = dict[str, Text]


def outlook_cell(row: Row) -> Text:
    judged = row.judged
    metric = row.metric
    if metric is None or metric.value is None:
        return Text(f"stale: {metric.error}" if metric is not None and metric.stale
                    else "no samples", style="dim" if metric is None else "bold red")
    if judged is None:
        return Text("no target", style="dim")
    if judged.value is None:
        return Text("—", style="dim")
    if judged.on_track is None:
        return Text("few samples", style="dim")
    if judged.projected is None:
        return Text("met" if judged.on_track else "missed",
                    style="green" if judged.on_track else "bold red")
    return Text(f"{'on track' if judged.on_track else 'behind'} {number(judged.projected)}",
                style="green" if judged.on_track else "bold red")


def row_cells(row: Row) -> Cells:
    """Every cell of `row` but its plot (which takes the width the layout gives it)."""
    m = row.metric
    stale = m is not None and m.stale
    cells = {"metric": Text(row.name + (" ⚠" if stale else ""), style="bold red" if stale
                            else ""), "outlook": outlook_cell(row)}
    if m is None or m.value is None:  # never read: nothing to show, and no zero
        return cells | {k: Text("—" if k == "value" else "", style="dim")
                        for k in ("value", "last", "launch", "tier")}
    tier = row.judged.tier if row.judged is not None else None
    return cells | {
        "value": Text(number(m.value), style="bold red" if stale else "bold"),
        "last": Text(number(row.since_update, signed=True)),
        "launch": Text(number(m.since_launch, signed=True)),
        "tier": Text(tier or "—", style=TIER_STYLE.get(tier or "", "dim"))}


def history_cell(row: Row, width: int) -> Text:
    m = row.metric
    if m is None or m.value is None:
        return Text("", style="dim")
    return Text(spark(m.points, width), style="cyan")


@dataclass(frozen=True)
class Layout:
    keys: tuple[str, ...]
    widths: tuple[int, ...]

    def width(self, key: str) -> int:
        return self.widths[self.keys.index(key)]

    def height(self, cells: Mapping[str, Text]) -> int:
        """The lines a row takes: its outlook's, wrapped to its column."""
        lines = len(wrap(cells["outlook"].plain, self.width("outlook")) or [""])
        return max(1, min(OUTLOOK_LINES, lines))


def layout(width: int, rows: Sequence[Mapping[str, Text]]) -> Layout:
    """The columns shown at `width` and their widths, for these rows' cells."""
    keys = [k for k in KEYS if k != "last" or width >= NARROW]

    def need(key: str) -> int:
        return max([len(LABELS[key]), MINIMUM[key], *(r[key].cell_len for r in rows)])

    fixed = {k: need(k) for k in keys if k not in ("history", "outlook")}
    fixed["metric"] = min(fixed["metric"], NAME_MAX)
    room = width - FRAME - 2 * len(keys) - sum(fixed.values())  # the plot's and the outlook's
    outlook = need("outlook")
    history = min(HISTORY_MAX, room - outlook)
    if history < HISTORY_MIN:
        history = HISTORY_MIN
        longest = max((r["outlook"].plain for r in rows), key=len, default="")
        if len(wrap(longest, max(1, room - history))) > 2:  # too cut: the plot goes
            keys.remove("history")
            history, room = 0, room + 2
    widths = fixed | {"history": history, "outlook": max(MINIMUM["outlook"], room - history)}
    return Layout(tuple(keys), tuple(widths[k] for k in keys))

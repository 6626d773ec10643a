"""What metrics mode and `cockpit report` show of each metric: its value, changes, a text plot
of its history, and the target of the deadline at hand judged (projected from the journal's
fold; nothing here reads anything)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from math import inf

from cockpit.metrics.state import Metric, MetricsState, Point, deadline_of
from cockpit.metrics.targets import Judged, judge
from cockpit.runbook.model import Target

BARS = "▁▂▃▄▅▆▇█"
SORTS = ("name", "value", "since update", "since launch", "tier")
"""What the table can be ordered by (metrics mode's `s` goes round them)."""
TIER_RANK = {"outstanding": 0, "target": 1, "minimum": 2, "not met": 3, "missed": 4, None: 5}
HOW_TO_CONFIGURE = ("no samples yet: add a source for it to cockpit.toml, e.g.\n"
                    '  [[metrics]]\n  name = "downloads"\n  kind = "forge-downloads"\n'
                    '  every = "5m"\n(`cockpit metrics --once` reads every source once)')


def spark(points: Sequence[Point], width: int) -> str:
    """The history as `width` unicode bars (the last value of each slice of time, scaled
    between the lowest and highest): a plot that fits a table cell or a line of Markdown."""
    if not points or width <= 0:
        return ""
    start, end = points[0][0], points[-1][0]
    step = ((end - start) or 1.0) / width
    # the last point at or before each slice's end (a slice with none holds the value before
    # it): a binary search per cell, not a pass over a week of history per redraw
    values = [points[max(0, bisect_right(points, (start + step * (i + 1), inf)) - 1)][1]
              for i in range(width - 1)] + [points[-1][1]]
    low, high = min(values), max(values)
    top = len(BARS) - 1
    return "".join(BARS[0 if high == low else round((v - low) / (high - low) * top)]
                   for v in values)


def number(value: float | None, *, signed: bool = False) -> str:
    """A value as people read it: thousands grouped, no ".0" on a count; "—" for none."""
    if value is None:
        return "—"
    places = 0 if value == int(value) else 2
    return f"{value:+,.{places}f}" if signed else f"{value:,.{places}f}"


@dataclass(frozen=True)
class Row:
    name: str
    metric: Metric | None
    """None: never read (configured or targeted, no sample yet)."""
    judged: Judged | None
    """The target of the deadline at hand for this metric, judged (None: it has none)."""
    since_update: float | None = None
    """Its change since the last update was posted (None: none posted, or nothing read by
    then)."""

    @property
    def value(self) -> float | None:
        return self.metric.value if self.metric is not None else None


def current_deadline(metrics: MetricsState, now: datetime) -> str:
    """The deadline at hand: Day 1 until it passed, then Week 1."""
    return "day1" if now < deadline_of(metrics.launch_at, "day1") else "week1"


def rows(metrics: MetricsState, targets: Sequence[Target], configured: Sequence[str],
         now: datetime, sort: str = "name", update_at: datetime | None = None) -> list[Row]:
    """Every metric configured, targeted or read, ordered by `sort` (one of SORTS), with its
    change since `update_at` (when the last update was posted)."""
    names = list(dict.fromkeys([*configured, *(t.metric for t in targets), *metrics.metrics]))
    deadline = current_deadline(metrics, now)
    found = []
    for name in names:
        target = next((t for t in targets if t.metric == name and t.deadline == deadline), None)
        metric = metrics.metrics.get(name)
        found.append(Row(name, metric, judge(target, metrics, now) if target is not None
                         else None, metric.since(update_at) if metric is not None else None))
    keys = {
        "name": lambda r: (0, r.name),
        "value": lambda r: (r.value is None, -(r.value or 0), r.name),
        "since update": lambda r: (r.since_update is None, -(r.since_update or 0), r.name),
        "since launch": lambda r: (_change(r, "since_launch") is None,
                                   -(_change(r, "since_launch") or 0), r.name),
        "tier": lambda r: (TIER_RANK.get(r.judged.tier if r.judged else None, 4), r.name),
    }
    return sorted(found, key=keys[sort])


def _change(row: Row, which: str) -> float | None:
    return getattr(row.metric, which) if row.metric is not None else None

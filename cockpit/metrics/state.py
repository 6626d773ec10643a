"""The metrics, folded from the journal: per metric its history (downsampled as it ages), its
latest value and detail, whether it is stale (a failure newer than its last sample) and how
it changed since the previous sample, since the launch and since any moment (the last update
posted: its history bisected, no pass over it).

Pure: the same events give the controller, spectators and `cockpit report` the same picture.
A week of one-minute samples stays small: a metric keeps every sample of its last six hours,
then one per ten minutes to two days, then one per hour (the last sample of each bucket: the
sources' numbers are counts at a moment, so the newest in a bucket stands for it).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from math import inf
from typing import Any

from cockpit.journal import events as ev
from cockpit.journal.row import Event

Point = tuple[float, float]
"""(POSIX seconds, value): cheap to keep 200k of, to bucket and to plot."""

RESOLUTION: tuple[tuple[float, float], ...] = (
    (6 * 3600.0, 0.0),        # the last six hours: every sample
    (48 * 3600.0, 600.0),     # to two days: one per ten minutes
    (float("inf"), 3600.0),   # older: one per hour
)
"""(age up to, bucket seconds): how much of a metric's history is kept, by age."""
COMPACT_AFTER = 256
"""Samples taken in before a metric's history is downsampled again (amortised: O(1) each)."""


def downsample(points: list[Point], newest: float) -> list[Point]:
    """`points` (oldest first) with older ones thinned to RESOLUTION's buckets, `newest` being
    the time ages count from. The last point of each bucket is kept."""
    kept: list[Point] = []
    bucket_of: tuple[float, float] | None = None
    for at, value in points:
        age = newest - at
        size = next(size for limit, size in RESOLUTION if age <= limit)
        if size == 0.0:
            kept.append((at, value))
            bucket_of = None
            continue
        bucket = (size, at // size)
        if bucket == bucket_of:
            kept[-1] = (at, value)
        else:
            kept.append((at, value))
            bucket_of = bucket
    return kept


@dataclass
class Metric:
    """One metric as the journal tells it."""

    name: str
    points: list[Point] = field(default_factory=list)
    """Its history, oldest first (downsampled: see RESOLUTION)."""
    value: float | None = None
    at: datetime | None = None
    """When the latest sample was read."""
    detail: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    previous: float | None = None
    """The value of the sample before the latest (None: only one so far)."""
    baseline: float | None = None
    """The value at the launch: the last sample read at or before T-0, else the first one
    (a release's downloads start after it)."""
    error: str = ""
    fix: str = ""
    failed_at: datetime | None = None
    retry_in: float = 0.0
    _fresh: int = 0

    @property
    def stale(self) -> bool:
        """A failure came after its latest sample (or it never had one)."""
        return self.failed_at is not None and (self.at is None or self.failed_at >= self.at)

    @property
    def since_last(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def since_launch(self) -> float | None:
        """None until a second sample: one reading alone says nothing of a change."""
        if self.value is None or self.baseline is None or self.previous is None:
            return None
        return self.value - self.baseline

    def since(self, moment: datetime | None) -> float | None:
        """The change from the value it had at `moment` (the latest read at or before it: to
        a bucket's resolution once older than six hours) to its latest; None without a moment
        or with nothing read by then."""
        if moment is None or self.value is None:
            return None
        before = self.value_at(moment)
        return None if before is None else self.value - before

    def value_at(self, moment: datetime) -> float | None:
        """The latest value read at or before `moment` (None: none was)."""
        index = bisect_right(self.points, (moment.timestamp(), inf))
        return self.points[index - 1][1] if index else None

    def window(self, seconds: float) -> list[Point]:
        """Its points in the last `seconds` before its latest sample."""
        if not self.points:
            return []
        return self.points[bisect_left(self.points, (self.points[-1][0] - seconds, -inf)):]


@dataclass
class MetricsState:
    """Every metric the journal has heard of, by name."""

    launch_at: datetime
    metrics: dict[str, Metric] = field(default_factory=dict)
    last_id: int = 0
    version: int = 0
    """Moves with every sample or failure folded (a screen redraws only then)."""
    loading: bool = False
    """A stand-in while the journal's samples are being folded (the app's, at start): having
    none says nothing yet."""
    _launch: float = 0.0

    def __post_init__(self) -> None:
        self._launch = self.launch_at.timestamp()

    def apply(self, events: Iterable[Event]) -> None:
        for event in events:
            self.last_id = max(self.last_id, event.id)
            if event.kind == ev.Kind.METRIC_SAMPLE or event.kind == ev.Kind.METRIC_FAILED:
                self._apply(event)

    def metric(self, name: str) -> Metric:
        if name not in self.metrics:
            self.metrics[name] = Metric(name)
        return self.metrics[name]

    def latest(self, name: str) -> float | None:
        """The latest value read of `name` (None: never read)."""
        found = self.metrics.get(name)
        return found.value if found is not None else None

    def _apply(self, e: Event) -> None:
        payload = e.payload
        match payload:
            case ev.MetricSample():
                m = self.metric(payload.metric)
                at = e.ts.timestamp()
                m.previous = m.value
                m.value, m.at = payload.value, e.ts
                m.detail, m.source = payload.detail, payload.source
                if m.baseline is None or at <= self._launch:
                    m.baseline = payload.value
                m.points.append((at, payload.value))
                m._fresh += 1
                if m._fresh >= COMPACT_AFTER:
                    m.points = downsample(m.points, at)
                    m._fresh = 0
            case ev.MetricFailed():
                m = self.metric(payload.metric)
                m.error, m.fix, m.retry_in = payload.error, payload.fix, payload.retry_in
                m.failed_at = e.ts
            case _:
                return
        self.version += 1


def deadline_of(launch_at: datetime, deadline: str) -> datetime:
    """When a target's deadline falls: "day1" is T-0 + 24 hours, "week1" T-0 + 7 days."""
    return launch_at + (timedelta(days=1) if deadline == "day1" else timedelta(days=7))

"""The runbook's targets judged against the metrics: the tier a metric reached, and a
projection to the deadline from its recent rate (on track or behind). Pure: a frozen clock's
`now` gives the same answer every time."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cockpit.errors import Problem
from cockpit.metrics.state import Metric, MetricsState, deadline_of
from cockpit.runbook.model import DEADLINE_TITLES, Target
from cockpit.tomlsource import line_of

COMPARE: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, "<": operator.lt, "==": operator.eq}
RATE_WINDOW = 3 * 3600.0
"""Seconds of recent history the rate is taken over (at least two samples in it)."""
MIN_SPAN = 30 * 60.0
"""Seconds of history a projection needs: two readings a minute apart say nothing of a day."""
TIERS = ("outstanding", "target", "minimum")
"""Best first: the tier reached is the first one met."""


@dataclass(frozen=True)
class Judged:
    """A target, judged at `now`."""

    target: Target
    deadline: datetime
    value: float | None
    """The value judged: the latest, or once the deadline passed the last before it."""
    tier: str | None
    """"outstanding", "target" or "minimum"; none met: "not met" before the deadline, "missed"
    after it; None: no value."""
    projected: float | None = None
    """The value expected at the deadline from the recent rate (None: not enough history,
    or the deadline passed)."""
    on_track: bool | None = None
    """Whether the projection meets the target (None: nothing to project from)."""
    stale: bool = False

    @property
    def outlook(self) -> str:
        """"on track" / "behind" (or "met" / "missed" past the deadline), in words."""
        if self.value is None:
            return "no samples"
        if self.on_track is None:
            return f"too early to project (needs {MIN_SPAN / 60:.0f} min of history)"
        if self.projected is None:
            return "met" if self.on_track else "missed"
        return f"{'on track' if self.on_track else 'behind'} ({self.projected:g} by " \
               f"{DEADLINE_TITLES[self.target.deadline]})"


def tier_of(target: Target, value: float, *, final: bool = True) -> str:
    """The best tier `value` meets; none: "missed" (`final`: the deadline passed), else
    "not met" (there is still time)."""
    compare = COMPARE[target.comparison]
    for tier in TIERS:
        threshold = getattr(target, tier)
        if threshold is not None and compare(value, threshold):
            return tier
    return "missed" if final else "not met"


def rate(metric: Metric, window: float = RATE_WINDOW) -> float | None:
    """Change per second over the last `window` seconds of its history (None: fewer than two
    samples there)."""
    points = metric.window(window)
    if len(points) < 2 or points[-1][0] - points[0][0] < MIN_SPAN:
        return None
    return (points[-1][1] - points[0][1]) / (points[-1][0] - points[0][0])


def judge(target: Target, metrics: MetricsState, now: datetime) -> Judged:
    deadline = deadline_of(metrics.launch_at, target.deadline)
    metric = metrics.metrics.get(target.metric)
    if metric is None or metric.value is None:
        return Judged(target, deadline, None, None)
    compare = COMPARE[target.comparison]
    if now >= deadline:  # judged on what was read by the deadline
        value = metric.value_at(deadline)
        if value is None:
            return Judged(target, deadline, None, None, stale=metric.stale)
        return Judged(target, deadline, value, tier_of(target, value),
                      on_track=compare(value, target.target), stale=metric.stale)
    value = metric.value
    per_second = rate(metric)
    tier = tier_of(target, value, final=False)
    if per_second is None:
        return Judged(target, deadline, value, tier, stale=metric.stale)
    assert metric.at is not None
    projected = float(round(value + per_second * (deadline - metric.at).total_seconds()))
    return Judged(target, deadline, value, tier, projected, compare(projected, target.target),
                  stale=metric.stale)


def judge_all(targets: list[Target], metrics: MetricsState, now: datetime,
              deadline: str | None = None) -> list[Judged]:
    """Every target (of one deadline, "day1" or "week1", when given), in the runbook's order."""
    return [judge(t, metrics, now) for t in targets if deadline in (None, t.deadline)]


def breached(targets: list[Target], metrics: MetricsState) -> list[tuple[Target, float]]:
    """The alert thresholds crossed now: a target that only a value of zero meets ("zero P0")
    with a latest value above it. Each with the value that crossed it."""
    seen: set[str] = set()
    found = []
    for t in targets:
        value = metrics.latest(t.metric)
        if (t.comparison == "==" and t.target == 0 and t.metric not in seen
                and value is not None and value > 0):
            seen.add(t.metric)
            found.append((t, value))
    return found


def configured_names(config: object) -> list[str]:
    """The metrics cockpit.toml configures ([[metrics]]: each one's `name`)."""
    return [str(getattr(m, "name", "")) for m in getattr(config, "metrics", None) or []]


def unknown_metrics(targets: list[Target], configured: list[str], file: Path,
                    text: str) -> list[Problem]:
    """Targets naming a metric cockpit.toml does not configure (`cockpit check`). With no
    [[metrics]] at all there is nothing to judge yet, and nothing is said here: metrics mode
    says how to configure them."""
    if not configured:
        return []
    return [Problem(f"target {t.label!r} names metric {t.metric!r}, which cockpit.toml does not "
                    "configure", file=file, line=line_of(text, ["targets", str(i), "metric"]),
                    field=f"targets.{i}.metric",
                    fix=f'add [[metrics]] name = "{t.metric}" to cockpit.toml, or name one of: '
                    + ", ".join(configured))
            for i, t in enumerate(targets) if t.metric not in configured]

"""The alerts the header's banner shows on every mode: a runbook's "zero P0" target with a P0
open (`targets.breached`), and any metric whose latest value crossed a threshold its
`[[metrics]]` table configures (`alert_above`, `alert_below`). One alert per metric.

Pure, from the fold: a stale metric alerts with its last value read (the banner says what was
last known; metrics mode says it is stale).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cockpit.metricfields import MetricBase
from cockpit.metrics.state import MetricsState
from cockpit.metrics.targets import breached
from cockpit.runbook.model import Target


@dataclass(frozen=True)
class Alert:
    metric: str
    value: float
    crossed: str = ""
    """The configured threshold crossed ("below 1", "above 10"); "" for a "zero P0" target."""

    def __str__(self) -> str:
        return f"{self.metric}: {self.value:g}" + (f" ({self.crossed})" if self.crossed else "")


def crossed(metric: MetricBase, value: float) -> str:
    """The threshold of `metric` that `value` crosses, in words ("" when none)."""
    if metric.alert_above is not None and value > metric.alert_above:
        return f"above {metric.alert_above:g}"
    if metric.alert_below is not None and value < metric.alert_below:
        return f"below {metric.alert_below:g}"
    return ""


def alerts(targets: Sequence[Target], configured: Sequence[MetricBase],
           metrics: MetricsState) -> list[Alert]:
    """Every alert raised now: the targets' first (in the runbook's order), then the configured
    thresholds (in cockpit.toml's), each metric at most once."""
    found = [Alert(t.metric, value) for t, value in breached(list(targets), metrics)]
    seen = {a.metric for a in found}
    for metric in configured:
        value = metrics.latest(metric.name)
        if metric.name in seen or value is None:
            continue
        if words := crossed(metric, value):
            seen.add(metric.name)
            found.append(Alert(metric.name, value, words))
    return found


def alert_issue(raised: Sequence[Alert], metrics: MetricsState, label: str = "P0"
                ) -> dict[str, Any] | None:
    """The issue behind the first alert that lists its issues (a forge-issues metric keeps the
    titles of those it counted: {"number", "title", "labels"}), one labelled `label` first, for
    the incident it leads to; None when no alert names one."""
    for alert in raised:
        found = metrics.metrics.get(alert.metric)
        listed = found.detail.get("issues") if found is not None else None
        issues = [i for i in listed or [] if isinstance(i, dict) and i.get("title")]
        if issues:
            return next((i for i in issues if label in i.get("labels", [])), issues[0])
    return None

"""`cockpit report day1|week1`: the runbook's report as Markdown, from the journal alone: each
target's metric against its tiers, with its history as a text plot. A metric nobody read is
said to have no source; no number is made up for it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo

from cockpit.clock import local_time
from cockpit.metrics.state import MetricsState
from cockpit.metrics.targets import judge_all
from cockpit.metrics.view import number, spark
from cockpit.runbook.model import DEADLINE_TITLES, Target
from cockpit.state.launch import Posted

PLOT_WIDTH = 48
TIER_WORDS = {"outstanding": "outstanding ✦", "target": "target ✓", "minimum": "minimum viable",
              "missed": "missed ✗", "not met": "not met yet", None: "no samples"}


def _cell(comparison: str, value: float | None) -> str:
    return "—" if value is None else f"{comparison} {value:g}"


def to_markdown(deadline: str, metrics: MetricsState, targets: list[Target], now: datetime,
                tz: tzinfo, title: str, posts: Sequence[Posted] = ()) -> str:
    """The report of `deadline` ("day1" or "week1") as judged at `now`, with the updates
    posted up to it."""
    judged = judge_all(targets, metrics, now, deadline)
    name = DEADLINE_TITLES[deadline]
    at = judged[0].deadline if judged else None
    lines = [f"# {title}: {name} report", ""]
    if at is not None:
        state = "passed" if now >= at else "not reached yet: values so far, with projections"
        lines += [f"Deadline: {local_time(at, tz, zone=True)} ({state}). "
                  f"Written {local_time(now, tz, zone=True)} from the launch journal.", ""]
    if not judged:
        return "\n".join([*lines, f"The runbook sets no {name} targets ([[targets]] in "
                          "runbook.toml).", ""])
    lines += ["| Target | Value | Minimum | Target | Outstanding | Reached | Outlook |",
              "|---|---:|---:|---:|---:|---|---|"]
    for j in judged:
        t = j.target
        value = "no source" if j.value is None else number(j.value) + (" (stale)" if j.stale
                                                                        else "")
        lines.append(f"| {t.label} | {value} | {_cell(t.comparison, t.minimum)} | "
                     f"{_cell(t.comparison, t.target)} | {_cell(t.comparison, t.outstanding)} | "
                     f"{TIER_WORDS.get(j.tier, j.tier)} | {j.outlook} |")
    lines.append("")
    unread = []
    for metric_name in dict.fromkeys(j.target.metric for j in judged):
        metric = metrics.metrics.get(metric_name)
        if metric is None or metric.value is None or metric.at is None:
            unread.append(metric_name)
            continue
        assert at is not None
        points = [p for p in metric.points if p[0] <= at.timestamp()] or metric.points[:1]
        start, end = (datetime.fromtimestamp(points[i][0], UTC) for i in (0, -1))
        lines += [f"## {metric_name}", "", f"    {spark(points, PLOT_WIDTH)}",
                  f"    {local_time(start, tz)} … {local_time(end, tz)}: "
                  f"{number(points[0][1])} → {number(points[-1][1])}", ""]
        if metric.stale:
            lines += [f"Stale: {metric.error}" + (f" (fix: {metric.fix})" if metric.fix else ""),
                      ""]
    if unread:
        lines += ["## Without a source", "",
                  *(f"- {n}: no samples in the journal, so no value is reported. Configure a "
                    f'source (`[[metrics]] name = "{n}"` in cockpit.toml) or report it by hand.'
                    for n in unread), ""]
    shown = [p for p in posts if at is None or p.at <= at]
    if shown:
        lines += ["## Updates posted", "", "| When | Channel | Update | How | By |",
                  "|---|---|---|---|---|",
                  *(f"| {local_time(p.at, tz)} | #{p.channel} | {p.template} | "
                    f"{'by hand' if p.by_hand else 'webhook'} | {p.operator} |" for p in shown),
                  ""]
    return "\n".join(lines)

"""Metrics mode's detail of one metric: when it was read and from where, whether it is stale
(the error and the fix), its targets judged, and what the number is made of (downloads per
asset; open issues by label, with their titles); and the updates posted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

from rich.text import Text

from cockpit.clock import local_time
from cockpit.metrics.state import Metric
from cockpit.metrics.targets import Judged
from cockpit.metrics.view import HOW_TO_CONFIGURE, number
from cockpit.runbook.model import DEADLINE_TITLES
from cockpit.state.launch import Posted

ISSUES_SHOWN = 20
"""Open issues listed by title (the rest counted)."""


def when(at: datetime, tz: tzinfo | None) -> str:
    return local_time(at, tz or UTC)


def describe(name: str, metric: Metric | None, judged: Sequence[Judged],
             tz: tzinfo | None, update_at: datetime | None = None, *,
             configured: bool = False) -> tuple[Text, str]:
    """(the summary line, the rest) of metric `name` (the plot and its time labels are the
    screen's: they take its width); its change
    since `update_at`, when the last update was posted. One never read says why: its
    source's latest error and fix, its first poll to come, or (`configured` False: no source
    in cockpit.toml) how to add one."""
    summary = Text(name, style="bold")
    if metric is None or metric.value is None or metric.at is None:
        summary.append("  no sample yet", style="dim")
        if metric is not None and metric.stale:
            assert metric.failed_at is not None
            summary.append(f"\n⚠ stale: {metric.error} (its source failed "
                           f"{when(metric.failed_at, tz)})", style="bold red")
            if metric.fix:
                summary.append(f"\n  fix: {metric.fix}")
        elif configured:
            summary.append(": its source is configured, its first poll is pending", style="dim")
        return summary, "\n".join([_targets(judged)] + ([] if configured
                                                             else ["", HOW_TO_CONFIGURE]))
    summary.append(f"  {number(metric.value)}", style="bold")
    since = ("no update posted yet" if update_at is None else
             f"Δ since the update posted {local_time(update_at, tz or UTC, '%a %H:%M')} "
             + number(metric.since(update_at), signed=True))
    summary.append(f"  ({since}, Δ launch {number(metric.since_launch, signed=True)}; "
                   f"read {when(metric.at, tz)}"
                   + (f" from {metric.source}" if metric.source else "") + ")")
    if metric.stale:
        assert metric.failed_at is not None
        summary.append(f"\n⚠ stale since {when(metric.failed_at, tz)}: {metric.error}",
                       style="bold red")
        if metric.fix:
            summary.append(f"\n  fix: {metric.fix}")
    return summary, "\n".join(p for p in (_targets(judged), _made_of(metric.detail)) if p)


def _targets(judged: Sequence[Judged]) -> str:
    if not judged:
        return "no target in the runbook ([[targets]] in runbook.toml)"
    lines = []
    for j in judged:
        t = j.target
        tiers = ", ".join(f"{tier} {t.comparison} {value:g}" for tier, value in (
            ("minimum", t.minimum), ("target", t.target), ("outstanding", t.outstanding))
            if value is not None)
        reached = f"reached: {j.tier}" if j.tier is not None else "not read yet"
        lines.append(f"{DEADLINE_TITLES[t.deadline]} ({t.label}): {tiers}; {reached}; "
                     f"{j.outlook}")
    return "\n".join(lines)


def _made_of(detail: dict[str, Any]) -> str:
    lines = []
    assets = detail.get("assets")
    if isinstance(assets, dict) and assets:
        release = detail.get("release")
        lines.append("downloads per asset" + (f" ({release})" if release else "") + ":")
        lines += [f"  {number(_num(count)):>8}  {asset}" for asset, count in
                  sorted(assets.items(), key=lambda kv: (-_num(kv[1]), kv[0]))]
    labels = detail.get("labels")
    if isinstance(labels, dict) and labels:
        lines.append("open issues by label: " + ", ".join(
            f"{label} {count}" for label, count in sorted(labels.items())))
    issues = detail.get("issues")
    if isinstance(issues, list) and issues:
        for issue in issues[:ISSUES_SHOWN]:
            if isinstance(issue, dict):
                tags = ", ".join(str(x) for x in issue.get("labels", []))
                lines.append(f"  #{issue.get('number', '?')} {issue.get('title', '')}"
                             + (f" [{tags}]" if tags else ""))
        if len(issues) > ISSUES_SHOWN:
            lines.append(f"  … and {len(issues) - ISSUES_SHOWN} more")
    return "\n".join(lines)


def _num(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


POSTS_SHOWN = 12


def posted_text(posts: Sequence[Posted], tz: tzinfo | None) -> Text:
    """The updates posted so far, newest first: when, where, which, how and by whom."""
    if not posts:
        return Text("No update posted yet: u posts the one due (the header counts down to it).",
                    style="dim")
    text = Text(f"Updates posted ({len(posts)})", style="bold")
    for post in reversed(posts[-POSTS_SHOWN:]):
        how = "by hand" if post.by_hand else (
            "webhook" if post.parts == 1 else f"webhook, {post.parts} parts")
        at = local_time(post.at, tz or UTC, "%a %H:%M")
        text.append(f"\n  {at}  #{post.channel}  {post.template}  ({how})  {post.operator}")
    return text

"""`cockpit report day1|week1 [-o FILE]`: the runbook's Day 1 or Week 1 report, as Markdown,
from the journal's metric samples judged against the runbook's targets, and the updates
posted."""

from __future__ import annotations

import argparse

from cockpit.cli.loading import load_all
from cockpit.cli.record import write_out


def command(args: argparse.Namespace) -> int:
    from cockpit.clock import SystemClock
    from cockpit.journal import events as ev
    from cockpit.journal.store import Journal
    from cockpit.metrics.report import to_markdown
    from cockpit.metrics.state import MetricsState
    from cockpit.state.launch import LaunchState

    config, runbook = load_all(args)
    journal = Journal.readonly(config.journal_path)
    try:
        events = journal.events(kinds=[ev.Kind.METRIC_SAMPLE, ev.Kind.METRIC_FAILED])
        posts = LaunchState()  # only the announcements: the posts, folded once each
        posts.apply(journal.events(kinds=[ev.Kind.ANNOUNCEMENT]))
    finally:
        journal.close()
    metrics = MetricsState(config.release.launch_at)
    metrics.apply(events)
    return write_out(to_markdown(args.deadline, metrics, runbook.timeline.targets,
                                 SystemClock().now(), config.release.tz,
                                 f"{config.release.name} v{config.release.version}",
                                 posts.posts),
                     args.output)

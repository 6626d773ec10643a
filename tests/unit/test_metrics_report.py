"""Issue 13: `cockpit report day1|week1`: Markdown from the journal, each metric against its
tiers with a text plot; a metric without a source says so (a real process, a real journal)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from cockpit.clock import FrozenClock
from cockpit.config import Config
from cockpit.journal.events import Announcement, MetricFailed, MetricSample
from cockpit.journal.store import Journal
from cockpit.metrics.report import to_markdown
from cockpit.metrics.state import MetricsState
from cockpit.runbook.model import Runbook
from tests.unit.test_cli import cockpit


def journal_day1(journal: Journal, clock: FrozenClock, config: Config) -> None:
    """Downloads every two hours over Day 1 (72 by its end), p0 0, p1 4, active users never."""
    launch = config.release.launch_at
    for hour in range(0, 25, 2):
        clock.set(launch + timedelta(hours=hour))
        journal.record(MetricSample(metric="downloads", value=3 * hour, source="forge",
                                    detail={"assets": {"caro.tar.gz": 3 * hour}}))
    clock.set(launch + timedelta(hours=23))
    journal.record(MetricSample(metric="p0", value=0, source="forge"))
    journal.record(MetricSample(metric="p1", value=4, source="forge"))
    journal.record(MetricFailed(metric="p1", error="HTTP 502", fix="it is asked again"))
    clock.set(launch + timedelta(hours=6, minutes=4))
    journal.record(Announcement(channel="release", template="status_update", digest="d6",
                                posted=True, parts=1, operator="alice"), run_id="r6")
    journal.record(Announcement(channel="release", template="status_update", digest="d7",
                                posted=False, error="HTTP 500"), run_id="r7")  # not posted
    clock.set(launch + timedelta(days=2))  # after Day 1: not in its report
    journal.record(Announcement(channel="release", template="day_update", digest="dd",
                                posted=True, by_hand=True, operator="bob"), run_id="r8")


def test_the_day1_report_from_the_journal(config: Config, runbook: Runbook, journal: Journal,
                                          clock: FrozenClock, tmp_path: Path) -> None:
    journal_day1(journal, clock, config)
    out = tmp_path / "day1.md"
    done = cockpit("report", "day1", "--config", str(config.source), "-o", str(out))
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert text.startswith("# caro v1.1.0-beta: Day 1 report")
    assert "(passed)" in text  # the deadline passed: judged by what was read by then
    rows = {line.split(" | ")[0].lstrip("| "): line for line in text.splitlines()
            if line.startswith("| Day 1")}
    assert rows["Day 1 downloads"].split(" | ")[1:6] == ["72", "—", ">= 50", "—", "target ✓"]
    assert "| met |" in rows["Day 1 downloads"]
    assert " | no source | " in rows["Day 1 active weekly users"]
    assert "| 0 | — | == 0 | — | target ✓ | met |" in rows["Day 1: zero P0"]
    assert "| 4 (stale) |" in rows["Day 1: P1 < 3"] and "missed ✗" in rows["Day 1: P1 < 3"]
    plot = text.split("## downloads")[1].splitlines()[2].strip()
    assert plot[0] == "▁" and plot[-1] == "█" and len(plot) == 48
    assert "Stale: HTTP 502 (fix: it is asked again)" in text
    assert "- active_users: no samples in the journal, so no value is reported" in text
    posted = text.split("## Updates posted")[1].strip().splitlines()[2:]
    assert len(posted) == 1 and posted[0].endswith(
        " 14:04 | #release | status_update | webhook | alice |")


def test_before_the_deadline_it_projects(config: Config, runbook: Runbook) -> None:
    launch = config.release.launch_at
    metrics = MetricsState(launch)
    from cockpit.journal.row import Event

    metrics.apply(Event(h + 1, launch + timedelta(hours=h), "s", "metric_sample", None, None,
                        {"metric": "downloads", "value": 10.0 * h}) for h in range(4))
    text = to_markdown("week1", metrics, runbook.timeline.targets,
                       launch + timedelta(hours=3, minutes=5), config.release.tz, "caro")
    assert "not reached yet" in text
    row = next(line for line in text.splitlines() if line.startswith("| Week 1 downloads"))
    assert "| 30 | >= 100 | >= 200 | >= 250 | not met yet | on track (1680 by Week 1) |" in row


def test_a_bad_deadline_is_refused_by_the_parser(config: Config) -> None:
    done = cockpit("report", "day2", "--config", str(config.source))
    assert done.returncode == 2 and "invalid choice: 'day2'" in done.stderr


def test_a_target_naming_a_metric_not_configured_is_a_config_error_for_every_command(
        config: Config) -> None:
    """Once cockpit.toml measures anything, the runbook's targets must name what it measures:
    the report (and the cockpit, and every command that loads both) exits 2 saying where."""
    config.source.write_text(config.source.read_text() + (
        '\n[[metrics]]\nname = "downloads"\nkind = "forge-downloads"\n'))
    for args in (("report", "day1"), ("playbooks",)):
        done = cockpit(*args, "--config", str(config.source))
        said = " ".join(done.stderr.split())
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert "runbook.toml:" in said and "targets." in said and ".metric" in said, said
        assert "names metric 'active_users', which cockpit.toml does not configure" in said
        assert 'add [[metrics]] name = "active_users" to cockpit.toml' in said

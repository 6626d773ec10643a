"""Issue 13: alert thresholds configured on any metric (`alert_above`, `alert_below` in its
[[metrics]] table) raise the header's banner beside the runbook's "zero P0" targets; judged
on a MetricsState folded from a real journal, and refused in cockpit.toml when they leave no
value quiet."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cockpit.cli.main import main
from cockpit.clock import FrozenClock
from cockpit.config import load_config
from cockpit.errors import ConfigError
from cockpit.journal.events import MetricFailed, MetricSample
from cockpit.journal.store import Journal
from cockpit.metrics.alerts import alerts
from cockpit.metrics.state import MetricsState
from cockpit.metricsconfig import ForgeDownloads, ForgeIssues, HttpJson
from cockpit.runbook.model import Target
from tests.unit.test_config import GOOD, write

LAUNCH = datetime(2026, 1, 15, 0, 0, tzinfo=UTC)
ZERO_P0 = [Target(metric="p0", comparison="==", target=0, deadline="day1"),
           Target(metric="p0", comparison="==", target=0, deadline="week1")]


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(LAUNCH)


@pytest.fixture
def journal(tmp_path: Path, clock: FrozenClock) -> Iterator[Journal]:
    j = Journal.controller(tmp_path / "journal.db", clock=clock)
    yield j
    j.close()


def read(journal: Journal, clock: FrozenClock, metric: str, value: float) -> None:
    clock.set(clock.now() + timedelta(minutes=5))
    journal.record(MetricSample(metric=metric, value=value, detail={}, etag="", source="test"))


def raised(journal: Journal, configured: list, targets: list[Target] | None = None) -> list[str]:  # type: ignore[type-arg]
    state = MetricsState(LAUNCH)
    state.apply(journal.events())
    return [str(a) for a in alerts(targets or [], configured, state)]


def downloads(**thresholds: float) -> ForgeDownloads:
    return ForgeDownloads(name="downloads", kind="forge-downloads", **thresholds)


def test_a_value_below_alert_below_raises_the_banner_until_it_is_not(
        journal: Journal, clock: FrozenClock) -> None:
    configured = [downloads(alert_below=1)]
    assert raised(journal, configured) == []  # never read: nothing to say
    read(journal, clock, "downloads", 0)
    assert raised(journal, configured) == ["downloads: 0 (below 1)"]
    read(journal, clock, "downloads", 1)
    assert raised(journal, configured) == []


def test_a_value_above_alert_above_raises_it_and_the_threshold_itself_does_not(
        journal: Journal, clock: FrozenClock) -> None:
    configured = [HttpJson(name="errors", kind="http-json", url="https://x.test/e",
                           alert_above=10, alert_below=2)]
    read(journal, clock, "errors", 10)
    assert raised(journal, configured) == []
    read(journal, clock, "errors", 12.5)
    assert raised(journal, configured) == ["errors: 12.5 (above 10)"]
    read(journal, clock, "errors", 1)
    assert raised(journal, configured) == ["errors: 1 (below 2)"]


def test_the_zero_p0_target_keeps_its_form_and_each_metric_alerts_once(
        journal: Journal, clock: FrozenClock) -> None:
    configured = [ForgeIssues(name="p0", kind="forge-issues", labels=["P0"], alert_above=0),
                  downloads(alert_below=5)]
    read(journal, clock, "p0", 0)
    read(journal, clock, "downloads", 3)
    assert raised(journal, configured, ZERO_P0) == ["downloads: 3 (below 5)"]
    read(journal, clock, "p0", 1)
    assert raised(journal, configured, ZERO_P0) == ["p0: 1", "downloads: 3 (below 5)"]
    assert raised(journal, [], ZERO_P0) == ["p0: 1"]


def test_a_stale_metric_still_alerts_with_its_last_value(journal: Journal,
                                                          clock: FrozenClock) -> None:
    read(journal, clock, "downloads", 0)
    clock.set(clock.now() + timedelta(minutes=5))
    journal.record(MetricFailed(metric="downloads", error="503", fix="wait", retry_in=60))
    state = MetricsState(LAUNCH)
    state.apply(journal.events())
    assert state.metrics["downloads"].stale
    assert [str(a) for a in alerts([], [downloads(alert_below=1)], state)] == \
        ["downloads: 0 (below 1)"]


METRIC = GOOD + """
[[metrics]]
name = "downloads"
kind = "forge-downloads"
alert_above = 1000
alert_below = 1
"""


def test_thresholds_load_as_numbers(tmp_path: Path) -> None:
    [metric] = load_config(write(tmp_path, METRIC)).metrics
    assert (metric.alert_above, metric.alert_below) == (1000, 1)


@pytest.mark.parametrize(("line", "says"), [
    ("alert_below = 1000", "alert_below (1000) is not below alert_above (1000)"),
    ("alert_below = 5000", "alert_below (5000) is not below alert_above (1000)"),
    ('alert_below = "few"', "valid number"),
])
def test_thresholds_leaving_no_quiet_value_are_refused_at_their_line(
        tmp_path: Path, line: str, says: str) -> None:
    text = METRIC.replace("alert_below = 1\n", line + "\n")
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    [problem] = err.value.problems
    assert problem.field == "metrics.0.alert_below"
    assert says in problem.message
    assert problem.line == text.splitlines().index(line) + 1
    assert problem.fix


def test_cockpit_check_exits_2_naming_the_line_and_field(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, METRIC.replace("alert_below = 1\n", "alert_below = 2000\n"))
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--config", str(path)]) == 2
    out = capsys.readouterr()
    text = out.out + out.err
    assert "metrics.0.alert_below" in text and "cockpit.toml:" in text
    assert "smaller than alert_above" in text


def test_the_issue_behind_an_alert_is_its_p0_one(journal: Journal, clock: FrozenClock) -> None:
    from cockpit.metrics.alerts import Alert, alert_issue

    state = MetricsState(LAUNCH)
    journal.record(MetricSample(metric="issues", value=2, detail={"issues": [
        {"number": 7, "title": "Typo", "labels": ["P1"]},
        {"number": 9, "title": "Crash on start", "labels": ["P0", "bug"]}]}, source="forge"))
    journal.record(MetricSample(metric="errors", value=50, detail={}, source="http"))
    state.apply(journal.events())
    assert alert_issue([Alert("errors", 50, "above 10")], state) is None  # names no issue
    assert alert_issue([Alert("errors", 50), Alert("issues", 2)], state) == {
        "number": 9, "title": "Crash on start", "labels": ["P0", "bug"]}

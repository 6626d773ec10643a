"""Issue 13: the metrics fold (MetricsState) and the targets judged against it, with a frozen
clock and a real journal."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cockpit.clock import FrozenClock
from cockpit.journal.events import MetricFailed, MetricSample
from cockpit.journal.store import Journal
from cockpit.metrics.state import MetricsState
from cockpit.metrics.targets import breached, judge, tier_of
from cockpit.runbook.model import Target

LAUNCH = datetime(2026, 1, 15, 0, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(LAUNCH - timedelta(hours=1))


@pytest.fixture
def journal(tmp_path: Path, clock: FrozenClock) -> Iterator[Journal]:
    j = Journal.controller(tmp_path / "journal.db", clock=clock)
    yield j
    j.close()


def sample(journal: Journal, clock: FrozenClock, metric: str, value: float,
           at: datetime, **detail: object) -> None:
    clock.set(at)
    journal.record(MetricSample(metric=metric, value=value, detail=dict(detail), etag="e1",
                                source="test"))


def folded(journal: Journal) -> MetricsState:
    state = MetricsState(LAUNCH)
    state.apply(journal.events())
    return state


def test_latest_value_detail_and_changes_since_last_and_since_launch(
        journal: Journal, clock: FrozenClock) -> None:
    sample(journal, clock, "downloads", 3, LAUNCH - timedelta(minutes=30))
    sample(journal, clock, "downloads", 5, LAUNCH)  # the value at T-0
    sample(journal, clock, "downloads", 12, LAUNCH + timedelta(hours=1))
    sample(journal, clock, "downloads", 20, LAUNCH + timedelta(hours=2),
           assets={"caro-linux.tar.gz": 15, "caro-macos.tar.gz": 5}, release="v1.1.0")
    m = folded(journal).metrics["downloads"]
    assert (m.value, m.previous, m.since_last, m.since_launch) == (20, 12, 8, 15)
    assert m.at == LAUNCH + timedelta(hours=2)
    assert m.detail["assets"] == {"caro-linux.tar.gz": 15, "caro-macos.tar.gz": 5}
    assert [v for _, v in m.points] == [3, 5, 12, 20]
    assert not m.stale


def test_a_failure_newer_than_the_last_sample_makes_it_stale_until_the_next_sample(
        journal: Journal, clock: FrozenClock) -> None:
    sample(journal, clock, "p0", 0, LAUNCH)
    clock.set(LAUNCH + timedelta(minutes=5))
    journal.record(MetricFailed(metric="p0", error="HTTP 500 from the forge",
                                fix="the forge is down: it is asked again", retry_in=60))
    state = folded(journal)
    m = state.metrics["p0"]
    assert m.stale and m.error == "HTTP 500 from the forge"
    assert m.fix == "the forge is down: it is asked again"
    assert m.value == 0  # the last value read stays, said stale
    sample(journal, clock, "p0", 1, LAUNCH + timedelta(minutes=10))
    state.apply(journal.events(after=state.last_id))
    assert not state.metrics["p0"].stale and state.metrics["p0"].value == 1


def test_a_metric_that_only_failed_is_stale_with_no_value(journal: Journal,
                                                           clock: FrozenClock) -> None:
    journal.record(MetricFailed(metric="active_users", error="GITHUB_TOKEN is not set",
                                fix="export GITHUB_TOKEN"))
    m = folded(journal).metrics["active_users"]
    assert m.stale and m.value is None and m.since_launch is None


def test_a_week_of_one_minute_samples_stays_small(journal: Journal) -> None:
    state = MetricsState(LAUNCH)
    from cockpit.journal.row import Event

    minutes = 7 * 24 * 60
    state.apply(Event(i + 1, LAUNCH + timedelta(minutes=i), "s", "metric_sample", None, None,
                      {"metric": "downloads", "value": float(i)}) for i in range(minutes))
    m = state.metrics["downloads"]
    assert m.value == minutes - 1
    # the last 6 hours in full, 10-minute points to 2 days, hourly before: ~1000 at most
    assert len(m.points) < 1000
    recent = [p for p in m.points if p[0] >= m.points[-1][0] - 6 * 3600]
    assert len(recent) >= 360
    assert m.value_at(LAUNCH + timedelta(days=1)) == pytest.approx(24 * 60, abs=60)
    assert m.since_launch == minutes - 1


def target(comparison: str, value: float, deadline: str = "day1", **tiers: float) -> Target:
    return Target.model_validate({"metric": "downloads", "comparison": comparison,
                                  "target": value, "deadline": deadline, **tiers})


def test_the_tier_reached_for_each_comparison() -> None:
    week1 = target(">=", 200, "week1", minimum=100, outstanding=250)
    assert [tier_of(week1, v) for v in (99, 100, 200, 249, 250)] == [
        "missed", "minimum", "target", "target", "outstanding"]
    assert [tier_of(target("<", 3), v) for v in (2, 3)] == ["target", "missed"]
    assert [tier_of(target("==", 0), v) for v in (0, 1)] == ["target", "missed"]


def test_projection_to_the_deadline_from_the_recent_rate(journal: Journal,
                                                         clock: FrozenClock) -> None:
    day1 = target(">=", 50)
    # 4 downloads an hour for the first 4 hours: 16 now, 96 projected by T+24h
    for hour in range(5):
        sample(journal, clock, "downloads", 4 * hour, LAUNCH + timedelta(hours=hour))
    now = LAUNCH + timedelta(hours=4, minutes=10)
    judged = judge(day1, folded(journal), now)
    assert judged.value == 16 and judged.tier == "not met"
    assert judged.projected == 96 and judged.on_track is True
    assert judged.outlook == "on track (96 by Day 1)"
    slow = judge(target(">=", 200), folded(journal), now)
    assert slow.on_track is False and slow.outlook.startswith("behind")


def test_one_sample_is_too_few_to_project(journal: Journal, clock: FrozenClock) -> None:
    sample(journal, clock, "downloads", 7, LAUNCH + timedelta(hours=1))
    judged = judge(target(">=", 50), folded(journal), LAUNCH + timedelta(hours=2))
    assert judged.value == 7 and judged.on_track is None
    assert judged.outlook == "too early to project (needs 30 min of history)"


def test_past_the_deadline_the_value_read_by_it_is_judged(journal: Journal,
                                                          clock: FrozenClock) -> None:
    sample(journal, clock, "downloads", 60, LAUNCH + timedelta(hours=23))
    sample(journal, clock, "downloads", 40, LAUNCH + timedelta(hours=25))  # after: not judged
    judged = judge(target(">=", 50), folded(journal), LAUNCH + timedelta(days=2))
    assert (judged.value, judged.tier, judged.outlook) == (60, "target", "met")


def test_no_samples_is_no_value_not_a_zero(journal: Journal) -> None:
    judged = judge(target(">=", 50), folded(journal), LAUNCH)
    assert judged.value is None and judged.tier is None and judged.outlook == "no samples"


def test_a_p0_above_zero_breaches_the_zero_p0_target(journal: Journal,
                                                     clock: FrozenClock) -> None:
    zero_p0 = [Target(metric="p0", comparison="==", target=0, deadline="day1"),
               Target(metric="p0", comparison="==", target=0, deadline="week1")]
    sample(journal, clock, "p0", 0, LAUNCH)
    assert breached(zero_p0, folded(journal)) == []
    sample(journal, clock, "p0", 2, LAUNCH + timedelta(minutes=30))
    assert [(t.metric, v) for t, v in breached(zero_p0, folded(journal))] == [("p0", 2)]


def test_downsampling_keeps_the_recent_hours_whole_and_the_newest_of_each_older_bucket() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from cockpit.metrics.state import downsample

    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.floats(0, 10 * 24 * 3600, allow_nan=False), min_size=1, max_size=300))
    def check(times: list[float]) -> None:
        points = [(t, float(i)) for i, t in enumerate(sorted(set(times)))]
        newest = points[-1][0]
        kept = downsample(points, newest)
        assert kept[-1] == points[-1]  # the latest value is never lost
        assert kept == sorted(kept) and set(kept) <= set(points)
        recent = [p for p in points if newest - p[0] <= 6 * 3600]
        assert recent == [p for p in kept if newest - p[0] <= 6 * 3600]
        assert downsample(kept, newest) == kept  # done again, nothing more goes

    check()

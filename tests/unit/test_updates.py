"""Issue 13: which update is due (a frozen clock on the shipped runbook), week 1's daily
update, the posts folded once each, and values filled from the latest samples."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from cockpit.clock import FrozenClock
from cockpit.config import Config
from cockpit.engine.planner import Planner
from cockpit.errors import ParameterError
from cockpit.journal.events import MetricSample
from cockpit.journal.row import Event
from cockpit.journal.store import Journal
from cockpit.params import ParamSpec, resolve_params
from cockpit.runbook.model import Item, Runbook
from cockpit.state.launch import LaunchState
from cockpit.state.timeline import project, slots
from cockpit.state.updates import update_due
from tests.unit.test_timeline import LAUNCH, NY, at, ev


def due(runbook: Runbook, state: LaunchState, now: datetime) -> tuple[str, bool, int] | None:
    found = update_due(project(runbook, LAUNCH, NY, state, now), runbook)
    if found is None:
        return None
    return found.view.slot.key, found.due, int(found.left.total_seconds() // 60)


def ran(state: LaunchState, run_id: str, playbook: str, when: datetime, first_id: int) -> None:
    state.apply([ev(first_id, "run_started", when, run_id, playbook=playbook, steps=["post"]),
                 ev(first_id + 1, "run_finished", when + timedelta(minutes=1), run_id,
                    status="ok")])


def test_the_update_due_follows_the_clock_and_the_posts(runbook: Runbook) -> None:
    state = LaunchState()
    # 10:20: the launch announcement (12:00) comes first
    assert due(runbook, state, at(10, 20)) == ("t0-announce", False, 100)
    # 12:10, not posted: it is due, and stays the one due until it is done
    assert due(runbook, state, at(12, 10))[:2] == ("t0-announce", True)  # type: ignore[index]
    ran(state, "r1", "announce", at(12, 15), 1)
    assert due(runbook, state, at(13, 50)) == ("t0-status-update@14:00", False, 10)
    assert due(runbook, state, at(14, 5)) == ("t0-status-update@14:00", True, 55)
    ran(state, "r2", "status-update", at(14, 6), 3)  # posted: the next hour's
    assert due(runbook, state, at(14, 8)) == ("t0-status-update@15:00", False, 52)
    # 15:00 came and went unposted: at 16:10 it is overdue (the timeline says so), and the
    # 16:00 one is due
    assert due(runbook, state, at(16, 10)) == ("t0-status-update@16:00", True, 50)


def test_week_one_has_a_daily_update_at_five(runbook: Runbook) -> None:
    daily = [s for s in slots(runbook) if s.item.id == "t2-daily-update"]
    assert [s.label for s in daily] == [f"Daily Status Update (T+{d})" for d in range(2, 8)]
    assert [s.offset for s in daily] == [d * 1440 + 9 * 60 for d in range(2, 8)]  # 17:00
    state = LaunchState()
    for n, (playbook, day, hh) in enumerate([("announce", 0, 12), ("day1-review", 1, 9)]):
        ran(state, f"r{n}", playbook, at(hh, 5, day), 10 * n + 1)
    for hour in range(14, 19):
        ran(state, f"s{hour}", "status-update", at(hour, 5), 100 + 2 * hour)
    assert due(runbook, state, at(16, 0, day=3)) == ("t2-daily-update@T+3", False, 60)
    assert due(runbook, state, at(17, 30, day=3)) == ("t2-daily-update@T+3", True, 210)


def test_a_daily_item_needs_a_day_a_time_and_a_later_last_day() -> None:
    base = {"id": "x", "section": "post-launch", "title": "x", "day": 2}
    with pytest.raises(ValidationError, match="a daily item needs"):
        Item.model_validate({**base, "through_day": 7})  # no time
    with pytest.raises(ValidationError, match="a daily item needs"):
        Item.model_validate({**base, "at": "17:00", "through_day": 2})
    assert Item.model_validate({**base, "at": "17:00", "through_day": 3}).repeats


def test_posts_are_folded_once_each_with_time_channel_and_how() -> None:
    state = LaunchState()
    t = datetime(2026, 1, 15, 19, 5, tzinfo=UTC)
    posted = {"channel": "release", "template": "status_update", "digest": "d1", "posted": True,
              "parts": 1, "operator": "alice"}
    state.apply([ev(1, "announcement", t, "r1", "post", **posted),
                 ev(2, "announcement", t, "r1", "post", channel="release", digest="d2",
                    posted=False, error="HTTP 500"),  # failed: not a post
                 ev(3, "announcement", t + timedelta(minutes=9), "r2", "post", **posted),
                 ev(4, "announcement", t + timedelta(hours=1), "r3", "post",
                    **{**posted, "digest": "d3", "by_hand": True, "channel": "discord"})])
    assert [(p.at, p.channel, p.by_hand, p.operator) for p in state.posts] == [
        (t, "release", False, "alice"), (t + timedelta(hours=1), "discord", True, "alice")]


def _event(payload: MetricSample) -> Event:
    return Event(1, datetime.now(UTC), "s", payload.KIND.value, None, None, payload.as_data())


def test_a_default_from_a_metric_is_its_latest_sample_else_asked() -> None:
    spec = {"active_users": ParamSpec(type="string", default="{metric.active_users}")}
    assert resolve_params(spec, {}, {"metric.active_users": "1204"}) == {
        "active_users": "1204"}
    with pytest.raises(ParameterError) as caught:
        resolve_params(spec, {}, {})
    problem = caught.value.problems[0]
    assert problem.message == "no recent sample of metric 'active_users' to fill it from"
    assert problem.fix is not None and "--param active_users=" in problem.fix
    optional = {"awu": ParamSpec(type="string", default="{metric.awu}", required=False)}
    assert resolve_params(optional, {}, {}) == {"awu": ""}


def test_a_sample_is_offered_only_while_fresh(config: Config, tmp_path: Path) -> None:
    """Repro: an update posted at 14:05 offered the active users read at 08:00 (the source
    had failed since, or the cockpit was closed): a number to post is one read lately (within
    the ten minutes after which an unchanged value is journaled again, plus two of its
    metric's intervals); else it is asked."""
    from cockpit.metricfields import KEEPALIVE, fresh_for
    from cockpit.metricsconfig import CommandMetric

    users = CommandMetric(kind="command", name="active_users", run="users", every=1200)
    watched = config.model_copy(update={"metrics": [users]})
    read = config.release.launch_at
    clock = FrozenClock(read)
    journal = Journal.controller(tmp_path / "j.db", clock=clock)
    try:
        journal.record(MetricSample(metric="active_users", value=1204, source="test"))
        journal.record(MetricSample(metric="unwatched", value=7, source="test"))
        offered = {}
        for minutes in (9, 11, 49, 51):
            clock.set(read + timedelta(minutes=minutes))
            offered[minutes] = sorted(k for k in Planner(watched, journal).context()
                                      if k.startswith("metric."))
        assert offered == {9: ["metric.active_users", "metric.unwatched"],
                           11: ["metric.active_users"],  # every 20 min: fresh for 50
                           49: ["metric.active_users"], 51: []}
    finally:
        journal.close()
    # a source that answers the same value is journaled again KEEPALIVE after its last write,
    # at its next poll: never older than that while it answers, so never stale
    for every in (1.0, 30.0, 300.0, 3600.0):
        assert fresh_for(every) > KEEPALIVE + every


def test_the_planner_offers_the_latest_samples_by_the_journals_clock(
        config: Config, tmp_path: Path) -> None:
    clock = FrozenClock(config.release.launch_at + timedelta(days=3, hours=5))
    journal = Journal.controller(tmp_path / "j.db", clock=clock)
    try:
        for value in (10, 1204.0, 7.5):
            journal.record(MetricSample(metric="active_users" if value != 7.5 else "ratio",
                                        value=value, source="test"))
        context = Planner(config, journal).context()
        assert context["metric.active_users"] == "1204"  # plain: fits an int parameter too
        assert context["metric.ratio"] == "7.5"
        assert context["release.hours_since_launch"] == "77"
        assert context["release.days_since_launch"] == "3"
    finally:
        journal.close()

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from cockpit.clock import countdown
from cockpit.journal.row import Event
from cockpit.runbook.model import Runbook
from cockpit.state.launch import LaunchState
from cockpit.state.timeline import project, relative_label, slots

NY = ZoneInfo("America/New_York")
LAUNCH = datetime(2026, 1, 15, 8, 0, tzinfo=NY)


def at(hh: int, mm: int = 0, day: int = 0) -> datetime:
    return (LAUNCH + timedelta(days=day)).replace(hour=hh, minute=mm)


def ev(id_: int, kind: str, ts: datetime, run_id: str | None = None, step: str | None = None,
       session: str = "s1", **data: object) -> Event:
    return Event(id_, ts.astimezone(UTC), session, kind, run_id, step, dict(data))


def test_slots_are_chronological_and_expand_repeating_items(runbook: Runbook) -> None:
    all_slots = slots(runbook)
    timed = [s for s in all_slots if s.offset is not None]
    assert [s.offset for s in timed] == sorted(s.offset for s in timed)  # type: ignore[type-var]
    monitoring = [s for s in timed if s.item.id == "t0-monitoring"]
    assert len(monitoring) == 11  # 13:00 .. 18:00 every 30 minutes
    assert monitoring[0].label == "Active Monitoring (13:00)"
    assert len([s for s in timed if s.item.id == "t0-status-update"]) == 5  # hourly 14..18
    untimed = [s.item.section for s in all_slots if s.offset is None]
    assert set(untimed) == {"emergency", "standing"}


def test_relative_labels() -> None:
    assert relative_label(-7 * 1440, -7) == "T-7"
    assert relative_label(0, 0) == "T-0"
    assert relative_label(120, 0) == "T+2h"
    assert relative_label(330, 0) == "T+5h30m"
    assert relative_label(-90, 0) == "T-1h30m"
    assert relative_label(3 * 1440 + 60, 0) == "T+3d1h"


def test_countdown_format() -> None:
    assert countdown(timedelta(minutes=34, seconds=5)) == "34m 05s"
    assert countdown(timedelta(hours=2, minutes=3)) == "2h 03m 00s"
    assert countdown(timedelta(days=6, hours=1)) == "6d 01h 00m"


def test_due_pending_overdue_and_the_now_marker(runbook: Runbook) -> None:
    view = project(runbook, LAUNCH, NY, LaunchState(), at(10, 20))
    by_id = {v.slot.key: v for v in view.items}
    assert by_id["t0-build-upload"].status == "due" and not by_id["t0-build-upload"].overdue
    assert by_id["t0-tag"].overdue  # 09:00 passed and the 10:00 item began
    assert by_id["t0-install-script"].status == "pending"
    assert by_id["t0-install-script"].local_time == "Thu 15 Jan 11:00"
    assert by_id["t0-install-script"].relative == "T+3h"
    assert view.next_item is not None and view.next_item.item.id == "t0-install-script"
    assert view.countdown() == "40m 00s"
    timed = [v for v in view.items if v.start is not None]
    assert timed[view.now_index - 1].item.id == "t0-build-upload"
    assert view.now_local == "Thu 15 Jan 10:20" and view.now_offset == 140


def test_statuses_come_from_the_journal(runbook: Runbook) -> None:
    state = LaunchState()
    t = at(9, 5)
    state.apply([
        ev(1, "session_started", t),
        ev(2, "run_started", t, "r1", playbook="tag-release", params={}, steps=["tag"]),
        ev(3, "run_finished", t, "r1", status="ok"),
        ev(4, "run_started", t, "r2", playbook="final-go-no-go", params={}, steps=["gate"]),
        ev(5, "gate_decision", t, "r2", "gate", item="t0-go-no-go", decision="NO-GO",
           rationale="P0 open", operator="rm"),
        ev(6, "run_finished", t, "r2", status="no-go"),
        ev(7, "run_started", t, "r3", playbook="announce", params={}, steps=["discord"]),
        ev(8, "step_started", t, "r3", "discord"),
    ])
    view = project(runbook, LAUNCH, NY, state, at(10, 20))
    by_id = {v.slot.key: v for v in view.items}
    assert by_id["t0-tag"].status == "done" and not by_id["t0-tag"].overdue
    assert by_id["t0-go-no-go"].status == "NO-GO"
    assert by_id["t0-announce"].status == "running"
    # a new controller session: the unfinished run is interrupted, not running
    state.apply([ev(9, "session_started", at(10, 30), session="s2")])
    view = project(runbook, LAUNCH, NY, state, at(10, 30))
    assert {v.slot.key: v for v in view.items}["t0-announce"].status == "interrupted"
    assert state.runs["r3"].interrupted_step is not None


def test_repeating_slot_counts_only_runs_inside_its_window(runbook: Runbook) -> None:
    state = LaunchState()
    state.apply([
        ev(1, "run_started", at(13, 35), "m1", playbook="monitoring-check", params={}),
        ev(2, "run_finished", at(13, 40), "m1", status="ok"),
    ])
    view = project(runbook, LAUNCH, NY, state, at(14, 10))
    by_id = {v.slot.key: v for v in view.items}
    assert by_id["t0-monitoring@13:30"].status == "done"
    assert by_id["t0-monitoring@13:00"].overdue
    assert by_id["t0-monitoring@14:00"].status == "due"


def test_an_emergency_row_shows_when_its_last_run_started_and_what_it_left_undone(
        runbook: Runbook) -> None:
    state = LaunchState()
    t = at(14, 7)
    state.apply([
        ev(1, "session_started", t),
        ev(2, "run_started", t, "h1", playbook="hotfix", params={"version": "1.1.0-beta.1"},
           steps=["tag", "announce"]),
        ev(3, "run_finished", t, "h1", status="incomplete", missed=["announce"]),
    ])
    view = project(runbook, LAUNCH, NY, state, at(15, 0))
    (hotfix,) = [v for v in view.items if v.item.playbook == "hotfix"]
    assert hotfix.start is None and hotfix.local_time == "Thu 15 Jan 14:07"
    assert hotfix.status == "incomplete" and hotfix.run is not None
    assert hotfix.run.missed == ["announce"]


def test_an_aborted_attempt_leaves_the_item_as_it_was(runbook: Runbook) -> None:
    state = LaunchState()
    state.apply([
        ev(1, "session_started", at(9, 5)),
        ev(2, "run_started", at(9, 5), "t1", playbook="tag-release", params={}, steps=["tag"]),
        ev(3, "run_finished", at(9, 5), "t1", status="aborted"),
    ])
    view = project(runbook, LAUNCH, NY, state, at(10, 20))
    tag = {v.slot.key: v for v in view.items}["t0-tag"]
    assert tag.status == "due" and tag.overdue  # given up: still to do, and late
    state.apply([
        ev(4, "run_started", at(10, 21), "t2", playbook="tag-release", params={}, steps=["tag"]),
        ev(5, "run_finished", at(10, 22), "t2", status="ok"),
        ev(6, "run_started", at(10, 25), "t3", playbook="tag-release", params={}, steps=["tag"]),
        ev(7, "run_finished", at(10, 25), "t3", status="aborted"),
    ])
    view = project(runbook, LAUNCH, NY, state, at(10, 30))
    assert {v.slot.key: v for v in view.items}["t0-tag"].status == "done"  # done stays done

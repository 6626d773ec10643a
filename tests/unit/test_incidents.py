"""Issue 14: incidents are journal entities with a clock per phase from the runbook's rules:
frozen-clock checks of every deadline (running, amber, red; met, missed), the update cadence
and the post-mortem; bad input journals nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cockpit.clock import FrozenClock
from cockpit.engine import incidents as cmd
from cockpit.errors import CockpitError
from cockpit.journal import events as ev
from cockpit.journal.store import Journal
from cockpit.runbook.incidents import Incidents
from cockpit.runbook.model import Runbook
from cockpit.state.incidents import ClockState, clocks, next_update, postmortem_due
from cockpit.state.launch import LaunchState

REPORT = datetime(2026, 1, 15, 19, 0, tzinfo=UTC)  # 14:00 in New York: "User reports crash"


@pytest.fixture
def rules(runbook: Runbook) -> Incidents:
    return runbook.timeline.incidents


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(REPORT + timedelta(minutes=2))


@pytest.fixture
def journal(tmp_path: Path, clock: FrozenClock) -> Iterator[Journal]:
    j = Journal.controller(tmp_path / "journal.db", clock=clock)
    yield j
    j.close()


def fold(journal: Journal) -> LaunchState:
    state = LaunchState()
    state.apply(journal.events())
    return state


def states(journal: Journal, rules: Incidents, at: datetime) -> dict[str, str]:
    incident = fold(journal).incidents.by_id["1"]
    return {c.phase.id: c.state.value for c in clocks(incident, rules, at)}


def test_every_phase_clock_from_report_to_verify(journal: Journal, rules: Incidents,
                                                 clock: FrozenClock) -> None:
    assert cmd.declare(journal, rules, fold(journal).incidents, title="Crash on start on Linux",
                       severity="P0", scenario="crash-on-start", reporter="@sam on Discord",
                       reported_at=REPORT, operator="alice") == "1"
    at = REPORT + timedelta(minutes=2)
    assert states(journal, rules, at) == {
        "identify": "running", "alert": "waiting", "investigate": "running",
        "triage": "running", "fix": "running", "deploy": "waiting", "verify": "waiting"}
    # identify: 5 minutes from the report; amber in its last minute (20%), red after
    assert states(journal, rules, REPORT + timedelta(minutes=4, seconds=30))["identify"] == "amber"
    assert states(journal, rules, REPORT + timedelta(minutes=5, seconds=1))["identify"] == "red"
    clock.set(REPORT + timedelta(minutes=4))
    cmd.move(journal, rules, fold(journal).incidents, "1", "alert", operator="alice")
    s = states(journal, rules, REPORT + timedelta(minutes=4))
    assert s["identify"] == "met" and s["alert"] == "running"  # alert: 5 min from entering it
    clock.set(REPORT + timedelta(minutes=10))  # the alert posted a minute late
    cmd.move(journal, rules, fold(journal).incidents, "1", "investigate", operator="alice")
    assert states(journal, rules, clock.now())["alert"] == "missed"
    # the fix's deadline is the scenario's: crash on start, 2 hours from the report
    incident = fold(journal).incidents.by_id["1"]
    fix = next(c for c in clocks(incident, rules, clock.now()) if c.phase.id == "fix")
    assert fix.deadline == REPORT + timedelta(hours=2)
    for minutes, phase in ((14, "triage"), (25, "fix"), (100, "deploy"), (150, "verify")):
        clock.set(REPORT + timedelta(minutes=minutes))
        cmd.move(journal, rules, fold(journal).incidents, "1", phase, operator="bob")
    s = states(journal, rules, REPORT + timedelta(minutes=170))
    assert (s["investigate"], s["triage"], s["fix"], s["deploy"]) == (
        "met", "met", "met", "met")  # fix done at 100 min (< 120); deploy at 150 (< 100 + 60)
    assert s["verify"] == "running"  # 30 minutes from entering it: 180
    assert states(journal, rules, REPORT + timedelta(minutes=181))["verify"] == "red"


def test_a_p2_keeps_its_fix_deadline_and_no_p0_pace(journal: Journal, rules: Incidents,
                                                    clock: FrozenClock) -> None:
    """The phases' windows and the 30-minute cadence are the runbook's P0 procedure: a P2
    is not red for going unidentified 6 minutes; its fix is due in the severity's week."""
    cmd.declare(journal, rules, fold(journal).incidents, title="Typo in --help",
                severity="P2", reported_at=REPORT, operator="alice")
    later = REPORT + timedelta(hours=2)
    assert states(journal, rules, later) == {
        "identify": "none", "alert": "none", "investigate": "none", "triage": "none",
        "fix": "running", "deploy": "none", "verify": "none"}
    incident = fold(journal).incidents.by_id["1"]
    fix = next(c for c in clocks(incident, rules, later) if c.phase.id == "fix")
    assert fix.deadline == REPORT + timedelta(days=7)
    assert next_update(incident, rules) is None
    assert rules.paces("P0") and not rules.paces("P2")


def test_the_pace_names_only_defined_severities(rules: Incidents) -> None:
    with pytest.raises(ValueError, match="paced: severity 'P9' is not defined"):
        Incidents.model_validate({**rules.model_dump(by_alias=True), "paced": ["P0", "P9"]})
    # a runbook of its own, from before `paced`, with no P0: it loads, nothing is paced
    own = rules.model_dump(by_alias=True, exclude={"paced"})
    own["severities"] = [s for s in own["severities"] if s["name"] != "P0"]
    loaded = Incidents.model_validate(own)
    assert not loaded.paces("P1")


def test_going_back_is_explicit_and_bad_input_journals_nothing(
        journal: Journal, rules: Incidents) -> None:
    cmd.declare(journal, rules, fold(journal).incidents, title="x", severity="P1",
                operator="alice")
    cmd.move(journal, rules, fold(journal).incidents, "1", "triage", operator="alice")
    before = journal.last_id()
    bad = [lambda: cmd.move(journal, rules, fold(journal).incidents, "1", "investigate",
                            operator="a"),
           lambda: cmd.move(journal, rules, fold(journal).incidents, "1", "nap", operator="a"),
           lambda: cmd.move(journal, rules, fold(journal).incidents, "9", "fix", operator="a"),
           lambda: cmd.declare(journal, rules, fold(journal).incidents, title="y",
                               severity="P7", operator="a"),
           lambda: cmd.declare(journal, rules, fold(journal).incidents, title="y",
                               severity="P0", scenario="meteor", operator="a"),
           lambda: cmd.declare(journal, rules, fold(journal).incidents, title="  ",
                               severity="P0", operator="a"),
           lambda: cmd.resolve(journal, rules, fold(journal).incidents, "1", decision="",
                               operator="a"),
           lambda: cmd.assign(journal, fold(journal).incidents, "1", "pilot", "x",
                              operator="a")]
    messages = []
    for attempt in bad:
        with pytest.raises(CockpitError) as caught:
            attempt()
        messages.append(caught.value.problems[0].message)
    assert journal.last_id() == before
    assert messages[0] == "investigate comes before triage"
    assert "no incident '9'" in messages[2] and "unknown severity 'P7'" in messages[3]
    cmd.move(journal, rules, fold(journal).incidents, "1", "investigate", operator="a",
             backwards=True, note="the root cause was wrong")
    incident = fold(journal).incidents.by_id["1"]
    assert incident.phase == "investigate" and incident.marks[-1].backwards


def test_updates_every_30_minutes_and_the_post_mortem_within_48_hours(
        journal: Journal, rules: Incidents, clock: FrozenClock) -> None:
    cmd.declare(journal, rules, fold(journal).incidents, title="x", severity="P0",
                operator="alice")
    opened = clock.now()
    incident = fold(journal).incidents.by_id["1"]
    assert next_update(incident, rules) == opened + timedelta(minutes=30)
    clock.set(opened + timedelta(minutes=20))  # an update posted from the incident
    journal.record(ev.RunStarted(playbook="incident-update", incident="1"), run_id="u1")
    journal.record(ev.Announcement(channel="release", template="p0_update", digest="d",
                                   posted=True), run_id="u1")
    journal.record(ev.Announcement(channel="release", template="p0_update", digest="d",
                                   posted=True), run_id="u1")  # found again on a resume
    journal.record(ev.RunStarted(playbook="status-update"), run_id="s1")  # not the incident's
    journal.record(ev.Announcement(channel="release", template="status_update", digest="e",
                                   posted=True), run_id="s1")
    incident = fold(journal).incidents.by_id["1"]
    assert incident.runs == ["u1"] and incident.updates == [opened + timedelta(minutes=20)]
    assert next_update(incident, rules) == opened + timedelta(minutes=50)
    clock.set(opened + timedelta(hours=3))
    cmd.resolve(journal, rules, fold(journal).incidents, "1", decision="hotfix",
                root_cause="null config", operator="alice")
    incident = fold(journal).incidents.by_id["1"]
    assert incident.phase == "resolved" and next_update(incident, rules) is None
    assert postmortem_due(incident, rules) == clock.now() + timedelta(hours=48)
    assert cmd.note(journal, fold(journal).incidents, "1", "users confirmed", operator="bob")
    cmd.move(journal, rules, fold(journal).incidents, "1", "postmortem", operator="alice")
    incident = fold(journal).incidents.by_id["1"]
    assert postmortem_due(incident, rules) is None and incident.notes[-1].late
    states_after = {c.phase.id: c.state for c in clocks(incident, rules, clock.now())}
    # never moved on before the resolution 3 hours in: identify was done late
    assert states_after["identify"] == ClockState.MISSED


def test_the_post_mortem_is_on_the_timeline_until_it_is_held(
        journal: Journal, rules: Incidents, clock: FrozenClock, runbook: Runbook) -> None:
    from zoneinfo import ZoneInfo

    from cockpit.state.timeline import project

    tz, launch = ZoneInfo("America/New_York"), REPORT - timedelta(hours=6)  # 08:00 there
    cmd.declare(journal, rules, fold(journal).incidents, title="Crash", severity="P0",
                operator="alice")
    clock.set(REPORT + timedelta(hours=2))
    cmd.resolve(journal, rules, fold(journal).incidents, "1", decision="hotfix",
                operator="alice")

    def postmortem(at: datetime) -> tuple[str, bool, str, str] | None:
        view = project(runbook, launch, tz, fold(journal), at)
        found = [v for v in view.items if v.slot.key == "postmortem-1"]
        assert len(found) <= 1
        if not found:
            return None
        v = found[0]
        keys = [x.slot.key for x in view.items if x.start is not None]
        assert keys.index("postmortem-1") > keys.index("t1-review")  # in time order: T+2
        return str(v.status), v.overdue, v.relative, v.local_time

    assert postmortem(REPORT + timedelta(hours=3)) == ("due", False, "T+2", "Sat 17 Jan 16:00")
    assert postmortem(REPORT + timedelta(hours=51))[:2] == ("due", True)  # type: ignore[index]
    assert postmortem(REPORT + timedelta(days=400)) is not None  # far from launch: still shown
    cmd.move(journal, rules, fold(journal).incidents, "1", "postmortem", operator="alice")
    assert postmortem(REPORT + timedelta(hours=51))[:2] == ("done", False)  # type: ignore[index]
    with pytest.raises(CockpitError, match="held already"):
        cmd.move(journal, rules, fold(journal).incidents, "1", "postmortem", operator="alice")


def test_a_phase_jumped_over_or_never_reached_is_skipped_not_met(
        journal: Journal, rules: Incidents, clock: FrozenClock) -> None:
    cmd.declare(journal, rules, fold(journal).incidents, title="Crash", severity="P0",
                scenario="crash-on-start", reported_at=REPORT, operator="alice")
    clock.set(REPORT + timedelta(minutes=2))
    cmd.move(journal, rules, fold(journal).incidents, "1", "triage", operator="alice")
    clock.set(REPORT + timedelta(minutes=50))
    cmd.resolve(journal, rules, fold(journal).incidents, "1", decision="rollback",
                operator="alice")
    assert states(journal, rules, clock.now()) == {
        "identify": "met", "alert": "skipped", "investigate": "skipped", "triage": "missed",
        "fix": "skipped", "deploy": "skipped", "verify": "skipped"}


def test_the_update_countdown_turns_amber_near_due_and_red_once_due(
        journal: Journal, rules: Incidents, clock: FrozenClock) -> None:
    from cockpit.state.incidents import badge, update_state

    cmd.declare(journal, rules, fold(journal).incidents, title="x", severity="P0",
                scenario="crash-on-start", reported_at=REPORT, operator="alice")
    incident = fold(journal).incidents.by_id["1"]
    _, short, _ = badge(incident, rules, REPORT + timedelta(minutes=4, seconds=5))
    assert short == "🔥 #1 P0 identify 55s"  # not "0m": under a minute, in seconds
    clock.set(REPORT + timedelta(minutes=10))
    cmd.move(journal, rules, fold(journal).incidents, "1", "fix", operator="alice")
    incident = fold(journal).incidents.by_id["1"]  # fix: 2 hours from the report
    due = REPORT + timedelta(minutes=32)  # 30 minutes after the declaration
    assert next_update(incident, rules) == due
    # amber, as the phase clocks: the runbook's share (0.2) of the 30 minutes left, 6 minutes
    expected = [(7 * 60, ClockState.RUNNING, "", ""),
                (6 * 60, ClockState.AMBER, " · update in 6m 00s", " · update 6m"),
                (55, ClockState.AMBER, " · update in 0m 55s", " · update 55s"),
                (0, ClockState.RED, " · update due", " · update due"),
                (-60, ClockState.RED, " · update due", " · update due")]
    for left, state, full_tail, short_tail in expected:
        now = due - timedelta(seconds=left)
        assert update_state(incident, rules, now) == state
        full, short, shown = badge(incident, rules, now)
        assert shown == state  # the fix's own clock is running: the update decides
        assert full.endswith(" left" + full_tail) and short.endswith("m" + short_tail)


def test_a_hotfix_announcing_itself_to_users_is_no_status_update(
        journal: Journal, rules: Incidents, clock: FrozenClock) -> None:
    from cockpit.state.incident_report import timeline

    cmd.declare(journal, rules, fold(journal).incidents, title="x", severity="P0",
                operator="alice")
    opened = clock.now()
    clock.set(opened + timedelta(minutes=20))
    journal.record(ev.RunStarted(playbook="hotfix", incident="1"), run_id="h1")
    journal.record(ev.Announcement(channel="discord", template="hotfix", digest="h",
                                   posted=True), run_id="h1")
    state = fold(journal)
    incident = state.incidents.by_id["1"]
    # #release still waits for its status update: the cadence runs from the declaration
    assert incident.updates == [] and next_update(incident, rules) == opened + timedelta(
        minutes=30)
    assert (opened + timedelta(minutes=20), "", "announced: #discord (hotfix, webhook)") in \
        timeline(incident, state)  # on its timeline all the same

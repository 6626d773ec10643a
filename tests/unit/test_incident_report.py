"""Issue 14: the post-incident report, written from the journal alone. A scripted P0 (crash on
start) on a real journal with a frozen clock: declared two minutes after the report, phases
moved on (one deadline missed, one phase gone back to), roles named, notes (one late), a
hotfix run from it (its tag pushed, its build, its release published) and two updates posted,
resolved, then compared with the expected document (tests/fixtures/incident_report.md)
exactly."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cockpit.clock import FrozenClock
from cockpit.engine import incidents as cmd
from cockpit.journal import events as ev
from cockpit.journal.store import Journal
from cockpit.runbook.incidents import Incidents
from cockpit.runbook.model import Runbook
from cockpit.state.incident_report import span, to_markdown
from cockpit.state.launch import LaunchState

REPORT = datetime(2026, 1, 15, 19, 0, tzinfo=UTC)  # 14:00 in New York
NEW_YORK = ZoneInfo("America/New_York")
EXPECTED = Path(__file__).parents[1] / "fixtures" / "incident_report.md"


@pytest.fixture
def rules(runbook: Runbook) -> Incidents:
    return runbook.timeline.incidents


@pytest.fixture
def at_report() -> FrozenClock:
    return FrozenClock(REPORT)


@pytest.fixture
def journal(tmp_path: Path, at_report: FrozenClock) -> Iterator[Journal]:
    j = Journal.controller(tmp_path / "journal.db", clock=at_report)
    yield j
    j.close()


def fold(journal: Journal) -> LaunchState:
    state = LaunchState()
    state.apply(journal.events())
    return state


def script(journal: Journal, rules: Incidents, clock: FrozenClock) -> None:
    """The incident, minute by minute after the report."""
    def at(minutes: int) -> None:
        clock.set(REPORT + timedelta(minutes=minutes))

    def move(phase: str, **kw: object) -> None:
        cmd.move(journal, rules, fold(journal).incidents, "1", phase, operator="alice",
                 **kw)  # type: ignore[arg-type]

    at(2)
    cmd.declare(journal, rules, fold(journal).incidents, title="Crash on start on Linux",
                severity="P0", scenario="crash-on-start", reporter="@sam on Discord",
                reported_at=REPORT, operator="alice")
    at(3)
    cmd.assign(journal, fold(journal).incidents, "1", "communications", "bob", operator="alice")
    at(4)
    move("alert")
    at(11)  # the alert went out 2 minutes past its 5
    move("investigate")
    cmd.note(journal, fold(journal).incidents, "1", "reproduced: a null config | empty file",
             operator="carol")
    at(14)
    move("triage")
    at(20)
    move("investigate", backwards=True, note="not the config: the cache")
    at(24)
    move("triage")
    at(26)
    move("fix")
    journal.record(ev.RunStarted(playbook="incident-update", operator="bob", incident="1"),
                   run_id="u1")
    journal.record(ev.Intent(key="post:a", what="post 'p0_update' to release"), run_id="u1")
    journal.record(ev.IntentSettled(key="post:a", done=True), run_id="u1")  # an update, below
    journal.record(ev.Announcement(channel="release", template="p0_update", digest="a",
                                   posted=True, operator="bob"), run_id="u1")
    journal.record(ev.RunFinished(status=ev.RunStatus.OK), run_id="u1")
    at(40)
    journal.record(ev.RunStarted(playbook="hotfix", operator="alice", incident="1",
                                 params={"version": "1.1.1"}), run_id="h1")
    at(45)  # what the hotfix did beyond its steps: on the timeline without anyone typing it
    journal.record(ev.Intent(key="run:hotfix:push", what="run `git push origin v1.1.1`"),
                   run_id="h1")
    journal.record(ev.IntentSettled(key="run:hotfix:push", done=True), run_id="h1")
    at(50)
    journal.record(ev.BuildStarted(targets=[{"target": t, "builder": "local"} for t in
                                            ("linux", "mac", "windows")], run="h1"),
                   run_id="b-1")
    journal.record(ev.BuildStarted(targets=[]), run_id="b-0")  # from builds mode: not its own
    at(56)
    journal.record(ev.RunStarted(playbook="incident-update", operator="bob", incident="1"),
                   run_id="u2")
    journal.record(ev.Announcement(channel="release", template="p0_update", digest="b",
                                   by_hand=True, posted=True, operator="bob"), run_id="u2")
    journal.record(ev.RunFinished(status=ev.RunStatus.OK), run_id="u2")
    at(70)
    journal.record(ev.BuildFinished(status=ev.BuildStatus.OK, results=dict.fromkeys(
        ("linux", "mac", "windows"), "ok")), run_id="b-1")
    at(90)
    journal.record(ev.Intent(key="forge:publish:v1.1.1", what="publish v1.1.1 on acme/tool"),
                   run_id="h1")
    at(91)
    journal.record(ev.IntentSettled(key="forge:publish:v1.1.1", done=True), run_id="h1")
    at(95)
    move("deploy")
    at(128)
    journal.record(ev.RunFinished(status=ev.RunStatus.OK), run_id="h1")
    at(130)
    move("verify")
    at(150)
    cmd.resolve(journal, rules, fold(journal).incidents, "1", decision="hotfix",
                root_cause="a stale cache read before the config", fix="1.1.1 reads it after",
                impact="Linux users could not start it for 2 hours",
                prevention="a start-up test with an empty cache", operator="alice")
    at(170)
    cmd.note(journal, fold(journal).incidents, "1", "users on Discord confirm 1.1.1 starts",
             operator="bob")


def test_the_report_of_a_scripted_incident_is_the_expected_document(
        journal: Journal, rules: Incidents, at_report: FrozenClock) -> None:
    script(journal, rules, at_report)
    state = fold(journal)
    text = to_markdown(state.incidents.by_id["1"], state, rules,
                       REPORT + timedelta(hours=3), NEW_YORK)
    assert text == EXPECTED.read_text()


def test_an_open_incident_reports_its_running_clocks_and_nothing_made_up(
        journal: Journal, rules: Incidents, at_report: FrozenClock) -> None:
    at_report.set(REPORT + timedelta(minutes=1))
    cmd.declare(journal, rules, fold(journal).incidents, title="Telemetry sends paths",
                severity="P0", scenario="pii-in-telemetry", reported_at=REPORT,
                operator="alice")
    state = fold(journal)
    text = to_markdown(state.incidents.by_id["1"], state, rules, REPORT + timedelta(minutes=7),
                       NEW_YORK)
    assert "| Time to acknowledge | 0:01 | declared |" in text
    assert "| Time to mitigate | — | not mitigated yet |" in text
    assert "| Time to resolve | — | open for 0:07 |" in text
    assert "| Identify | 2026-01-15 14:05 | — | open, 0:02 past its deadline |" in text
    assert "| Fix | 2026-01-15 18:00 | — | open, 3:53 left |" in text  # PII: 4 hours
    assert "No playbook was run from the incident." in text
    assert "- commander: alice (the declaring operator)" in text
    assert "Not resolved yet." in text
    for minutes, phase in ((20, "fix"), (80, "deploy")):  # fixed without a run from it
        at_report.set(REPORT + timedelta(minutes=minutes))
        cmd.move(journal, rules, fold(journal).incidents, "1", phase, operator="alice")
    state = fold(journal)
    text = to_markdown(state.incidents.by_id["1"], state, rules, REPORT + timedelta(hours=2),
                       NEW_YORK)
    assert "| Time to mitigate | 1:20 | the fix phase ended |" in text
    assert "| Deploy | 2026-01-15 16:20 | — | open, 0:20 left |" in text


def test_durations_read_as_hours_and_minutes() -> None:
    assert span(timedelta(minutes=4, seconds=59)) == "0:04"
    assert span(timedelta(hours=49, minutes=5)) == "49:05"
    assert span(timedelta(minutes=-3)) == "-0:03"

"""Issue 14 audit: an incident's status update comes pre-filled with what the journal knows:
its ETA from the deadline of the phase it is in (in the release's zone, with the weekday when
that is not today) and what changed since its previous post, in plain words."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cockpit.clock import FrozenClock, clock_time
from cockpit.engine import incidents as cmd
from cockpit.journal import events as ev
from cockpit.journal.store import Journal
from cockpit.runbook.incidents import Incidents
from cockpit.runbook.model import Runbook
from cockpit.state.incident_update import NOTHING, changed, eta
from cockpit.state.launch import LaunchState

REPORT = datetime(2026, 1, 15, 22, 45, tzinfo=UTC)  # 10:45 on the 16th in UTC+12
PLUS_12 = ZoneInfo("Etc/GMT-12")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(REPORT)


@pytest.fixture
def journal(tmp_path: Path, clock: FrozenClock) -> Iterator[Journal]:
    j = Journal.controller(tmp_path / "journal.db", clock=clock)
    yield j
    j.close()


def fold(journal: Journal) -> LaunchState:
    state = LaunchState()
    state.apply(journal.events())
    return state


def post(journal: Journal, run: str) -> None:
    journal.record(ev.RunStarted(playbook="incident-update", incident="1"), run_id=run)
    journal.record(ev.Announcement(channel="release", digest=run, posted=True), run_id=run)
    journal.record(ev.RunFinished(status=ev.RunStatus.OK), run_id=run)


def test_the_eta_and_what_changed_come_from_the_journal(
        journal: Journal, runbook: Runbook, clock: FrozenClock) -> None:
    rules: Incidents = runbook.timeline.incidents

    def at(minutes: int) -> None:
        clock.set(REPORT + timedelta(minutes=minutes))

    cmd.declare(journal, rules, fold(journal).incidents, title="Crash", severity="P0",
                scenario="crash-on-start", reported_at=REPORT, operator="alice")
    at(4)
    post(journal, "u1")  # the alert
    at(10)
    cmd.move(journal, rules, fold(journal).incidents, "1", "investigate", operator="alice")
    cmd.note(journal, fold(journal).incidents, "1", "reproduced", operator="carol")
    at(26)
    cmd.move(journal, rules, fold(journal).incidents, "1", "fix", operator="alice")
    journal.record(ev.RunStarted(playbook="hotfix", incident="1"), run_id="h1")
    at(35)
    journal.record(ev.BuildStarted(targets=[{"target": "a", "builder": "l"}], run="h1"),
                   run_id="b-1")
    at(50)
    journal.record(ev.BuildFinished(status=ev.BuildStatus.OK, results={"a": "ok"}),
                   run_id="b-1")
    at(52)
    journal.record(ev.Intent(key="forge:publish:v2", what="publish v2 on acme/tool"),
                   run_id="h1")
    journal.record(ev.IntentSettled(key="forge:publish:v2", done=True), run_id="h1")
    at(55)
    journal.record(ev.RunFinished(status=ev.RunStatus.OK), run_id="h1")
    at(60)
    state = fold(journal)
    incident = state.incidents.by_id["1"]
    # crash on start: the fix within 2 hours of the report, read in the release's zone
    assert eta(incident, rules, clock.now(), PLUS_12) == "fix due by 12:45 (UTC+12)"
    assert changed(incident, state) == (
        "moved to investigate; note: reproduced; moved to fix; hotfix started; "
        "build b-1 started (1 target); build b-1 finished: ok (1 target); "
        "publish v2 on acme/tool: done; hotfix finished: ok")
    post(journal, "u2")
    state = fold(journal)
    assert changed(state.incidents.by_id["1"], state) == NOTHING  # its own post is no news
    at(121)
    assert eta(state.incidents.by_id["1"], rules, clock.now(), PLUS_12) == (
        "fix due by 12:45 (UTC+12) (overdue)")


def test_a_deadline_on_another_day_names_its_day() -> None:
    now = datetime(2026, 1, 15, 22, 48, tzinfo=UTC)  # Fri 10:48 in UTC+12
    assert clock_time(now + timedelta(minutes=57), now, PLUS_12) == "11:45"
    assert clock_time(now + timedelta(hours=23, minutes=57), now, PLUS_12) == "Sat 10:45"
    assert clock_time(now + timedelta(days=7), now, PLUS_12) == "Fri 23 Jan 10:48"  # a week on

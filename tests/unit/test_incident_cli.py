"""Issue 14: `cockpit incident` as a user meets it: the real command in a subprocess on the
demo workspace. Each subcommand; list's JSON shape; bad input exits 2 with the problem and its
fix and journals nothing (the journal's last id unchanged); a note on a resolved incident is
allowed and marked late; while a cockpit holds the journal a change is refused plainly and
list still reads it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from cockpit.config import Config
from cockpit.journal.store import Journal
from tests.unit.test_cli import cockpit


def incident(workspace: Path, *args: str) -> Any:
    return cockpit("incident", *args, "--config", str(workspace))


def listed(workspace: Path) -> list[dict[str, Any]]:
    out = incident(workspace, "list", "--format", "json")
    assert out.returncode == 0, out.stderr
    found: list[dict[str, Any]] = json.loads(out.stdout)
    return found


def last_id(config: Config) -> int:
    journal = Journal.readonly(config.journal_path)
    try:
        return journal.last_id()
    finally:
        journal.close()


def test_each_subcommand_on_the_demo(workspace: Path, config: Config, tmp_path: Path) -> None:
    reported = (datetime.now(UTC) - timedelta(hours=1)).replace(second=0, microsecond=0)
    out = incident(workspace, "open", "--severity", "P0", "--title", "Crash on start on Linux",
                   "--scenario", "crash-on-start", "--reporter", "@sam on Discord",
                   "--reported-at", reported.isoformat())
    assert (out.returncode, out.stdout) == (0, "1\n"), out.stderr  # just the id
    [one] = listed(workspace)
    assert {"id", "title", "severity", "phase", "opened_at", "resolved_at", "scenario",
            "reported_at", "next_update", "deadline", "clock"} <= one.keys()
    assert (one["id"], one["title"], one["severity"], one["scenario"], one["phase"]) == (
        "1", "Crash on start on Linux", "P0", "crash-on-start", "identify")
    assert datetime.fromisoformat(one["reported_at"]) == reported
    assert one["resolved_at"] is None and one["clock"] == "red"  # identify: 5 minutes
    assert datetime.fromisoformat(one["deadline"]) == reported + timedelta(minutes=5)
    opened = datetime.fromisoformat(one["opened_at"])
    assert datetime.fromisoformat(one["next_update"]) == opened + timedelta(minutes=30)

    assert incident(workspace, "phase", "1", "triage").stdout == (
        "incident 1: triage (was identify)\n")
    out = incident(workspace, "phase", "1", "investigate", "--backwards", "--note", "cache")
    assert out.stdout == "incident 1: investigate (was triage, moved back)\n", out.stderr
    assert incident(workspace, "role", "1", "commander", "Dana").returncode == 0
    assert incident(workspace, "note", "1", "reproduced on Debian").stdout == (
        "incident 1: noted\n")
    out = incident(workspace, "resolve", "1", "--decision", "hotfix", "--root-cause",
                   "a stale cache", "--impact", "Linux users")
    assert out.returncode == 0 and "resolved (hotfix); post-mortem due by" in out.stdout
    late = incident(workspace, "note", "1", "users confirm the fix")  # allowed, marked late
    assert late.stdout == "incident 1: noted (late: written after its resolution)\n"
    [one] = listed(workspace)
    assert one["phase"] == "resolved" and one["decision"] == "hotfix"
    assert one["resolved_at"] is not None and one["clock"] is None
    assert one["roles"]["commander"] == "Dana" and one["roles"]["scribe"] == "rm@test"

    table = incident(workspace, "list")
    assert table.returncode == 0 and "Crash on start on Linux" in table.stdout
    assert "resolved: hotfix" in table.stdout

    target = tmp_path / "incident-1.md"
    assert incident(workspace, "report", "1", "-o", str(target)).returncode == 0
    report = target.read_text()
    def unwritten(text: str) -> list[str]:  # but for the minute it was written at
        return [line for line in text.splitlines() if not line.startswith("- Written ")]

    assert unwritten(report) == unwritten(incident(workspace, "report", "#1").stdout)
    assert report.startswith("# Incident 1: Crash on start on Linux\n")
    for row in ("| +0:00 | @sam on Discord | reported |", "| rm@test | phase triage |",
                "| rm@test | phase investigate (backwards): cache |",
                "| rm@test | commander: Dana |", "| rm@test | note: reproduced on Debian |",
                "| rm@test | resolved: hotfix |", "| rm@test | late note: users confirm the fix |",
                "- Root cause: a stale cache", "- Impact: Linux users"):
        assert row in report


BAD = [
    (["open", "--severity", "P7", "--title", "x"], "unknown severity 'P7'"),
    (["open", "--severity", "P0", "--title", "x", "--scenario", "meteor"],
     "unknown scenario 'meteor'"),
    (["open", "--severity", "P0", "--title", "x", "--reported-at", "25:00"],
     "'25:00' is not a time of day"),
    (["open", "--severity", "P0", "--title", "x", "--reported-at", "yesterday"],
     "'yesterday' is not a time"),
    (["open", "--severity", "P0", "--title", "x", "--reported-at", "2026-01-15T14:00"],
     "without a time zone"),
    (["phase", "1", "nap"], "unknown phase 'nap'"),
    (["phase", "1", "identify"], "identify comes before triage"),
    (["phase", "2", "fix"], "incident 2 is resolved"),
    (["resolve", "1"], "a resolution needs a decision"),
    (["resolve", "1", "--decision", "prayer"], "'prayer' is not one"),
    (["note", "9", "x"], "no incident '9'"),
    (["role", "1", "pilot", "x"], "unknown role 'pilot'"),
]


def test_bad_input_exits_2_saying_what_and_the_fix_and_journals_nothing(
        workspace: Path, config: Config) -> None:
    for setup in (["open", "--severity", "P1", "--title", "Slow start"],
                  ["phase", "1", "triage"],
                  ["open", "--severity", "P2", "--title", "Typo"],
                  ["resolve", "2", "--decision", "hotfix"]):
        assert incident(workspace, *setup).returncode == 0
    before = last_id(config)
    wrong = []
    for args, says in BAD:
        out = incident(workspace, *args)
        if (out.returncode != 2 or says not in out.stderr or "fix:" not in out.stderr
                or "Traceback" in out.stderr or last_id(config) != before):
            wrong.append((args, out.returncode, out.stderr))
    assert wrong == []


def test_a_change_while_the_cockpit_holds_the_journal_is_refused_and_list_still_reads(
        workspace: Path, config: Config) -> None:
    assert incident(workspace, "open", "--severity", "P0", "--title", "Crash").returncode == 0
    cockpit_itself = Journal.controller(config.journal_path)
    try:
        before = cockpit_itself.last_id()
        out = incident(workspace, "note", "1", "from the shell")
        assert out.returncode == 2
        assert "another cockpit controls this release" in out.stderr
        assert "make the change there" in out.stderr
        assert cockpit_itself.last_id() == before
        assert [i["id"] for i in listed(workspace)] == ["1"]
        assert incident(workspace, "report", "1").stdout.startswith("# Incident 1: Crash")
    finally:
        cockpit_itself.close()


def test_reported_at_hh_mm_is_today_in_the_release_zone(workspace: Path,
                                                        config: Config) -> None:
    out = incident(workspace, "open", "--severity", "P0", "--title", "Crash",
                   "--reported-at", "00:00")  # midnight has always come today
    assert out.returncode == 0, out.stderr
    reported = datetime.fromisoformat(listed(workspace)[0]["reported_at"])
    assert reported.astimezone(config.release.tz).time() == time(0, 0)
    assert reported.utcoffset() == datetime.now(config.release.tz).utcoffset()


def test_help_names_the_incident_command_and_what_a_time_is() -> None:
    assert "incident" in cockpit("--help").stdout
    text = " ".join(cockpit("incident", "open", "--help").stdout.split())
    assert "HH:MM meaning today in the release's time zone" in text
    assert "ISO 8601 with its offset" in text

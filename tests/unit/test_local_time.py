"""Every time a person reads is in the release's zone (issue 11: a toast said UTC while the
detail pane said the release's zone): one helper, `cockpit.clock.local_time`."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cockpit.clock import local_time, zone_label
from cockpit.config import Config
from cockpit.journal.store import Journal
from cockpit.runbook.model import Runbook
from cockpit.state.gates import Blocked, ensure_not_blocked
from cockpit.state.launch import LaunchState
from tests.helpers import decide_gates

ROOT = Path(__file__).resolve().parents[2]


def test_local_time_is_in_the_given_zone_and_names_it_when_asked() -> None:
    at = datetime(2026, 1, 15, 1, 20, tzinfo=UTC)
    assert local_time(at, ZoneInfo("Etc/GMT-9")) == "Thu 15 Jan 10:20"
    assert local_time(at, ZoneInfo("Etc/GMT-9"), "%H:%M", zone=True) == "10:20 UTC+9"
    assert zone_label("Etc/GMT+5") == "UTC-5" and zone_label(UTC) == "UTC"


def test_the_blocked_by_gate_message_says_the_release_zone(
        config: Config, runbook: Runbook, journal: Journal) -> None:
    decide_gates(journal, runbook, before="t0-go-no-go")
    journal.append("gate_decision", item="t0-go-no-go", decision="NO-GO", rationale="P0 open",
                   operator="rm@test", failed_checks=1)
    state = LaunchState()
    state.apply(journal.events())
    assert config.release.timezone == "Etc/GMT-9"  # the demo's zone: 10:20 there is 01:20 UTC
    with pytest.raises(Blocked) as err:
        ensure_not_blocked(runbook, state, "tag-release", config.release.gates,
                           config.release.tz)
    message = err.value.problems[0].message
    assert "at 2026-01-15 10:20 UTC+9 (P0 open)" in message and "01:20" not in message


def test_no_time_is_formatted_outside_the_helper() -> None:
    """strftime or a datetime format spec anywhere else would show a time in another zone."""
    pattern = re.compile(r"strftime\(|\{[\w.]+:%[A-Za-z]")
    found = [f"{p.relative_to(ROOT)}:{n}" for d in ("cockpit", "screens", "widgets")
             for p in (ROOT / d).rglob("*.py") if "crate" not in p.parts
             and p != ROOT / "cockpit" / "clock.py"
             for n, line in enumerate(p.read_text().splitlines(), 1) if pattern.search(line)]
    assert found == []

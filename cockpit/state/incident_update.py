"""What an incident's status update says before anyone types: its ETA (the deadline of the
phase it is in, in the release's zone) and what changed since its previous update (the
incident's own timeline since then, in the same words as its report). Pre-filled, never final:
the dialog keeps both editable."""

from __future__ import annotations

from datetime import datetime, tzinfo

from cockpit.clock import clock_time, zone_label
from cockpit.runbook.incidents import Incidents
from cockpit.state.incident_report import timeline
from cockpit.state.incidents import Incident, current_clock
from cockpit.state.launch import LaunchState

NOTHING = "nothing journaled since the last update"


def eta(incident: Incident, rules: Incidents, now: datetime, tz: tzinfo) -> str:
    """"fix due by 12:45 (UTC+12)", from the clock of the phase it is in; "" without one."""
    clock = current_clock(incident, rules, now)
    if clock is None or clock.deadline is None:
        return ""
    said = (f"{clock.phase.id} due by {clock_time(clock.deadline, now, tz)} "
            f"({zone_label(tz)})")
    return said + (" (overdue)" if clock.deadline < now else "")


def changed(incident: Incident, state: LaunchState) -> str:
    """What happened to it since its previous post went out (or since it was declared): phase
    moves, runs started and finished, builds, forge changes, notes; its own posts left out."""
    since = max([incident.opened_at, *incident.updates])
    news = [row.news for row in timeline(incident, state) if row.at > since and row.news]
    return "; ".join(news) or NOTHING

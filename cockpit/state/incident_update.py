"""What an incident's status update says before anyone types: its ETA (the deadline of the
phase it is in, in the release's zone) and what changed since its previous update (the
incident's own timeline since then, in the same words as its report). Pre-filled, never final:
the dialog keeps both editable."""

from __future__ import annotations

import re
from datetime import datetime, tzinfo

from cockpit.clock import clock_time, zone_label
from cockpit.runbook.incidents import Incidents
from cockpit.state.incident_report import timeline
from cockpit.state.incidents import POSTS, Incident, current_clock
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
    posting = {r for r in incident.runs if r in state.runs and state.runs[r].playbook in POSTS}
    news = [_plain(what) for at, _, what in timeline(incident, state)
            if at > since and not what.startswith("update posted")
            and not any(what.startswith(f"run {r} ") for r in posting)]
    return "; ".join(news) or NOTHING


def _plain(what: str) -> str:
    """The report's words for readers of #release: "run r-1a started: hotfix" is "hotfix
    started", "phase fix" is "moved to fix"."""
    if found := re.fullmatch(r"run \S+ started: (\S+)", what):
        return f"{found[1]} started"
    if found := re.fullmatch(r"run \S+ finished: (\S+) (.+)", what):
        return f"{found[1]} finished: {found[2]}"
    return re.sub(r"^phase ", "moved to ", what)

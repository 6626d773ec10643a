"""An incident's phase clocks as a table (phase, deadline, clock, what to do now), styled by
state: amber near a deadline, red past it. Rendered from the fold; the incident screen shows it."""

from __future__ import annotations

from datetime import datetime, tzinfo

from rich.table import Table
from rich.text import Text

from cockpit.clock import clock_time, countdown, local_time
from cockpit.runbook.incidents import Incidents
from cockpit.state.incidents import (
    ROLES,
    Clock,
    ClockState,
    Incident,
    next_update,
    postmortem_due,
    update_state,
)

STYLE = {ClockState.RUNNING: "bold", ClockState.AMBER: "bold black on dark_orange",
         ClockState.RED: "bold white on red", ClockState.MET: "green",
         ClockState.MISSED: "bold red", ClockState.WAITING: "dim", ClockState.NONE: "dim",
         ClockState.SKIPPED: "yellow"}
UPDATE_STYLE = {state: STYLE[state] for state in (ClockState.AMBER, ClockState.RED)}
"""The next update's countdown stands out only near due and past it."""

def clocks_table(found: list[Clock], incident: Incident, now: datetime, tz: tzinfo) -> Table:
    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
    for column in ("phase", "deadline", "clock", ""):
        table.add_column(column, no_wrap=column != "")
    for clock in found:
        here = clock.phase.id == incident.phase
        if clock.state == ClockState.SKIPPED:
            left = "skipped" if incident.open else "not reached"
        elif clock.deadline is None:
            left = ("no deadline" if clock.state == ClockState.NONE else "starts when begun"
                    if incident.open else "not reached")
        elif clock.done is not None:
            off = clock.done - clock.deadline
            left = (f"met, {countdown(-off)} early" if off.total_seconds() <= 0
                    else f"missed by {countdown(off)}")
        else:
            left = (f"{countdown(clock.deadline - now)} left" if clock.deadline > now
                    else f"{countdown(now - clock.deadline)} OVER")
        table.add_row(Text(("▶ " if here else "  ") + clock.phase.title,
                           style="bold" if here else ""),
                      clock_time(clock.deadline, now, tz) if clock.deadline else "—",
                      Text(left, style=STYLE.get(clock.state, "")),
                      Text(clock.phase.hint if here else "", style="dim"))
    return table


def standing(incident: Incident, rules: Incidents, now: datetime, tz: tzinfo) -> Text:
    """Its roles, its next status update (amber near due, red past it: the phase clocks'
    rule), its resolution and when the post-mortem is due."""
    shown = Text("roles: " + ", ".join(f"{r} {incident.role(r)}" for r in ROLES))
    due, pm = next_update(incident, rules), postmortem_due(incident, rules)
    if due is not None:
        shown.append("\n")
        shown.append("status update OVERDUE by " + countdown(now - due) if due <= now
                     else f"next status update in {countdown(due - now)}",
                     style=UPDATE_STYLE.get(update_state(incident, rules, now), ""))
        shown.append(f" (every {rules.update_every} min; {len(incident.updates)} posted)")
    elif incident.open:  # a severity the runbook's cadence does not pace
        shown.append(f"\nno update cadence for a {incident.severity} (the runbook's "
                     f"{rules.update_every} minutes are for {', '.join(rules.paced) or 'none'}); "
                     f"{len(incident.updates)} posted")
    if incident.resolution is not None:
        r = incident.resolution
        shown.append(f"\nresolved {local_time(r.at, tz)} by {r.operator}: {r.decision}"
                     + (f"; root cause: {r.root_cause}" if r.root_cause else ""))
    if pm is not None:
        shown.append(f"\npost-mortem due {local_time(pm, tz)} (in {countdown(pm - now)})")
    return shown

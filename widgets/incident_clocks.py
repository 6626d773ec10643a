"""An incident's phase clocks as a table (phase, deadline, clock, what to do now), styled by
state: amber near a deadline, red past it. Rendered from the fold; the incident screen shows it."""

from __future__ import annotations

from datetime import datetime, tzinfo

from rich.table import Table
from rich.text import Text

from cockpit.clock import clock_time, countdown
from cockpit.state.incidents import Clock, ClockState, Incident

STYLE = {ClockState.RUNNING: "bold", ClockState.AMBER: "bold black on dark_orange",
         ClockState.RED: "bold white on red", ClockState.MET: "green",
         ClockState.MISSED: "bold red", ClockState.WAITING: "dim", ClockState.NONE: "dim",
         ClockState.SKIPPED: "yellow"}

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

"""`cockpit incident open|list|phase|note|role|resolve|report`: incident command from the
command line, on the same rules (`[incidents]` in runbook.toml) and the same commands
(`engine/incidents.py`) as the cockpit's keys.

A change takes the controller's lock like any change; while a cockpit holds it, the change is
made there, and this says so. It is first rehearsed on a scratch journal against the journal
read as it is: bad input is refused (exit 2) before the lock is taken, so nothing at all is
journaled, not even a session. `list` and `report` read the journal read-only: they work
while the cockpit runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from cockpit.cli.loading import load_all
from cockpit.cli.record import write_out
from cockpit.clock import SystemClock, local_time, zone_label
from cockpit.engine import incidents as cmd
from cockpit.errors import CockpitError, Problem
from cockpit.journal import events as ev
from cockpit.journal.store import Journal, JournalLocked, operator_id
from cockpit.state.incident_effects import KINDS as EFFECT_KINDS
from cockpit.state.incidents import ROLES, Incident, current_clock, next_update
from cockpit.state.launch import LaunchState

if TYPE_CHECKING:
    from cockpit.config import Config
    from cockpit.runbook.incidents import Incidents

KINDS = [ev.Kind.INCIDENT_OPENED, ev.Kind.INCIDENT_PHASE, ev.Kind.INCIDENT_ROLE,
         ev.Kind.INCIDENT_NOTE, ev.Kind.INCIDENT_RESOLVED, ev.Kind.RUN_STARTED,
         ev.Kind.RUN_RESUMED, ev.Kind.RUN_FINISHED, ev.Kind.ANNOUNCEMENT,
         ev.Kind.SESSION_STARTED, ev.Kind.COCKPIT_CRASHED, *EFFECT_KINDS]
"""What the incidents and their report need of the journal: their own events, the runs started
from them and how those ended (a new session or a crash cuts a run), the posts, their builds
and changes beyond this machine."""

Act = Callable[[Journal, LaunchState], str]
"""A change: given a journal and the state folded from it, journal it (or raise a
`CockpitError`) and say what was done."""


def fold(journal: Journal) -> LaunchState:
    state = LaunchState()
    state.apply(journal.events(kinds=KINDS))
    return state


def command(args: argparse.Namespace) -> int:
    config, runbook = load_all(args)
    rules = runbook.timeline.incidents
    if args.incident_command == "list":
        return _list(config, rules, _read(config), args.format)
    if args.incident_command == "report":
        from cockpit.state.incident_report import to_markdown

        state = _read(config)
        incident = cmd.find(state.incidents, args.id)
        return write_out(to_markdown(incident, state, rules, SystemClock().now(),
                                     config.release.tz), args.output)
    act = _act(args, config, rules)
    said = change(config, act)
    if said:
        print(said)
    return 0


def _read(config: Config) -> LaunchState:
    """The journal as it is, read-only (no journal yet: no incidents)."""
    if not config.journal_path.exists():
        return LaunchState()
    journal = Journal.readonly(config.journal_path)
    try:
        return fold(journal)
    finally:
        journal.close()


def change(config: Config, act: Act) -> str:
    """Rehearse `act` on a scratch journal (bad input raises here, nothing journaled), then
    take the controller's lock and do it on the journal, against a fresh fold of it."""
    scratch = Journal.scratch()
    try:
        act(scratch, _read(config))
    finally:
        scratch.close()
    try:
        journal = Journal.controller(config.journal_path)
    except JournalLocked as exc:
        raise CockpitError([Problem(
            exc.problems[0].message + ": incidents change in that cockpit while it runs",
            file=config.journal_path,
            fix="make the change there (its incident screen), or stop that cockpit first; "
                "`cockpit incident list` and `report` read it meanwhile")]) from None
    try:
        return act(journal, fold(journal))
    finally:
        journal.close()


def _act(args: argparse.Namespace, config: Config, rules: Incidents) -> Act:
    who = operator_id()
    tz = config.release.tz
    match args.incident_command:
        case "open":
            reported = cmd.reported_time(args.reported_at, SystemClock().now(),
                                         config.release.tz, field="--reported-at")
            return lambda j, s: cmd.declare(
                j, rules, s.incidents, title=args.title, severity=args.severity,
                scenario=args.scenario, reporter=args.reporter, reported_at=reported,
                operator=who)
        case "phase":
            def move(j: Journal, s: LaunchState) -> str:
                was = cmd.find(s.incidents, args.id)
                cmd.move(j, rules, s.incidents, args.id, args.phase, operator=who,
                         backwards=args.backwards, note=args.note)
                return (f"incident {was.id}: {args.phase} (was {was.phase}"
                        + (", moved back" if args.backwards else "") + ")")
            return move
        case "note":
            def write(j: Journal, s: LaunchState) -> str:
                late = cmd.note(j, s.incidents, args.id, args.text, operator=who)
                found = cmd.find(s.incidents, args.id)
                return f"incident {found.id}: noted" + (
                    " (late: written after its resolution)" if late else "")
            return write
        case "role":
            def assign(j: Journal, s: LaunchState) -> str:
                cmd.assign(j, s.incidents, args.id, args.role, args.name, operator=who)
                return f"incident {cmd.find(s.incidents, args.id).id}: {args.role} " \
                       f"{args.name.strip()}"
            return assign
        case _:  # resolve
            def resolve(j: Journal, s: LaunchState) -> str:
                cmd.resolve(j, rules, s.incidents, args.id, decision=args.decision,
                            operator=who, root_cause=args.root_cause, fix=args.fix,
                            impact=args.impact, prevention=args.prevention)
                due = j.clock.now() + timedelta(minutes=rules.postmortem_within)
                return (f"incident {cmd.find(s.incidents, args.id).id}: resolved "
                        f"({args.decision}); post-mortem due by "
                        f"{local_time(due, tz, zone=True)}")
            return resolve


def as_json(incident: Incident, rules: Incidents, now: datetime) -> dict[str, Any]:
    """One incident as `cockpit incident list --format json` gives it."""
    clock = current_clock(incident, rules, now) if incident.open else None
    due = next_update(incident, rules)
    resolution = incident.resolution
    return {"id": incident.id, "title": incident.title, "severity": incident.severity,
            "scenario": incident.scenario or None, "reporter": incident.reporter or None,
            "phase": incident.phase, "reported_at": incident.reported_at.isoformat(),
            "opened_at": incident.opened_at.isoformat(),
            "resolved_at": resolution.at.isoformat() if resolution else None,
            "decision": resolution.decision if resolution else None,
            "deadline": clock.deadline.isoformat() if clock and clock.deadline else None,
            "clock": clock.state.value if clock else None,
            "next_update": due.isoformat() if due else None,
            "roles": {role: incident.role(role) for role in ROLES}}


def _list(config: Config, rules: Incidents, state: LaunchState, form: str) -> int:
    now = SystemClock().now()
    incidents = list(state.incidents.by_id.values())
    if form == "json":
        print(json.dumps([as_json(i, rules, now) for i in incidents], indent=2))
        return 0
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    tz = config.release.tz
    table = Table(title=f"incidents (times in {zone_label(tz)})", title_justify="left")
    for column in ("id", "severity", "title", "scenario", "phase", "clock", "next update",
                   "reported"):
        table.add_column(column, overflow="fold")
    for i in incidents:
        table.add_row(Text(i.id), Text(i.severity, style="bold red" if i.severity == "P0"
                                       else ""), Text(i.title), Text(i.scenario or "other"),
                      Text(i.phase), _clock_cell(i, rules, now),
                      _update_cell(i, rules, now, tz), Text(local_time(i.reported_at, tz)))
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
    console.print(table if incidents else Text("no incidents"))
    return 0


def _clock_cell(incident: Incident, rules: Incidents, now: datetime) -> Any:
    from rich.text import Text

    from cockpit.state.incident_report import span

    clock = current_clock(incident, rules, now) if incident.open else None
    if clock is None or clock.deadline is None:
        return Text("—" if incident.open else f"resolved: {incident.resolution.decision}"
                    if incident.resolution else "")
    left = clock.deadline - now
    said = f"{span(-left)} over" if left < timedelta(0) else f"{span(left)} left"
    return Text(f"{clock.state.value}, {said}", style={
        "red": "bold red", "amber": "yellow"}.get(clock.state.value, ""))


def _update_cell(incident: Incident, rules: Incidents, now: datetime, tz: Any) -> Any:
    from rich.text import Text

    due = next_update(incident, rules)
    if due is None:
        return Text("—")
    overdue = due < now
    return Text(local_time(due, tz, "%H:%M") + (" OVERDUE" if overdue else ""),
                style="bold red" if overdue else "")

"""What an operator does to an incident: declare it, move its phase, name its roles, write a
note, resolve it. One function each, for the cockpit's keys and `cockpit incident` alike:
each checks what it is given against the runbook's rules and the incidents so far, and either
journals one event or raises a `CockpitError` naming what is wrong and journals nothing.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, tzinfo

from cockpit.clock import local_time, zone_label
from cockpit.errors import CockpitError, Problem
from cockpit.journal import events as ev
from cockpit.journal.store import Journal
from cockpit.runbook.incidents import Incidents
from cockpit.state.incidents import POSTMORTEM, ROLES, Incident, IncidentFold


def _refuse(message: str, field: str, fix: str) -> CockpitError:
    return CockpitError([Problem(message, field=field, fix=fix)])


def find(incidents: IncidentFold, incident: str) -> Incident:
    found = incidents.by_id.get(incident.removeprefix("#"))
    if found is None:
        known = ", ".join(incidents.by_id) or "none yet"
        raise _refuse(f"no incident {incident!r}", "ID", f"incidents: {known} (cockpit "
                      "incident list)")
    return found


def reported_time(text: str | None, now: datetime, tz: tzinfo, *, field: str = "reported_at",
                  yesterday: bool = False) -> datetime | None:
    """When it was reported: ISO 8601 with its offset (checked by `declare`), or HH:MM today
    in the release's zone; an HH:MM still to come is refused, or (`yesterday`: the cockpit's
    dialog, typed just after midnight) yesterday's."""
    if not text or not text.strip():
        return None
    clock = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip())
    if clock is None:
        try:
            return datetime.fromisoformat(text.strip())
        except ValueError:
            raise _refuse(f"{text!r} is not a time", field, "ISO 8601 with its offset (e.g. "
                          f"2026-01-15T14:00:00-05:00), or HH:MM today in {zone_label(tz)}"
                          ) from None
    hour, minute = int(clock[1]), int(clock[2])
    if hour > 23 or minute > 59:
        raise _refuse(f"{text!r} is not a time of day", field, "HH:MM, from 00:00 to 23:59")
    local = now.astimezone(tz)
    at = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if at > local and yesterday:
        return at - timedelta(days=1)
    if at > local:
        raise _refuse(f"{text} today in {zone_label(tz)} is still to come ({local_time(now, tz)}"
                      " now)", field, "for a report before midnight give the date and offset, "
                      f"e.g. {(at - timedelta(days=1)).isoformat(timespec='minutes')}")
    return at


def declare(journal: Journal, rules: Incidents, incidents: IncidentFold, *, title: str,
            severity: str, scenario: str = "", reporter: str = "",
            reported_at: datetime | None = None, operator: str, dry: bool = False) -> str:
    """Open an incident; returns its id. Its clocks start at `reported_at` (default: now).
    `dry`: only check what was given."""
    title = " ".join(title.split())
    if not title:
        raise _refuse("an incident needs a title", "--title", "say what is broken, in a line")
    if rules.severity(severity) is None:
        raise _refuse(f"unknown severity {severity!r}", "--severity",
                      "one of: " + ", ".join(s.name for s in rules.severities))
    if scenario and rules.scenario(scenario) is None:
        raise _refuse(f"unknown scenario {scenario!r}", "--scenario", "one of: " + ", ".join(
            s.id for s in rules.scenarios) + " (or leave it out: other)")
    now = journal.clock.now()
    if reported_at is not None and (reported_at.tzinfo is None or reported_at > now):
        raise _refuse(f"reported at {reported_at.isoformat()}: " + (
            "in the future" if reported_at.tzinfo else "without a time zone"), "--reported-at",
            "give when it was reported, with its offset (e.g. 2026-01-15T14:00:00-05:00)")
    incident = incidents.next_id()
    if dry:
        return incident
    journal.record(ev.IncidentOpened(
        incident=incident, title=title, severity=severity, scenario=scenario,
        reporter=reporter, reported_at=(reported_at or now).isoformat(),
        phase=rules.phases[0].id if rules.phases else "", operator=operator))
    return incident


def move(journal: Journal, rules: Incidents, incidents: IncidentFold, incident: str,
         phase: str, *, operator: str, backwards: bool = False, note: str = "") -> None:
    """Move it to `phase`; going back to an earlier one only when `backwards` says so."""
    found = find(incidents, incident)
    if not found.open and phase != POSTMORTEM:
        raise _refuse(f"incident {found.id} is resolved", "PHASE",
                      f"only {POSTMORTEM!r} (the post-mortem held) moves a resolved incident")
    if phase == POSTMORTEM:
        if found.open:
            raise _refuse(f"incident {found.id} is not resolved yet", "PHASE",
                          "resolve it first (its decision), then hold the post-mortem")
        if found.phase == POSTMORTEM:
            raise _refuse(f"incident {found.id}'s post-mortem is held already", "PHASE",
                          "a note adds what it found (cockpit incident note)")
    elif rules.phase(phase) is None:
        raise _refuse(f"unknown phase {phase!r}", "PHASE", "one of: " + ", ".join(
            p.id for p in rules.phases) + f", {POSTMORTEM}")
    elif phase == found.phase:
        raise _refuse(f"incident {found.id} is in {phase} already", "PHASE",
                      "name the phase it moves to")
    elif rules.phase_index(phase) < rules.phase_index(found.phase) and not backwards:
        raise _refuse(f"{phase} comes before {found.phase}", "PHASE",
                      "going back is allowed only explicitly (--backwards), and journaled")
    journal.record(ev.IncidentPhase(incident=found.id, phase=phase, operator=operator,
                                    backwards=backwards, note=note))


def next_phase(rules: Incidents, incident: Incident) -> str | None:
    """The phase after the one it is in (None at the last: it is resolved next)."""
    index = rules.phase_index(incident.phase)
    return rules.phases[index + 1].id if 0 <= index < len(rules.phases) - 1 else None


def assign(journal: Journal, incidents: IncidentFold, incident: str, role: str, name: str, *,
           operator: str) -> None:
    found = find(incidents, incident)
    if role not in ROLES:
        raise _refuse(f"unknown role {role!r}", "ROLE", "one of: " + ", ".join(ROLES))
    if not name.strip():
        raise _refuse("a role needs a name", "NAME", "who takes it")
    journal.record(ev.IncidentRole(incident=found.id, role=role, name=name.strip(),
                                   operator=operator))


def note(journal: Journal, incidents: IncidentFold, incident: str, text: str, *,
         operator: str) -> bool:
    """Journal a note; True when it was written after the resolution (marked late)."""
    found = find(incidents, incident)
    if not text.strip():
        raise _refuse("an empty note", "TEXT", "write what happened")
    journal.record(ev.IncidentNote(incident=found.id, text=text.strip(), operator=operator,
                                   late=not found.open))
    return not found.open


def resolve(journal: Journal, rules: Incidents, incidents: IncidentFold, incident: str, *,
            decision: str, operator: str, root_cause: str = "", fix: str = "",
            impact: str = "", prevention: str = "", dry: bool = False) -> None:
    found = find(incidents, incident)
    if not found.open:
        raise _refuse(f"incident {found.id} is resolved already", "ID",
                      "a note adds what was learned since (cockpit incident note)")
    if decision not in rules.decisions:
        raise _refuse(f"a resolution needs a decision: {decision!r} is not one" if decision
                      else "a resolution needs a decision", "--decision",
                      "one of: " + ", ".join(rules.decisions))
    if dry:
        return
    journal.record(ev.IncidentResolved(incident=found.id, decision=decision,
                                       root_cause=root_cause, fix=fix, impact=impact,
                                       prevention=prevention, operator=operator))

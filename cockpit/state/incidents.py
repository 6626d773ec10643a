"""Incidents, folded from the journal, and their clocks against the runbook's rules.

An incident is a journal entity, not a run: declared (`incident_opened`), moved from phase to
phase, given roles and notes, linked to the runs started from it, resolved. `clocks` says for
each phase of the runbook's P0 procedure when its deadline is and how it stands (running,
amber near it, red past it; met or missed once done); `next_update` when the next status
update is due. All pure functions of the events, the rules and the clock: the controller,
spectators, `cockpit incident` and the report agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from cockpit.clock import countdown, short_countdown
from cockpit.journal import events as ev
from cockpit.journal.row import Event
from cockpit.runbook.incidents import Incidents, Phase
from cockpit.state.incident_effects import EffectFold

DECLARE_KEY = "I"
"""The key that declares an incident on every mode (the app binds it; the alert banner
offers it)."""
ROLES = ("commander", "communications", "scribe")
RESOLVED = "resolved"
POSTS = frozenset({"incident-alert", "incident-update", "incident-resolved"})
"""The playbooks that post an incident's own news (its status updates keep its cadence); a
hotfix's announcement to users is not one of them."""
POSTMORTEM = "postmortem"
"""The phase an incident moves to once its post-mortem was held."""


class ClockState(StrEnum):
    WAITING = "waiting"
    """Its clock starts when the phase begins, which it has not."""
    RUNNING = "running"
    AMBER = "amber"
    RED = "red"
    MET = "met"
    MISSED = "missed"
    NONE = "none"
    """No deadline (a P3's fix)."""
    SKIPPED = "skipped"
    """Moved past (or resolved) without ever being in it: no deadline met by work not done."""


@dataclass(frozen=True)
class Mark:
    """A phase entered."""

    phase: str
    at: datetime
    operator: str
    backwards: bool = False
    note: str = ""


@dataclass(frozen=True)
class Note:
    at: datetime
    text: str
    operator: str
    late: bool = False


@dataclass(frozen=True)
class Resolution:
    at: datetime
    decision: str
    root_cause: str
    fix: str
    impact: str
    prevention: str
    operator: str


@dataclass
class Incident:
    id: str
    title: str
    severity: str
    scenario: str
    reporter: str
    reported_at: datetime
    opened_at: datetime
    operator: str
    marks: list[Mark] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)
    role_changes: list[tuple[datetime, str, str, str]] = field(default_factory=list)
    """(when, role, name, by whom)"""
    notes: list[Note] = field(default_factory=list)
    resolution: Resolution | None = None
    runs: list[str] = field(default_factory=list)
    """The runs started from it (hotfix, rollback, its updates), in order."""
    updates: list[datetime] = field(default_factory=list)
    """When each of its posts went out (the announcements of its `POSTS` runs)."""

    @property
    def phase(self) -> str:
        """The phase it is in (the last one entered; "resolved" once resolved, until a
        post-mortem mark)."""
        if self.resolution is not None and (not self.marks or self.marks[-1].phase
                                            != POSTMORTEM):
            return RESOLVED
        return self.marks[-1].phase if self.marks else ""

    @property
    def open(self) -> bool:
        return self.resolution is None

    def entered(self, phase: str) -> datetime | None:
        """When `phase` was last entered."""
        return next((m.at for m in reversed(self.marks) if m.phase == phase), None)

    def left(self, phase: str, rules: Incidents) -> datetime | None:
        """When it moved past `phase` for good: the first later phase entered (or the
        resolution) since it was last at `phase` or before (it may have gone back)."""
        index = rules.phase_index(phase)
        at_or_before = [m.at for m in self.marks if 0 <= rules.phase_index(m.phase) <= index]
        since = max(at_or_before) if at_or_before else None
        later = [m.at for m in self.marks if rules.phase_index(m.phase) > index
                 and (since is None or m.at >= since)]
        if self.resolution is not None and (since is None or self.resolution.at >= since):
            later.append(self.resolution.at)
        return min(later) if later else None

    def role(self, role: str) -> str:
        return self.roles.get(role, self.operator)


@dataclass(frozen=True)
class Clock:
    phase: Phase
    state: ClockState
    deadline: datetime | None
    started: datetime | None
    done: datetime | None

    def left(self, now: datetime) -> timedelta | None:
        return self.deadline - now if self.deadline is not None else None


def clocks(incident: Incident, rules: Incidents, now: datetime) -> list[Clock]:
    """Each phase's clock, in the runbook's order."""
    found = []
    for phase in rules.phases:
        window = (rules.fix_within(incident.severity, incident.scenario or None) if phase.fix
                  else phase.within if rules.paces(incident.severity) else None)
        started = incident.reported_at if phase.start == "report" else incident.entered(phase.id)
        done = incident.left(phase.id, rules)
        if done is not None and incident.entered(phase.id) is None:
            found.append(Clock(phase, ClockState.SKIPPED, None, None, done))
            continue
        if window is None:
            found.append(Clock(phase, ClockState.NONE, None, started, done))
            continue
        if started is None:
            found.append(Clock(phase, ClockState.MET if done else ClockState.WAITING, None,
                               None, done))
            continue
        deadline = started + timedelta(minutes=window)
        if done is not None:
            state = ClockState.MET if done <= deadline else ClockState.MISSED
        elif now > deadline:
            state = ClockState.RED
        elif deadline - now <= timedelta(minutes=window) * rules.amber:
            state = ClockState.AMBER
        else:
            state = ClockState.RUNNING
        found.append(Clock(phase, state, deadline, started, done))
    return found


def current_clock(incident: Incident, rules: Incidents, now: datetime) -> Clock | None:
    """The clock of the phase it is in (for the header's badge)."""
    return next((c for c in clocks(incident, rules, now) if c.phase.id == incident.phase), None)


def badge(incident: Incident, rules: Incidents, now: datetime) -> tuple[str, str, ClockState]:
    """The header's word on an open incident, full and compact, with the state of the worse of
    its phase's clock and its update's: its phase and clock, then its update when near or
    past due ("🔥 #1 P0 triage 12m 03s left" / "… triage 12m", "… · update in 4m 10s" /
    "… · update 4m", "🔥 #1 P0 fix 3m 10s OVER · update due" / "… fix 3m! · update due")."""
    clock = current_clock(incident, rules, now)
    phase = clock.phase.title.lower() if clock is not None else incident.phase
    full = short = f"🔥 #{incident.id} {incident.severity} {phase}"
    state = clock.state if clock is not None else ClockState.NONE
    if clock is not None and clock.deadline is not None:
        left = clock.deadline - now
        over = left.total_seconds() < 0
        full += f" {countdown(-left)} OVER" if over else f" {countdown(left)} left"
        short += f" {short_countdown(abs(left))}" + ("!" if over else "")
    due = next_update(incident, rules)
    update = update_state(incident, rules, now)
    if due is not None and update == ClockState.RED:
        full, short, state = full + " · update due", short + " · update due", ClockState.RED
    elif due is not None and update == ClockState.AMBER:
        full += f" · update in {countdown(due - now)}"
        short += f" · update {short_countdown(due - now)}"
        state = state if state == ClockState.RED else ClockState.AMBER
    return full, short, state


def update_state(incident: Incident, rules: Incidents, now: datetime) -> ClockState:
    """How its next status update stands, by the phase clocks' rule: amber when less than the
    runbook's `amber` share of the cadence is left, red once due; NONE once resolved."""
    due = next_update(incident, rules)
    if due is None:
        return ClockState.NONE
    if due <= now:
        return ClockState.RED
    if due - now <= timedelta(minutes=rules.update_every) * rules.amber:
        return ClockState.AMBER
    return ClockState.RUNNING


def next_update(incident: Incident, rules: Incidents) -> datetime | None:
    """When its next status update is due: `update_every` minutes after the last one went out
    (or after it was declared); None once resolved, or for a severity not `paced`."""
    if not incident.open or not rules.paces(incident.severity):
        return None
    last = max([incident.opened_at, *incident.updates])
    return last + timedelta(minutes=rules.update_every)


def postmortem_due(incident: Incident, rules: Incidents) -> datetime | None:
    if incident.resolution is None or incident.phase == POSTMORTEM:
        return None
    return incident.resolution.at + timedelta(minutes=rules.postmortem_within)


class IncidentFold:
    """The incidents, by id, in the order declared; folded by `LaunchState`."""

    def __init__(self) -> None:
        self.by_id: dict[str, Incident] = {}
        self.run_incident: dict[str, str] = {}
        self._posted: set[str] = set()
        self._posting: set[str] = set()  # runs of POSTS: a hotfix's own post is no update
        self.effects = EffectFold()
        """The builds and changes of the runs started from an incident."""

    def open(self) -> list[Incident]:
        return [i for i in self.by_id.values() if i.open]

    def next_id(self) -> str:
        return str(len(self.by_id) + 1)

    def apply(self, e: Event) -> None:
        payload = e.payload
        match payload:
            case ev.IncidentOpened():
                reported = _when(payload.reported_at) or e.ts
                opened = Incident(payload.incident, payload.title, payload.severity,
                                  payload.scenario, payload.reporter, reported, e.ts,
                                  payload.operator)
                if payload.phase:  # the phase it starts in
                    opened.marks.append(Mark(payload.phase, e.ts, payload.operator))
                self.by_id[payload.incident] = opened
            case ev.RunStarted() if payload.incident and e.run_id:
                if payload.incident in self.by_id:
                    self.run_incident[e.run_id] = payload.incident
                    self.by_id[payload.incident].runs.append(e.run_id)
                    if payload.playbook in POSTS:
                        self._posting.add(e.run_id)
            case ev.Announcement(posted=True) if (
                    e.run_id in self._posting and payload.digest not in self._posted):
                if payload.digest:  # found again on a resume: the same post, not another
                    self._posted.add(payload.digest)
                self.by_id[self.run_incident[e.run_id or ""]].updates.append(e.ts)
            case ev.Intent() | ev.IntentSettled() | ev.BuildStarted() | ev.BuildFinished():
                self.effects.apply(e, self.run_incident)
        found = self.by_id.get(getattr(payload, "incident", None) or "")
        if found is None:
            return
        incident = found
        match payload:
            case ev.IncidentPhase():
                incident.marks.append(Mark(payload.phase, e.ts, payload.operator,
                                           payload.backwards, payload.note))
            case ev.IncidentRole():
                incident.roles[payload.role] = payload.name
                incident.role_changes.append((e.ts, payload.role, payload.name,
                                              payload.operator))
            case ev.IncidentNote():
                incident.notes.append(Note(e.ts, payload.text, payload.operator, payload.late))
            case ev.IncidentResolved():
                incident.resolution = Resolution(e.ts, payload.decision, payload.root_cause,
                                                 payload.fix, payload.impact, payload.prevention,
                                                 payload.operator)


def _when(text: str) -> datetime | None:
    try:
        found = datetime.fromisoformat(text) if text else None
    except ValueError:
        return None
    return found if found is None or found.tzinfo is not None else None

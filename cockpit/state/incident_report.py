"""The post-incident report: Markdown written from the journal's fold alone, so nothing in it is
typed twice. `cockpit incident report` and the incident screen's key both call `to_markdown`.

Times read in the release's zone (absolute) and since the report ("+0:04"). Time to mitigate
is from the report to the first run of a fix playbook (one the runbook's scenarios name:
hotfix, rollback) started from the incident that finished ok: the fix reached users; without
one, to the end of the fix phase (the incident moved past it, or was resolved). The report
says which it used.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from cockpit.clock import local_time
from cockpit.journal.events import RunStatus
from cockpit.runbook.incidents import Incidents
from cockpit.state.incidents import (
    POSTMORTEM,
    POSTS,
    ROLES,
    Clock,
    ClockState,
    Incident,
    clocks,
    postmortem_due,
)
from cockpit.state.launch import LaunchState, Posted, RunState

WHEN = "%Y-%m-%d %H:%M"
"""How a moment reads in the report (the zone is named once, at the top)."""


def span(delta: timedelta) -> str:
    """A duration as hours and minutes ("1:05"), whole minutes, signed when negative."""
    minutes = int(abs(delta).total_seconds()) // 60
    return f"{'-' if delta < timedelta(0) else ''}{minutes // 60}:{minutes % 60:02d}"


def since(at: datetime, origin: datetime) -> str:
    """How long after `origin` (the report) `at` came: "+0:04"."""
    return ("" if at < origin else "+") + span(at - origin)


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def incident_runs(incident: Incident, state: LaunchState) -> list[RunState]:
    """The runs started from it, in the order they started (dry runs left out)."""
    runs = [state.runs[r] for r in incident.runs if r in state.runs]
    return [r for r in runs if not r.dry_run]


def incident_posts(incident: Incident, state: LaunchState, *, updates: bool = True
                   ) -> list[Posted]:
    """The updates its runs posted (`updates`: its own posts' runs; else every other
    announcement of its runs, a hotfix's to its users), each post once."""
    posting = {r for r in incident.runs if r in state.runs and state.runs[r].playbook in POSTS}
    return [p for p in state.posts if p.run_id in incident.runs
            and (p.run_id in posting) == updates]


class Row(tuple[datetime, str, str]):
    """One thing that happened to an incident: (when, who, what: the report's words), and
    `news`, how its next status update says it ("": an update does not repeat it)."""

    news: str

    def __new__(cls, at: datetime, who: str, what: str, news: str = "") -> Row:
        row = super().__new__(cls, (at, who, what))
        row.news = news
        return row

    @property
    def at(self) -> datetime:
        return self[0]


def timeline(incident: Incident, state: LaunchState) -> list[Row]:
    """Everything that happened to it, in order."""
    rows = [Row(incident.reported_at, incident.reporter or "—", "reported"),
            Row(incident.opened_at, incident.operator,
                f"declared {incident.severity}" + (f", phase {incident.marks[0].phase}"
                                                   if incident.marks else ""))]
    for mark in incident.marks[1:]:
        what = f"phase {mark.phase}" + (" (backwards)" if mark.backwards else "")
        if mark.phase == POSTMORTEM:
            what = "post-mortem held"
        what += f": {mark.note}" if mark.note else ""
        rows.append(Row(mark.at, mark.operator, what, what.replace("phase ", "moved to ", 1)))
    for at, role, name, by in incident.role_changes:
        rows.append(Row(at, by, f"{role}: {name}", f"{role}: {name}"))
    for note in incident.notes:
        what = ("late note: " if note.late else "note: ") + note.text
        rows.append(Row(note.at, note.operator, what, what))
    for run in incident_runs(incident, state):
        said = run.playbook not in POSTS  # its own posts' runs: its updates, not news in one
        rows.append(Row(run.started, run.operator, f"run {run.run_id} started: {run.playbook}",
                        f"{run.playbook} started" if said else ""))
        if run.finished is not None:
            rows.append(Row(run.finished, run.operator,
                            f"run {run.run_id} finished: {run.playbook} {run.status}",
                            f"{run.playbook} finished: {run.status}" if said else ""))
    rows += _effects(incident, state)
    for update in (True, False):
        for post in incident_posts(incident, state, updates=update):
            what = (("update posted" if update else "announced") + f": #{post.channel} "
                    f"({post.template}, {'by hand' if post.by_hand else 'webhook'})")
            rows.append(Row(post.at, post.operator, what, "" if update else what))
    if incident.resolution is not None:
        what = f"resolved: {incident.resolution.decision}"
        rows.append(Row(incident.resolution.at, incident.resolution.operator, what, what))
    return sorted(rows, key=lambda row: row.at)


def _effects(incident: Incident, state: LaunchState) -> list[Row]:
    """Its runs' builds and changes beyond this machine, by the run's operator."""
    runs = {r.run_id: r.operator for r in incident_runs(incident, state)}
    builds, changes = state.incidents.effects.of(runs)
    rows = [Row(c.at, runs[c.run_id], c.said(), c.said()) for c in changes]
    for build in builds:
        rows.append(Row(build.started, runs[build.run_id], build.said_start(),
                        build.said_start()))
        if build.finished is not None:
            rows.append(Row(build.finished, runs[build.run_id], build.said_end(),
                            build.said_end()))
    return rows


def _mitigated(incident: Incident, state: LaunchState, rules: Incidents
               ) -> tuple[datetime, str] | None:
    """When it was mitigated, and what says so."""
    fixes = {s.playbook for s in rules.scenarios if s.playbook}
    shipped = [r for r in incident_runs(incident, state) if r.playbook in fixes
               and r.status == RunStatus.OK and r.finished is not None]
    if shipped:
        first = min(shipped, key=lambda r: r.finished or r.started)
        assert first.finished is not None
        return first.finished, f"run {first.run_id} ({first.playbook}) finished ok"
    fix = next((p for p in rules.phases if p.fix), None)
    left = incident.left(fix.id, rules) if fix is not None else None
    if fix is not None and left is not None:
        return left, f"the {fix.id} phase ended"
    return None


def _measures(incident: Incident, state: LaunchState, rules: Incidents,
              now: datetime) -> list[str]:
    report = incident.reported_at
    mitigated = _mitigated(incident, state, rules)
    resolved = incident.resolution.at if incident.resolution is not None else None
    return ["## Times", "", "| Measure | From the report | To |", "|---|---:|---|",
            f"| Time to acknowledge | {span(incident.opened_at - report)} | declared |",
            f"| Time to mitigate | {span(mitigated[0] - report)} | {_cell(mitigated[1])} |"
            if mitigated else "| Time to mitigate | — | not mitigated yet |",
            f"| Time to resolve | {span(resolved - report)} | resolved |" if resolved else
            f"| Time to resolve | — | open for {span(now - report)} |", ""]


def _verdict(clock: Clock, now: datetime) -> str:
    deadline = clock.deadline
    if clock.state == ClockState.NONE:
        return "no deadline"
    if clock.state == ClockState.SKIPPED:
        return "skipped (never in it)"
    if clock.state == ClockState.WAITING or deadline is None:
        return "not started" if clock.done is None else "done (its clock never started)"
    if clock.state in {ClockState.MET, ClockState.MISSED} and clock.done is not None:
        late = clock.done - deadline
        return (f"missed by {span(late)}" if clock.state == ClockState.MISSED
                else f"met, {span(-late)} to spare")
    if clock.state == ClockState.RED:
        return f"open, {span(now - deadline)} past its deadline"
    return f"open, {span(deadline - now)} left"


def _deadlines(incident: Incident, rules: Incidents, now: datetime, tz: tzinfo) -> list[str]:
    rows = ["## Deadlines", "", "| Phase | Deadline | Done | Result |", "|---|---|---|---|"]
    for clock in clocks(incident, rules, now):
        deadline = local_time(clock.deadline, tz, WHEN) if clock.deadline else "—"
        done = local_time(clock.done, tz, WHEN) if clock.done else "—"
        rows.append(f"| {_cell(clock.phase.title)} | {deadline} | {done} | "
                    f"{_verdict(clock, now)} |")
    return [*rows, ""]


def _actions(incident: Incident, state: LaunchState, tz: tzinfo) -> list[str]:
    runs = incident_runs(incident, state)
    if not runs:
        return ["## Actions", "", "No playbook was run from the incident.", ""]
    rows = ["## Actions", "", "| Run | Playbook | Started | Finished | Outcome | By |",
            "|---|---|---|---|---|---|"]
    for run in runs:
        finished = local_time(run.finished, tz, WHEN) if run.finished else "—"
        outcome = str(run.status) + (f": {run.error}" if run.error else "")
        rows.append(f"| {run.run_id} | {_cell(run.playbook)} | {local_time(run.started, tz, WHEN)}"
                    f" | {finished} | {_cell(outcome)} | {_cell(run.operator)} |")
    return [*rows, ""]


def _updates(incident: Incident, state: LaunchState, tz: tzinfo) -> list[str]:
    posts = incident_posts(incident, state)
    if not posts:
        return ["## Updates sent", "", "None.", ""]
    origin = incident.reported_at
    return ["## Updates sent", "", f"{len(posts)} update{'s' if len(posts) != 1 else ''}:", "",
            *(f"- {local_time(p.at, tz, WHEN)} ({since(p.at, origin)}): #{p.channel}, "
              f"{p.template}, {'by hand' if p.by_hand else 'webhook'}, by {p.operator}"
              for p in posts), ""]


def _roles(incident: Incident) -> list[str]:
    return ["## Roles", "", *(f"- {role}: {incident.role(role)}"
                              + ("" if role in incident.roles else " (the declaring operator)")
                              for role in ROLES), ""]


def _notes(incident: Incident, tz: tzinfo) -> list[str]:
    if not incident.notes:
        return ["## Notes", "", "None.", ""]
    return ["## Notes", "", *(f"- {local_time(n.at, tz, WHEN)} ({since(n.at, incident.reported_at)})"
                              f" {n.operator}{' (late: after the resolution)' if n.late else ''}"
                              f": {n.text}" for n in incident.notes), ""]


def _resolution(incident: Incident, rules: Incidents, tz: tzinfo) -> list[str]:
    found = incident.resolution
    if found is None:
        return ["## Resolution", "", "Not resolved yet.", ""]
    lines = ["## Resolution", "", f"- Decision: {found.decision}",
             *(f"- {label}: {text}" for label, text in (
                 ("Root cause", found.root_cause), ("Fix", found.fix), ("Impact", found.impact),
                 ("Prevention", found.prevention)) if text)]
    due = postmortem_due(incident, rules)
    held = incident.entered(POSTMORTEM) if incident.phase == POSTMORTEM else None
    if held is not None:
        lines.append(f"- Post-mortem: held {local_time(held, tz, WHEN)}")
    elif due is not None:
        lines.append(f"- Post-mortem: due by {local_time(due, tz, WHEN)}")
    return [*lines, ""]


def to_markdown(incident: Incident, state: LaunchState, rules: Incidents, now: datetime,
                tz: tzinfo) -> str:
    """The report of `incident` as the journal (folded in `state`) has it at `now`."""
    scenario = rules.scenario(incident.scenario) if incident.scenario else None
    severity = rules.severity(incident.severity)
    status = (f"resolved ({incident.resolution.decision})" if incident.resolution else
              f"open, in phase {incident.phase}")
    lines = [f"# Incident {incident.id}: {incident.title}", "",
             f"- Severity: {incident.severity}" + (f" ({severity.title})" if severity else ""),
             f"- Scenario: {scenario.title if scenario else incident.scenario or 'other'}",
             f"- Reported by: {incident.reporter or '—'}",
             f"- Status: {status}",
             f"- Written {local_time(now, tz, WHEN, zone=True)} from the launch journal; times "
             "below in that zone, and since the report.", "",
             "## Timeline", "", "| When | Since report | Who | What |", "|---|---:|---|---|"]
    for at, who, what in timeline(incident, state):
        lines.append(f"| {local_time(at, tz, WHEN)} | {since(at, incident.reported_at)} | "
                     f"{_cell(who)} | {_cell(what)} |")
    lines.append("")
    return "\n".join([*lines, *_measures(incident, state, rules, now),
                      *_deadlines(incident, rules, now, tz), *_actions(incident, state, tz),
                      *_updates(incident, state, tz), *_roles(incident), *_notes(incident, tz),
                      *_resolution(incident, rules, tz)])

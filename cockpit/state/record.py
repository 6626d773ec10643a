"""`cockpit journal export`: the launch record, as JSON lines or Markdown."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, tzinfo

from cockpit.clock import local_time
from cockpit.journal import events as ev
from cockpit.journal.events import FAILING
from cockpit.journal.row import Event
from cockpit.state.launch import LaunchState, RunState

When = Callable[[datetime], str]
Key = tuple[str | None, str | None]


def to_jsonl(events: Iterable[Event]) -> Iterable[str]:
    for e in events:
        yield json.dumps({"id": e.id, "ts": e.ts.isoformat(), "session": e.session,
                          "event": e.kind, "run_id": e.run_id, "step": e.step, "data": e.data},
                         ensure_ascii=False) + "\n"


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _of(events: Iterable[Event], kind: type[ev.P]) -> list[tuple[Event, ev.P]]:
    """The events of one kind, with their typed payloads."""
    return [(e, e.payload) for e in events
            if e.kind == kind.KIND and isinstance(e.payload, kind)]


def _builds(events: list[Event], when: When) -> list[str]:
    """Each build matrix run: the commit it compiled and, per target, where it was built and
    how it ended (the stage that failed and why, or the artifact's size and checksum)."""
    finished = {e.run_id: p for e, p in _of(events, ev.BuildFinished)}
    stages: dict[Key, dict[str, ev.BuildStage]] = {}
    for e, stage in _of(events, ev.BuildStage):
        if stage.state in {ev.StageState.OK, ev.StageState.FAILED}:
            stages.setdefault((e.run_id, e.step), {})[stage.stage] = stage
    out = []
    for e, started in _of(events, ev.BuildStarted):
        end = finished.get(e.run_id)
        retry = f", a retry of {started.retry_of}" if started.retry_of else ""
        out += [f"### build {e.run_id}: {end.status if end else 'did not finish'}",
                f"commit {started.commit}, started {when(e.ts)}{retry}", ""]
        for t in started.targets:
            done = stages.get((e.run_id, t["target"]), {})
            failed = next(((name, s) for name, s in done.items()
                           if s.state == ev.StageState.FAILED), None)
            outcome = end.results.get(t["target"], "?") if end else "not finished"
            if failed:  # how it stopped: failed, cancelled, builder lost
                word = ("cancelled" if failed[1].cancelled else
                        "builder lost" if failed[1].lost else "failed")
                what = f"**{word}** at {failed[0]}: {_cell(failed[1].detail)}"
            else:
                what = f"**{outcome}**" + "".join(
                    f", {label} {done[stage].detail}" for stage, label in
                    (("size", "size"), ("checksum", "sha256")) if stage in done)
            out.append(f"- `{t['target']}` on {t['builder']}: {what}")
        out.append("")
    return ["## Builds", "", *out] if out else []


def _decisions(events: list[Event], when: When) -> list[str]:
    rows = []
    for e in events:
        p = e.payload
        if isinstance(p, ev.GateDecision | ev.GateOverride):
            said = (p.decision if isinstance(p, ev.GateDecision) else
                    "PROCEED WITHOUT A DECISION" if p.undecided else "OVERRIDE")
            rows.append(f"| {when(e.ts)} | {_cell(p.item)} | {said} | {_cell(p.operator)} | "
                        f"{_cell(p.rationale)} |")
    if not rows:
        return []
    return ["## Gate decisions", "", "| when | item | decision | by | rationale |",
            "|---|---|---|---|---|", *rows, ""]


class _Steps:
    """What the record says about steps, gathered once from the events."""

    def __init__(self, events: list[Event]) -> None:
        self.confirmed = {(e.run_id, e.step): (e, p) for e, p in _of(events, ev.StepConfirmed)}
        self.titles = {(e.run_id, e.step): p.title for e, p in _of(events, ev.StepStarted)}
        self.failures: dict[Key, list[tuple[Event, ev.StepFinished]]] = {}
        for e, p in _of(events, ev.StepFinished):  # every failed attempt, also those retried
            if p.status in FAILING:
                self.failures.setdefault((e.run_id, e.step), []).append((e, p))
        self.plans = {e.run_id: p for e, p in _of(events, ev.RunStarted)}


def _run(run: RunState, steps: _Steps, when: When) -> list[str]:
    """One run, step by step: who confirmed what, and every failed attempt."""
    plan = steps.plans.get(run.run_id)
    outcome = "dry run (a preview: nothing ran)" if run.dry_run else str(run.status)
    params = ", ".join(f"{k}={v}" for k, v in run.params.items())
    approved = " after confirming the whole plan" if plan and plan.plan_confirmed else ""
    out = [f"### {run.playbook}: {outcome}",
           f"run {run.run_id}, started {when(run.started)} by {run.operator}{approved}"
           + (f"; params: {params}" if params else ""), ""]
    for step in run.steps.values():
        key = (run.run_id, step.id)
        took = f" in {step.duration:.1f}s" if step.duration is not None else ""
        note = f": {step.message.splitlines()[0]}" if step.message else ""
        asked = steps.confirmed.get(key)
        said = ("covered by the confirmed plan" if asked and asked[1].with_plan else
                "confirmed" if asked and asked[1].confirmed else "declined")
        who = (f" ({said} by {asked[1].operator or '?'} at {when(asked[0].ts)})"
               if asked else "")
        title = steps.titles.get(key, "")
        named = f" {title}" if title and title != step.id else ""
        status = "previewed" if run.dry_run else step.status  # a dry run ran nothing
        out.append(f"- `{step.id}`{named}: **{status}**{took}{who}{note}")
        earlier = steps.failures.get(key, [])
        if step.status in FAILING:
            earlier = earlier[:-1]  # the last failure is the status line itself
        for e, failed in earlier:
            message = failed.message.splitlines()[:1]
            out.append(f"  - failed at {when(e.ts)}" + (f": {message[0]}" if message else ""))
    if run.missed:
        out.append(f"- not done (the run went on): {', '.join(run.missed)}")
    stopped = run.stopped_at
    if stopped is not None:
        out.append(f"- **stopped at `{stopped.id}`** ({stopped.status})"
                   + (f": {_cell(run.error)}" if run.error else ""))
    if run.left:
        out.append("- **left changed in the repository** (not committed): "
                   + ", ".join(f"`{line.strip()}`" for line in run.left))
    out.append("")
    return out


def _announcements(events: list[Event], when: When) -> list[str]:
    posts = _of(events, ev.Announcement)
    if not posts:
        return []
    out = ["## Announcements", "", "| when | channel | how | by | result |",
           "|---|---|---|---|---|"]
    for e, p in posts:
        how = "by hand" if p.by_hand else f"webhook, {p.parts or 1} part(s)"
        result = ("posted" if p.posted else "NOT posted") + (f": {p.error}" if p.error else "")
        out.append(f"| {when(e.ts)} | {_cell(p.channel)} | {how} | {_cell(p.operator)} | "
                   f"{_cell(result)} |")
    out.append("")
    return out


def _crashes(events: list[Event], when: When) -> list[str]:
    """The controller's own failures: never anyone's decision; what each left interrupted."""
    out = []
    for e, p in _of(events, ev.CockpitCrashed):
        cut = ", ".join(f"{run}/{step}" if step else run for run, step in p.runs.items())
        out.append(f"- {when(e.ts)} {_cell(p.error)}" + (f" at {p.where}" if p.where else "")
                   + (f"; left interrupted: {cut}" if cut else "")
                   + (f"; traceback in {p.crash_file}" if p.crash_file else ""))
    return ["## Cockpit crashes", "", *out, ""] if out else []


def _notes(events: list[Event], when: When) -> list[str]:
    out = []
    for e in events:
        payload = e.payload
        match payload:
            case ev.StepResolved():  # what the operator did with a failed or cut step
                what = payload.action + (" after a failure" if payload.after else "")
                text, plain_yes = payload.note, False
            case ev.ManualDone():
                what = "done" if payload.done else "NOT done"
                text, plain_yes = payload.note, payload.done
            case ev.ManualCheck():
                what = f"{payload.title}: " + ("ticked" if payload.ticked else "NOT ticked")
                text, plain_yes = payload.note, payload.ticked
            case _:
                continue
        if plain_yes and not text:
            continue  # a plain yes is in the step's status already
        by = f" by {payload.operator}" if payload.operator else ""
        out.append(f"- {when(e.ts)} {e.run_id}/{e.step}: {what}{by}"
                   + (f": {text}" if text else ""))
    return ["## Operator notes", "", *out, ""] if out else []


def to_markdown(events: list[Event], *, title: str, tz: tzinfo = UTC) -> str:
    """The launch record for people: decisions, runs step by step with who confirmed what,
    operator notes; times in the release's timezone."""
    state = LaunchState()
    state.apply(events)

    def when(ts: datetime) -> str:
        return local_time(ts, tz, "%Y-%m-%d %H:%M:%S %Z")

    out = [f"# Launch record: {title}", "", *_decisions(events, when), "## Runs", ""]
    steps = _Steps(events)
    for run in state.runs.values():
        out += _run(run, steps, when)
    out += _builds(events, when)
    out += _announcements(events, when)
    out += _crashes(events, when)
    out += _notes(events, when)
    return "\n".join(out)

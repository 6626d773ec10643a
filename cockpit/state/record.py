"""`cockpit journal export`: the launch record, as JSON lines or Markdown."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, tzinfo
from typing import Any

from cockpit.journal.store import Event
from cockpit.state.launch import LaunchState


def to_jsonl(events: Iterable[Event]) -> Iterable[str]:
    for e in events:
        yield json.dumps({"id": e.id, "ts": e.ts.isoformat(), "session": e.session,
                          "event": e.kind, "run_id": e.run_id, "step": e.step, "data": e.data},
                         ensure_ascii=False) + "\n"


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _builds(events: list[Event], when: Callable[[datetime], str]) -> list[str]:
    """Each build matrix run: the commit it compiled and, per target, where it was built and
    how it ended (the stage that failed and why, or the artifact's size and checksum)."""
    finished = {e.run_id: e.data for e in events if e.kind == "build_finished"}
    stages: dict[tuple[str | None, str | None], dict[str, dict[str, Any]]] = {}
    for e in events:
        if e.kind == "build_stage" and e.data.get("state") in {"ok", "failed"}:
            stages.setdefault((e.run_id, e.step), {})[e.data["stage"]] = e.data
    out = []
    for e in (e for e in events if e.kind == "build_started"):
        end = finished.get(e.run_id)
        retry = f", a retry of {e.data['retry_of']}" if e.data.get("retry_of") else ""
        out += [f"### build {e.run_id}: {end['status'] if end else 'did not finish'}",
                f"commit {e.data['commit']}, started {when(e.ts)}{retry}", ""]
        for t in e.data["targets"]:
            done = stages.get((e.run_id, t["target"]), {})
            failed = next(((name, d) for name, d in done.items() if d["state"] == "failed"), None)
            outcome = end.get("results", {}).get(t["target"], "?") if end else "not finished"
            if failed:  # how it stopped: failed, cancelled, builder lost
                word = ("cancelled" if failed[1].get("cancelled") else
                        "builder lost" if failed[1].get("lost") else "failed")
                what = f"**{word}** at {failed[0]}: {_cell(failed[1].get('detail', ''))}"
            else:
                what = f"**{outcome}**" + "".join(
                    f", {label} {done[stage]['detail']}" for stage, label in
                    (("size", "size"), ("checksum", "sha256")) if stage in done)
            out.append(f"- `{t['target']}` on {t['builder']}: {what}")
        out.append("")
    return ["## Builds", "", *out] if out else []


def to_markdown(events: list[Event], *, title: str, tz: tzinfo = UTC) -> str:
    """The launch record for people: decisions, runs step by step with who confirmed what,
    operator notes; times in the release's timezone."""
    state = LaunchState()
    state.apply(events)

    def when(ts: datetime) -> str:
        return ts.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z")

    confirmed = {(e.run_id, e.step): e for e in events if e.kind == "step_confirmed"}
    titles = {(e.run_id, e.step): str(e.data.get("title", "")) for e in events
              if e.kind == "step_started"}
    failures: dict[tuple[str | None, str | None], list[Event]] = {}
    for e in events:  # every failed attempt, also those a retry then got past
        if e.kind == "step_finished" and e.data.get("status") in {"failed", "timeout"}:
            failures.setdefault((e.run_id, e.step), []).append(e)
    out = [f"# Launch record: {title}", ""]
    decisions = [e for e in events if e.kind in {"gate_decision", "gate_override"}]
    if decisions:
        out += ["## Gate decisions", "", "| when | item | decision | by | rationale |",
                "|---|---|---|---|---|"]
        for e in decisions:
            d = e.data
            decision = d.get("decision", "OVERRIDE")
            out.append(f"| {when(e.ts)} | {_cell(d['item'])} | {decision} | "
                       f"{_cell(d.get('operator', ''))} | {_cell(d.get('rationale', ''))} |")
        out.append("")
    out += ["## Runs", ""]
    started = {e.run_id: e for e in events if e.kind == "run_started"}
    for run in state.runs.values():
        kind = " (dry run)" if run.dry_run else ""
        params = ", ".join(f"{k}={v}" for k, v in run.params.items())
        out.append(f"### {run.playbook}{kind}: {run.status}")
        plan = started.get(run.run_id)
        approved = " after confirming the whole plan" if plan and plan.data.get(
            "plan_confirmed") else ""
        out.append(f"run {run.run_id}, started {when(run.started)} by "
                   f"{run.operator}{approved}" + (f"; params: {params}" if params else ""))
        out.append("")
        for step in run.steps.values():
            took = f" in {step.duration:.1f}s" if step.duration is not None else ""
            note = f": {step.message.splitlines()[0]}" if step.message else ""
            asked = confirmed.get((run.run_id, step.id))
            who = (f" ({'confirmed' if asked.data.get('confirmed') else 'declined'} by "
                   f"{asked.data.get('operator', '?')} at {when(asked.ts)})") if asked else ""
            title = titles.get((run.run_id, step.id), "")
            named = f" {title}" if title and title != step.id else ""
            out.append(f"- `{step.id}`{named}: **{step.status}**{took}{who}{note}")
            earlier = failures.get((run.run_id, step.id), [])
            if step.status in {"failed", "timeout"}:
                earlier = earlier[:-1]  # the last failure is the status line itself
            for failed in earlier:
                message = str(failed.data.get("message", "")).splitlines()[:1]
                out.append(f"  - failed at {when(failed.ts)}" + (f": {message[0]}" if message
                                                                   else ""))
        if run.missed:
            out.append(f"- not done (the run went on): {', '.join(run.missed)}")
        out.append("")
    out += _builds(events, when)
    posts = [e for e in events if e.kind == "announcement"]
    if posts:
        out += ["## Announcements", "", "| when | channel | how | by | result |",
                "|---|---|---|---|---|"]
        for e in posts:
            d = e.data
            how = "by hand" if d.get("by_hand") else f"webhook, {d.get('parts', 1)} part(s)"
            result = ("posted" if d.get("posted") else "NOT posted") + (
                f": {d['error']}" if d.get("error") else "")
            out.append(f"| {when(e.ts)} | {_cell(d.get('channel', ''))} | {how} | "
                       f"{_cell(d.get('operator', ''))} | {_cell(result)} |")
        out.append("")
    notes = [e for e in events if e.kind in {"manual_check", "manual_done", "step_resolved"}]
    if notes:
        out += ["## Operator notes", ""]
        for e in notes:
            d = e.data
            text = d.get("note") or ""
            by = f" by {d['operator']}" if d.get("operator") else ""
            if e.kind == "step_resolved":  # what the operator did with a failed or cut step
                what = f"{d.get('action')}" + (" after a failure" if d.get("after") else "")
            elif e.kind == "manual_done":
                what = "done" if d.get("done") else "NOT done"
            else:
                what = f"{d.get('title', '')}: " + ("ticked" if d.get("ticked") else "NOT ticked")
            if e.kind != "step_resolved" and not text and d.get("done", d.get("ticked")):
                continue  # a plain yes is in the step's status already
            out.append(f"- {when(e.ts)} {e.run_id}/{e.step}: {what}{by}"
                       + (f": {text}" if text else ""))
        out.append("")
    return "\n".join(out)

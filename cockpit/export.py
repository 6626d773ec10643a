"""`cockpit journal export`: the launch record, as JSON lines or Markdown."""

from __future__ import annotations

import json
from collections.abc import Iterable

from cockpit.journal import Event
from cockpit.runs import LaunchState


def to_jsonl(events: Iterable[Event]) -> Iterable[str]:
    for e in events:
        yield json.dumps({"id": e.id, "ts": e.ts.isoformat(), "session": e.session,
                          "event": e.kind, "run_id": e.run_id, "step": e.step, "data": e.data},
                         ensure_ascii=False) + "\n"


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(events: list[Event], *, title: str) -> str:
    state = LaunchState()
    state.apply(events)
    out = [f"# Launch record: {title}", ""]
    decisions = [e for e in events if e.kind in {"gate_decision", "gate_override"}]
    if decisions:
        out += ["## Gate decisions", "", "| when (UTC) | item | decision | by | rationale |",
                "|---|---|---|---|---|"]
        for e in decisions:
            d = e.data
            decision = d.get("decision", "OVERRIDE")
            out.append(f"| {e.ts:%Y-%m-%d %H:%M:%S} | {_cell(d['item'])} | {decision} | "
                       f"{_cell(d.get('operator', ''))} | {_cell(d.get('rationale', ''))} |")
        out.append("")
    out += ["## Runs", ""]
    for run in state.runs.values():
        kind = " (dry run)" if run.dry_run else ""
        params = ", ".join(f"{k}={v}" for k, v in run.params.items())
        out.append(f"### {run.playbook}{kind}: {run.status}")
        out.append(f"run {run.run_id}, started {run.started:%Y-%m-%d %H:%M:%S} UTC by "
                   f"{run.operator}" + (f"; params: {params}" if params else ""))
        out.append("")
        for step in run.steps.values():
            took = f" in {step.duration:.1f}s" if step.duration is not None else ""
            note = f": {step.message.splitlines()[0]}" if step.message else ""
            out.append(f"- `{step.id}` **{step.status}**{took}{note}")
        out.append("")
    notes = [e for e in events if e.kind in {"manual_check", "manual_done", "step_resolved"}]
    if notes:
        out += ["## Operator notes", ""]
        for e in notes:
            d = e.data
            text = d.get("note") or ""
            label = d.get("title") or d.get("action") or e.step
            out.append(f"- {e.ts:%Y-%m-%d %H:%M:%S} {e.run_id}/{e.step} {label}: "
                       f"{'✓' if d.get('ticked', d.get('done', True)) else '✗'} {text}".rstrip())
        out.append("")
    return "\n".join(out)

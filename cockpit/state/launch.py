"""Runs, steps and gate decisions, as projected from the journal.

Pure functions of the event list: the controller, spectators and exports all see the same
state because they all compute it from the same facts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cockpit.journal.store import Event

FINISHED = {"ok", "failed", "skipped", "no-go", "declined", "timeout", "cancelled"}


@dataclass
class StepState:
    id: str
    status: str = "pending"
    """pending, running, ok, failed, skipped, no-go, declined, timeout, cancelled, interrupted"""
    command: str = ""
    exit_code: int | None = None
    duration: float | None = None
    message: str = ""
    started: datetime | None = None
    resolution: dict[str, Any] | None = None


@dataclass
class RunState:
    run_id: str
    playbook: str
    params: dict[str, str]
    operator: str
    session: str
    started: datetime
    dry_run: bool = False
    status: str = "running"
    """running, ok, incomplete (steps not done, the run went on), failed, aborted, no-go,
    interrupted, blocked"""
    finished: datetime | None = None
    steps: dict[str, StepState] = field(default_factory=dict)
    checks: dict[int, dict[str, Any]] = field(default_factory=dict)
    """Gate check results by index (automated results, then the operator's ticks)."""
    decision: Decision | None = None
    missed: list[str] = field(default_factory=list)
    """Steps that failed without stopping the run (on_failure = "continue")."""

    @property
    def interrupted_step(self) -> StepState | None:
        """The step a crash left: running when it came, or failed with the operator's
        retry / skip / abort question still open."""
        running = next((s for s in self.steps.values() if s.status == "interrupted"), None)
        if running is not None or self.status != "interrupted":
            return running
        return next((s for s in self.steps.values()
                     if s.status in {"failed", "timeout"} and s.resolution is None), None)


@dataclass
class Decision:
    item: str
    decision: str
    rationale: str
    operator: str
    at: datetime
    event_id: int


@dataclass
class LaunchState:
    """Everything the journal says, folded."""

    runs: dict[str, RunState] = field(default_factory=dict)
    decisions: dict[str, Decision] = field(default_factory=dict)
    """Latest GO/NO-GO per timeline item."""
    overrides: dict[str, Decision] = field(default_factory=dict)
    """Latest NO-GO override per gate item."""
    live_session: str | None = None
    last_id: int = 0

    def apply(self, events: Iterable[Event]) -> None:
        for event in events:
            self._apply(event)
            self.last_id = max(self.last_id, event.id)

    def _apply(self, e: Event) -> None:
        d = e.data
        if e.kind == "session_started":
            self.live_session = e.session
            for stale in self.runs.values():
                if stale.status == "running":
                    stale.status = "interrupted"
                    for stale_step in stale.steps.values():
                        if stale_step.status == "running":
                            stale_step.status = "interrupted"
            return
        if e.kind == "gate_decision":
            self.decisions[d["item"]] = Decision(d["item"], d["decision"], d.get("rationale", ""),
                                                 d.get("operator", ""), e.ts, e.id)
        elif e.kind == "gate_override":
            self.overrides[d["item"]] = Decision(d["item"], "OVERRIDE", d.get("rationale", ""),
                                                 d.get("operator", ""), e.ts, e.id)
        if e.run_id is None:
            return
        if e.kind == "run_started":
            self.runs[e.run_id] = RunState(e.run_id, d["playbook"], d.get("params", {}),
                                           d.get("operator", ""), e.session, e.ts,
                                           dry_run=bool(d.get("dry_run")))
            for step_id in d.get("steps", []):
                self.runs[e.run_id].steps[step_id] = StepState(step_id)
            return
        run = self.runs.get(e.run_id)
        if run is None:
            return
        step = run.steps.setdefault(e.step, StepState(e.step)) if e.step else None
        if e.kind == "run_resumed":
            run.status = "running"
        elif e.kind == "step_started" and step:
            step.status, step.command, step.started = "running", d.get("command", ""), e.ts
            step.exit_code, step.message = None, ""
        elif e.kind == "step_finished" and step:
            step.status = d["status"]
            step.exit_code = d.get("exit_code")
            step.duration = d.get("duration")
            step.message = d.get("message", "")
        elif e.kind == "step_resolved" and step:
            step.resolution = d
            if d["action"] == "done":
                step.status, step.message = "ok", f"marked done: {d.get('note', '')}"
            elif d["action"] == "skip":
                step.status, step.message = "skipped", f"skipped: {d.get('note', '')}"
            elif d["action"] in {"rerun", "retry"}:
                step.status = "pending"
            # abort: the step stays failed, and the run ends so
        elif e.kind == "check_result":
            run.checks[d["index"]] = dict(d)
        elif e.kind == "manual_check":
            entry = run.checks.setdefault(d["index"], {"title": d.get("title", ""),
                                                       "kind": "manual"})
            entry.update(ok=bool(d.get("ticked")), note=d.get("note", ""),
                         operator=d.get("operator", ""))
        elif e.kind == "gate_decision":
            run.decision = self.decisions.get(d["item"])
        elif e.kind == "run_finished":
            run.status, run.finished = d["status"], e.ts
            run.missed = list(d.get("missed", []))

    def latest_run(self, playbook: str, *, since: datetime | None = None,
                   before: datetime | None = None,
                   settled: bool = False) -> RunState | None:
        """The newest run of a playbook; `settled`: leave out runs aborted by the operator
        (an attempt given up, which neither does nor undoes the item)."""
        best = None
        for run in self.runs.values():
            if run.playbook != playbook or run.dry_run:
                continue
            if settled and run.status == "aborted":
                continue
            if since is not None and run.started < since:
                continue
            if before is not None and run.started >= before:
                continue
            best = run
        return best

    def active_runs(self) -> list[RunState]:
        return [r for r in self.runs.values() if r.status == "running" and not r.dry_run]

    def interrupted_runs(self) -> list[RunState]:
        return [r for r in self.runs.values() if r.status == "interrupted" and not r.dry_run]

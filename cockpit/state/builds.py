"""Build matrix state, folded from the journal (controller, spectators and exports agree)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from cockpit.builds.matrix import STAGES
from cockpit.journal.store import Event


@dataclass
class StageState:
    state: str = "pending"
    """pending, running, ok, failed, skipped"""
    duration: float | None = None
    detail: str = ""


@dataclass
class TargetState:
    target: str
    builder: str
    run_id: str
    started: datetime
    stages: dict[str, StageState] = field(default_factory=lambda: {s: StageState()
                                                                    for s in STAGES})
    compiled: int = 0
    total: int | None = None
    crate: str = ""
    lost: bool = False
    cancelled: bool = False
    attempts: list[tuple[str, str, str]] = field(default_factory=list)
    """(run id, builder, outcome) of earlier attempts, oldest first."""

    @property
    def status(self) -> str:
        states = [s.state for s in self.stages.values()]
        if "failed" in states:
            return "builder lost" if self.lost else "cancelled" if self.cancelled else "failed"
        if all(s == "ok" for s in states):
            return "ok"
        if "running" in states:
            return "running"
        return "queued" if all(s == "pending" for s in states) else "running"

    @property
    def failure(self) -> str:
        return next((s.detail for s in self.stages.values() if s.state == "failed"), "")


@dataclass
class BuildState:
    targets: dict[str, TargetState] = field(default_factory=dict)
    running: set[str] = field(default_factory=set)
    """Build run ids started and not finished in the live session."""
    commit: str = ""
    last_id: int = 0

    def apply(self, events: Iterable[Event]) -> None:
        for e in events:
            self.last_id = max(self.last_id, e.id)
            d = e.data
            if e.kind == "session_started":
                self.running.clear()
            elif e.kind == "build_started" and e.run_id:
                self.running.add(e.run_id)
                self.commit = d.get("commit", "")
                for item in d.get("targets", []):
                    previous = self.targets.get(item["target"])
                    state = TargetState(item["target"], item["builder"], e.run_id, e.ts)
                    if previous is not None and d.get("retry_of"):  # a new build starts afresh
                        state.attempts = [*previous.attempts, (previous.run_id, previous.builder,
                                                               previous.status)]
                    self.targets[item["target"]] = state
            elif e.kind == "build_finished" and e.run_id:
                self.running.discard(e.run_id)
            elif e.step in self.targets and self.targets[e.step].run_id == e.run_id:
                target = self.targets[e.step]
                if e.kind == "build_stage":
                    stage = target.stages[d["stage"]]
                    stage.state = d["state"]
                    stage.duration = d.get("duration")
                    stage.detail = d.get("detail", "")
                    target.lost = target.lost or bool(d.get("lost"))
                    target.cancelled = target.cancelled or bool(d.get("cancelled"))
                elif e.kind == "build_progress":
                    target.compiled, target.total = d["compiled"], d.get("total")
                    target.crate = d.get("crate", "")

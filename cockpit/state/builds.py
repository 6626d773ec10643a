"""Build matrix state, folded from the journal (controller, spectators and exports agree)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from cockpit.journal import events as ev
from cockpit.journal.events import BUILD_STAGES, StageState, TargetStatus
from cockpit.journal.row import Event


@dataclass
class Stage:
    """One stage of one target's build."""

    state: StageState | str = StageState.PENDING
    duration: float | None = None
    detail: str = ""


@dataclass
class TargetState:
    target: str
    builder: str
    run_id: str
    started: datetime
    stages: dict[str, Stage] = field(default_factory=lambda: {s: Stage()
                                                                    for s in BUILD_STAGES})
    compiled: int = 0
    total: int | None = None
    crate: str = ""
    unit: str = "compiled"
    lost: bool = False
    cancelled: bool = False
    workflow_run: int = 0
    job: int = 0
    """A GitHub Actions target's workflow run and job (0: none, or not yet found)."""
    attempts: list[tuple[str, str, str]] = field(default_factory=list)
    """(run id, builder, outcome) of earlier attempts, oldest first."""

    @property
    def status(self) -> TargetStatus:
        states = [s.state for s in self.stages.values()]
        if StageState.FAILED in states:
            return (TargetStatus.BUILDER_LOST if self.lost else
                    TargetStatus.CANCELLED if self.cancelled else TargetStatus.FAILED)
        if all(s == StageState.OK for s in states):
            return TargetStatus.OK
        if all(s == StageState.PENDING for s in states):
            return TargetStatus.QUEUED
        return TargetStatus.RUNNING

    @property
    def failure(self) -> str:
        return next((s.detail for s in self.stages.values() if s.state == StageState.FAILED), "")


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
            if e.kind != ev.Kind.OUTPUT:  # the flood: nothing here is folded from it
                self._apply(e)

    def _apply(self, e: Event) -> None:
        payload = e.payload
        match payload:
            case ev.SessionStarted():
                self.running.clear()
            case ev.BuildStarted() if e.run_id:
                self.running.add(e.run_id)
                self.commit = payload.commit
                for item in payload.targets:
                    previous = self.targets.get(item["target"])
                    state = TargetState(item["target"], item["builder"], e.run_id, e.ts)
                    if previous is not None and payload.retry_of:  # a new build starts afresh
                        state.attempts = [*previous.attempts, (previous.run_id, previous.builder,
                                                               previous.status)]
                    self.targets[item["target"]] = state
            case ev.BuildFinished() if e.run_id:
                self.running.discard(e.run_id)
        target = self.targets.get(e.step or "")
        if target is None or target.run_id != e.run_id:
            return
        match payload:
            case ev.BuildStage():
                stage = target.stages[payload.stage]
                stage.state = payload.state
                stage.duration = payload.duration
                stage.detail = payload.detail
                target.lost = target.lost or payload.lost
                target.cancelled = target.cancelled or payload.cancelled
            case ev.BuildProgress():
                target.compiled, target.total = payload.compiled, payload.total
                target.crate, target.unit = payload.crate, payload.unit
                target.workflow_run = payload.workflow_run or target.workflow_run
                target.job = payload.job or target.job

"""Runs, steps and gate decisions, as projected from the journal.

Pure functions of the event list: the controller, spectators and exports all see the same
state because they all compute it from the same facts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from cockpit.journal import events as ev
from cockpit.journal.events import FAILING, RunStatus, StepStatus
from cockpit.journal.row import Event
from cockpit.state.incident_effects import KINDS as EFFECT_KINDS
from cockpit.state.incidents import IncidentFold


@dataclass
class StepState:
    id: str
    status: StepStatus | str = StepStatus.PENDING
    command: str = ""
    exit_code: int | None = None
    duration: float | None = None
    message: str = ""
    started: datetime | None = None
    resolution: ev.StepResolved | None = None
    """What the operator did with it after it failed or a crash cut it."""


@dataclass
class CheckState:
    """A gate check: its automated result, or the operator's tick."""

    title: str = ""
    kind: str = ""
    ok: bool | None = None
    """None: a manual check not ticked yet (or an automated one with no verdict)."""
    summary: str = ""
    detail: str = ""
    note: str | None = None
    """The operator's note on a manual check; None until the operator answered it."""
    operator: str = ""


@dataclass
class Decision:
    item: str
    decision: str
    """GO, NO-GO, OVERRIDE (a NO-GO lifted with a rationale), or PROCEED (going past a gate
    nobody decided, with a rationale)."""
    rationale: str
    operator: str
    at: datetime
    event_id: int


@dataclass
class RunState:
    run_id: str
    playbook: str
    params: dict[str, str]
    operator: str
    session: str
    started: datetime
    dry_run: bool = False
    plan_confirmed: bool = False
    status: RunStatus | str = RunStatus.RUNNING
    finished: datetime | None = None
    steps: dict[str, StepState] = field(default_factory=dict)
    checks: dict[int, CheckState] = field(default_factory=dict)
    """Gate check results by index (automated results, then the operator's ticks)."""
    decision: Decision | None = None
    missed: list[str] = field(default_factory=list)
    """Steps that failed without stopping the run (on_failure = "continue")."""
    left: list[str] = field(default_factory=list)
    """What a run that stopped short left changed in the repository (`git status --short`)."""
    error: str = ""
    waiting: ev.StepWaiting | None = None
    """What the run waits for a person to answer (its step: `waiting_step`); None once the
    run's next event comes."""
    waiting_step: str = ""

    @property
    def stopped_at(self) -> StepState | None:
        """The step a run that ended short stopped at (declined, failed, cancelled, ...)."""
        if self.status in {RunStatus.RUNNING, RunStatus.OK} or self.dry_run:
            return None
        ended = [s for s in self.steps.values() if s.status not in {
            StepStatus.OK, StepStatus.SKIPPED, StepStatus.PENDING, StepStatus.RUNNING}]
        return ended[-1] if ended else None

    @property
    def interrupted_step(self) -> StepState | None:
        """The step a crash left: running when it came, or failed with the operator's
        retry / skip / abort question still open."""
        running = next((s for s in self.steps.values()
                        if s.status == StepStatus.INTERRUPTED), None)
        if running is not None or self.status != RunStatus.INTERRUPTED:
            return running
        return next((s for s in self.steps.values()
                     if s.status in FAILING and s.resolution is None), None)


FOLDED_KINDS = [k.value for k in ev.Kind
                if k not in {ev.Kind.OUTPUT, ev.Kind.METRIC_SAMPLE, ev.Kind.METRIC_FAILED}]
"""What a LaunchState folds: read by kind (the journal's index), not a week of logs and
samples it would skip."""
INCIDENT_KINDS = frozenset({ev.Kind.RUN_STARTED, ev.Kind.ANNOUNCEMENT, *EFFECT_KINDS})
"""Besides its own events, what the incidents' fold reads (runs started from one, their
posts, builds and changes beyond this machine)."""


@dataclass(frozen=True)
class Posted:
    """A post that went out (by its webhook or by hand), as the journal has it."""

    at: datetime
    channel: str
    template: str
    run_id: str
    operator: str
    by_hand: bool
    parts: int
    digest: str = ""
    """The same template with the same given values: the same post."""


@dataclass
class LaunchState:
    """Everything the journal says, folded."""

    runs: dict[str, RunState] = field(default_factory=dict)
    decisions: dict[str, Decision] = field(default_factory=dict)
    """Latest GO/NO-GO per timeline item."""
    overrides: dict[str, Decision] = field(default_factory=dict)
    """Latest NO-GO override per gate item."""
    incidents: IncidentFold = field(default_factory=IncidentFold)
    """Incidents declared, by id (`state/incidents.py`)."""
    posts: list[Posted] = field(default_factory=list)
    """What was posted, oldest first, each post once (found again on a resume: not twice)."""
    live_session: str | None = None
    last_id: int = 0
    version: int = 0
    """Counts the events folded: output, which changes nothing here, does not move it."""

    def apply(self, events: Iterable[Event]) -> None:
        for event in events:
            if event.kind != ev.Kind.OUTPUT:  # the flood: nothing here is folded from it
                self._apply(event)
                self.version += 1
            self.last_id = max(self.last_id, event.id)

    def _apply(self, e: Event) -> None:
        payload = e.payload
        if e.kind.startswith("incident_") or e.kind in INCIDENT_KINDS:
            self.incidents.apply(e)
        match payload:
            case ev.SessionStarted():
                self._session(e.session)
                return
            case ev.CockpitCrashed():  # its runs stopped with it: nobody runs them now
                self._interrupt()
                return
            case ev.GateDecision():
                self.decisions[payload.item] = Decision(
                    payload.item, payload.decision, payload.rationale, payload.operator, e.ts, e.id)
            case ev.Announcement(posted=True) if not (
                    payload.digest and any(p.digest == payload.digest for p in self.posts)):
                self.posts.append(Posted(e.ts, payload.channel, payload.template, e.run_id or "",
                                         payload.operator, payload.by_hand, payload.parts or 1,
                                         payload.digest))
            case ev.GateOverride():
                self.overrides[payload.item] = Decision(
                    payload.item, "PROCEED" if payload.undecided else "OVERRIDE",
                    payload.rationale, payload.operator, e.ts, e.id)
        if e.run_id is None:
            return
        if isinstance(payload, ev.RunStarted):
            run = self.runs[e.run_id] = RunState(e.run_id, payload.playbook, payload.params,
                                                 payload.operator, e.session, e.ts,
                                                 dry_run=payload.dry_run,
                                                 plan_confirmed=payload.plan_confirmed)
            run.steps = {step_id: StepState(step_id) for step_id in payload.steps}
            return
        if e.run_id in self.runs:
            self._apply_to_run(self.runs[e.run_id], e, payload)

    def waiting(self) -> list[RunState]:
        """Runs waiting for a person's answer, in the order they started."""
        return [r for r in self.runs.values() if r.waiting is not None]

    def _session(self, session: str) -> None:
        """A new controller: whatever was running before it came was cut by a crash."""
        self.live_session = session
        self._interrupt()

    def _interrupt(self) -> None:
        for stale in self.runs.values():
            stale.waiting = None
            if stale.status == RunStatus.RUNNING:
                stale.status = RunStatus.INTERRUPTED
                for step in stale.steps.values():
                    if step.status == StepStatus.RUNNING:
                        step.status = StepStatus.INTERRUPTED

    def _apply_to_run(self, run: RunState, e: Event, payload: ev.Payload | None) -> None:
        step = run.steps.setdefault(e.step, StepState(e.step)) if e.step else None
        run.waiting, run.waiting_step = ((payload, e.step or "")
                                         if isinstance(payload, ev.StepWaiting) else (None, ""))
        match payload:
            case ev.RunResumed():
                run.status = RunStatus.RUNNING
            case ev.StepStarted() if step:
                step.status, step.command, step.started = StepStatus.RUNNING, payload.command, e.ts
                step.exit_code, step.message = None, ""
            case ev.StepFinished() if step:
                step.status = payload.status
                step.exit_code = payload.exit_code
                step.duration = payload.duration
                step.message = payload.message
            case ev.StepResolved() if step:
                step.resolution = payload
                if payload.action == "done":
                    step.status, step.message = StepStatus.OK, f"marked done: {payload.note}"
                elif payload.action == "skip":
                    step.status, step.message = StepStatus.SKIPPED, f"skipped: {payload.note}"
                elif payload.action in {"rerun", "retry"}:
                    step.status = StepStatus.PENDING
                # abort: the step stays failed, and the run ends so
            case ev.CheckResult():
                run.checks[payload.index] = CheckState(payload.title, payload.kind, payload.ok,
                                                       payload.summary, payload.detail)
            case ev.ManualCheck():
                check = run.checks.setdefault(payload.index,
                                              CheckState(payload.title, "manual"))
                check.ok, check.note = payload.ticked, payload.note
                check.operator = payload.operator
            case ev.GateDecision():
                run.decision = self.decisions.get(payload.item)
            case ev.RunFinished():
                run.status, run.finished = payload.status, e.ts
                run.left, run.error = list(payload.left), payload.error
                run.missed = list(payload.missed)

    def latest_run(self, playbook: str, *, since: datetime | None = None,
                   before: datetime | None = None, settled: bool = False,
                   dry: bool = False) -> RunState | None:
        """The newest run of a playbook; `settled`: leave out runs aborted by the operator
        (an attempt given up, which neither does nor undoes the item); `dry`: dry runs count."""
        best = None
        for run in self.runs.values():
            if run.playbook != playbook or (run.dry_run and not dry):
                continue
            if settled and run.status == RunStatus.ABORTED:
                continue
            if since is not None and run.started < since:
                continue
            if before is not None and run.started >= before:
                continue
            best = run
        return best

    def active_runs(self) -> list[RunState]:
        return [r for r in self.runs.values() if r.status == RunStatus.RUNNING and not r.dry_run]

    def interrupted_runs(self) -> list[RunState]:
        return [r for r in self.runs.values()
                if r.status == RunStatus.INTERRUPTED and not r.dry_run]

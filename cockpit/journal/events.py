"""The journal's event kinds, each with a typed payload, and the statuses they carry.

Producers write a payload (`Journal.record`); folds read `Event.payload` and match on its
type. A payload is stored as the JSON object of its fields, as journals always were, so a
journal written before these types loads the same: an optional field it lacks takes its
default, a field it has that the type does not know is kept in `Event.data` and ignored
here, a status this version does not know stays the string it was, and an event without a
field its kind needs has no payload (`Event.payload` is None: the folds pass it by).
"""

from __future__ import annotations

import contextlib
import dataclasses
import typing
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar, Self, TypeVar


class Kind(StrEnum):
    SESSION_STARTED = "session_started"
    RUN_STARTED = "run_started"
    RUN_RESUMED = "run_resumed"
    RUN_FINISHED = "run_finished"
    DRY_RUN_STEP = "dry_run_step"
    STEP_STARTED = "step_started"
    STEP_PROCESS = "step_process"
    STEP_RETRY = "step_retry"
    STEP_CONFIRMED = "step_confirmed"
    STEP_WAITING = "step_waiting"
    STEP_FINISHED = "step_finished"
    STEP_RESOLVED = "step_resolved"
    LEFTOVER_STOPPED = "leftover_stopped"
    OUTPUT = "output"
    CHECK_RESULT = "check_result"
    MANUAL_CHECK = "manual_check"
    MANUAL_DONE = "manual_done"
    GATE_DECISION = "gate_decision"
    GATE_OVERRIDE = "gate_override"
    ANNOUNCEMENT = "announcement"
    BUILD_STARTED = "build_started"
    BUILD_TARGET = "build_target"
    BUILD_STAGE = "build_stage"
    BUILD_PROGRESS = "build_progress"
    BUILD_FINISHED = "build_finished"
    REMOTE_GROUP = "remote_group"
    INTENT = "intent"
    INTENT_SETTLED = "intent_settled"
    COCKPIT_CRASHED = "cockpit_crashed"
    METRIC_SAMPLE = "metric_sample"
    METRIC_FAILED = "metric_failed"
    INCIDENT_OPENED = "incident_opened"
    INCIDENT_PHASE = "incident_phase"
    INCIDENT_ROLE = "incident_role"
    INCIDENT_NOTE = "incident_note"
    INCIDENT_RESOLVED = "incident_resolved"
    SPECTATOR = "spectator"


BUILD_STAGES = ("sync", "build", "size", "smoke", "package", "checksum", "fetch")
"""A target's build, stage by stage, in order (the `stage` of a `BuildStage`)."""


class StepStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"
    TIMEOUT = "timeout"
    SKIPPED = "skipped"
    DECLINED = "declined"
    NO_GO = "no-go"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"
    UNATTENDED = "unattended"
    """Stopped where a person had to answer and none was there (a headless run)."""


FAILING = frozenset({StepStatus.FAILED, StepStatus.TIMEOUT})


class RunStatus(StrEnum):
    RUNNING = "running"
    OK = "ok"
    INCOMPLETE = "incomplete"
    """Went to the end with steps not done (on_failure = "continue", or skipped after failing)."""
    FAILED = "failed"
    ABORTED = "aborted"
    NO_GO = "no-go"
    INTERRUPTED = "interrupted"
    BLOCKED = "blocked"


class Verdict(StrEnum):
    """A gate's GO or NO-GO."""

    GO = "GO"
    NO_GO = "NO-GO"


class StageState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"


class TargetStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"
    CANCELLED = "cancelled"
    BUILDER_LOST = "builder lost"


class BuildStatus(StrEnum):
    OK = "ok"
    FAILED = "failed"
    CANCELLED = "cancelled"
    INCOMPLETE = "incomplete"
    """Some targets built, the others cancelled."""


class GroupState(StrEnum):
    """A remote process group: started, ended, or (on a later connection) stopped or gone."""

    RUNNING = "running"
    ENDED = "ended"
    STOPPED = "stopped"
    GONE = "gone"


@dataclass(frozen=True, kw_only=True)
class Payload:
    """A fact's content. Subclasses name their kind and fields."""

    KIND: ClassVar[Kind]

    def as_data(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    @classmethod
    def load(cls, data: dict[str, Any]) -> Self:
        names, enums = _shape(cls)
        given = {k: v for k, v in data.items() if k in names}
        for name, enum in enums.items():
            value = given.get(name)
            if isinstance(value, str) and not isinstance(value, enum):
                with contextlib.suppress(ValueError):  # from another version: kept as written
                    given[name] = enum(value)
        return cls(**given)


_SHAPES: dict[type[Payload], tuple[frozenset[str], dict[str, type[StrEnum]]]] = {}


def _shape(cls: type[Payload]) -> tuple[frozenset[str], dict[str, type[StrEnum]]]:
    """A payload type's field names and its enum-typed fields (computed once per type)."""
    if cls not in _SHAPES:
        hints = typing.get_type_hints(cls)
        enums = {}
        for f in dataclasses.fields(cls):
            for candidate in (hints[f.name], *typing.get_args(hints[f.name])):
                if isinstance(candidate, type) and issubclass(candidate, StrEnum):
                    enums[f.name] = candidate
        _SHAPES[cls] = (frozenset(f.name for f in dataclasses.fields(cls)), enums)
    return _SHAPES[cls]


# the launch's runs -------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class SessionStarted(Payload):
    """A controller opened the journal: whatever was running before it was interrupted."""

    KIND = Kind.SESSION_STARTED
    operator: str = ""
    pid: int = 0


@dataclass(frozen=True, kw_only=True)
class RunStarted(Payload):
    KIND = Kind.RUN_STARTED
    playbook: str
    params: dict[str, str] = field(default_factory=dict)
    operator: str = ""
    dry_run: bool = False
    steps: list[str] = field(default_factory=list)
    item: str | None = None
    plan_confirmed: bool = False
    """The operator saw the whole plan and said yes."""
    incident: str = ""
    """The incident it was started from (its id), if any: it shows on the incident's timeline."""


@dataclass(frozen=True, kw_only=True)
class RunResumed(Payload):
    KIND = Kind.RUN_RESUMED
    operator: str = ""


@dataclass(frozen=True, kw_only=True)
class RunFinished(Payload):
    KIND = Kind.RUN_FINISHED
    status: RunStatus
    missed: list[str] = field(default_factory=list)
    """Steps not done although the run went on."""
    error: str = ""
    left: list[str] = field(default_factory=list)
    """A run that stopped short: what it left changed in the repository (`git status
    --short` lines), so nothing half-done goes unseen."""


@dataclass(frozen=True, kw_only=True)
class DryRunStep(Payload):
    KIND = Kind.DRY_RUN_STEP
    preview: str = ""


@dataclass(frozen=True, kw_only=True)
class StepStarted(Payload):
    KIND = Kind.STEP_STARTED
    title: str = ""
    kind: str = ""
    command: str = ""
    """What the step will do, as previewed (a command, a diff, a plan)."""
    runs: str = ""
    """The command it runs, on one line; empty for steps that run none."""
    branch: str = ""
    """The branch checked out when it started (steps that use the work tree): a resume puts
    the repository back there before running it again."""


@dataclass(frozen=True, kw_only=True)
class StepProcess(Payload):
    """A step's command started as a process group here (stopped on resume if still alive)."""

    KIND = Kind.STEP_PROCESS
    pgid: int
    host: str


@dataclass(frozen=True, kw_only=True)
class StepRetry(Payload):
    KIND = Kind.STEP_RETRY
    attempt: int
    of: int
    after: str = ""


@dataclass(frozen=True, kw_only=True)
class StepConfirmed(Payload):
    KIND = Kind.STEP_CONFIRMED
    confirmed: bool
    operator: str = ""
    with_plan: bool = False
    """Covered by the whole plan the operator confirmed, not asked again."""


@dataclass(frozen=True, kw_only=True)
class StepFinished(Payload):
    KIND = Kind.STEP_FINISHED
    status: StepStatus
    message: str = ""
    exit_code: int | None = None
    duration: float | None = None


@dataclass(frozen=True, kw_only=True)
class StepResolved(Payload):
    """What the operator did with a step that failed or that a crash interrupted."""

    KIND = Kind.STEP_RESOLVED
    action: str
    """retry, skip, abort (after a failure); rerun, done, skip (after a crash)."""
    note: str = ""
    operator: str = ""
    after: str = ""
    """"failure" when the step had failed; empty when a crash had interrupted it."""


@dataclass(frozen=True, kw_only=True)
class LeftoverStopped(Payload):
    KIND = Kind.LEFTOVER_STOPPED
    pgid: int
    message: str = ""


@dataclass(frozen=True, kw_only=True)
class Intent(Payload):
    """About to do something outside the journal that cannot be taken back (post, push, upload,
    publish): journaled before it is done, so a crash in between leaves an intent without an
    outcome, which is verified or asked about, never repeated blindly."""

    KIND = Kind.INTENT
    key: str
    """The effect's idempotency key: the same post, push or publish has the same key in any run."""
    what: str
    """What is about to happen, as the operator would say it."""


@dataclass(frozen=True, kw_only=True)
class IntentSettled(Payload):
    """How an intent ended: done, or not done (failed, or found not done after a crash)."""

    KIND = Kind.INTENT_SETTLED
    key: str
    done: bool
    how: str = ""
    """The reply, the check that verified it, or who said so."""


@dataclass(frozen=True, kw_only=True)
class Output(Payload):
    """Lines a step or a build target printed, as one text (read without it: `count` only)."""

    KIND = Kind.OUTPUT
    text: str = ""
    count: int = 0


# gates --------------------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class CheckResult(Payload):
    KIND = Kind.CHECK_RESULT
    index: int
    title: str = ""
    kind: str = ""
    ok: bool | None = None
    """None for a manual check (the operator ticks it)."""
    summary: str = ""
    detail: str = ""
    findings: dict[str, bool] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class ManualCheck(Payload):
    KIND = Kind.MANUAL_CHECK
    index: int
    title: str = ""
    ticked: bool = False
    note: str = ""
    operator: str = ""


@dataclass(frozen=True, kw_only=True)
class StepWaiting(Payload):
    """A step asked the operator and waits for the answer (until its next event)."""

    KIND = Kind.STEP_WAITING
    question: str
    """confirm, manual, gate or failure."""
    title: str


@dataclass(frozen=True, kw_only=True)
class ManualDone(Payload):
    KIND = Kind.MANUAL_DONE
    done: bool
    note: str = ""
    operator: str = ""


@dataclass(frozen=True, kw_only=True)
class GateDecision(Payload):
    KIND = Kind.GATE_DECISION
    item: str
    decision: Verdict
    rationale: str = ""
    operator: str = ""
    failed_checks: int = 0


@dataclass(frozen=True, kw_only=True)
class GateOverride(Payload):
    """A gate gone past without a GO: its NO-GO lifted, or (`undecided`) proceeding while
    nobody has decided it yet."""

    KIND = Kind.GATE_OVERRIDE
    item: str
    rationale: str = ""
    operator: str = ""
    undecided: bool = False


@dataclass(frozen=True, kw_only=True)
class Announcement(Payload):
    KIND = Kind.ANNOUNCEMENT
    channel: str
    template: str = ""
    digest: str = ""
    """The same template with the same given values: the same post."""
    posted: bool = False
    by_hand: bool = False
    chars: int = 0
    parts: int = 0
    message_ids: list[str] = field(default_factory=list)
    operator: str = ""
    error: str = ""


# builds -------------------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class BuildStarted(Payload):
    KIND = Kind.BUILD_STARTED
    targets: list[dict[str, str]] = field(default_factory=list)
    """[{"target": triple, "builder": name}, ...]"""
    commit: str = ""
    retry_of: str | None = None
    run: str = ""
    """The playbook run whose build step started it (empty: started from builds mode, or
    journaled before builds said so): an incident's timeline shows its runs' builds."""


@dataclass(frozen=True, kw_only=True)
class BuildTarget(Payload):
    KIND = Kind.BUILD_TARGET
    builder: str = ""
    state: str = "queued"


@dataclass(frozen=True, kw_only=True)
class BuildStage(Payload):
    KIND = Kind.BUILD_STAGE
    stage: str
    state: StageState
    detail: str = ""
    duration: float | None = None
    lost: bool = False
    """The builder's connection was lost (its process group may live on)."""
    cancelled: bool = False


@dataclass(frozen=True, kw_only=True)
class BuildProgress(Payload):
    KIND = Kind.BUILD_PROGRESS
    compiled: int
    total: int | None = None
    crate: str = ""
    unit: str = "compiled"
    """What is counted: units cargo compiled, or a workflow job's steps ("steps")."""
    workflow_run: int = 0
    job: int = 0
    """A GitHub Actions target's: the workflow run it follows and its job there (once found)."""


@dataclass(frozen=True, kw_only=True)
class BuildFinished(Payload):
    KIND = Kind.BUILD_FINISHED
    status: BuildStatus
    results: dict[str, str] = field(default_factory=dict)
    """target -> ok, failed, cancelled, builder lost"""


@dataclass(frozen=True, kw_only=True)
class RemoteGroup(Payload):
    """A build command's process group on a builder (its event's run and step: the build
    and target it ran for): started, ended, or settled on a later connection."""

    KIND = Kind.REMOTE_GROUP
    builder: str
    job: str
    pgid: int
    state: GroupState
    leftover: bool = False
    """Settled on a later connection: a lost link had left it."""
    boot: str = ""
    """The builder's boot id when the group started: after a reboot it is not ours."""
    start: str = ""
    """Its leader's start time (clock ticks since boot): a recycled id is not ours."""
    stage: str = ""
    """The build stage whose command it ran."""


@dataclass(frozen=True, kw_only=True)
class CockpitCrashed(Payload):
    """The controller died of an error of its own (a bug, never anyone's decision): the runs
    it had going stopped with it and are left interrupted, for the resume path."""

    KIND = Kind.COCKPIT_CRASHED
    error: str
    """The exception: "ScreenStackError: Can't pop screen; ..."."""
    where: str = ""
    """Where it was raised: "file.py:123 in function"."""
    runs: dict[str, str] = field(default_factory=dict)
    """Run id -> the step it was running ("" between steps)."""
    crash_file: str = ""
    """The traceback in full."""
    operator: str = ""
    pid: int = 0


# metrics ------------------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class MetricSample(Payload):
    """One reading of a configured metric (`[[metrics]]` in cockpit.toml), as its source gave
    it; the event's time is when it was read."""

    KIND = Kind.METRIC_SAMPLE
    metric: str
    """The metric's name, as configured."""
    value: float
    detail: dict[str, Any] = field(default_factory=dict)
    """What the number is made of, for the detail view: per asset {"assets": {name: count}},
    per label {"labels": {label: count}}, the open issues' titles {"issues": [...]}."""
    etag: str = ""
    """The ETag of the answer that produced it (a 304 later means the same value)."""
    source: str = ""
    """What was asked, without secrets (a URL, a command)."""


@dataclass(frozen=True, kw_only=True)
class MetricFailed(Payload):
    """A metric's source failed: the metric is stale until its next sample."""

    KIND = Kind.METRIC_FAILED
    metric: str
    error: str
    fix: str = ""
    retry_in: float = 0.0
    """Seconds until it is asked again (backing off)."""


# incidents ----------------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class IncidentOpened(Payload):
    """An incident declared: its clocks start at the report (which may be before this)."""

    KIND = Kind.INCIDENT_OPENED
    incident: str
    """Its id: "1", "2", ... in the order declared."""
    title: str
    severity: str
    scenario: str = ""
    """One of the runbook's scenarios ([[incidents.scenarios]] id), or "" (other)."""
    reporter: str = ""
    reported_at: str = ""
    """ISO 8601 with its offset: when it was reported."""
    phase: str = ""
    """The phase it starts in (the runbook's first: identify)."""
    operator: str = ""


@dataclass(frozen=True, kw_only=True)
class IncidentPhase(Payload):
    """The incident moved to `phase` (the one before it is done)."""

    KIND = Kind.INCIDENT_PHASE
    incident: str
    phase: str
    operator: str = ""
    backwards: bool = False
    """Moved back to an earlier phase, explicitly."""
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class IncidentRole(Payload):
    KIND = Kind.INCIDENT_ROLE
    incident: str
    role: str
    """commander | communications | scribe"""
    name: str
    operator: str = ""


@dataclass(frozen=True, kw_only=True)
class IncidentNote(Payload):
    KIND = Kind.INCIDENT_NOTE
    incident: str
    text: str
    operator: str = ""
    late: bool = False
    """Written after the incident was resolved."""


@dataclass(frozen=True, kw_only=True)
class IncidentResolved(Payload):
    KIND = Kind.INCIDENT_RESOLVED
    incident: str
    decision: str
    """hotfix | configuration change | rollback | disabled feature (the runbook's list)."""
    root_cause: str = ""
    fix: str = ""
    impact: str = ""
    prevention: str = ""
    operator: str = ""


@dataclass(frozen=True, kw_only=True)
class Spectator(Payload):
    """A teammate began or stopped watching (here, over SSH, in a browser), as the controller
    saw it: who, how, never what they typed."""

    KIND = Kind.SPECTATOR
    event: str = "arrived"
    """arrived | left"""
    name: str = ""
    via: str = ""
    pid: int = 0


P = TypeVar("P", bound=Payload)

PAYLOADS: dict[str, type[Payload]] = {
    p.KIND.value: p for p in (
        SessionStarted, RunStarted, RunResumed, RunFinished, DryRunStep, StepStarted,
        StepProcess, StepRetry, StepConfirmed, StepWaiting, StepFinished, StepResolved, LeftoverStopped,
        Output, CheckResult, ManualCheck, ManualDone, GateDecision, GateOverride, Announcement,
        BuildStarted, BuildTarget, BuildStage, BuildProgress, BuildFinished, RemoteGroup,
        Intent, IntentSettled, CockpitCrashed, MetricSample, MetricFailed, IncidentOpened,
        IncidentPhase, IncidentRole, IncidentNote, IncidentResolved, Spectator)}

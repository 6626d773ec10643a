"""The engine: runs a playbook's steps, journaling every fact before anyone sees it.

For each step it journals the start, checks `when`, probes `skip_if` for idempotency, asks
before a destructive step (unless the step asks its own question), hands the step its
context to do its kind's work (`cockpit.steps`), and journals how it ended. A step that fails
asks the operator what to do (retry, skip with a note, abort). A run a crash interrupted is
resumed once the operator says what to do with its step. The UI and the headless runner are
two implementations of `Interaction`; steps never know which.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from cockpit import gitrepo
from cockpit.config import Config
from cockpit.engine import intents, resuming
from cockpit.engine.context import Offload, RunContext, StepRun
from cockpit.engine.planner import Planner
from cockpit.errors import CockpitError, Problem
from cockpit.executors.local import LocalRunner
from cockpit.journal.events import (
    FAILING,
    DryRunStep,
    GateOverride,
    RunFinished,
    RunStarted,
    RunStatus,
    StepFinished,
    StepResolved,
    StepStarted,
    StepStatus,
)
from cockpit.journal.recorder import Listener, Recorder
from cockpit.journal.row import Event
from cockpit.journal.store import Journal, operator_id
from cockpit.params import prose, render_argv, shown
from cockpit.runbook.model import Playbook, Runbook
from cockpit.state.gates import ensure_not_blocked
from cockpit.state.launch import FOLDED_KINDS, LaunchState
from cockpit.steps.base import Outcome, PlanContext, StepBase, preview, step_cwd
from cockpit.steps.questions import Failure, Interaction, Unattended


@dataclass
class RunOutcome:
    run_id: str
    status: RunStatus
    missed: tuple[str, ...] = ()
    """Steps with on_failure = "continue" that failed: the run went on to the end and is
    "incomplete"."""


class Engine:
    def __init__(self, config: Config, runbook: Runbook, journal: Journal, *,
                 runner: LocalRunner | None = None, listener: Listener | None = None,
                 offload: Offload | None = None) -> None:
        self.config = config
        self.runbook = runbook
        self.journal = journal
        self.runner = runner or LocalRunner()
        self.record = Recorder(journal, listener)
        self.offload = offload
        """Where build steps run (the UI puts them on a thread of their own); None: here."""
        self.operator = operator_id()
        self.crashed = False
        """The process is dying of a bug of its own: a run cancelled now was stopped by
        nobody, so neither its step nor its end is journaled (no "cancelled by the
        operator"): it stays interrupted, for the resume path."""
        self._state = LaunchState()
        self.planner = Planner(config, journal)

    # state --------------------------------------------------------------------------------

    def state(self) -> LaunchState:  # by kind: no logs, no week of samples on the UI's loop
        self._state.apply(self.journal.events(after=self._state.last_id, kinds=FOLDED_KINDS))
        return self._state

    @property
    def listener(self) -> Listener | None:
        """Told of every event as it is journaled (the headless printer)."""
        return self.record.listener

    @listener.setter
    def listener(self, listener: Listener | None) -> None:
        self.record.listener = listener

    def playbook(self, name: str) -> Playbook:
        try:
            return self.runbook.playbooks[name]
        except KeyError:
            raise CockpitError([Problem(
                f"no playbook named {name!r}", field="playbook",
                fix="see `cockpit playbooks`; known: " + ", ".join(sorted(self.runbook.playbooks)),
            )]) from None

    # running ------------------------------------------------------------------------------

    async def run(self, name: str, given: Mapping[str, str], interaction: Interaction, *,
                  dry_run: bool = False, plan_confirmed: bool = False,
                  incident: str = "") -> RunOutcome:
        """Run a playbook. `plan_confirmed`: the operator saw the whole plan and said yes;
        `incident`: started from that incident (both recorded with the run)."""
        playbook = self.playbook(name)
        values = await asyncio.to_thread(self.planner.values, playbook, given)  # git: a thread
        if not dry_run:
            ensure_not_blocked(self.runbook, self.state(), name, self.config.release.gates,
                               self.config.release.tz)
            resuming.refuse_if_interrupted(self.state(), name, self.config.release.tz)
        run_id = uuid.uuid4().hex[:10]
        params = {k: values[k] for k in playbook.params}
        item = self.runbook.item_for(name)
        self.record(RunStarted(playbook=name, params=params, operator=self.operator, dry_run=dry_run,
                             steps=[s.id for s in playbook.steps], item=item.id if item else None,
                             plan_confirmed=plan_confirmed, incident=incident), run_id)
        if dry_run:
            plan = PlanContext(self.config, values)
            for step in playbook.steps:
                self.record(DryRunStep(preview=preview(step, plan)), run_id, step.id)
            self.record(RunFinished(status=RunStatus.OK), run_id)
            return RunOutcome(run_id, RunStatus.OK)
        run = self._context(run_id, playbook, values, interaction, plan_confirmed)
        return await self._execute(run, playbook, playbook.steps)

    async def resume(self, run_id: str, action: Literal["rerun", "done", "skip"], note: str,
                     interaction: Interaction) -> RunOutcome:
        """Continue an interrupted run after the operator said what to do with its step."""
        run = self.state().runs.get(run_id)
        if run is None or run.status != RunStatus.INTERRUPTED:
            raise CockpitError([Problem(f"run {run_id} is not interrupted", field="run")])
        ensure_not_blocked(self.runbook, self.state(), run.playbook,
                           self.config.release.gates, self.config.release.tz)
        playbook = self.playbook(run.playbook)
        values = await asyncio.to_thread(self.planner.values, playbook, run.params)
        start = await resuming.prepare(self.config.repo, self.journal, self.record,
                                       self.operator, run, [s.id for s in playbook.steps],
                                       action, note)
        context = self._context(run_id, playbook, values, interaction, run.plan_confirmed)
        return await self._execute(context, playbook, playbook.steps[start:])

    async def discard(self, run_id: str, note: str) -> None:
        """Give up an interrupted run (see `resuming.discard`)."""
        run = self.state().runs.get(run_id)
        if run is None or run.status != RunStatus.INTERRUPTED:
            raise CockpitError([Problem(f"run {run_id} is not interrupted", field="run")])
        await resuming.discard(self.config.repo, self.journal, self.record, self.operator, run, note)

    def _context(self, run_id: str, playbook: Playbook, values: Mapping[str, str],
                 interaction: Interaction, plan_confirmed: bool) -> RunContext:
        item = self.runbook.item_for(playbook.name)
        return RunContext(run_id, self.config, values, self.record, self.runner, interaction,
                          item.id if item else playbook.name, self.operator,
                          self.runbook.timeline.templates, self.offload, plan_confirmed,
                          scope=intents.scope(playbook.name, playbook.params, values))

    async def _execute(self, run: RunContext, playbook: Playbook,
                       steps: list[StepBase]) -> RunOutcome:
        run.dirty_before = frozenset(await asyncio.to_thread(gitrepo.changes, self.config.repo))
        status = RunStatus.OK
        missed: list[str] = []
        current: StepBase | None = None
        started = 0.0
        try:
            for step in steps:
                current, started = step, time.monotonic()
                result, ctx = await self._step(run, step)
                while result.status in FAILING and step.on_failure == "stop":
                    tail = "\n".join(ctx.tail)
                    try:
                        answer = await ctx.interaction.failed(Failure(
                            step.id, prose(step.title, run.values),
                            (result.message or result.status)
                            + (f"\n\nlast output:\n{tail}" if tail else "")))
                    except Unattended as exc:  # nobody to decide: the failure stands as is
                        return await self._finish(run, RunStatus.FAILED, error=str(exc))
                    action = answer.action if answer is not None else "abort"
                    note = answer.note if answer is not None else ""
                    if action == "skip" and not note.strip():
                        action = "abort"  # skipping a failed step needs a reason on record
                    run.log(StepResolved(action=action, note=note, operator=self.operator,
                                         after="failure"), step.id)
                    if action == "retry":
                        result, ctx = await self._step(run, step)
                    elif action == "skip":
                        result = Outcome(StepStatus.SKIPPED)
                        missed.append(step.id)  # not done: the run says so at the end
                    else:
                        break
                current = None
                if result.status == StepStatus.DECLINED:
                    status = RunStatus.ABORTED
                    break
                if result.status == StepStatus.NO_GO:
                    status = RunStatus.NO_GO
                    break
                if result.status in FAILING and step.on_failure == "continue":
                    missed.append(step.id)  # not done, and the run goes on: it ends saying so
                elif result.status in FAILING:
                    status = RunStatus.FAILED
                    break
        except Unattended as exc:  # a question nobody was there to answer: not a decision
            if current is not None:
                run.log(StepFinished(status=StepStatus.UNATTENDED, message=str(exc),
                                     duration=round(time.monotonic() - started, 3)), current.id)
            return await self._finish(run, RunStatus.ABORTED, error=str(exc))
        except asyncio.CancelledError:
            if self.crashed:  # stopped by nobody: left interrupted, as a kill leaves it
                raise
            if current is not None:
                run.log(StepFinished(status=StepStatus.CANCELLED, message="cancelled by the operator",
                                     duration=round(time.monotonic() - started, 3)), current.id)
            await self._finish(run, RunStatus.ABORTED)
            raise
        except Exception as exc:
            # A fault of ours or of the machine (disk full, ...): the journal still says how
            # the run ended, and the operator gets a message, not a traceback.
            message = f"internal error: {type(exc).__name__}: {exc}"
            try:
                if current is not None:
                    run.log(StepFinished(status=StepStatus.FAILED, message=message), current.id)
                run.log(RunFinished(status=RunStatus.FAILED, error=message))
            except CockpitError:
                pass
            raise CockpitError([Problem(message, field=f"playbook {playbook.name}",
                                        fix="see the journal for the run's facts so far")],
                               exit_code=1) from exc
        if status == RunStatus.OK and missed:
            status = RunStatus.INCOMPLETE  # went to the end, with steps not done: never just "ok"
        return await self._finish(run, status, missed=missed)

    async def _finish(self, run: RunContext, status: RunStatus, *, missed: list[str] | None = None,
                      error: str = "") -> RunOutcome:
        """Journal how the run ended; one that stopped short also says what it left changed
        in the repository (an edit not committed), so nothing half-done goes unseen."""
        left: list[str] = []
        if status not in {RunStatus.OK, RunStatus.INCOMPLETE}:
            with contextlib.suppress(OSError, asyncio.CancelledError):  # cancelled: once only
                now = await asyncio.to_thread(gitrepo.changes, self.config.repo)
                left = [line for line in now if line not in run.dirty_before]
        run.log(RunFinished(status=status, missed=missed or [], error=error, left=left))
        return RunOutcome(run.run_id, status, tuple(missed or ()))

    async def _step(self, run: RunContext, step: StepBase) -> tuple[Outcome, StepRun]:
        """Run one step and journal how it ended (the message as journaled: redacted)."""
        t0 = time.monotonic()
        ctx = StepRun(run, step, step_cwd(step, self.config.repo, run.values))
        plan = PlanContext(self.config, run.values)
        branch, planned = await asyncio.to_thread(run.starting, step, plan)  # git: a thread
        run.log(StepStarted(title=prose(step.title, run.values), kind=step.kind, command=planned,
                            runs=step.command_line(run.values), branch=branch), step.id)
        outcome = await self._outcome(ctx, plan)
        if ctx.confirmed_at is not None:
            t0 = ctx.confirmed_at  # the step's time is the work's, not the operator's
        event = run.log(StepFinished(status=outcome.status, message=outcome.message,
                                     exit_code=outcome.exit_code,
                                     duration=round(time.monotonic() - t0, 3)), step.id)
        return Outcome(outcome.status, str(event.data.get("message") or ""),
                       outcome.exit_code), ctx

    async def _outcome(self, ctx: StepRun, plan: PlanContext) -> Outcome:
        step = ctx.step
        if not step.applies(ctx.values):
            name = (step.when or "").split("=", 1)[0]
            return Outcome(StepStatus.SKIPPED, f"not for this release: {name} is "
                                      f"{ctx.values.get(name)!r}")
        key = intents.key(step, ctx.values, ctx.run.scope)  # an effect beyond this machine?
        said: int | None = None  # the probe's exit code: whether it could say
        if step.skip_if:
            probe_argv = render_argv(step.skip_if, ctx.values)
            probe = await self.runner.run(probe_argv, cwd=ctx.cwd, timeout=120)
            if probe.exit_code == 0:
                ran = f"`{shown(probe_argv)}` succeeded"
                if key and intents.unsettled(self.journal, key):
                    ctx.settle(key, True, f"verified: {ran}")
                return Outcome(StepStatus.SKIPPED, f"already done: {ran}")
            said = probe.exit_code
        if key and (settled := await intents.earlier_attempt(ctx, step, key, plan, said)):
            return settled
        if step.confirm and (done := await step.already_done(ctx)):
            return Outcome(StepStatus.SKIPPED, done)  # nothing to confirm: it is already there
        if step.confirm and not step.confirms_itself:
            if not await ctx.confirm(preview(step, plan, probe=False)):
                return Outcome(StepStatus.DECLINED, "the operator declined")
            ctx.confirmed_at = time.monotonic()
        return await (step.execute(ctx) if key is None else intents.effect(ctx, step, key))

    def override(self, item_id: str, rationale: str, *, undecided: bool = False) -> Event:
        """Go past a gate without a GO, explicitly: lift its NO-GO, or (`undecided`) proceed
        while nobody has decided it; journaled with who and why."""
        if not rationale.strip():
            raise CockpitError([Problem("an override needs a rationale", field="rationale")])
        return self.record(GateOverride(item=item_id, rationale=rationale, operator=self.operator,
                                        undecided=undecided))

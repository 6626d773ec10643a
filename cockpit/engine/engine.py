"""The engine: runs a playbook's steps, journaling every fact before anyone sees it.

It runs every step kind (shell, manual, gate, edit, build; forge and announce through
`release_steps`), validates and quotes parameters, asks the operator (through an
`Interaction`) before destructive steps and when one fails, probes `skip_if` for idempotency,
retries, times out, stops or continues on failure, and resumes a run that a crash
interrupted. The UI and the headless runner are two implementations of `Interaction`.
"""

from __future__ import annotations

import asyncio
import re
import socket
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from cockpit.config import Config
from cockpit.engine.planner import Planner
from cockpit.errors import CockpitError, Problem
from cockpit.executors.local import LocalRunner, group_alive, kill_group, text_of
from cockpit.journal.store import Event, Journal, operator_id
from cockpit.params import render_argv, substitute
from cockpit.runbook.model import Playbook, Runbook, Step
from cockpit.semver import is_semver, semver_key, strip_v
from cockpit.state.gates import ensure_not_blocked
from cockpit.state.launch import LaunchState
from cockpit.steps.checks import CheckResult, CheckRunner
from cockpit.steps.edits import plan_edit
from cockpit.steps.release import ReleaseSteps

Listener = Callable[[list[Event]], None]
Offload = Callable[[Coroutine[Any, Any, str]], Awaitable[str]]
FAILING = {"failed", "timeout"}
TAIL_LINES = 8
"""Lines of a failed step's output shown when asking what to do."""


@dataclass
class ManualAnswer:
    done: bool
    note: str = ""


@dataclass
class FailureAnswer:
    """What to do with a step that failed: run it again, go on without it (a note says
    why), or stop the playbook here."""

    action: Literal["retry", "skip", "abort"]
    note: str = ""


@dataclass
class GateAnswer:
    decision: Literal["GO", "NO-GO"]
    rationale: str
    ticks: list[tuple[bool, str]] = field(default_factory=list)
    """(ticked, note) for each manual check, in order."""


class Interaction(Protocol):
    """How the engine asks the operator. None/False means the operator declined."""

    async def confirm(self, step: Step, preview: str) -> bool: ...

    async def manual(self, step: Step) -> ManualAnswer | None: ...

    async def gate(self, step: Step, item: str, results: list[CheckResult]) -> GateAnswer | None:
        ...

    async def failed(self, step: Step, message: str) -> FailureAnswer | None:
        """A step failed and would stop the playbook: retry, skip or abort (None: abort)."""
        ...


@dataclass
class RunOutcome:
    run_id: str
    status: str
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
        self.listener = listener
        self.offload = offload
        """Where build steps run (the UI puts them on a thread of their own); None: here."""
        self.operator = operator_id()
        self._state = LaunchState()
        self.planner = Planner(config)
        self._failure: dict[str, str] = {}
        """The last message of each step, for the question asked when it fails."""
        self._tail: dict[str, deque[str]] = {}
        """The last lines each step printed, shown with that question."""
        self.release_steps = ReleaseSteps(self)

    # state --------------------------------------------------------------------------------

    def state(self) -> LaunchState:
        self._state.apply(self.journal.events(after=self._state.last_id))
        return self._state

    def _log(self, kind: str, run_id: str | None = None, step: str | None = None, /,
             **data: Any) -> Event:
        event = self.journal.append(kind, run_id=run_id, step=step, **data)
        if self.listener is not None:
            self.listener([event])
        return event

    # planning -----------------------------------------------------------------------------

    def shipped(self) -> list[str]:
        """Versions published by this launch's runs (release or hotfix), oldest first."""
        versions: list[str] = []
        for run in sorted(self.state().runs.values(), key=lambda r: r.started):
            publish = run.steps.get("publish")
            version = run.params.get("version")
            skipped_failure = bool(publish and publish.resolution
                                   and publish.resolution.get("after") == "failure")
            if (not run.dry_run and version and publish is not None and not skipped_failure
                    and publish.status in {"ok", "skipped"} and version not in versions):
                versions.append(version)
        return versions

    def emergency_defaults(self, name: str) -> dict[str, str]:
        """What H or R pre-fills. An earlier run of the same playbook that stopped short
        (failed, aborted, interrupted) is what the operator is most likely going back to:
        its parameters come first, so it picks up where it stopped instead of starting a
        new version. One that went to the end (ok, incomplete) is done: the next is new."""
        runs = [r for r in self.state().runs.values() if r.playbook == name and not r.dry_run]
        last = runs[-1] if runs else None  # the journal's order: the latest started last
        given = self.rollback_defaults() if name == "rollback" else {}
        if last is not None and last.status in {"failed", "aborted", "interrupted"}:
            given.update(last.params)
        return given

    def rollback_defaults(self) -> dict[str, str]:
        """Roll back what was shipped last (the journal's record; the config's version
        otherwise) to a tagged version before it: the one shipped before it, else the one
        users had before the launch (previous_version), else the newest older tag."""
        shipped = self.shipped()
        release = self.config.release
        bad = shipped[-1] if shipped else release.version
        tags = {strip_v(t) for t in self.planner.tags()}
        older = [v for v in tags if is_semver(v) and semver_key(v) < semver_key(bad)]
        preferred = [v for v in [*reversed(shipped[:-1]), release.previous_version or "",
                                 release.version] if v in older]
        newest = sorted(older, key=semver_key, reverse=True)
        return {"version": bad, "previous_version": (preferred or newest or [""])[0]}

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
                  dry_run: bool = False, plan_confirmed: bool = False) -> RunOutcome:
        """Run a playbook. `plan_confirmed`: the operator saw the whole plan and said yes
        (recorded with the run)."""
        playbook = self.playbook(name)
        values = self.planner.values(playbook, given)
        if not dry_run:
            ensure_not_blocked(self.runbook, self.state(), name)
        run_id = uuid.uuid4().hex[:10]
        params = {k: values[k] for k in playbook.params}
        item = self.runbook.item_for(name)
        self._log("run_started", run_id, playbook=name, params=params, operator=self.operator,
                  dry_run=dry_run, steps=[s.id for s in playbook.steps],
                  item=item.id if item else None, plan_confirmed=plan_confirmed)
        if dry_run:
            for step in playbook.steps:
                self._log("dry_run_step", run_id, step.id, preview=self.planner.preview(step, values))
            self._log("run_finished", run_id, status="ok")
            return RunOutcome(run_id, "ok")
        return await self._execute(run_id, playbook, values, playbook.steps, interaction)

    async def resume(self, run_id: str, action: Literal["rerun", "done", "skip"], note: str,
                     interaction: Interaction) -> RunOutcome:
        """Continue an interrupted run after the operator said what to do with its step."""
        run = self.state().runs.get(run_id)
        if run is None or run.status != "interrupted":
            raise CockpitError([Problem(f"run {run_id} is not interrupted", field="run")])
        ensure_not_blocked(self.runbook, self.state(), run.playbook)
        step_state = run.interrupted_step
        playbook = self.playbook(run.playbook)
        values = self.planner.values(playbook, run.params)
        self._log("run_resumed", run_id, operator=self.operator)
        ids = [s.id for s in playbook.steps]
        self._stop_leftovers(run_id)
        if step_state is not None:
            self._log("step_resolved", run_id, step_state.id, action=action, note=note,
                      operator=self.operator)
            start = ids.index(step_state.id) + (0 if action == "rerun" else 1)
        else:
            start = next((i for i, s in enumerate(playbook.steps)
                          if run.steps.get(s.id) is None or run.steps[s.id].status == "pending"),
                         len(ids))
        return await self._execute(run_id, playbook, values, playbook.steps[start:], interaction)

    async def _execute(self, run_id: str, playbook: Playbook, values: Mapping[str, str],
                       steps: list[Step], interaction: Interaction) -> RunOutcome:
        status = "ok"
        missed: list[str] = []
        current: Step | None = None
        started = 0.0
        try:
            for step in steps:
                current, started = step, time.monotonic()
                result = await self._step(run_id, playbook, step, values, interaction)
                while result in FAILING and step.on_failure == "stop":
                    said = "\n".join(self._tail.get(step.id, ()))
                    answer = await interaction.failed(step, self._failure.get(step.id, result) + (
                        f"\n\nlast output:\n{said}" if said else ""))
                    action = answer.action if answer is not None else "abort"
                    note = answer.note if answer is not None else ""
                    if action == "skip" and not note.strip():
                        action = "abort"  # skipping a failed step needs a reason on record
                    self._log("step_resolved", run_id, step.id, action=action, note=note,
                              operator=self.operator, after="failure")
                    if action == "retry":
                        result = await self._step(run_id, playbook, step, values, interaction)
                    elif action == "skip":
                        result = "skipped"
                        missed.append(step.id)  # not done: the run says so at the end
                    else:
                        break
                current = None
                if result == "declined":
                    status = "aborted"
                    break
                if result == "no-go":
                    status = "no-go"
                    break
                if result in FAILING and step.on_failure == "continue":
                    missed.append(step.id)  # not done, and the run goes on: it ends saying so
                elif result in FAILING:
                    status = "failed"
                    break
        except asyncio.CancelledError:
            if current is not None:
                self._log("step_finished", run_id, current.id, status="cancelled",
                          message="cancelled by the operator",
                          duration=round(time.monotonic() - started, 3))
            self._log("run_finished", run_id, status="aborted")
            raise
        except Exception as exc:
            # A fault of ours or of the machine (disk full, ...): the journal still says how
            # the run ended, and the operator gets a message, not a traceback.
            message = f"internal error: {type(exc).__name__}: {exc}"
            try:
                if current is not None:
                    self._log("step_finished", run_id, current.id, status="failed",
                              message=message)
                self._log("run_finished", run_id, status="failed", error=message)
            except CockpitError:
                pass
            raise CockpitError([Problem(message, field=f"playbook {playbook.name}",
                                        fix="see the journal for the run's facts so far")],
                               exit_code=1) from exc
        if status == "ok" and missed:
            status = "incomplete"  # went to the end, with steps not done: never just "ok"
        self._log("run_finished", run_id, status=status, missed=missed)
        return RunOutcome(run_id, status, tuple(missed))

    async def _step(self, run_id: str, playbook: Playbook, step: Step,
                    values: Mapping[str, str], interaction: Interaction) -> str:
        t0 = time.monotonic()
        preview = self.planner.preview(step, values)

        def finish(status: str, message: str = "", exit_code: int | None = None) -> str:
            event = self._log("step_finished", run_id, step.id, status=status, message=message,
                              exit_code=exit_code, duration=round(time.monotonic() - t0, 3))
            # what the operator is asked about on failure: as journaled, so already redacted
            self._failure[step.id] = event.data.get("message") or status
            return status

        self._log("step_started", run_id, step.id, title=self.planner.title(step, values),
                  kind=step.kind, command=preview)
        repo = self.config.repo
        cwd = repo / substitute(step.cwd, values) if step.cwd else repo
        if not self.planner.applies(step, values):
            name = (step.when or "").split("=", 1)[0]
            return finish("skipped", f"not for this release: {name} is {values.get(name)!r}")
        if step.skip_if:
            probe_argv = render_argv(step.skip_if, values)
            probe = await self.runner.run(probe_argv, cwd=cwd, timeout=120)
            if probe.exit_code == 0:
                shown = self.planner.show(probe_argv)
                return finish("skipped", f"already done: `{shown}` succeeded")
        if step.kind == "forge" and step.confirm and (
                done := await self.release_steps.forge_done(step, values)):
            return finish("skipped", done)  # nothing to confirm: the forge is already there
        if step.confirm and step.kind not in {"edit", "gate", "announce"}:
            if not await self._confirm(run_id, step, self.planner.preview(step, values,
                                                                          probe=False),
                                       interaction):
                return finish("declined", "the operator declined")
            t0 = time.monotonic()  # the step's time is the command's, not the operator's
        sink = self._sink(run_id, step.id)
        if step.kind == "shell":
            return await self._shell(run_id, step, values, cwd, sink, finish)
        if step.kind == "edit":
            return await self._edit(run_id, step, values, interaction, finish)
        if step.kind == "build":
            return await self._build(values.get("version", self.config.release.version), finish)
        if step.kind == "forge":
            return await self.release_steps.forge(step, values, sink, finish)
        if step.kind == "announce":
            return await self.release_steps.announce(run_id, step, values, interaction, sink,
                                                     finish)
        if step.kind == "manual":
            answer = await interaction.manual(step.model_copy(update={
                "title": self.planner.title(step, values),
                "instructions": self.planner.text(step.instructions, values)}))
            if answer is None:
                return finish("declined", "the operator stopped here")
            self._log("manual_done", run_id, step.id, done=answer.done, note=answer.note,
                      operator=self.operator)
            return finish("ok" if answer.done else "failed", answer.note)
        return await self._gate(run_id, playbook, step, values, interaction, sink, finish)

    def _sink(self, run_id: str, step_id: str) -> Callable[[Sequence[str]], None]:
        tail = self._tail[step_id] = deque(maxlen=TAIL_LINES)

        def sink(lines: Sequence[str]) -> None:
            event = self._log("output", run_id, step_id, text=text_of(lines), count=len(lines))
            # the last lines as journaled (redacted), without splitting the whole batch
            tail.extend(str(event.data["text"]).rsplit("\n", TAIL_LINES)[-TAIL_LINES:])

        return sink

    async def _shell(self, run_id: str, step: Step, values: Mapping[str, str], cwd: Any,
                     sink: Callable[[Sequence[str]], None], finish: Callable[..., str]) -> str:
        command = self.planner.command(step, values)
        env = {k: substitute(v, values) for k, v in step.env.items()}
        status, message, code = "failed", "", None
        for attempt in range(step.retries + 1):
            if attempt:
                self._log("step_retry", run_id, step.id, attempt=attempt, of=step.retries,
                          after=message)
                await asyncio.sleep(step.retry_delay)
            def started(pgid: int) -> None:
                self._log("step_process", run_id, step.id, pgid=pgid, host=socket.gethostname())

            result = await self.runner.run(command, cwd=cwd, env=env, timeout=step.timeout,
                                           sink=sink, on_start=started)
            code = result.exit_code
            if result.error:
                return finish("failed", result.error)
            pattern = (self.planner.expectation(step.expect_output, values)
                       if step.expect_output else None)
            found = re.search(pattern, result.text, re.MULTILINE) if pattern else None
            if result.timed_out:
                status, message = "timeout", f"timed out after {step.timeout:g}s"
            elif code != step.expect_exit:
                status, message = "failed", f"exit code {code} (expected {step.expect_exit})"
            elif pattern and not found:
                status, message = "failed", f"output does not match /{pattern}/"
            elif found:  # say what was checked, in the words of the output
                return finish("ok", f"exit code {code}; output has {found.group(0).strip()!r}",
                              code)
            else:
                return finish("ok", f"exit code {code}", code)
        return finish(status, message, code)

    async def _build(self, version: str, finish: Callable[..., str]) -> str:
        from cockpit.builds.matrix import BuildMatrix, assign

        config = self.config.for_version(version)  # a hotfix's: smoke test, dist dir follow
        matrix = BuildMatrix(config, self.journal, listener=self.listener)
        work = matrix.run(assign(config))
        build_id = await (self.offload(work) if self.offload is not None else work)
        result = self.journal.events(kinds=["build_finished"], run_id=build_id)[-1].data
        summary = ", ".join(f"{t}: {o}" for t, o in result["results"].items())
        if result["status"] == "ok":
            return finish("ok", f"build {build_id}: {summary}; artifacts in {matrix.dist}")
        return finish("failed", f"build {build_id}: {summary} (details: builds screen, b)")

    async def _confirm(self, run_id: str, step: Step, shown: str,
                       interaction: Interaction) -> bool:
        """Ask before a step that cannot be taken back; the answer is journaled, with who."""
        yes = await interaction.confirm(step, shown)
        self._log("step_confirmed", run_id, step.id, confirmed=yes, operator=self.operator)
        return yes

    async def _edit(self, run_id: str, step: Step, values: Mapping[str, str],
                    interaction: Interaction, finish: Callable[..., str]) -> str:
        assert step.file and step.pattern and step.replace is not None
        path = self.config.repo / substitute(step.file, values)
        try:
            plan = plan_edit(path, step.pattern, step.replace, values, step.count)
        except OSError as exc:
            return finish("failed", f"cannot read {path}: {exc.strerror}")
        if plan.matches == 0:
            return finish("failed", f"/{step.pattern}/ matches nothing in {path}")
        if plan.after == plan.before:
            return finish("skipped", f"{path.name} already says that")
        if not await self._confirm(run_id, step, plan.diff, interaction):
            return finish("declined", "the operator declined the edit")
        try:
            plan.apply()
        except OSError as exc:
            return finish("failed", f"cannot write {path}: {exc.strerror}")
        return finish("ok", f"edited {path.name} ({plan.matches} replacement(s))\n{plan.diff}")

    async def _gate(self, run_id: str, playbook: Playbook, step: Step,
                    values: Mapping[str, str], interaction: Interaction,
                    sink: Callable[[Sequence[str]], None], finish: Callable[..., str]) -> str:
        item = self.runbook.item_for(playbook.name)
        item_id = item.id if item else playbook.name
        checks = CheckRunner(self.config.repo, values, max_size_mb=self.config.build.max_size_mb,
                             runner=self.runner)
        results: list[CheckResult] = []
        for index, check in enumerate(step.checks):
            result = await checks.run(check, sink)
            self._log("check_result", run_id, step.id, index=index, **result.as_dict())
            results.append(result)
        answer = await interaction.gate(step, item_id, results)
        if answer is None:
            return finish("declined", "no decision recorded")
        manual = [(i, c) for i, c in enumerate(step.checks) if c.kind == "manual"]
        for (index, check), (ticked, note) in zip(manual, answer.ticks, strict=False):
            self._log("manual_check", run_id, step.id, index=index, title=check.title,
                      ticked=ticked, note=note, operator=self.operator)
        failed = sum(1 for r in results if r.ok is False)
        self._log("gate_decision", run_id, step.id, item=item_id, decision=answer.decision,
                  rationale=answer.rationale, operator=self.operator, failed_checks=failed)
        if answer.decision == "GO":
            return finish("ok", f"GO: {answer.rationale}")
        return finish("no-go", f"NO-GO: {answer.rationale}")

    def _stop_leftovers(self, run_id: str) -> None:
        """A cockpit killed mid-step leaves its command running: stop it before going on."""
        for event in self.journal.events(kinds=["step_process"], run_id=run_id):
            pgid, host = event.data.get("pgid"), event.data.get("host")
            if isinstance(pgid, int) and host == socket.gethostname() and group_alive(pgid):
                kill_group(pgid)
                self._log("leftover_stopped", run_id, event.step, pgid=pgid,
                          message=f"stopped process group {pgid} left by the interrupted run")

    def override(self, item_id: str, rationale: str) -> Event:
        """Lift a NO-GO's block explicitly; journaled with who and why."""
        if not rationale.strip():
            raise CockpitError([Problem("an override needs a rationale", field="rationale")])
        return self._log("gate_override", item=item_id, rationale=rationale,
                         operator=self.operator)

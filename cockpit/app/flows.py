"""The operator's flows: start a playbook (parameters, the whole plan, a yes, then the run),
resolve an interrupted run, override a NO-GO, quit.

Each flow is one coroutine run as a worker, asking through `Host.ask` (one dialog at a time); what reads the
repository (defaults, validation, the plan) runs on a thread, never while a key is handled.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Mapping
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import Any, Literal, cast

from textual.worker import Worker, WorkerState

from cockpit.app.host import Host
from cockpit.app.interaction import UiInteraction
from cockpit.app.resources import Resources
from cockpit.app.waiting import Waiting
from cockpit.engine.defaults import emergency_defaults
from cockpit.engine.engine import Engine
from cockpit.errors import CockpitError
from cockpit.journal import events as ev
from cockpit.params import default_or_blank, prose
from cockpit.state.gates import blocked_by
from screens.modals import ConfirmModal, ParamsModal, ResolveModal, StepConfirmModal, TextModal


class Flows:
    def __init__(self, app: Host, engine: Engine) -> None:
        self.app = app
        self.engine = engine
        self._runs: dict[str, Worker[None]] = {}
        """The runs going on, by playbook: several at once (a hotfix while a P0 waits), one
        of each playbook; those that need the same thing take turns (`Resources`)."""
        self.resources = Resources()
        self.waiting = Waiting(app)
        self._asking = False
        """A flow is asking the operator (parameters, the plan, ...): one flow at a time."""

    def running(self, playbook: str | None = None) -> bool:
        return bool(self.running_playbooks() if playbook is None
                    else playbook in self.running_playbooks())

    def running_playbooks(self) -> list[str]:
        return [name for name, worker in self._runs.items()
                if worker.state in {WorkerState.PENDING, WorkerState.RUNNING}]

    def cancel_run(self, playbook: str | None = None) -> None:
        """Cancel `playbook`'s run (None: every run)."""
        for name in self.running_playbooks():
            if playbook in {None, name}:
                self._runs[name].cancel()
                self.app.notify(f"cancelling {name}")

    def ask_cancel(self, selected: str | None) -> None:
        """`c`: the selected item's run (with only one going, that one); stopping it is asked
        first (escape or n keeps it); the question closes itself once the run has ended."""
        running = self.running_playbooks()
        playbook = selected if selected in running else (
            running[0] if len(running) == 1 else None)
        if playbook is not None:
            self.app.run_worker(self._ask_cancel(playbook), group="flow", exit_on_error=False)
        elif running:
            self.app.notify(f"{len(running)} runs: select the item of the one to cancel",
                            severity="warning")

    def answer(self, selected: str | None) -> None:
        """`w`: the question the selected item's run waits on, else the one waiting longest."""
        if not ((selected and self.waiting.take(selected)) or self.waiting.take()):
            self.app.notify("no run waits for an answer", timeout=3)

    async def _ask_cancel(self, playbook: str) -> None:
        answer = await self.app.ask(ConfirmModal(
            f"Cancel {playbook}?",
            "Its running step's processes are stopped (the whole process group) and the run "
            "is journaled as aborted; run it again later from its item.",
            confirm_label="Stop the run (y)", cancel_label="Keep it running (n)",
            still_needed=lambda: self.running(playbook)))
        if answer:
            self.cancel_run(playbook)

    def start_up(self, autorun: tuple[str, dict[str, str], bool] | None) -> None:
        """At start: a run a crash interrupted is resolved first; then what the command line
        asked for (`cockpit run` without --headless)."""
        interrupted = self.app.state.interrupted_runs()
        if interrupted:
            self.resolve(interrupted[-1].run_id)
            if autorun is not None:
                self.app.notify(f"{autorun[0]} not started: resolve the interrupted run first",
                                severity="warning", timeout=10)
        elif autorun is not None:
            name, params, dry_run = autorun
            self.start(name, dry_run, params)

    # starting a playbook --------------------------------------------------------------------

    def _busy(self, playbook: str) -> bool:
        """Say so, when this playbook runs already or another flow is asking."""
        if self.running(playbook):
            self.app.notify(f"{playbook} is running already: wait for it or cancel it (c)",
                            severity="warning")
        elif self._asking:
            self.app.notify("answer the question on screen first", severity="warning")
        return self.running(playbook) or self._asking

    def _flow(self, work: Coroutine[Any, Any, None]) -> None:
        """Run one flow as a worker; while it asks, no other flow starts."""
        async def flow() -> None:
            self._asking = True
            try:
                await work
            finally:
                self._asking = False

        self.app.run_worker(flow(), group="flow", exit_on_error=False)

    def start(self, name: str, dry_run: bool = False, given: dict[str, str] | None = None, *,
              show_plan: bool = False, at_once: bool = False, incident: str = "") -> None:
        """`at_once`: the run's questions open as they come (the operator is on it: `u`);
        `incident`: started from it (journaled with the run)."""
        if not dry_run and self.waiting.take(name):  # its run waits: that question
            return
        if not self._busy(name):
            self._flow(self._start(name, dry_run, given, show_plan, at_once, incident))

    async def _start(self, name: str, dry_run: bool, given: dict[str, str] | None,
                     show_plan: bool, at_once: bool = False, incident: str = "") -> None:
        app, engine = self.app, self.engine
        playbook = app.runbook.playbooks[name]
        block = blocked_by(app.runbook, app.state, name, app.config.release.gates)
        if block is not None and not dry_run:  # said now, not after its parameters
            app.notify(f"{block}: select the gate and press o to go past it, on record",
                       severity="error", title=playbook.title)
            return
        if (cut := [r for r in app.state.interrupted_runs() if r.playbook == name]) and not dry_run:
            return await self._resolve(cut[-1].run_id)  # never a second run beside it: go on
        if playbook.emergency and not dry_run:  # from its row, the palette or H / R: the same
            # from the facts (the forge, origin, what the app has folded), as on the
            # command line; what was given (`cockpit run rollback --param …`) wins
            found = await emergency_defaults(name, app.state, app.config)
            given = {**found, **(given or {})}  # "" from the facts: there is none (no
            # published release older than the bad one): asked, not the config's guess
            show_plan = True
        values: dict[str, str] = {}
        if playbook.params:
            context = await asyncio.to_thread(engine.planner.context)
            defaults = {k: given[k] if given and k in given else default_or_blank(spec.default, context)
                        for k, spec in playbook.params.items()}

            async def validate(chosen: dict[str, str]) -> list[str]:
                try:
                    await asyncio.to_thread(engine.planner.values, playbook, chosen)
                except CockpitError as exc:
                    return [f"{p.field}: {p.message}" + (f" ({p.fix})" if p.fix else "")
                            for p in exc.problems]
                return []

            title = f"{'Dry-run' if dry_run else 'Run'}: {playbook.title}"
            answer = await app.ask(
                ParamsModal(title, playbook.params, defaults, validate))
            if answer is None:
                return
            values = answer
        if show_plan:
            planner = engine.planner
            plan = await asyncio.to_thread(lambda: planner.plan_text(
                playbook, planner.values(playbook, values), to_confirm=True))
            yes = await app.ask(ConfirmModal(
                f"{playbook.title}: the plan", PLAN_COVERS + plan, confirm_label="Start it (y)"))
            if not yes:
                return
        app.timeline.follow_run(name)
        if self.running(name):  # it was started meanwhile (from the command palette)
            app.notify(f"{name} not started again: it is running", severity="warning")
            return
        self._runs[name] = app.run_worker(self._playbook(name, dry_run, values, show_plan,
                                                         at_once, incident),
                                          group="playbook", exit_on_error=False)

    def _hold(self, name: str, dry_run: bool = False
              ) -> AbstractAsyncContextManager[list[str]]:
        """What the run needs, taken in turn with the other runs (dry runs change nothing)."""
        if dry_run:
            return nullcontext([])
        return self.resources.hold(name, self.app.runbook.playbooks[name].uses(),
                                   lambda said: self.app.notify(said, title=name, timeout=10))

    async def _still_wanted(self, name: str, waited: list[str]) -> bool:
        """A run that waited its turn starts only on a fresh yes: what it was confirmed on
        may have changed meanwhile (the question waits like a step's: w answers it)."""
        if not waited:
            return True
        yes = await self.waiting.wait(name, "start now?", lambda: StepConfirmModal(
            f"{name} can start now", f"It waited for {', '.join(waited)} to end; the "
            "repository and the forge may have changed since you confirmed it. Its values "
            "are checked again as it starts.", confirm_label="Start it (y)",
            cancel_label="Don't (n)"))
        if not yes:
            self.app.notify(f"{name} not started", title=name)
        return bool(yes)

    async def _playbook(self, name: str, dry_run: bool, values: Mapping[str, str],
                        plan_confirmed: bool, at_once: bool = False, incident: str = "") -> None:
        app = self.app
        try:
            async with self._hold(name, dry_run) as waited:
                if not await self._still_wanted(name, waited):
                    return
                outcome = await self.engine.run(name, values, UiInteraction(
                    app, self.waiting, name, at_once=at_once), dry_run=dry_run,
                    plan_confirmed=plan_confirmed, incident=incident)
        except CockpitError as exc:
            app.notify(str(exc), severity="error", title=f"{name} not started", timeout=10)
            return
        app.poll_journal()
        if dry_run:
            previews = await asyncio.to_thread(
                app.journal.events, kinds=[ev.Kind.DRY_RUN_STEP], run_id=outcome.run_id)
            body = "\n\n".join(f"▷ {e.step}\n{e.payload.preview}" for e in previews
                               if isinstance(e.payload, ev.DryRunStep))
            await app.ask(ConfirmModal(
                f"Dry run: {app.runbook.playbooks[name].title} (nothing was run)", body,
                confirm_label="Close", cancel_label=None))
            return
        if outcome.status == ev.RunStatus.INCOMPLETE:
            titles = {s.id: s.title for s in app.runbook.playbooks[name].steps}
            app.notify(f"{name}: incomplete. Not done: "
                       + "; ".join(titles.get(m, m) for m in outcome.missed),
                       severity="warning", timeout=10)
            return
        app.notify(f"{name}: {outcome.status}",
                   severity="information" if outcome.status == ev.RunStatus.OK else "error")

    # the other flows ------------------------------------------------------------------------

    def resolve(self, run_id: str) -> None:
        """A run a crash interrupted: re-run its step, mark it done or skip it, then go on."""
        if run_id in self.app.state.runs and not self._busy(self.app.state.runs[run_id].playbook):
            self._flow(self._resolve(run_id))

    async def _resolve(self, run_id: str) -> None:
        app = self.app
        run = app.state.runs[run_id]
        step_state = run.interrupted_step
        playbook = app.runbook.playbooks.get(run.playbook)
        step = None
        if playbook is not None and step_state is not None:
            step = next((s for s in playbook.steps if s.id == step_state.id), None)
        if step is not None:  # its title as it ran: filled with the run's journaled values
            values = {**app.config.context(), **run.params}
            step = step.model_copy(update={"title": prose(step.title, values)})
        answer = await app.ask(ResolveModal(
            run.playbook, step, step_state.id if step_state else "?",
            step_state.command if step_state else ""))
        if answer is None:
            return
        action, note = answer
        self._runs[run.playbook] = app.run_worker(
            self._resume(run_id, run.playbook, action, note), group="playbook",
            exit_on_error=False)

    async def _resume(self, run_id: str, name: str, action: str, note: str) -> None:
        try:
            async with self._hold(name) as waited:
                if not await self._still_wanted(name, waited):
                    return
                outcome = await self.engine.resume(
                    run_id, cast(Literal["rerun", "done", "skip"], action), note,
                    UiInteraction(self.app, self.waiting, name))
        except CockpitError as exc:
            self.app.notify(str(exc), severity="error")
            return
        self.app.notify(f"resumed run {run_id}: {outcome.status}")

    def override(self, item: str, *, undecided: bool = False) -> None:
        if not self._asking:
            self._flow(self._override(item, undecided))

    async def _override(self, item: str, undecided: bool) -> None:
        title = ("Proceed without a GO/NO-GO decision" if undecided else "Override the NO-GO")
        rationale = await self.app.ask(TextModal(
            title, "Rationale (journaled with your name and the time)"))
        if rationale:
            self.engine.override(item, rationale, undecided=undecided)
            self.app.poll_journal()
            self.app.notify(f"{'proceeding without a decision' if undecided else 'override'} "
                            f"recorded for {item}")


PLAN_COVERS = ("A yes starts it and covers every step below; those marked [asks again] (they "
               "push, publish or post) ask once more before they run, and those marked [waits "
               "for you] wait for your answer.\n\n")

"""The Textual app: the composition root that wires the journal and engine to the screens.

The controller owns the journal's lock and an `Engine`; a spectator opens the journal
read-only and has no engine at all, so nothing it can press changes anything. Both render
the same projection of the journal, polled every 200 ms (the controller's own writes and a
spectator's view of them travel the same path: journal first, screen second).
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Coroutine
from functools import partial
from typing import Any, Literal, TypeVar, cast

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.worker import Worker, WorkerState

import cockpit
from cockpit.app.interaction import UiInteraction
from cockpit.builds.matrix import Assignment, BuildMatrix, assign
from cockpit.clock import Clock, SystemClock
from cockpit.config import Config
from cockpit.engine.engine import Engine
from cockpit.errors import CockpitError
from cockpit.journal import events as ev
from cockpit.journal.store import Journal, JournalLocked
from cockpit.loopthread import LoopThread
from cockpit.runbook.model import Runbook
from cockpit.state.builds import BuildState
from cockpit.state.launch import LaunchState
from screens.builds import BuildsScreen
from screens.help import HelpScreen
from screens.modals import (
    ConfirmModal,
    ParamsModal,
    ResolveModal,
    TextModal,
)
from screens.timeline import TimelineScreen
from widgets.header import CockpitHeader

POLL_SECONDS = 0.2
LOADED_LINES = 10_000
"""A log opened in a pane starts with its last lines (the pane keeps no more)."""
S = TypeVar("S")
T = TypeVar("T")


class CockpitCommands(Provider):
    """Command palette: every playbook (controller only) and every screen."""

    def _commands(self) -> list[tuple[str, str, object]]:
        app = cast(CockpitApp, self.app)
        commands: list[tuple[str, str, object]] = [
            ("Show timeline", "The runbook on its timeline", partial(app.switch_mode, "timeline")),
            ("Help: keys", "Every key, from the live bindings", app.action_help),
        ]
        if app.engine is not None:
            for name, pb in sorted(app.runbook.playbooks.items()):
                commands.append((f"Run playbook: {name}", pb.title,
                                 partial(app.start_playbook, name, False)))
                commands.append((f"Dry-run playbook: {name}", pb.title,
                                 partial(app.start_playbook, name, True)))
        return commands

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback,  # type: ignore[arg-type]
                          help=help_text)


class CockpitApp(App[int]):
    TITLE = "Launch Cockpit"
    COMMANDS = App.COMMANDS | {CockpitCommands}
    BINDINGS = [
        Binding("t", "switch_mode('timeline')", "Timeline", id="mode-timeline",
                tooltip="The runbook on its timeline"),
        Binding("b", "switch_mode('builds')", "Builds", id="mode-builds",
                tooltip="The build matrix: targets by stages, live logs"),
        Binding("H", "emergency('hotfix')", "Hotfix", id="hotfix",
                tooltip="Start a hotfix: parameters, the whole plan, then your yes"),
        Binding("R", "emergency('rollback')", "Rollback", id="rollback",
                tooltip="Start a rollback: parameters, the whole plan, then your yes"),
        Binding("question_mark,f1", "help", "Help", id="help", tooltip="Every key, live"),
        Binding("q", "quit_cockpit", "Quit", id="quit",
                tooltip="Quit (asks first while a playbook runs)"),
    ]

    def __init__(self, config: Config, runbook: Runbook, journal: Journal, *,
                 clock: Clock | None = None, spectator_reason: str | None = None,
                 autorun: tuple[str, dict[str, str], bool] | None = None,
                 build: list[Assignment] | None = None,
                 poll_seconds: float = POLL_SECONDS) -> None:
        super().__init__()
        self.config = config
        self.runbook = runbook
        self.journal = journal
        self.clock = clock or SystemClock()
        self.spectator_reason = spectator_reason
        self._build_loop: LoopThread | None = None
        self.engine = None if not journal.writable else Engine(config, runbook, journal,
                                                               offload=self.off_loop)
        self.state = LaunchState()
        self.builds = BuildState()
        self.autorun = autorun
        self.autobuild = build
        self._build_worker: Worker[object] | None = None
        self._matrix: BuildMatrix | None = None
        self.poll_seconds = poll_seconds
        self._run_worker: Worker[object] | None = None
        self._header_tick: object = None
        role = ("CONTROLLER " + (self.engine.operator if self.engine else "") if self.engine
                else "SPECTATOR (read-only)")
        self.role = role.strip()
        self.add_mode("timeline", partial(TimelineScreen, config, runbook, role=self.role,
                                          can_act=self.engine is not None,
                                          load_output=self.load_output))
        self.add_mode("builds", partial(BuildsScreen, can_act=self.engine is not None,
                                        load_output=self.load_output,
                                        alternatives=self.alternative_builder,
                                        release=f"{config.release.name} v{config.release.version}",
                                        role=self.role, planned=self._planned))

    def _planned(self) -> str:
        """The matrix as configured: each target and the builder it goes to, or why not
        (asked when builds mode first opens: finding the host's triple runs rustc)."""
        try:
            return "\n".join(f"  {a.target}  on {a.builder.name} ({a.builder.kind}"
                             + (f" {a.builder.host}" if a.builder.host else "") + ")"
                             for a in assign(self.config))
        except CockpitError as exc:
            return f"  cannot plan the matrix: {exc}"

    # lifecycle ------------------------------------------------------------------------------

    def _hang_up(self) -> None:
        for worker in (self._run_worker, self._build_worker):
            if worker is not None:
                worker.cancel()
        self.exit(1)

    async def off_loop(self, work: Coroutine[Any, Any, T]) -> T:
        """Run build work on its own thread's loop, so streaming logs never delay a key."""
        if self._build_loop is None:
            self._build_loop = LoopThread("cockpit-builds")
        return await self._build_loop.run(work)

    async def on_unmount(self) -> None:
        if self._build_loop is not None:  # a build cancelled by quitting stops its processes
            await asyncio.to_thread(self._build_loop.close)

    async def on_mount(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGHUP, signal.SIGTERM):  # a closed terminal must not orphan steps
            loop.add_signal_handler(sig, self._hang_up)
        await self.switch_mode("timeline")  # mounted before the first poll: no empty frame
        self.call_after_refresh(cockpit.started)  # start-up ends with the first frame
        self.sub_title = self.role
        self.poll_journal()
        self.set_interval(self.poll_seconds, self.poll_journal)
        if self.spectator_reason and "another cockpit" in self.spectator_reason:
            self.notify(f"{self.spectator_reason}: you can watch, not act", timeout=10,
                        title="Opened as spectator")
        if self.engine is not None:
            interrupted = self.state.interrupted_runs()
            if interrupted:
                self.call_later(self.resolve_run, interrupted[-1].run_id)
            elif self.autorun is not None:
                name, params, dry_run = self.autorun
                self.call_later(self.start_playbook, name, dry_run, params)
            if interrupted and self.autorun is not None:
                self.notify(f"{self.autorun[0]} not started: resolve the interrupted run first",
                            severity="warning", timeout=10)
            if self.autobuild is not None:
                self.switch_mode("builds")
                self.start_build(self.autobuild)

    def poll_journal(self) -> None:
        """Fold new journal events into the state and hand the projection to the screen."""
        screen = self.timeline_screen() if self.current_mode == "timeline" else (
            self._mode_screen("builds", BuildsScreen))
        try:
            events = self.journal.events(
                after=self.state.last_id,
                output_of=screen.output_sources() if screen is not None else (),
                output_tail=screen.output_tail() if screen is not None else None)
        except CockpitError as exc:
            self.notify(str(exc), severity="error", title="journal")
            return
        self.state.apply(events)
        self.builds.apply(events)
        for event in events:
            group = event.payload if event.kind == ev.Kind.REMOTE_GROUP else None
            if (isinstance(group, ev.RemoteGroup) and group.leftover
                    and group.state == ev.GroupState.STOPPED and self.engine is not None
                    and event.session == self.journal.session):
                self.notify(f"stopped process group {group.pgid} on {group.builder}: a lost "
                            "connection had left it running", title="builder cleaned up",
                            timeout=10)
        # Only the visible mode renders; the other catches up when it is shown again.
        if self.current_mode == "timeline":
            timeline = self.timeline_screen()
            if timeline is not None and timeline.is_mounted:
                timeline.refresh_view(self.state, self.clock.now(), events)
        elif self.current_mode == "builds":
            builds = self._mode_screen("builds", BuildsScreen)
            if builds is not None and builds.is_mounted:
                builds.refresh_view(self.builds, events)
                self._builds_header(builds)

    def _builds_header(self, builds: BuildsScreen) -> None:
        """The same header in builds mode: clock, T-offset, what runs, what is overdue (once a
        second: while logs stream, every poll brings events)."""
        now = self.clock.now()
        tick = now.replace(microsecond=0)
        timeline = self.timeline_screen()
        if timeline is None or tick == self._header_tick:
            return
        self._header_tick = tick
        view, active = timeline.header_content(self.state, now)
        builds.query_one(CockpitHeader).show(view, self.config.release.timezone, active=active)

    def timeline_screen(self) -> TimelineScreen | None:
        """The timeline mode's screen, even while a modal or another mode is on top."""
        return self._mode_screen("timeline", TimelineScreen)

    def _mode_screen(self, mode: str, kind: type[S]) -> S | None:
        stack = self._screen_stacks.get(mode) or []
        return next((s for s in stack if isinstance(s, kind)), None)

    def load_output(self, run_id: str, step: str | None = None) -> list[str]:
        lines: list[str] = []
        # only what the state has seen: newer lines arrive through the next poll
        for event in self.journal.events(kinds=["output"], run_id=run_id,
                                         upto=self.state.last_id, output_of=[(run_id, step)],
                                         output_tail=LOADED_LINES):
            if step is None or event.step == step:
                lines.extend(event.lines())
        return lines[-LOADED_LINES:]

    # builds ---------------------------------------------------------------------------------

    def alternative_builder(self, target: str, current: str) -> str | None:
        return next((b.name for b in self.config.builders if b.name != current and
                     (target in b.targets or (b.kind == "local" and not b.targets))), None)

    def building(self) -> bool:
        return self._build_worker is not None and self._build_worker.state in {
            WorkerState.PENDING, WorkerState.RUNNING}

    def start_build(self, assignments: list[Assignment], retry_of: str | None = None) -> None:
        if self.engine is None:
            return
        if self.building():
            self.notify("a build is already running: cancel it (x) or wait", severity="warning")
            return
        self._build_worker = self._run_build(assignments, retry_of)

    @work(group="build", exclusive=True, exit_on_error=False)
    async def _run_build(self, assignments: list[Assignment], retry_of: str | None) -> None:
        matrix = BuildMatrix(self.config, self.journal)
        self._matrix = matrix
        try:
            await self.off_loop(matrix.run(assignments, retry_of=retry_of))
        except CockpitError as exc:
            self.notify(str(exc), severity="error", title="build not started", timeout=10)
            return
        self.poll_journal()
        ok = matrix.finished is not None and matrix.finished.status == ev.BuildStatus.OK
        status = matrix.finished.status if matrix.finished is not None else "?"
        self.notify(f"build {status}" + (f": artifacts in {matrix.dist}" if ok else ""),
                    severity="information" if ok else "error", timeout=8)

    def on_builds_screen_build_requested(self, message: BuildsScreen.BuildRequested) -> None:
        try:
            assignments = assign(self.config, message.targets, message.builder)
        except CockpitError as exc:
            self.notify(str(exc), severity="error")
            return
        self.start_build(assignments, message.retry_of)

    def on_builds_screen_cancel_requested(self, message: BuildsScreen.CancelRequested) -> None:
        if not self.building() or self._build_worker is None:
            return
        if message.target is not None and self._matrix is not None:
            if self._matrix.cancel_target(message.target):
                self.notify(f"cancelling {message.target}: its processes are being stopped")
            return
        self._build_worker.cancel()
        self.notify("cancelling the build: stopping every process on every builder")

    # playbooks ------------------------------------------------------------------------------

    def running(self) -> bool:
        return self._run_worker is not None and self._run_worker.state in {
            WorkerState.PENDING, WorkerState.RUNNING}

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Spectators are not offered what they cannot do (H and R leave their footer)."""
        return not (action == "emergency" and self.engine is None)

    def action_emergency(self, name: str) -> None:
        """H / R from any screen: parameters, the whole plan, an explicit yes, then the run
        on the timeline, step by step."""
        if name not in self.runbook.playbooks:
            self.notify(f"no {name} playbook in the runbook", severity="error")
            return
        if self.current_mode != "timeline":
            self.switch_mode("timeline")
        self.start_playbook(name, show_plan=True)  # emergency defaults, as from its row

    def start_playbook(self, name: str, dry_run: bool = False,
                       given: dict[str, str] | None = None, *, show_plan: bool = False) -> None:
        if self.engine is None:
            self.notify("spectators cannot run playbooks", severity="error")
            return
        if self.running():
            self.notify("a playbook is already running: wait for it or cancel it (c)",
                        severity="warning")
            return
        playbook = self.runbook.playbooks[name]
        if playbook.emergency and not dry_run:  # from its row, the palette or H / R: the same
            given = self.engine.emergency_defaults(name) if given is None else given
            show_plan = True
        if not playbook.params:
            self._launch(name, dry_run, {})
            return
        context = self.engine.planner.context()
        defaults = {k: (given or {}).get(k) or _default(spec.default, context)
                    for k, spec in playbook.params.items()}

        def validate(values: dict[str, str]) -> list[str]:
            try:
                assert self.engine is not None
                self.engine.planner.values(playbook, values)
            except CockpitError as exc:
                return [f"{p.field}: {p.message}" + (f" ({p.fix})" if p.fix else "")
                        for p in exc.problems]
            return []

        def chosen(values: dict[str, str] | None) -> None:
            if values is None:
                return
            if not show_plan:
                self._launch(name, dry_run, values)
                return
            assert self.engine is not None
            planner = self.engine.planner
            plan = planner.plan_text(playbook, planner.values(playbook, values))

            def confirmed(yes: bool | None) -> None:
                if yes:
                    self._launch(name, dry_run, values, plan_confirmed=True)

            self.push_screen(ConfirmModal(f"{playbook.title}: the plan", plan,
                                          confirm_label="Start it (y)"), confirmed)

        title = f"{'Dry-run' if dry_run else 'Run'}: {playbook.title}"
        self.push_screen(ParamsModal(title, playbook.params, defaults, validate), chosen)

    def _launch(self, name: str, dry_run: bool, values: dict[str, str], *,
                plan_confirmed: bool = False) -> None:
        timeline = self.timeline_screen()
        if timeline is not None:
            timeline.follow_run(name)
        self._run_worker = self._run_playbook(name, dry_run, values, plan_confirmed)

    @work(group="playbook", exclusive=True, exit_on_error=False)
    async def _run_playbook(self, name: str, dry_run: bool, values: dict[str, str],
                            plan_confirmed: bool = False) -> None:
        assert self.engine is not None
        try:
            outcome = await self.engine.run(name, values, UiInteraction(self), dry_run=dry_run,
                                            plan_confirmed=plan_confirmed)
        except CockpitError as exc:
            self.notify(str(exc), severity="error", title=f"{name} not started", timeout=10)
            return
        self.poll_journal()
        if dry_run:
            previews = self.journal.events(kinds=[ev.Kind.DRY_RUN_STEP], run_id=outcome.run_id)
            body = "\n\n".join(f"▷ {e.step}\n{e.payload.preview}" for e in previews
                               if isinstance(e.payload, ev.DryRunStep))
            self.push_screen(ConfirmModal(f"Dry run: {self.runbook.playbooks[name].title} "
                                          "(nothing was run)", body, confirm_label="Close",
                                          cancel_label=None))
            return
        if outcome.status == ev.RunStatus.INCOMPLETE:
            titles = {s.id: s.title for s in self.runbook.playbooks[name].steps}
            self.notify(f"{name}: incomplete. Not done: "
                        + "; ".join(titles.get(m, m) for m in outcome.missed),
                        severity="warning", timeout=10)
            return
        severity: Literal["information", "error"] = (
            "information" if outcome.status == ev.RunStatus.OK else "error")
        self.notify(f"{name}: {outcome.status}", severity=severity)

    def resolve_run(self, run_id: str) -> None:
        run = self.state.runs.get(run_id)
        if run is None or self.engine is None or self.running():
            return
        step_state = run.interrupted_step
        playbook = self.runbook.playbooks.get(run.playbook)
        step = None
        if playbook is not None and step_state is not None:
            step = next((s for s in playbook.steps if s.id == step_state.id), None)

        def chosen(answer: tuple[str, str] | None) -> None:
            if answer is not None:
                action, note = answer
                self._run_worker = self._resume(run_id, action, note)

        self.push_screen(ResolveModal(run.playbook, step, step_state.id if step_state else "?",
                                      step_state.command if step_state else ""), chosen)

    @work(group="playbook", exclusive=True, exit_on_error=False)
    async def _resume(self, run_id: str, action: str, note: str) -> None:
        assert self.engine is not None
        try:
            outcome = await self.engine.resume(
                run_id, cast(Literal["rerun", "done", "skip"], action), note, UiInteraction(self))
        except CockpitError as exc:
            self.notify(str(exc), severity="error")
            return
        self.notify(f"resumed run {run_id}: {outcome.status}")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.group == "playbook":
            self.notify(f"playbook stopped by an error: {event.worker.error}", severity="error",
                        timeout=15)

    # messages from screens ------------------------------------------------------------------

    def on_timeline_screen_run_requested(self, message: TimelineScreen.RunRequested) -> None:
        self.start_playbook(message.playbook, message.dry_run)

    def on_timeline_screen_override_requested(
        self, message: TimelineScreen.OverrideRequested
    ) -> None:
        engine = self.engine
        if engine is None:
            return

        def chosen(rationale: str | None) -> None:
            if rationale:
                engine.override(message.item, rationale)
                self.poll_journal()
                self.notify(f"override recorded for {message.item}")

        self.push_screen(TextModal("Override the NO-GO",
                                   "Rationale (journaled with your name and the time)"), chosen)

    def on_timeline_screen_resolve_requested(self, message: TimelineScreen.ResolveRequested) -> None:
        self.resolve_run(message.run_id)

    def on_timeline_screen_cancel_requested(self, message: TimelineScreen.CancelRequested) -> None:
        if self.running() and self._run_worker is not None:
            self._run_worker.cancel()
            self.notify("cancelling the running playbook")

    # app actions ----------------------------------------------------------------------------

    def action_help(self) -> None:
        """Help from the live bindings: the cockpit's own keys first, then navigation."""
        ours: list[tuple[str, str, str, bool]] = []
        navigation: list[tuple[str, str, str, bool]] = []
        seen: set[tuple[str, str]] = set()
        for active in self.screen.active_bindings.values():
            binding = active.binding
            key = self.get_key_display(binding)
            if (key, binding.action) in seen:
                continue
            seen.add((key, binding.action))
            row = (key, binding.description or binding.action, binding.tooltip, active.enabled)
            (ours if binding.id else navigation).append(row)
        self.push_screen(HelpScreen(ours, navigation, self.role))

    def action_quit_cockpit(self) -> None:
        if not self.running() and not self.building():
            self.exit(0)
            return

        def chosen(yes: bool | None) -> None:
            if yes:
                self.exit(0)

        self.push_screen(ConfirmModal(
            "A playbook or build is running. Quit anyway?",
            "Quitting cancels it: the running step's processes are stopped (on every builder)"
            " and the run is journaled as aborted; run it again later from its item.",
            confirm_label="Quit (y)"), chosen)


def _default(template: str | None, context: dict[str, str]) -> str:
    if template is None:
        return ""
    from cockpit.params import substitute

    try:
        return substitute(template, context)
    except KeyError:
        return ""


def open_journal(config: Config, *, spectate: bool, clock: Clock | None = None
                 ) -> tuple[Journal, str | None]:
    """The controller's journal, or a read-only one (and why) for a spectator."""
    if spectate:
        return Journal.readonly(config.journal_path, clock=clock), "--spectate"
    try:
        return Journal.controller(config.journal_path, clock=clock), None
    except JournalLocked as exc:
        reason = exc.problems[0].message
        return Journal.readonly(config.journal_path, clock=clock), reason


def open_cockpit(config: Config, runbook: Runbook, *, spectate: bool,
                 autorun: tuple[str, dict[str, str], bool] | None = None,
                 build: list[Assignment] | None = None) -> int:
    journal, reason = open_journal(config, spectate=spectate)
    try:
        app = CockpitApp(config, runbook, journal, spectator_reason=reason, autorun=autorun,
                         build=build)
        result = app.run()
    finally:
        journal.close()
    return int(result or 0)

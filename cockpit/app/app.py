"""The Textual app: the composition root that wires the journal and engine to the screens.

The controller owns the journal's lock and an `Engine`; a spectator opens the journal read-only and
has no engine at all, so nothing it can press changes anything. Both render the same projection of
the journal, polled every 200 ms on a worker thread (the controller's own writes and a spectator's
view of them travel the same path: journal first, screen second). The app folds, projects and feeds
the mode on show; flows, builds, metric polls, the palette and crashes have their own modules.
"""

from __future__ import annotations

import asyncio
from collections import deque
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from textual.app import App
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.worker import Worker

if TYPE_CHECKING:
    from cockpit.app.flows import Flows
    from cockpit.engine.engine import Engine
    from cockpit.metrics.state import MetricsState

import cockpit
from cockpit.app.asking import Asking, confirm_quit
from cockpit.app.building import Building, BuildsHost
from cockpit.app.crash import Faults, PlainLastWords
from cockpit.app.feeding import Feeder
from cockpit.app.hangup import on_hangup
from cockpit.app.incidents import IncidentHost
from cockpit.app.keys import BINDINGS
from cockpit.app.modes import MODES, Modes
from cockpit.app.palette import CockpitCommands, PaletteHost
from cockpit.app.polling import MetricPolls
from cockpit.builds.plan import Assignment
from cockpit.clock import Clock, SystemClock
from cockpit.config import Config
from cockpit.engine.plans import plan_key
from cockpit.journal.store import Journal, operator_id
from cockpit.redact import redact
from cockpit.runbook.model import Runbook
from cockpit.state.builds import BuildState
from cockpit.state.launch import LaunchState
from screens.base import ModeScreen
from screens.help import HelpScreen
from screens.notifications import KEPT, Notice, NotificationsScreen
from screens.timeline import TimelineScreen

POLL_SECONDS = 0.2
T = TypeVar("T")


class CockpitApp(PaletteHost, PlainLastWords, IncidentHost, BuildsHost):
    TITLE = "Launch Cockpit"
    COMMANDS = App.COMMANDS | {CockpitCommands}
    BINDINGS = BINDINGS

    def __init__(self, config: Config, runbook: Runbook, journal: Journal, *,
                 clock: Clock | None = None, spectator_reason: str | None = None,
                 autorun: tuple[str, dict[str, str], bool] | None = None,
                 build: list[Assignment] | None = None,
                 poll_seconds: float = POLL_SECONDS) -> None:
        super().__init__()
        self.config, self.runbook, self.journal = config, runbook, journal
        self.clock = clock or SystemClock()
        self.spectator_reason = spectator_reason
        self.autorun, self.autobuild = autorun, build
        self.poll_seconds = poll_seconds
        self.build_control = Building(self)
        self.metric_polls = MetricPolls(self)
        self.feeder = Feeder(self)
        self.asking = Asking(self)
        self.notices: deque[Notice] = deque(maxlen=KEPT)
        """Every toast raised, kept for the notifications log (N)."""
        self.faults = Faults(self)
        self.matrix_plan = ""
        """Which target builds where (planned after the first frame: finding the host's
        triple runs rustc)."""
        self._engine: Engine | None = None
        self._flows: Flows | None = None
        self.role = ("CONTROLLER " + operator_id() if journal.writable
                     else "SPECTATOR (read-only)")
        self.modes = Modes(self)
        for mode in MODES:
            self.add_mode(mode, partial(self.modes.screen, mode))

    @property
    def engine(self) -> Engine | None:
        """The controller's engine (made when first needed: none of it is in the first frame);
        None for a spectator, so nothing it presses changes anything."""
        if self._engine is None and self.journal.writable:
            from cockpit.engine.engine import Engine

            self._engine = Engine(self.config, self.runbook, self.journal,
                                  offload=self.build_control.off_loop)
        return self._engine

    @property
    def flows(self) -> Flows | None:
        if self._flows is None and self.engine is not None:
            from cockpit.app.flows import Flows

            self._flows = Flows(self, self.engine)
        return self._flows

    @property
    def timeline(self) -> TimelineScreen:
        screen = self.modes.screen("timeline")
        assert isinstance(screen, TimelineScreen)
        return screen

    # lifecycle ------------------------------------------------------------------------------

    async def on_mount(self) -> None:
        on_hangup(self, self._hang_up)
        await self.switch_mode("timeline")  # mounted before the first poll: no empty frame
        self.call_after_refresh(self._after_first_frame)
        self.sub_title = self.role
        # the launch's state folded on a worker thread, for the first frame; the metrics after
        await self.feeder.start()
        self.set_interval(self.poll_seconds, self.poll_journal)
        if self.spectator_reason and "another cockpit" in self.spectator_reason:
            self.notify(f"{self.spectator_reason}: you can watch, not act", timeout=10,
                        title="Opened as spectator")
        if self.flows is not None:  # the controller: what a crash left, what it was asked
            self.flows.start_up(self.autorun)
            if self.autobuild is not None:
                self.switch_mode("builds")
                self.build_control.start(self.autobuild)

    def _after_first_frame(self) -> None:
        """Start-up ends with the first frame: the collector runs again, and what reads the
        repository (the plans, the matrix) starts on worker threads."""
        cockpit.started()
        self.run_worker(self.feeder.plan_matrix, thread=True, group="plan", exit_on_error=False)
        self.feeder.plan_ahead()
        self.metric_polls.start()  # the controller's, on a thread of their own

    def _hang_up(self) -> None:
        if self._flows is not None:
            self._flows.cancel_run()
        self.build_control.hang_up()
        self.exit(1)

    async def on_unmount(self) -> None:
        await asyncio.gather(self.build_control.close(), self.metric_polls.close())

    # the journal, folded and fed to the mode on show ----------------------------------------

    @property
    def state(self) -> LaunchState:
        return self.feeder.state

    @property
    def builds(self) -> BuildState:
        return self.feeder.builds

    @property
    def metrics(self) -> MetricsState:
        return self.feeder.metrics

    def mode_screen(self) -> ModeScreen:
        """The mode on show: the only one fed."""
        return self.modes.screen(self.current_mode)

    def mode_screens(self) -> tuple[ModeScreen, ...]:
        return self.modes.made()

    def poll_journal(self) -> None:
        self.feeder.poll()

    def on_mode_screen_log_wanted(self, message: ModeScreen.LogWanted) -> None:
        self.run_worker(self.feeder.load_log(message), group="log", exit_on_error=False)

    def on_mode_screen_plan_wanted(self, message: ModeScreen.PlanWanted) -> None:
        self.feeder.plan([plan_key(message.playbook, message.params)])

    # what the modes ask for -----------------------------------------------------------------

    def running(self) -> bool:
        """A playbook runs."""
        return self._flows is not None and self._flows.running()

    def building(self) -> bool:
        """A build runs."""
        return self.build_control.running()

    def start_playbook(self, name: str, dry_run: bool = False, given: dict[str, str] | None
                       = None, *, show_plan: bool = False, incident: str = "",
                       at_once: bool = False) -> None:
        if self.flows is None:
            self.notify("spectators cannot run playbooks", severity="error")
            return
        self.flows.start(name, dry_run, given, show_plan=show_plan, incident=incident,
                         at_once=at_once)

    def resolve_run(self, run_id: str) -> None:
        if self.flows is not None:
            self.flows.resolve(run_id)

    def on_timeline_screen_run_requested(self, message: TimelineScreen.RunRequested) -> None:
        self.start_playbook(message.playbook, message.dry_run)

    def on_timeline_screen_override_requested(self, message: TimelineScreen.OverrideRequested
                                              ) -> None:
        if self.flows is not None:
            self.flows.override(message.item, undecided=message.undecided)

    def on_timeline_screen_resolve_requested(self, message: TimelineScreen.ResolveRequested
                                             ) -> None:
        self.resolve_run(message.run_id)

    def on_timeline_screen_cancel_requested(self, message: TimelineScreen.CancelRequested
                                            ) -> None:
        """The run of the selected item (with only one going, that one), asked first."""
        if self._flows is not None:
            view = self.timeline.selected()
            self._flows.ask_cancel(view.item.playbook if view is not None else None)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.faults.worker_changed(event)  # a failed worker: said once, the cockpit goes on

    def _handle_exception(self, error: Exception) -> None:
        """Nothing handled it: a crash, said as one (`crash.py`) before Textual exits."""
        self.faults.crashed(error)
        super()._handle_exception(error)

    # app actions ----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Spectators are not offered what they cannot do (H, R and w leave their footer)."""
        return not (action in {"emergency", "answer_waiting", "post_update",
                               "declare_incident"} and not self.journal.writable)

    def action_answer_waiting(self) -> None:
        """The question a run waits on: the selected item's run first, else the oldest."""
        if self._flows is None:  # nothing started yet: nothing can wait
            self.notify("no run waits for an answer", timeout=3)
            return
        view = self.timeline.selected() if self.current_mode == "timeline" else None
        self._flows.answer(view.item.playbook if view is not None else None)

    def action_emergency(self, name: str) -> None:
        """H / R from any screen: parameters, the whole plan, an explicit yes, then the run
        on the timeline, step by step."""
        if name not in self.runbook.playbooks:
            self.notify(f"no {name} playbook in the runbook", severity="error")
            return
        if self.current_mode != "timeline":
            self.switch_mode("timeline")
        self.start_playbook(name, show_plan=True)  # emergency defaults, as from its row

    def action_post_update(self) -> None:
        """u from any screen: an open incident's post that is due first; else the update due
        now (the header's countdown), like enter on its item: its values (the latest samples
        filled in), then the message, asked at once (the operator is on it)."""
        update = None if self.post_incident_update() else self.feeder.update()
        if update is not None and update.due:
            self.switch_mode("timeline")  # its run on the timeline
            self.start_playbook(update.playbook, at_once=True)
        elif update is not None:
            self.notify(f"no update is due: {update.label()}", timeout=5)

    async def ask(self, dialog: Screen[T]) -> T | None:
        return await self.asking.ask(dialog)

    def waiting_questions(self) -> int:
        return self.asking.waiting

    def queued_runs(self) -> tuple[str, ...]:
        return self._flows.resources.waits() if self._flows is not None else ()

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """A toast, and kept (with its time) for the notifications log. Thread-safe, as
        Textual's is. Redacted: an error's text may carry what a far side said."""
        message = redact(str(message))
        self.notices.append(Notice(self.clock.now(), message, title, severity))
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def action_notifications(self) -> None:
        self.push_screen(NotificationsScreen(self.notices, self.config.release.tz))

    def action_help(self) -> None:
        """Help from the live bindings of the screen on show."""
        self.push_screen(HelpScreen.of(self.screen, self.role))

    def action_quit_cockpit(self) -> None:
        if not self.running() and not self.building():
            self.exit(0)
            return
        self.run_worker(confirm_quit(self), group="flow", exit_on_error=False)

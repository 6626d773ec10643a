"""The journal, folded and fed to the mode on show; and what the modes ask for, loaded off
the UI thread (a log's earlier lines, a playbook's plan, the build matrix's plan).

Every read of the journal or the repository runs on a worker thread. At start the journal
is folded there too, into states nobody else holds yet, handed to the UI's thread in one
assignment each: first the launch's (few events: the first frame has them), then the metrics'
(a week of samples is 200k events, seconds to fold: the screen takes keys meanwhile, and
fills in). Each poll after that reads a few events, folded on the UI's thread. One poll is in
flight at a time (the metrics' fold at start may run beside it).
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Sequence
from datetime import datetime

from cockpit.app.audience import Audience
from cockpit.app.host import Host
from cockpit.builds.plan import assign
from cockpit.engine.plans import PlanCache, PlanKey, plan_key
from cockpit.errors import CockpitError
from cockpit.journal import events as ev
from cockpit.journal.holder import controller_gone
from cockpit.journal.row import Event
from cockpit.metrics.alerts import alerts as alerts_of
from cockpit.metrics.state import MetricsState
from cockpit.state.builds import BuildState
from cockpit.state.gates import blocked_by
from cockpit.state.incidents import badge
from cockpit.state.launch import LaunchState
from cockpit.state.timeline import active_label, project
from cockpit.state.updates import UpdateDue, update_due
from screens.base import Feed, Header, ModeScreen, OutputWanted

LOADED_LINES = 10_000
"""A log opened in a pane starts with its last lines (unless it says it keeps fewer)."""
HOLDER_EVERY = 1.0
"""Seconds between a spectator's checks that the controller still holds the journal."""
REPLANNED = frozenset({ev.Kind.RUN_FINISHED, ev.Kind.BUILD_FINISHED})
"""Events after which the repository may say something else: plans are made again."""
METRIC_KINDS = (ev.Kind.METRIC_SAMPLE.value, ev.Kind.METRIC_FAILED.value)
LAUNCH_KINDS = tuple(k.value for k in ev.Kind
                     if k.value not in METRIC_KINDS and k != ev.Kind.OUTPUT)
"""What the launch's state and the builds fold, read first at start. Not the output: the
folds pass it by, and a log pane loads its own lines (`load_log`); a long build's stream is
hundreds of thousands of events, which read at once held hundreds of megabytes."""
FIRST_FOLD_SWITCH = 0.0001
"""Seconds the metrics' fold at start may hold the GIL while the UI's thread waits for it (for
as long as that fold runs). Python's 5 ms would make every turn of the UI's loop (each
gives the GIL up in its select) wait 5 ms behind the fold: seconds before a frame or a key."""


class Feeder:
    def __init__(self, app: Host) -> None:
        self.app = app
        self.state, self.builds, self.plans = LaunchState(), BuildState(), PlanCache()
        self.metrics = MetricsState(app.config.release.launch_at, loading=True)
        self._reading = False
        self._planning: dict[PlanKey, int] = {}
        """Keys being planned, with the plans' generation they are planned for."""
        self._failed: set[PlanKey] = set()
        """Keys whose planning failed (said once): not asked again until the plans are stale."""
        self._planned_ahead = False
        self._header: tuple[object, Header] | None = None
        self._blocked_at: tuple[object, frozenset[str]] = (None, frozenset())
        self.gone: str | None = None  # a spectator's word that the controller died (who held it)
        self.audience = Audience()  # who watches: read once a second on the poll's thread
        self._holder_checked = -HOLDER_EVERY
        self._later: list[Event] | None = None  # polls' reads while the metrics fold at start

    def read(self, after: int, wanted: OutputWanted) -> list[Event]:
        """What the journal added after `after`, with the text of the logs `wanted`."""
        return self.app.journal.events(after=after, output_of=wanted.sources,
                                       output_tail=wanted.tail)

    def _read_polled(self, after: int, wanted: OutputWanted) -> list[Event]:
        """A poll's read (on a worker thread); once a second also who watches, and a
        spectator asks whether the controller still holds the journal's lock."""
        journal = self.app.journal
        if time.monotonic() - self._holder_checked >= HOLDER_EVERY:
            self._holder_checked = time.monotonic()
            self.audience.read(journal.path)
            if not journal.writable:
                self.gone = controller_gone(journal.path)
        return self.read(after, wanted)

    def poll(self) -> None:
        if not self._reading:
            self._reading = True
            self.app.run_worker(self._poll(), group="poll", exit_on_error=False)

    async def start(self) -> None:
        """The journal as it is at start, read and folded on worker threads: first the
        launch's own events (runs, gates, builds: few; awaited, so the first frame has them),
        then its metric samples (a week of them is 200k events, seconds to read and fold)
        while the screen already takes keys and the polls go on. Each is handed to the UI's
        thread in one assignment."""
        self._reading = True
        wanted = self.app.mode_screen().wanted_output()
        try:
            through, events, launch, builds = await asyncio.to_thread(self._read_launch)
        except CockpitError as exc:
            self.app.notify(str(exc), severity="error", title="journal")
            self._reading = False  # the polls read it from the start
            return
        self.state, self.builds = launch, builds
        self._header, self._blocked_at = None, (None, frozenset())
        self._reading, self._later = False, []  # polls go on; their metrics wait in _later
        self.show(events, wanted, folded=True)
        self.app.run_worker(self._fold_metrics(through), group="fold", exit_on_error=False)

    def _read_launch(self) -> tuple[int, list[Event], LaunchState, BuildState]:
        """Everything but the metrics, up to the journal's newest event, folded (a worker
        thread's: the UI's thread holds none of these states yet)."""
        journal = self.app.journal
        through = journal.last_id()
        events = journal.events(upto=through, kinds=LAUNCH_KINDS)
        launch, builds = LaunchState(), BuildState()
        for state in (launch, builds):
            state.apply(events)
            state.last_id = through
        return through, events, launch, builds

    async def _fold_metrics(self, through: int) -> None:
        """The metrics folded up to `through`, then what the polls read since (kept aside
        meanwhile: folded into the state on show, they would be lost with it)."""
        try:
            metrics = await asyncio.to_thread(self._read_metrics, through)
        except CockpitError as exc:
            self.app.notify(str(exc), severity="error", title="journal")
            metrics = MetricsState(self.app.config.release.launch_at)  # the polls' from here
        later, self._later = self._later or [], None
        metrics.apply(later)
        self.metrics = metrics
        self._header = None
        self.show([], self.app.mode_screen().wanted_output(), folded=True)

    def _read_metrics(self, through: int) -> MetricsState:
        """The metric samples up to `through`, folded on this worker thread, which for that
        while gives the GIL up often (FIRST_FOLD_SWITCH)."""
        switch = sys.getswitchinterval()
        sys.setswitchinterval(min(switch, FIRST_FOLD_SWITCH))
        try:
            metrics = MetricsState(self.app.config.release.launch_at)
            metrics.apply(self.app.journal.events(upto=through, kinds=METRIC_KINDS))
            metrics.last_id = through
            return metrics
        finally:
            sys.setswitchinterval(switch)

    async def _poll(self) -> None:
        wanted = self.app.mode_screen().wanted_output()  # asked here, on the UI's thread
        try:
            events = await asyncio.to_thread(self._read_polled, self.state.last_id, wanted)
        except CockpitError as exc:
            self.app.notify(str(exc), severity="error", title="journal")
            return
        finally:
            self._reading = False
        self.audience.settle(self.app.journal)  # who watches: journaled here (the UI's thread)
        self.show(events, wanted)

    def show(self, events: list[Event], read_with: OutputWanted, *, folded: bool = False) -> None:
        """Fold new events (unless `folded` already) and feed the mode on show (the other
        catches up when shown)."""
        if not folded:
            self.state.apply(events)
            self.builds.apply(events)
            if self._later is not None:  # the metrics are being folded from the start
                self._later += events
            else:
                self.metrics.apply(events)
        app = self.app
        for event in events:
            group = event.payload if event.kind == ev.Kind.REMOTE_GROUP else None
            if (isinstance(group, ev.RemoteGroup) and group.leftover
                    and group.state == ev.GroupState.STOPPED and app.journal.writable
                    and event.session == app.journal.session):
                app.notify(f"stopped process group {group.pgid} on {group.builder}: a lost "
                           "connection had left it running", title="builder cleaned up",
                           timeout=10)
        if self._planned_ahead and any(e.kind in REPLANNED for e in events):
            self.plans.stale()
            self._failed.clear()
            self.plan_ahead()
        screen = app.mode_screen()
        if screen.is_mounted:
            now = app.clock.now()
            screen.show(Feed(self.state, self.builds, self._header_at(now), now, events,
                             read_with, self.plans, self.metrics))

    def _header_at(self, now: datetime) -> Header:
        """The timeline projected, and what runs: again only when the launch's state moved
        (not a log's lines) or the clock ticked to another second."""
        waiting = self.app.waiting_questions()
        queued = self.app.queued_runs()
        tick = (self.state.version, now.replace(microsecond=0), waiting, self.gone, queued,
                self.metrics.version, self.audience.count)
        if self._header is None or self._header[0] != tick:
            release, runbook = self.app.config.release, self.app.runbook
            view = project(runbook, release.launch_at, release.tz, self.state, now)
            asks = tuple(f"{run.playbook}: {run.waiting.title}" for run in self.state.waiting()
                         if run.waiting is not None)
            alerts = tuple(str(a) for a in alerts_of(runbook.timeline.targets,
                                                     self.app.config.metrics, self.metrics))
            rules = runbook.timeline.incidents
            badges = (badge(i, rules, now) for i in self.state.incidents.open())
            self._header = tick, Header(view, active_label(runbook, self.state, now),
                                        waiting, asks, self._blocked(), self.gone, queued,
                                        alerts, update_due(view, runbook),
                                        tuple((f, s, st.value) for f, s, st in badges),
                                        self.audience.count)
        return self._header[1]

    def update(self) -> UpdateDue | None:
        """The update due now or next, as the header last said (at most a second ago)."""
        return self._header[1].update if self._header is not None else None

    def _blocked(self) -> frozenset[str]:
        """The playbooks a gate blocks: again only when the launch's state moved."""
        if self._blocked_at[0] != self.state.version:
            runbook, gates = self.app.runbook, self.app.config.release.gates
            self._blocked_at = self.state.version, frozenset(
                name for name in runbook.playbooks
                if blocked_by(runbook, self.state, name, gates) is not None)
        return self._blocked_at[1]

    # what the modes ask for -----------------------------------------------------------------

    async def load_log(self, wanted: ModeScreen.LogWanted) -> None:
        """A log's lines, every one up to the journal's newest event (a pane then takes only
        newer ones from the polls)."""
        keep = wanted.keep or LOADED_LINES
        def load() -> tuple[list[Event], int]:
            journal = self.app.journal
            through = journal.last_id()
            return journal.output_tail(wanted.run_id, wanted.step, through, keep), through

        events, through = await asyncio.to_thread(load)
        lines = [line for e in events for line in e.lines()]
        for screen in self.app.mode_screens():
            if screen.is_mounted:
                screen.show_log(wanted, lines[-keep:], through)

    def plan_ahead(self) -> None:
        """Every playbook with its defaults, and the parameters of every run there is (after
        the first frame, and again whenever a finished run may have changed the repository)."""
        self._planned_ahead = True
        keys = [plan_key(name, {}) for name in sorted(self.app.runbook.playbooks)]
        keys += [plan_key(r.playbook, r.params) for r in self.state.runs.values()]
        self.plan(keys)

    def plan(self, keys: Sequence[PlanKey]) -> None:
        generation = self.plans.generation
        wanted = [k for k in keys if self._planning.get(k) != generation
                  and k not in self._failed]
        if not wanted:
            return
        self._planning.update(dict.fromkeys(wanted, generation))
        app = self.app

        def work() -> None:
            try:
                self.plans.fill(app.config, app.runbook.playbooks, wanted, generation)
            except Exception:  # said by the app's worker handler; never asked in a loop
                app.call_from_thread(self._failed.update, wanted)
                raise
            finally:
                app.call_from_thread(self._planned, wanted, generation)

        app.run_worker(work, thread=True, group="plan", exit_on_error=False)

    def _planned(self, keys: list[PlanKey], generation: int) -> None:
        for key in keys:
            if self._planning.get(key) == generation:
                del self._planning[key]
        for screen in self.app.mode_screens():
            if screen.is_mounted:
                screen.plan_ready()

    def plan_matrix(self) -> None:
        """Which target builds where, or why it cannot (finding the host's triple runs
        rustc): said in builds mode before the first build. Runs on a worker thread."""
        try:
            text = "\n".join(f"  {a.target}  on {a.builder.name} ({a.builder.kind}"
                             + (f" {a.builder.host}" if a.builder.host else "") + ")"
                             for a in assign(self.app.config))
        except CockpitError as exc:
            text = f"  cannot plan the matrix: {exc}"
        self.app.call_from_thread(self._matrix_planned, text)

    def _matrix_planned(self, text: str) -> None:
        self.app.matrix_plan = text
        for screen in self.app.mode_screens():
            screen.show_matrix_plan(text)

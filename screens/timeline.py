"""The timeline mode: the whole runbook in time, the selected item's detail, its run's log.

The screen renders what the app hands it (the journal's projection) and asks the app to act
through messages: it never runs anything itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer

from cockpit.config import Config
from cockpit.engine.planner import Planner
from cockpit.journal.store import Event
from cockpit.params import prose
from cockpit.runbook.model import SECTION_TITLES, Runbook
from cockpit.state.gates import blocking_decision
from cockpit.state.launch import LaunchState, RunState
from cockpit.state.timeline import ItemStatus, ItemView, TimelineView, project
from widgets.header import CockpitHeader
from widgets.item_detail import ItemDetail, PlannedStep, render_item
from widgets.log_pane import MAX_PER_FLUSH, LogPane
from widgets.timeline_table import SECTION_PREFIX, TimelineTable

OutputLoader = Callable[[str], list[str]]


class TimelineScreen(Screen[None]):
    DEFAULT_CSS = """
    TimelineScreen #timeline-body { height: 1fr; }
    TimelineScreen #timeline { width: 3fr; border: round $panel-lighten-2; }
    TimelineScreen #timeline:focus { border: round $accent; }
    TimelineScreen #right { width: 2fr; }
    TimelineScreen #detail { height: 3fr; }
    TimelineScreen #log { height: 2fr; }
    """

    BINDINGS = [
        Binding("enter", "run", "Run", id="run-item", priority=True,
                tooltip="Run the selected item's playbook (parameters and plan shown first)"),
        Binding("d", "dry_run", "Dry-run", id="dry-run-item",
                tooltip="Show every command the selected playbook would run; run nothing"),
        Binding("o", "override", "Override NO-GO", id="override-gate",
                tooltip="Lift a NO-GO's block with a journaled rationale"),
        Binding("i", "resolve", "Interrupted…", id="resolve-interrupted",
                tooltip="Re-run, mark done or skip the step a crash interrupted"),
        Binding("c", "cancel_run", "Cancel run", id="cancel-run",
                tooltip="Stop the running playbook (its process group is killed)"),
        Binding("n", "jump_now", "Now", id="jump-now", tooltip="Select the next item due"),
        Binding("l", "focus_log", "Log", id="focus-log", tooltip="Move focus to the log pane"),
    ]

    class RunRequested(Message):
        def __init__(self, playbook: str, dry_run: bool) -> None:
            super().__init__()
            self.playbook = playbook
            self.dry_run = dry_run

    class OverrideRequested(Message):
        def __init__(self, item: str) -> None:
            super().__init__()
            self.item = item

    class ResolveRequested(Message):
        def __init__(self, run_id: str) -> None:
            super().__init__()
            self.run_id = run_id

    class CancelRequested(Message):
        pass

    def __init__(self, config: Config, runbook: Runbook, *, role: str, can_act: bool,
                 load_output: OutputLoader) -> None:
        super().__init__()
        self.config = config
        self.runbook = runbook
        self.planner = Planner(config)
        self.role = role
        self.can_act = can_act
        self.load_output = load_output
        self.view: TimelineView | None = None
        self.state: LaunchState | None = None
        self._detail_signature: object = None
        self._last_tick: object = None

    def compose(self) -> ComposeResult:
        header = CockpitHeader(f"{self.config.release.name} v{self.config.release.version}",
                               self.role, id="header")
        if not self.can_act:
            header.add_class("spectator")
        yield header
        with Horizontal(id="timeline-body"):
            yield TimelineTable(id="timeline")
            with Vertical(id="right"):
                yield ItemDetail(id="detail")
                yield LogPane(id="log")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(TimelineTable).focus()
        self.query_one(LogPane).border_title = "log"

    def on_screen_resume(self) -> None:
        """Back from another mode: lines that arrived meanwhile come from the journal."""
        self._last_tick = None
        self._detail_signature = None
        self.query_one(LogPane).source = None

    # state in -------------------------------------------------------------------------------

    def output_sources(self) -> set[tuple[str, str | None]]:
        """The run whose log is on show: the only output the next poll needs to read."""
        # none while the screen is still being composed (the poll may come first)
        sources: set[tuple[str, str | None]] = {
            (p.source, None) for p in self.query(LogPane) if p.source is not None}
        return sources

    def output_tail(self) -> int | None:
        """How many of the shown log's newest lines a poll reads: what its pane draws at once."""
        return MAX_PER_FLUSH

    def refresh_view(self, state: LaunchState, now: datetime, new_events: list[Event]) -> None:
        """Re-project when the journal moved or the clock ticked to another second."""
        tick = (state.last_id, now.replace(microsecond=0))
        if tick == self._last_tick:
            return
        self._last_tick = tick
        self.state = state
        self.view, active = self.header_content(state, now)
        table = self.query_one(TimelineTable)
        first = not table.row_count
        table.show(self.view)
        self.query_one(CockpitHeader).show(self.view, self.config.release.timezone,
                                           active=active)
        if first:
            self.action_jump_now()
        log = self.query_one(LogPane)
        for event in new_events:
            if event.kind == "output" and event.run_id == log.source:
                log.push(event.lines(), event.unread)
        self._show_selected()

    def header_content(self, state: LaunchState, now: datetime) -> tuple[TimelineView, str | None]:
        """The timeline's projection, and what is running (with P0 clocks): what the header
        shows, here and in the other modes."""
        release = self.config.release
        view = project(self.runbook, release.launch_at, release.tz, state, now)
        active = ", ".join(self._running_label(r, now) for r in state.active_runs()
                           if r.playbook in self.runbook.playbooks) or None
        return view, active

    def _running_label(self, run: RunState, now: datetime) -> str:
        """A run's title; an emergency run also shows its clock against the runbook's P0
        windows (crash or dangerous command: hotfix within 2 h; PII or data loss: 4 h)."""
        playbook = self.runbook.playbooks[run.playbook]
        if not playbook.emergency:
            return playbook.title
        minutes = max(0, int((now - run.started).total_seconds() // 60))
        return f"{playbook.title} {minutes // 60}h{minutes % 60:02d}m (P0 limit 2h; PII 4h)"

    def follow_run(self, playbook: str) -> None:
        """Select the item of a playbook that just started, so its log shows."""
        item = self.runbook.item_for(playbook)
        if item is not None and self.view is not None:
            keys = [v.slot.key for v in self.view.items if v.item.id == item.id]
            due = [v.slot.key for v in self.view.items
                   if v.item.id == item.id and v.start is not None and v.start <= self.view.now]
            candidates = due or keys
            if candidates:
                self.query_one(TimelineTable).select_key(candidates[-1])

    # selection ------------------------------------------------------------------------------

    def selected(self) -> ItemView | None:
        table = self.query_one(TimelineTable)
        key = table.selected_key
        return table.views.get(key) if key else None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_selected()

    def _show_selected(self) -> None:
        view = self.selected()
        if view is None or self.state is None:
            key = self.query_one(TimelineTable).selected_key
            if key is not None and key != self._detail_signature:
                self._detail_signature = key
                self.query_one(ItemDetail).show(self._row_help(key))
                self.refresh_bindings()
            return
        run = view.run
        signature = (view.slot.key, view.status, view.overdue,
                     run and (run.run_id, run.status, tuple(s.status for s in run.steps.values()),
                              len(run.checks)),
                     view.decision and view.decision.event_id)
        log = self.query_one(LogPane)
        run_id = run.run_id if run else None
        if run_id != log.source:
            title = f"log: {run.playbook} {run.run_id} ({run.status})" if run else "log"
            log.show_source(run_id, self.load_output(run_id) if run_id else [], title)
        elif run is not None:
            log.border_title = f"log: {run.playbook} {run.run_id} ({run.status})"
        if signature == self._detail_signature:
            return
        self._detail_signature = signature
        self.refresh_bindings()
        playbook = self.runbook.playbooks.get(view.item.playbook or "")
        planned: list[PlannedStep] = []
        blocked = None
        if playbook is not None:
            try:
                values = self.planner.values(playbook, run.params if run else {})
            except Exception:
                values = {**self.config.context(), **{k: f"<{k}>" for k in playbook.params}}
            planned = [PlannedStep(s, prose(s.title, values),
                                   self.planner.preview(s, values, show_cwd=False),
                                   prose(s.expected or "", values),
                                   tuple(prose(t, values) for t in s.troubleshooting))
                       for s in playbook.steps]
            decision = blocking_decision(self.runbook, self.state, playbook.name)
            if decision is not None:
                gate = self.runbook.item(decision.item)
                blocked = (f"blocked by the NO-GO at {gate.title if gate else decision.item}: "
                           f"{decision.rationale}")
        self.query_one(ItemDetail).show(render_item(view, playbook, planned, run,
                                                    blocked=blocked, can_act=self.can_act,
                                                    tz=self.config.release.tz))

    def _row_help(self, key: str) -> Text:
        if key.startswith(SECTION_PREFIX):
            title = SECTION_TITLES.get(key.removeprefix(SECTION_PREFIX), key)
            return Text.assemble((title, "bold"), "\n\nA section of the runbook: select one of its "
                                 "items (↑ ↓) to see and run it.")
        countdown = self.view.countdown() if self.view else None
        nxt = self.view.next_item.slot.label if self.view and self.view.next_item else None
        return Text.assemble(("Now", "bold"), f": {self.view.now_local if self.view else ''}",
                             f"\n\nNext: {nxt} in {countdown}" if nxt else "",
                             "\n\nPress n to select the item due now.")

    # actions --------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Spectators: the acting keys do not exist. Controller: shown, dimmed when moot."""
        acting = {"run", "dry_run", "override", "resolve", "cancel_run"}
        if action not in acting:
            return True
        if not self.can_act:
            return False
        view = self.selected()
        state = self.state
        applicable = {
            "run": view is not None and view.item.playbook is not None,
            "dry_run": view is not None and view.item.playbook is not None,
            "override": (view is not None and view.status == ItemStatus.NO_GO
                         and view.override is None),
            "resolve": bool(state and state.interrupted_runs()),
            "cancel_run": bool(state and state.active_runs()),
        }[action]
        return True if applicable else None

    def action_run(self, dry_run: bool = False) -> None:
        view = self.selected()
        if self.can_act and view is not None and view.item.playbook:
            self.post_message(self.RunRequested(view.item.playbook, dry_run))

    def action_dry_run(self) -> None:
        self.action_run(dry_run=True)

    def action_override(self) -> None:
        view = self.selected()
        if (self.can_act and view is not None and view.status == ItemStatus.NO_GO
                and view.override is None):
            self.post_message(self.OverrideRequested(view.item.id))

    def action_resolve(self) -> None:
        if self.can_act and self.state is not None:
            runs = self.state.interrupted_runs()
            if runs:
                self.post_message(self.ResolveRequested(runs[-1].run_id))

    def action_cancel_run(self) -> None:
        if self.can_act:
            self.post_message(self.CancelRequested())

    def action_jump_now(self) -> None:
        if self.view is None:
            return
        table = self.query_one(TimelineTable)
        now = [v for v in self.view.items if v.status in {ItemStatus.DUE, ItemStatus.RUNNING,
                                                          ItemStatus.INTERRUPTED}
               and v.start is not None and v.start <= self.view.now]
        target = now[-1] if now else self.view.next_item
        if target is not None:
            table.select_key(target.slot.key)

    def action_focus_log(self) -> None:
        log = self.query_one(LogPane)
        if log.has_focus:
            self.query_one(TimelineTable).focus()
        else:
            log.focus()

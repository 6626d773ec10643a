"""The timeline mode: the whole runbook in time, the selected item's detail, its run's log.

The screen renders what the app feeds it (the journal's projection, plans made off the UI
thread) and asks the app to act, or to load what it lacks, through messages: moving through
the timeline only looks things up.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message

from cockpit.config import Config
from cockpit.runbook.model import Runbook
from cockpit.state.gates import blocked_by, overridable
from cockpit.state.timeline import ItemView, TimelineView
from screens.base import SPECTATOR_FLUSH, Feed, ModeScreen, OutputWanted
from widgets.footer import CockpitFooter
from widgets.header import CockpitHeader
from widgets.item_detail import ItemDetail, render_item, row_help
from widgets.log_pane import MAX_PER_FLUSH, LogPane
from widgets.search import SearchBox
from widgets.timeline_table import TimelineTable

ACTING = ("run", "dry_run", "override", "resolve", "cancel_run")
"""The actions that change something: a spectator has none of them."""


class TimelineScreen(ModeScreen):
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
        Binding("o", "override", "Override", id="override-gate",
                tooltip="Lift a NO-GO, or pass an undecided gate, with a journaled rationale"),
        Binding("i", "resolve", "Resume", id="resolve-interrupted",
                tooltip="Re-run, mark done or skip the step a crash interrupted"),
        Binding("c", "cancel_run", "Cancel", id="cancel-run",
                tooltip="Stop the running playbook, asked first (its process group is killed)"),
        Binding("n", "jump_now", "Now", id="jump-now", tooltip="Select the next item due"),
        Binding("l", "focus_log", "Log", id="focus-log", tooltip="Move focus to the log pane"),
    ]

    class RunRequested(Message):
        def __init__(self, playbook: str, dry_run: bool) -> None:
            super().__init__()
            self.playbook = playbook
            self.dry_run = dry_run

    class OverrideRequested(Message):
        def __init__(self, item: str, undecided: bool) -> None:
            super().__init__()
            self.item = item
            self.undecided = undecided

    class ResolveRequested(Message):
        def __init__(self, run_id: str) -> None:
            super().__init__()
            self.run_id = run_id

    class CancelRequested(Message):
        pass

    def __init__(self, config: Config, runbook: Runbook, *, role: str, can_act: bool) -> None:
        super().__init__()
        self.config = config
        self.runbook = runbook
        self.role = role
        self.can_act = can_act
        self.feed: Feed | None = None
        self._detail_signature: object = None
        self._last_tick: object = None
        self._bindings_key: tuple[object, ...] = ()
        self._detail_item: str | None = None

    @property
    def view(self) -> TimelineView | None:
        return self.feed.timeline if self.feed is not None else None

    def compose(self) -> ComposeResult:
        header = CockpitHeader(f"{self.config.release.name} v{self.config.release.version}",
                               self.role, self.config.release.timezone, id="header")
        if not self.can_act:
            header.add_class("spectator")
        yield header
        with Horizontal(id="timeline-body"):
            yield TimelineTable(id="timeline")
            with Vertical(id="right"):
                yield ItemDetail(id="detail")
                yield LogPane(id="log", flush_interval=0.05 if self.can_act else SPECTATOR_FLUSH)
        yield SearchBox(placeholder="search items (any case; enter keeps it, escape clears)")
        yield CockpitFooter()

    def on_timeline_table_search_wanted(self) -> None:
        self.query_one(SearchBox).open()

    def on_mount(self) -> None:
        self.query_one(TimelineTable).focus()
        self.query_one(LogPane).border_title = "log"

    def on_screen_resume(self) -> None:
        """Back from another mode: lines that arrived meanwhile come from the journal."""
        self._last_tick = self._detail_signature = None
        self._bindings_key = ()
        self.query_one(LogPane).source = None

    # state in -------------------------------------------------------------------------------

    def wanted_output(self) -> OutputWanted:
        """The run whose log is on show, and as many of its newest lines as the pane draws
        (none while the screen is still being composed: the poll may come first)."""
        return OutputWanted(frozenset((p.source, None) for p in self.query(LogPane)
                                      if p.source is not None), MAX_PER_FLUSH)

    def show(self, feed: Feed) -> None:
        """Re-render when the journal moved or the clock ticked to another second."""
        if not (panes := self.query(LogPane)):  # being composed, or taken down at exit
            return
        log = panes.first()
        read = (log.source, None) in feed.read_with.sources
        for event in feed.events:
            if event.kind != "output" or event.run_id != log.source:
                continue
            if read:
                log.push(event.lines(), event.unread, event.id)
            elif not log.loading:  # shown since that poll began: its lines came without text
                self._load_log(log, log.border_title or "log")
        tick = (feed.launch.version, feed.now.replace(microsecond=0), id(feed.header))
        if tick == self._last_tick:
            return
        self._last_tick = tick
        self.feed = feed
        table = self.query_one(TimelineTable)
        first = not table.row_count
        table.show(feed.timeline, feed.header.blocked)
        self.query_one(CockpitHeader).show_header(feed.header)
        if first:
            self.action_jump_now()
        self._show_selected()

    def _load_log(self, log: LogPane, title: str) -> None:
        assert log.source is not None
        self.post_message(self.LogWanted(log.source, log.source, None,
                                         log.wait_for(log.source, title)))

    def show_log(self, wanted: ModeScreen.LogWanted, lines: list[str], through: int) -> None:
        log = self.query_one(LogPane)
        if log.source == wanted.source:
            log.loaded(lines, through, wanted.request)

    def plan_ready(self) -> None:
        self._detail_signature = None
        self._show_selected()

    def follow_run(self, playbook: str) -> None:
        """Select the item of a playbook that just started, so its log shows."""
        item = self.runbook.item_for(playbook)
        if item is not None and self.view is not None:
            self.query_one(TimelineTable).follow(item.id, self.view.now)

    def on_search_box_searched(self, message: SearchBox.Searched) -> None:
        self.query_one(TimelineTable).search(message.text, done=message.done)

    # selection ------------------------------------------------------------------------------

    def selected(self) -> ItemView | None:
        table = self.query_one(TimelineTable)
        key = table.selected_key
        return table.views.get(key) if key else None

    def on_data_table_row_highlighted(self, event: TimelineTable.RowHighlighted) -> None:
        self._show_selected()

    def _show_selected(self) -> None:
        view = self.selected()
        feed = self.feed
        if view is None or feed is None:
            key = self.query_one(TimelineTable).selected_key
            if key is not None and key != self._detail_signature:
                self._detail_signature = key
                self.query_one(ItemDetail).show(row_help(key, self.view))
                self._refresh_bindings_if_changed()
            return
        run = view.attempt  # the newest run, however it ended: none goes unseen
        log = self.query_one(LogPane)
        run_id = run.run_id if run else None
        title = (f"log: {run.playbook} {run.run_id} ({'dry run' if run.dry_run else run.status})"
                 if run else "log")
        if run_id != log.source:
            log.source = run_id
            if run_id is None:
                log.show_source(None, [], title)
            else:
                self._load_log(log, title)
        elif log.border_title != title:
            log.border_title = title
        plan = None
        if view.item.playbook:
            params = run.params if run else {}
            plan = feed.plans.get(view.item.playbook, params)
            if plan is None:
                self.post_message(self.PlanWanted(view.item.playbook, params))
        gates = self.config.release.gates
        blocked = blocked_by(self.runbook, feed.launch, view.item.playbook, gates)
        signature = (view.slot.key, view.status, view.overdue, plan is not None,
                     run and (run.run_id, run.status, tuple(s.status for s in run.steps.values()),
                              len(run.checks)),
                     view.decision and view.decision.event_id,
                     view.override and view.override.event_id, blocked)
        if signature == self._detail_signature:
            return
        self._detail_signature = signature
        self._refresh_bindings_if_changed()
        same_item = self._detail_item == view.slot.key
        self._detail_item = view.slot.key
        self.query_one(ItemDetail).show(render_item(view, plan, run, blocked=blocked,
                                                    can_act=self.can_act,
                                                    tz=self.config.release.tz, gates=gates),
                                        keep_scroll=same_item)  # read on while it runs

    def _refresh_bindings_if_changed(self) -> None:
        """The footer is costly to rebuild (a layout of the screen): only when what the keys
        can do changed, not on every row."""
        key = tuple(self.check_action(a, ()) for a in ACTING)
        if key != self._bindings_key:
            self._bindings_key = key
            self.refresh_bindings()

    # actions --------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Spectators: the acting keys do not exist. Controller: shown, dimmed when moot."""
        if action not in ACTING:
            return True
        if not self.can_act or isinstance(self.focused, SearchBox):  # enter ends a search
            return False
        view = self.selected()
        state = self.feed.launch if self.feed else None
        applicable = {  # run and dry-run stay lit from row to row: no footer rebuild per key
            "run": True,
            "dry_run": True,
            "override": (view is not None
                         and overridable(view, self.config.release.gates) is not None),
            "resolve": bool(state and state.interrupted_runs()),
            "cancel_run": bool(state and state.active_runs()),
        }[action]
        return True if applicable else None

    def action_run(self, dry_run: bool = False) -> None:
        view = self.selected()
        if not self.can_act:
            return
        if view is not None and not view.item.playbook and view.item.objective:
            self.notify(view.item.objective, title=view.item.title, timeout=8)
            return
        if view is None or not view.item.playbook:
            self.notify("select an item of the runbook to run its playbook (↑ ↓, n for now)",
                        title="nothing to run here")
            return
        self.post_message(self.RunRequested(view.item.playbook, dry_run))

    def action_dry_run(self) -> None:
        self.action_run(dry_run=True)

    def action_override(self) -> None:
        view = self.selected()
        what = overridable(view, self.config.release.gates) if view is not None else None
        if self.can_act and view is not None and what is not None:
            self.post_message(self.OverrideRequested(view.item.id, what == "undecided"))

    def action_resolve(self) -> None:
        """The selected item's interrupted run, else the newest one."""
        if self.can_act and self.feed is not None and (runs := self.feed.launch.interrupted_runs()):
            mine = [r for r in runs if (v := self.selected()) and r.playbook == v.item.playbook]
            self.post_message(self.ResolveRequested((mine or runs)[-1].run_id))

    def action_cancel_run(self) -> None:
        if self.can_act:
            self.post_message(self.CancelRequested())

    def action_jump_now(self) -> None:
        target = self.view.due_now() if self.view is not None else None
        if target is not None:
            self.query_one(TimelineTable).select_key(target.slot.key)

    def action_focus_log(self) -> None:
        log = self.query_one(LogPane)
        (self.query_one(TimelineTable) if log.has_focus else log).focus()

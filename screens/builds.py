"""The builds mode: the matrix grid, the selected target's live log, or several side by side.

Logs come from the journal (so a spectator sees the same); new lines are batched into the
panes. `/` filters the visible logs; `s` splits the log area across targets.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from cockpit.journal.events import TargetStatus
from cockpit.state.builds import BuildState, TargetState
from screens.base import SPECTATOR_FLUSH, SPECTATORS_FRAMES, Feed, ModeScreen, OutputWanted
from widgets.build_grid import BuildGrid, target_story
from widgets.footer import CockpitFooter
from widgets.header import CockpitHeader
from widgets.log_pane import LogPane
from widgets.search import matches

MAX_PANES = 4
RETRYABLE = frozenset({TargetStatus.FAILED, TargetStatus.BUILDER_LOST, TargetStatus.CANCELLED})
FLUSH_INTERVAL = 0.1
"""Seconds between log redraws: fast enough to read as live, slow enough to stay cheap (a
spectator's: SPECTATOR_FLUSH)."""
FRAME_SLACK = 0.05
"""A spectator's poll that comes this much before its next frame is due draws it (polls are
not exactly on time; waiting for the next would stretch every frame by a poll)."""
LOG_TAIL = 300
"""Lines a pane draws per flush at most (a pane shows ~40); a poll reads no more."""
PANE_LINES = 10_000
SPECTATOR_PANE_LINES = 2_000
"""Lines a pane keeps to scroll back through (the journal and the log file keep them all): a
spectator's fewer, so twenty-five of them watching four streaming logs stay small."""


class BuildsScreen(ModeScreen):
    DEFAULT_CSS = """
    BuildsScreen #grid-box { height: auto; border: round $panel-lighten-2; }
    BuildsScreen #failure { height: auto; color: $error; padding: 0 1; }
    BuildsScreen #logs { height: 1fr; }
    BuildsScreen #filter { dock: bottom; display: none; }
    BuildsScreen #filter.visible { display: block; }
    BuildsScreen #empty { padding: 1 2; color: $text-muted; }
    """

    BINDINGS = [
        Binding("enter", "build", "Build all", id="build-all", priority=True,
                tooltip="Run the whole matrix: every target on its builder"),
        Binding("r", "retry", "Retry target", id="retry-target",
                tooltip="Build the selected target again on the same builder"),
        Binding("a", "retry_elsewhere", "Retry elsewhere", id="retry-other-builder",
                tooltip="Build the selected target again on another builder that serves it"),
        Binding("x", "cancel", "Cancel target", id="cancel-target",
                tooltip="Stop the selected target's build; nothing is left running on its builder"),
        Binding("X", "cancel_all", "Cancel all", id="cancel-build",
                tooltip="Stop every running build of the matrix"),
        Binding("l", "job_log", "Job log", id="fetch-job-log",
                tooltip="Fetch the selected GitHub Actions target's job log from the forge now"),
        Binding("s", "split", "Split logs", id="split-logs",
                tooltip="Show up to four targets' logs side by side, or just the selected one"),
        Binding("slash", "filter", "Filter", id="filter-logs",
                tooltip="Show only log lines containing some text, any case (escape clears)"),
    ]

    class BuildRequested(Message):
        def __init__(self, targets: list[str] | None, builder: str | None = None,
                     retry_of: str | None = None) -> None:
            super().__init__()
            self.targets = targets
            self.builder = builder
            self.retry_of = retry_of

    class CancelRequested(Message):
        def __init__(self, target: str | None) -> None:
            super().__init__()
            self.target = target

    class JobLogRequested(Message):
        def __init__(self, target: TargetState) -> None:
            super().__init__()
            self.target = target

    def __init__(self, *, can_act: bool, alternatives: Callable[[str, str], str | None],
                 release: str = "", role: str = "", timezone: str = "UTC") -> None:
        super().__init__()
        self.release_label = release
        self.role = role
        self.timezone = timezone
        self.can_act = can_act
        self.alternatives = alternatives
        self.matrix_plan = ""
        """Which target builds where, said before the first build (the app plans it off the
        UI thread: finding this machine's triple runs rustc)."""
        self.state: BuildState | None = None
        self.split = False
        self.filter = ""
        self._bindings_key: tuple[object, ...] = ()
        self._failure_text: str | None = None
        self._header_tick: object = None
        self._watching = 0
        self._flushed = 0.0
        self._undrawn = False
        self._panes: list[LogPane] = []
        """The log panes on show, as `_ensure_panes` mounted them: every poll looks at them
        several times, and a DOM query walks the whole screen each time."""

    def compose(self) -> ComposeResult:
        header = CockpitHeader(self.release_label, self.role, self.timezone, id="header")
        if not self.can_act:
            header.add_class("spectator")
        yield header
        with Vertical(id="grid-box"):
            yield BuildGrid(id="grid")
            yield Static("", id="failure")
        yield Static(self._hint(), id="empty", markup=False)
        yield Horizontal(id="logs")
        yield Input(placeholder="filter logs (enter applies, escape clears)", id="filter")
        yield CockpitFooter()

    def _hint(self) -> str:
        hint = ("No build yet. Press enter to build every target of [build] targets "
                "(or run `cockpit build`)." if self.can_act else
                "No build yet: the controller's builds show here as they run.")
        return f"{hint}\n\n{self.matrix_plan or '  planning the matrix…'}"

    def show_matrix_plan(self, text: str) -> None:
        self.matrix_plan = text
        if self.is_mounted:
            self.query_one("#empty", Static).update(self._hint())

    def on_mount(self) -> None:
        self.query_one("#grid-box").border_title = "build matrix"
        if self.can_act:  # a spectator draws as lines arrive (_spectator_frame)
            self.set_interval(FLUSH_INTERVAL, self._flush_logs)

    def _flush_logs(self) -> None:
        """Every pane on the same tick: side by side logs cost one frame, not one each."""
        self._undrawn = False
        self._flushed = time.monotonic()
        for pane in self._panes:
            pane.flush()

    def _spectator_frame(self) -> None:
        """A spectator draws right after a poll, when its last frame is old enough: the
        newest lines are on screen as soon as they are read (a frame on a timer of its own
        drew lines a poll had brought up to a frame earlier). Its frames slow down as more
        watch: SPECTATORS_FRAMES shared by all."""
        every = max(SPECTATOR_FLUSH, (self._watching + 1) / SPECTATORS_FRAMES)
        if time.monotonic() - self._flushed >= every - FRAME_SLACK:
            self._flush_logs()

    def on_screen_resume(self) -> None:
        """Back from another mode: panes reload what arrived meanwhile from the journal."""
        for pane in self._panes:
            pane.source = None

    # state in -------------------------------------------------------------------------------

    def wanted_output(self) -> OutputWanted:
        """The (run, target) logs on show; of each, what a pane can draw in one flush, or
        every line when a filter is on (it may match anywhere)."""
        sources = frozenset(_run_and_target(p.source) for p in self._panes
                            if p.source is not None)
        return OutputWanted(sources, None if self.filter else LOG_TAIL)

    def show(self, feed: Feed) -> None:
        self._show(feed)
        if self._undrawn and not self.can_act:
            self._spectator_frame()

    def _show(self, feed: Feed) -> None:
        """Re-render only when the journal moved (polls are frequent; idle must stay idle);
        the header once a second."""
        self._watching = feed.header.watching
        tick = (feed.now.replace(microsecond=0), id(feed.header))  # a new one: it moved
        if tick != self._header_tick:
            self._header_tick = tick
            self.query_one(CockpitHeader).show_header(feed.header)
        new_events = feed.events
        if self.state is feed.builds and not new_events and all(  # (a replay: another)
                p.source is not None for p in self._panes):
            return
        self.state = state = feed.builds
        grid = self.query_one(BuildGrid)
        grid.show(state)
        empty = self.query_one("#empty")
        if empty.display != (not state.targets):
            empty.display = not state.targets
        title = f"build matrix · commit {state.commit[:12]}" if state.commit else "build matrix"
        box = self.query_one("#grid-box")
        if box.border_title != title:
            box.border_title = title
        showing = {p.source: p for p in self._panes}
        self._ensure_panes()  # a new pane loads its lines from the journal, these included
        panes = {p.source: p for p in self._panes if showing.get(p.source) is p}
        pushed = False
        for event in new_events:
            if event.kind == "output" and event.step:
                pane = panes.get(f"{event.run_id}/{event.step}")
                if pane is None:
                    continue
                if (event.run_id, event.step) in feed.read_with.sources:
                    pane.push(self._filtered(event.lines()), event.unread, event.id)
                    pushed = True
                elif not pane.loading:  # shown since that poll began: came without text
                    self._load(pane, pane.border_title or "")
        self._undrawn = self._undrawn or pushed
        self._show_failure()
        self._refresh_bindings_if_changed()

    def _refresh_bindings_if_changed(self) -> None:
        """The footer is costly to rebuild: only when an action's availability changed."""
        key = tuple(self.check_action(a, ()) for a in ("build", "retry", "retry_elsewhere",
                                                        "cancel", "cancel_all", "job_log"))
        if key != self._bindings_key:
            self._bindings_key = key
            self.refresh_bindings()

    def _filtered(self, lines: list[str]) -> list[str]:
        return [ln for ln in lines if matches(self.filter, ln)] if self.filter else lines

    def _wanted(self) -> list[str]:
        if self.state is None or not self.state.targets:
            return []
        if self.split:
            return list(self.state.targets)[:MAX_PANES]
        selected = self.query_one(BuildGrid).selected_target
        return [selected or next(iter(self.state.targets))]

    def _ensure_panes(self, *, reload: bool = False) -> None:
        """One pane per shown target, each following that target's latest attempt."""
        if self.state is None:
            return
        wanted = [(t, f"{self.state.targets[t].run_id}/{t}") for t in self._wanted()]
        current = [p.source for p in self._panes]
        if not reload and current == [source for _, source in wanted]:
            return
        logs = self.query_one("#logs")
        logs.remove_children()
        self._panes = []
        for target, source in wanted:
            pane = LogPane(max_lines=PANE_LINES if self.can_act else SPECTATOR_PANE_LINES,
                           flush_interval=None, max_per_flush=LOG_TAIL)
            title = f"{target} ({self.state.targets[target].builder})"
            if self.filter:
                title += f"  filter: {self.filter}"
            logs.mount(pane)
            self._panes.append(pane)
            pane.source = source
            self._load(pane, title)

    def _load(self, pane: LogPane, title: str) -> None:
        assert pane.source is not None
        run_id, target = _run_and_target(pane.source)
        self.post_message(self.LogWanted(pane.source, run_id, target,
                                         pane.wait_for(pane.source, title), pane.max_lines))

    def show_log(self, wanted: ModeScreen.LogWanted, lines: list[str], through: int) -> None:
        for pane in self._panes:
            if pane.source == wanted.source:
                shown = self._filtered(lines)
                if self.filter and not shown:  # an empty pane would look like a lost log
                    shown = [f"no line matches {self.filter!r} yet (escape clears the filter)"]
                pane.loaded(shown, through, wanted.request)

    def _show_failure(self) -> None:
        grid = self.query_one(BuildGrid)
        target = grid.selected_target
        text = ""
        if self.state is not None and target in self.state.targets:
            text = target_story(self.state.targets[target])
        if text != self._failure_text:
            self._failure_text = text
            self.query_one("#failure", Static).update(text)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if not self.split:
            self._ensure_panes()
        self._show_failure()
        self._refresh_bindings_if_changed()

    # actions --------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        acting = {"build", "retry", "retry_elsewhere", "cancel", "cancel_all", "job_log"}
        if action not in acting:
            return True
        if isinstance(self.focused, Input):
            return False  # typing a filter: enter submits it
        if not self.can_act:
            return False
        running = bool(self.state and self.state.running)
        target = self.query_one(BuildGrid).selected_target
        target_running = running and bool(self.state and target in self.state.targets and
                                          self.state.targets[target].status in {TargetStatus.RUNNING,
                                                                                TargetStatus.QUEUED})
        if action == "job_log":  # only where a workflow run built it
            return True if (self.state and target in self.state.targets and
                            self.state.targets[target].workflow_run) else None
        if action in {"retry", "retry_elsewhere"}:  # pressed when it cannot: say why
            return True if target is not None and self.state is not None else None
        applicable = {"build": not running, "cancel": target_running, "cancel_all": running}
        return True if applicable[action] else None

    def action_build(self) -> None:
        if self.can_act:
            self.post_message(self.BuildRequested(None))

    def action_retry(self, elsewhere: bool = False) -> None:
        target = self.query_one(BuildGrid).selected_target
        if not self.can_act or self.state is None or target not in self.state.targets:
            return
        current = self.state.targets[target]
        builder = current.builder
        if current.status not in RETRYABLE or self.state.running:
            why = (f"{target} is {current.status}" if current.status not in RETRYABLE else
                   "a build is running")
            self.notify(f"{why}: retry is for a failed or cancelled target once the build has "
                        "stopped (x cancels it)", severity="warning", title="retry")
            return
        if elsewhere:
            other = self.alternatives(target, builder)
            if other is None:
                self.notify(f"no other builder serves {target}", severity="warning")
                return
            builder = other
        self.post_message(self.BuildRequested([target], builder, retry_of=current.run_id))

    def action_retry_elsewhere(self) -> None:
        self.action_retry(elsewhere=True)

    def action_cancel(self) -> None:
        if self.can_act:
            self.post_message(self.CancelRequested(self.query_one(BuildGrid).selected_target))

    def action_cancel_all(self) -> None:
        if self.can_act:
            self.post_message(self.CancelRequested(None))

    def action_job_log(self) -> None:
        target = self.query_one(BuildGrid).selected_target
        if self.can_act and self.state is not None and target in self.state.targets:
            self.post_message(self.JobLogRequested(self.state.targets[target]))

    def action_split(self) -> None:
        if self.state is None or len(self.state.targets) < 2:
            self.notify("one target: one log, nothing to split", title="split")
            return
        self.split = not self.split
        self._ensure_panes(reload=True)

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("visible")
        box.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            self.filter = event.value
            event.input.remove_class("visible")
            self.query_one(BuildGrid).focus()
            self._ensure_panes(reload=True)

    def key_escape(self) -> None:
        box = self.query_one("#filter", Input)
        if box.has_class("visible") or self.filter:
            box.value = ""
            box.remove_class("visible")
            self.filter = ""
            self.query_one(BuildGrid).focus()
            self._ensure_panes(reload=True)


def _run_and_target(source: str) -> tuple[str, str | None]:
    run_id, _, target = source.partition("/")
    return run_id, target

"""What the app feeds every mode, and what a mode asks of it.

A mode screen is a projection: the app reads the journal on a worker thread, folds it,
projects the timeline and the header once, and hands the result to the mode on show
(`ModeScreen.show`).
The screen renders it and asks for what it lacks with messages (a log's lines, a plan), which
the app answers off the UI thread. A screen never reads the journal, runs git or plans.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from textual.message import Message
from textual.screen import Screen

from cockpit.engine.plans import PlanCache
from cockpit.journal.row import Event
from cockpit.metrics.state import MetricsState
from cockpit.state.builds import BuildState
from cockpit.state.launch import LaunchState
from cockpit.state.timeline import TimelineView
from widgets.header import Header

__all__ = ["SPECTATORS_FRAMES", "SPECTATOR_FLUSH", "Feed", "Header", "ModeScreen", "OutputWanted"]

SPECTATOR_FLUSH = 0.2
"""Seconds between a spectator's log redraws at most: one a poll (the app's POLL_SECONDS),
each right after the poll that read its lines."""
SPECTATORS_FRAMES = 20.0
"""Log redraws a second that all the spectators on this machine draw together, at most: each
draws after a poll once max(SPECTATOR_FLUSH, watching / SPECTATORS_FRAMES) seconds have gone
by since its last, so twenty-five watching four streaming logs cost what four do, and the
controller keeps the CPU. (A redraw of four scrolling panes at 160x48 is ~10 ms of a core
alone, two to three times that on a busy machine: Textual renders every visible line;
benchmarks/log_frame.py. With 40 a second, 25 spectators took a core and their lag p95 was
1.8 s; with 20, 0.65 of a core and 486 ms: benchmarks/spectators.py.) Drawing less often, a
spectator still shows the newest lines as soon as it reads them; the lines that scroll past
between two of its frames are in the journal."""


@dataclass(frozen=True)
class OutputWanted:
    """The logs a mode shows: the only output the next poll reads with its text."""

    sources: frozenset[tuple[str, str | None]] = frozenset()
    """(run id, step or target; None for every step of the run)"""
    tail: int | None = None
    """How many of each log's newest lines a poll reads (None: all, e.g. for a filter)."""


@dataclass(frozen=True)
class Feed:
    """One poll's worth of state, for the mode on show."""

    launch: LaunchState
    builds: BuildState
    header: Header
    now: datetime
    events: list[Event] = field(default_factory=list)
    """What the journal added since the last feed (output lines among them)."""
    read_with: OutputWanted = field(default_factory=lambda: OutputWanted())
    """The logs this feed's events were read with the text of: another log's lines came
    without theirs, and a pane that shows it since loads them again."""
    plans: PlanCache = field(default_factory=PlanCache)
    metrics: MetricsState | None = None
    """The metrics folded (None: a feed made without them, e.g. in a test)."""

    @property
    def timeline(self) -> TimelineView:
        return self.header.view


class ModeScreen(Screen[None]):
    """A top-level mode (timeline, builds): fed by the app, asking it with messages."""

    class LogWanted(Message):
        """A pane shows a log it has no lines for yet: the app loads them (every line up to
        the journal's newest event) and calls `show_log`."""

        def __init__(self, source: str, run_id: str, step: str | None, request: int,
                     keep: int | None = None) -> None:
            super().__init__()
            self.source = source
            self.run_id = run_id
            self.step = step
            self.request = request
            """The pane's request number: only its latest request's answer is shown."""
            self.keep = keep
            """The lines the pane keeps (its newest): no more are read (None: the app's
            default)."""

    class PlanWanted(Message):
        """A playbook's plan for these parameters is not in the cache yet."""

        def __init__(self, playbook: str, params: Mapping[str, str]) -> None:
            super().__init__()
            self.playbook = playbook
            self.params = dict(params)

    def wanted_output(self) -> OutputWanted:
        return OutputWanted()

    def show(self, feed: Feed) -> None:
        """Render this poll's state (only the mode on show is fed)."""
        raise NotImplementedError

    def rewound(self) -> None:
        """The states fed from now on were folded afresh (a replay moved to another moment):
        what the screen keeps of earlier feeds (a log's lines, what it last drew) is
        forgotten, as when it comes back from another mode."""
        resumed = getattr(self, "on_screen_resume", None)
        if resumed is not None and self.is_mounted:
            resumed()

    def show_log(self, wanted: ModeScreen.LogWanted, lines: list[str], through: int) -> None:
        """The lines a `LogWanted` asked for, up to journal event `through`."""

    def plan_ready(self) -> None:
        """A plan a `PlanWanted` asked for is in the cache."""

    def show_matrix_plan(self, text: str) -> None:
        """Which target builds where (planned once, off the UI thread)."""

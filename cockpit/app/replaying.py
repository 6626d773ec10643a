"""`cockpit replay`: a past launch from its journal, the same screens as they were at any
moment.

The replay is the spectator's app (a read-only journal, no engine) whose clock is the moment
shown: countdowns, "overdue" and the timeline's projection are as they were then, and the
events folded are exactly those journaled at or before it. The journal is indexed and folded
on worker threads (`seeking.py`): a small step forward reads the few events after the moment
shown and folds them on the UI's thread, as a poll does; any other move takes fresh states
folded from the nearest checkpoint, handed over in one assignment, and every screen forgets
what it drew (a log's lines after the moment go with it). The newest moment asked wins.
Playing moves the moment on the poll's timer, at 1x to 600x.
"""

from __future__ import annotations

import asyncio
import gc
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from textual.binding import Binding, BindingType

from cockpit.app.app import CockpitApp
from cockpit.app.feeding import Feeder
from cockpit.app.hangup import on_hangup
from cockpit.app.host import Host
from cockpit.app.seeking import Folded, Seeker
from cockpit.clock import FrozenClock
from cockpit.config import Config
from cockpit.errors import CockpitError
from cockpit.journal.store import Journal
from cockpit.metrics.state import MetricsState
from cockpit.runbook.model import Runbook
from cockpit.state.replay import SPEEDS, label
from screens.base import Header, ModeScreen

FORWARD = 2_000
"""A step forward of at most this many events is folded onto the states on show."""

REPLAY_BINDINGS: list[BindingType] = [
    Binding("space", "replay_play", "Play", id="replay-play",
            tooltip="Play the replay from the moment shown, or pause it"),
    Binding("right_square_bracket", "replay_by(60)", "+1m", id="replay-minute-on",
            tooltip="A minute later"),
    Binding("left_square_bracket", "replay_by(-60)", "-1m", id="replay-minute-back",
            tooltip="A minute earlier", show=False),
    Binding("right_curly_bracket", "replay_by(3600)", "+1h", id="replay-hour-on",
            tooltip="An hour later", show=False),
    Binding("left_curly_bracket", "replay_by(-3600)", "-1h", id="replay-hour-back",
            tooltip="An hour earlier", show=False),
    Binding("full_stop", "replay_event(1)", "Next event", id="replay-event-on",
            tooltip="The moment of the next event journaled"),
    Binding("comma", "replay_event(-1)", "Previous event", id="replay-event-back",
            tooltip="The moment of the previous event journaled", show=False),
    Binding("greater_than_sign", "replay_notable(1)", "Next decision/failure",
            id="replay-notable-on", tooltip="The next gate decision or override, or failure "
            "(a step, run or build failing, a crash, an incident declared)"),
    Binding("less_than_sign", "replay_notable(-1)", "Previous decision/failure",
            id="replay-notable-back", tooltip="The previous gate decision or failure",
            show=False),
    Binding("plus,equals_sign", "replay_speed(1)", "Faster", id="replay-faster",
            tooltip="Play faster: 1x, 10x, 60x, 600x", show=False),
    Binding("minus", "replay_speed(-1)", "Slower", id="replay-slower",
            tooltip="Play slower: 600x, 60x, 10x, 1x", show=False),
]
"""The replay's own keys (none is a key of the cockpit's modes)."""


class ReplayFeeder(Feeder):
    """The Feeder whose journal is cut at the replay's moment; its polls are the play clock."""

    def __init__(self, app: Host, seeker: Seeker, at: datetime | None) -> None:
        super().__init__(app)
        self.seeker, self.asked = seeker, at
        self.through, self.count = 0, 0
        """The last event shown (the cut), and how many are shown."""
        self.playing, self.speed = False, 60
        self.ready = False
        """The journal's moments are known (keys move the moment only then)."""
        self._seeking = False
        self._target: datetime | None = None
        self._played = time.monotonic()
        self._replay_header: tuple[object, Header] | None = None
        self.checkpointing = False
        """The checkpoints are being (or were) folded, on a worker thread."""

    @property
    def clock(self) -> FrozenClock:
        clock = self.app.clock
        assert isinstance(clock, FrozenClock)
        return clock

    async def start(self) -> None:
        """The journal's moments (awaited: the first frame is of the moment asked), the
        states at that moment, then the checkpoints, folded in the background."""
        self._reading = True  # the journal is never polled: `poll` plays
        try:
            moments = await asyncio.to_thread(self.seeker.index)
        except CockpitError as exc:
            self.app.notify(str(exc), severity="error", title="journal")
            return
        self.metrics = MetricsState(self.app.config.release.launch_at)
        if not len(moments):
            self.app.notify("the journal holds no event yet", title="replay", timeout=10)
            return
        at = moments.clamp(self.asked or moments.last or self.clock.now())
        if self.asked is not None and at != self.asked:
            self.app.notify(f"{self._said(self.asked)} is outside the journal: showing "
                            f"{self._said(at)} instead", title="replay", timeout=10)
        self.ready = True
        await self._seek_to(at)
        self.asked = at
        self.checkpointing = True  # a failure is said by the app's worker handler
        self.app.run_worker(self._checkpoint, thread=True, group="replay-checkpoints",
                            exit_on_error=False)

    def _checkpoint(self) -> None:
        """The checkpoints (a worker thread's); then, where start-up was frozen for the
        collector (the `cockpit` command: `cockpit.started`), what lives now is frozen too: a
        seek's fold would otherwise have each full collection scan the whole app again
        (70-80 ms on a 1M-event journal)."""
        self.seeker.checkpoint()
        if not self.seeker.stopped and gc.get_freeze_count():
            gc.freeze()

    async def stop(self) -> None:
        """The checkpoints' fold ends (before the journal closes)."""
        self.seeker.stopped = True
        if self.checkpointing:
            await asyncio.to_thread(self.seeker.checkpointed.wait, 30)

    def _said(self, at: datetime) -> str:
        return label(at, self.app.config.release.tz, full=True)

    def poll(self) -> None:
        """The play clock: the moment moves on by the time since the last tick times the
        speed; at the journal's end, playing stops. Paused, the mode on show is fed (one
        shown since the last move draws the moment)."""
        now = time.monotonic()
        elapsed, self._played = now - self._played, now
        if not (self.playing and self.ready and self.asked is not None):
            if self.ready and not self._seeking:
                self.refresh()
            return
        last = self.seeker.moments.last
        at = self.asked + timedelta(seconds=elapsed * self.speed)
        if last is not None and at >= last:
            at, self.playing = last, False
            self.app.notify("the end of the journal", title="replay", timeout=3)
        self.seek(at)

    def seek(self, at: datetime) -> None:
        """Show the moment `at` (within the journal): the newest asked wins."""
        if not self.ready:
            return
        self.asked = self._target = self.seeker.moments.clamp(at)
        if not self._seeking:
            self._seeking = True
            self.app.run_worker(self._seek_loop(), group="seek", exit_on_error=False)

    async def _seek_loop(self) -> None:
        try:
            while self._target is not None:
                at, self._target = self._target, None
                await self._seek_to(at)
        finally:
            self._seeking = False

    async def _seek_to(self, at: datetime) -> None:
        moments = self.seeker.moments
        upto, count = moments.upto(at), moments.shown(at)
        wanted = self.app.mode_screen().wanted_output()
        if self.through and 0 <= count - self.count <= FORWARD:  # a step on: as a poll's
            events = await asyncio.to_thread(self.seeker.between, self.through, upto, wanted)
            self.clock.set(at)
            self.through, self.count = upto, count
            self.show(events, wanted)
            return
        current = Folded(self.state, self.builds, self.metrics, self.through)
        folded = await asyncio.to_thread(self.seeker.seek, upto, current)
        # versions only grow: a screen redraws when the version it drew changes
        folded.launch.version += self.state.version + 1
        folded.metrics.version += self.metrics.version + 1
        self.state, self.builds, self.metrics = folded.launch, folded.builds, folded.metrics
        self._header, self._blocked_at = None, (None, frozenset())
        self.clock.set(at)
        self.through, self.count = upto, count
        for screen in self.app.mode_screens():
            screen.rewound()
        self.show([], wanted, folded=True)

    def refresh(self) -> None:
        """The header again (playing or paused, the speed)."""
        self.show([], self.app.mode_screen().wanted_output(), folded=True)

    def _header_at(self, now: datetime) -> Header:
        header = super()._header_at(now)
        tz, sign = self.app.config.release.tz, "▶" if self.playing else "⏸"
        replay = (f"REPLAY {label(now, tz, full=True)} {sign} {self.speed}x",
                  f"REPLAY {label(now, tz, full=False)} {sign} {self.speed}x")
        key = (id(header), replay)
        if self._replay_header is None or self._replay_header[0] != key:
            self._replay_header = key, replace(header, replay=replay)
        return self._replay_header[1]

    async def load_log(self, wanted: ModeScreen.LogWanted) -> None:
        """A log's lines up to the moment shown, never after it."""
        through = self.through

        def load() -> list[str]:
            events = self.app.journal.output_tail(wanted.run_id, wanted.step, through, 10_000)
            return [line for e in events for line in e.lines()]

        lines = await asyncio.to_thread(load)  # a seek back since: the pane asked again
        for screen in self.app.mode_screens():
            if screen.is_mounted:
                screen.show_log(wanted, lines[-10_000:], through)


class ReplayApp(CockpitApp):
    """The spectator's app on a journal cut at a moment the keys move."""

    BINDINGS = REPLAY_BINDINGS
    replaying = True

    def __init__(self, config: Config, runbook: Runbook, journal: Journal, *,
                 at: datetime | None = None, note: str | None = None, **kwargs: Any) -> None:
        super().__init__(config, runbook, journal, clock=FrozenClock(at or datetime.now(UTC)),
                         **kwargs)
        self.role = "REPLAY (read-only)"
        self.replay = ReplayFeeder(self, Seeker(journal, config.release.launch_at), at)
        self.feeder = self.replay
        self.note = note

    async def on_mount(self) -> None:
        on_hangup(self, lambda: self.exit(1))
        if self.note:
            self.notify(self.note, title="replay", timeout=10)

    async def on_unmount(self) -> None:
        await self.replay.stop()

    def action_replay_by(self, seconds: int) -> None:
        if self.replay.asked is not None:
            self.replay.seek(self.replay.asked + timedelta(seconds=seconds))

    def action_replay_event(self, direction: int) -> None:
        self._to(self.replay.seeker.moments.next_event if direction > 0
                 else self.replay.seeker.moments.previous_event, "event", direction)

    def action_replay_notable(self, direction: int) -> None:
        self._to(self.replay.seeker.moments.next_notable if direction > 0
                 else self.replay.seeker.moments.previous_notable, "decision or failure",
                 direction)

    def _to(self, find: Any, what: str, direction: int) -> None:
        asked = self.replay.asked
        found = find(asked) if asked is not None and self.replay.ready else None
        if found is None:
            self.notify(f"no {'later' if direction > 0 else 'earlier'} {what} in the journal",
                        title="replay", timeout=3)
            return
        self.replay.seek(found)

    def action_replay_play(self) -> None:
        replay = self.replay
        if not replay.playing and replay.asked is not None and replay.asked == \
                replay.seeker.moments.last:
            self.notify("the end of the journal: move back first ([ { , <)", title="replay",
                        timeout=3)
            return
        replay.playing = not replay.playing
        replay.refresh()

    def action_replay_speed(self, direction: int) -> None:
        replay = self.replay
        index = SPEEDS.index(replay.speed) + direction
        replay.speed = SPEEDS[min(max(index, 0), len(SPEEDS) - 1)]
        replay.refresh()

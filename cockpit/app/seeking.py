"""A replay's journal, indexed and folded to any moment (no UI here: the benchmark and the
replay app share it; the replay calls it on worker threads).

`index` reads when each event was journaled (ids, times, kinds: cheap) so a moment can be
cut at once; `checkpoint` folds the whole journal once, keeping the folded states every
`every` events; a seek then folds forward from the nearest checkpoint at or before its cut,
never from the start (a 1M-event journal: see benchmarks/replay_seek.py).
"""

from __future__ import annotations

import pickle
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from cockpit.journal import events as ev
from cockpit.journal.row import Event
from cockpit.journal.store import Journal
from cockpit.metrics.state import MetricsState
from cockpit.state.builds import BuildState
from cockpit.state.launch import LaunchState
from cockpit.state.replay import NOTABLE_KINDS, Checkpoints, Moments, notable

FOLDED = tuple(k.value for k in ev.Kind if k != ev.Kind.OUTPUT)
"""Every kind but the output."""
EVERY = 10_000
"""Events between two checkpoints: a seek folds fewer than this many."""
SWITCH = 0.0001
"""Seconds the checkpoints' fold may hold the GIL while the UI's thread waits for it."""
CHUNK = 20_000
"""Events read at a time while indexing and checkpointing."""


@dataclass
class Folded:
    """The journal's states at a cut: everything journaled through event `through`."""

    launch: LaunchState
    builds: BuildState
    metrics: MetricsState
    through: int


class Seeker:
    def __init__(self, journal: Journal, launch_at: datetime, *, every: int = EVERY) -> None:
        self.journal, self.launch_at, self.every = journal, launch_at, every
        self.moments = Moments()
        self.checkpoints = Checkpoints()
        self._lock = threading.Lock()
        """Checkpoints are kept on one thread while seeks read them on another."""
        self.stopped = False
        """Set to end `checkpoint` early (the replay closes)."""
        self.checkpointed = threading.Event()
        """Set once `checkpoint` returns, however it ends."""

    def index(self) -> Moments:
        """Every event's moment, and which are decisions or failures."""
        import json
        from datetime import datetime as dt

        moments = Moments()
        after = 0
        while rows := self.journal.stamps(after, limit=CHUNK, data_of=NOTABLE_KINDS):
            for id_, ts, kind, data in rows:
                moments.add(id_, dt.fromisoformat(ts),
                            data is not None and notable(kind, json.loads(data)))
            after = rows[-1][0]
        self.moments = moments
        return moments

    def fresh(self) -> Folded:
        return Folded(LaunchState(), BuildState(), MetricsState(self.launch_at), 0)

    def checkpoint(self, progress: Callable[[int], None] | None = None) -> None:
        """Fold the whole journal once, keeping the states every `every` events."""
        folded = self.fresh()
        last = self.moments.ids[-1] if len(self.moments) else 0
        switch = sys.getswitchinterval()  # the UI's thread waits for the GIL no longer
        sys.setswitchinterval(min(switch, SWITCH))  # than this (see app/feeding.py)
        try:
            self._checkpoint(folded, last, progress)
        finally:
            sys.setswitchinterval(switch)
            self.checkpointed.set()

    def _checkpoint(self, folded: Folded, last: int, progress: Callable[[int], None] | None
                    ) -> None:
        while folded.through < last and not self.stopped:
            upto = min(folded.through + self.every, last)
            _fold(folded, self._read(folded.through, upto), upto)
            with self._lock:
                self.checkpoints.keep(folded.through, (folded.launch, folded.builds,
                                                       folded.metrics))
            if progress is not None:
                progress(folded.through)

    def seek(self, upto: int, current: Folded | None = None) -> Folded:
        """Fresh states folded through event `upto`: from the nearest checkpoint at or before
        it, or from a copy of `current` (the states on show, which nothing changes meanwhile)
        when that is nearer, else from the start."""
        with self._lock:
            kept = self.checkpoints.nearest(upto)
        if current is not None and current.through <= upto and (
                kept is None or kept[0] < current.through):
            launch, builds, metrics = pickle.loads(pickle.dumps(
                (current.launch, current.builds, current.metrics),
                protocol=pickle.HIGHEST_PROTOCOL))
            folded = Folded(launch, builds, metrics, current.through)
        elif kept is None:
            folded = self.fresh()
        else:
            through, (launch, builds, metrics) = kept
            folded = Folded(launch, builds, metrics, through)
        _fold(folded, self._read(folded.through, upto), upto)
        return folded

    def between(self, after: int, upto: int, wanted: object = None) -> list[Event]:
        """The events after `after` through `upto` (a step forward, folded on the UI's
        thread), with the text of the logs `wanted` (an `OutputWanted`)."""
        sources = getattr(wanted, "sources", ())
        return self.journal.events(after=after, upto=upto, output_of=sources,
                                   output_tail=getattr(wanted, "tail", None))

    def _read(self, after: int, upto: int) -> list[Event]:
        """What the folds take between two cuts: not the output (the flood, folded by
        none: a log loads its own lines)."""
        if upto <= after:
            return []
        return self.journal.events(after=after, upto=upto, kinds=FOLDED, output_of=())


def _fold(folded: Folded, events: list[Event], upto: int) -> None:
    """Fold `events` (those after `folded.through` through `upto`) onto `folded`."""
    for state in (folded.launch, folded.builds, folded.metrics):
        state.apply(events)
        state.last_id = max(state.last_id, upto)
    folded.through = upto

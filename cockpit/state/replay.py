"""A replay's pure parts: the journal's moments (when each event was journaled, which ones
are decisions or failures), where a moment cuts the journal, the moments next to another,
`--at`'s forms, and checkpoints of the folded states to seek from.

A moment shows exactly the events journaled at or before it, by their recorded time. The
events are folded in the journal's order (their ids); should a recorded time go back (a
clock stepped back, a journal written on two machines), an event counts as journaled when
every event before it is: the cut is always a prefix of the journal.
"""

from __future__ import annotations

import pickle
import re
import zlib
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from cockpit.clock import local_time
from cockpit.errors import CockpitError, Problem
from cockpit.journal import events as ev

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICRO = timedelta(microseconds=1)
DECISIONS = frozenset({ev.Kind.GATE_DECISION.value, ev.Kind.GATE_OVERRIDE.value})
FAILING = {ev.Kind.STEP_FINISHED.value: ("status", {"failed", "timeout"}),
           ev.Kind.RUN_FINISHED.value: ("status", {"failed", "aborted", "no-go"}),
           ev.Kind.BUILD_STAGE.value: ("state", {"failed"}),
           ev.Kind.BUILD_FINISHED.value: ("status", {"failed", "incomplete"})}
ALWAYS_FAILING = frozenset({ev.Kind.COCKPIT_CRASHED.value, ev.Kind.INCIDENT_OPENED.value})
NOTABLE_KINDS = tuple(sorted(DECISIONS | set(FAILING) | ALWAYS_FAILING))
"""The kinds whose data says whether an event is a decision or a failure."""
SPEEDS = (1, 10, 60, 600)
"""How much faster than real time a replay plays."""


def micros(at: datetime) -> int:
    """A moment as whole microseconds since the epoch (exact: no float rounding)."""
    return (at - EPOCH) // MICRO


def moment(us: int) -> datetime:
    return EPOCH + us * MICRO


def notable(kind: str, data: Mapping[str, Any] | None) -> bool:
    """A gate decided or overridden, or a failure: a step, run or build failing, a crash, an
    incident declared."""
    if kind in DECISIONS or kind in ALWAYS_FAILING:
        return True
    field_values = FAILING.get(kind)
    return (field_values is not None and data is not None
            and data.get(field_values[0]) in field_values[1])


class Moments:
    """When each event of a journal was journaled (in id order), and which are notable."""

    def __init__(self) -> None:
        self.ids = array("q")
        self.stamps = array("q")
        """Microseconds; never going back (see the module's doc)."""
        self.notable = array("q")
        """Indexes (into `ids`) of the decisions and failures."""

    def add(self, event_id: int, at: datetime, is_notable: bool = False) -> None:
        us = micros(at)
        if self.stamps and us < self.stamps[-1]:
            us = self.stamps[-1]
        if is_notable:
            self.notable.append(len(self.ids))
        self.ids.append(event_id)
        self.stamps.append(us)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def first(self) -> datetime | None:
        return moment(self.stamps[0]) if self.stamps else None

    @property
    def last(self) -> datetime | None:
        return moment(self.stamps[-1]) if self.stamps else None

    def clamp(self, at: datetime) -> datetime:
        """`at`, within the journal's first and last event."""
        if not self.stamps:
            return at
        return min(max(at, moment(self.stamps[0])), moment(self.stamps[-1]))

    def shown(self, at: datetime) -> int:
        """How many events are journaled at or before `at`."""
        return bisect_right(self.stamps, micros(at))

    def upto(self, at: datetime) -> int:
        """The id of the last event journaled at or before `at` (0: none)."""
        count = self.shown(at)
        return self.ids[count - 1] if count else 0

    def next_event(self, at: datetime) -> datetime | None:
        """The moment of the first event journaled after `at`."""
        index = bisect_right(self.stamps, micros(at))
        return moment(self.stamps[index]) if index < len(self.stamps) else None

    def previous_event(self, at: datetime) -> datetime | None:
        """The moment of the last event journaled before `at` (it shows, the ones at `at` do
        not)."""
        index = bisect_left(self.stamps, micros(at))
        return moment(self.stamps[index - 1]) if index else None

    def next_notable(self, at: datetime) -> datetime | None:
        """The moment of the first decision or failure journaled after `at`."""
        us = micros(at)
        index = bisect_right(self.notable, us, key=self.stamps.__getitem__)
        return moment(self.stamps[self.notable[index]]) if index < len(self.notable) else None

    def previous_notable(self, at: datetime) -> datetime | None:
        """The moment of the last decision or failure journaled before `at`."""
        us = micros(at)
        index = bisect_left(self.notable, us, key=self.stamps.__getitem__)
        return moment(self.stamps[self.notable[index - 1]]) if index else None


class Checkpoints:
    """The folded states every so many events, kept pickled and compressed (a quarter of the
    pickle's size for 2-3 ms a seek), so each seek takes a fresh copy: the states shown are
    never the ones kept."""

    def __init__(self) -> None:
        self._ids: list[int] = []
        self._kept: list[bytes] = []

    def __len__(self) -> int:
        return len(self._ids)

    def keep(self, through: int, states: object) -> None:
        """`states` folded through event `through` (ids come in increasing order)."""
        self._ids.append(through)
        self._kept.append(zlib.compress(pickle.dumps(states, protocol=pickle.HIGHEST_PROTOCOL),
                                        1))

    def nearest(self, upto: int) -> tuple[int, Any] | None:
        """The newest checkpoint at or before event `upto`: (its event id, a fresh copy of its
        states); None if there is none."""
        index = bisect_right(self._ids, upto)
        if not index:
            return None
        return self._ids[index - 1], pickle.loads(zlib.decompress(self._kept[index - 1]))

    @property
    def size(self) -> int:
        """Bytes kept."""
        return sum(len(kept) for kept in self._kept)

    def through(self) -> int:
        """The newest checkpoint's event id (0: none yet)."""
        return self._ids[-1] if self._ids else 0


HH_MM = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
AT_FORMS = ("an ISO 8601 time with its offset (2026-01-15T14:05:00-05:00), HH:MM[:SS] on "
            "launch day in the release's zone, T+2h / T-30m (from T-0), or incident:ID (when "
            "it was reported)")


def parse_at(text: str, launch_at: datetime, tz: tzinfo,
             reported: Mapping[str, datetime] | None = None) -> datetime:
    """`--at`'s moment. `reported`: each incident's report time, by id."""
    given = text.strip()
    if given.startswith("incident:"):
        wanted = given.removeprefix("incident:").strip()
        known = reported or {}
        if wanted not in known:
            raise _bad(f"no incident {wanted!r} in the journal",
                       "one of: " + (", ".join(sorted(known)) or "none declared"))
        return known[wanted]
    if (offset := re.fullmatch(r"T([+-])(\d+)([dhm])", given)) is not None:
        amount = int(offset[2]) * {"d": 86400, "h": 3600, "m": 60}[offset[3]]
        return launch_at + timedelta(seconds=amount if offset[1] == "+" else -amount)
    if (clock := HH_MM.fullmatch(given)) is not None:
        hour, minute, second = int(clock[1]), int(clock[2]), int(clock[3] or 0)
        if hour > 23 or minute > 59 or second > 59:
            raise _bad(f"{given!r} is not a time of day", "HH:MM from 00:00 to 23:59")
        day = launch_at.astimezone(tz)
        return day.replace(hour=hour, minute=minute, second=second, microsecond=0)
    try:
        at = datetime.fromisoformat(given)
    except ValueError:
        raise _bad(f"{given!r} is not a time", AT_FORMS) from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=tz)  # a local time: in the release's zone, as shown
    return at


def _bad(message: str, fix: str) -> CockpitError:
    return CockpitError([Problem(message, field="--at", fix=fix)], exit_code=2)


def label(at: datetime, tz: tzinfo, *, full: bool) -> str:
    """The moment shown, to the second, in the release's zone."""
    return local_time(at, tz, "%a %d %b %H:%M:%S" if full else "%H:%M:%S", zone=True)

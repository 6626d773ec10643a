"""Time, injected.

Everything that depends on "now" (the timeline, countdowns, overdue highlighting, journal
timestamps) takes a `Clock`, so tests and snapshots can freeze it. Every time a person reads
(on screen, in a toast, in an engine's message) goes through `local_time`: in the release's
zone (`config.release.tz`), never the journal's UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import Protocol

SHOWN = "%a %d %b %H:%M"
"""How the screens show a moment: the weekday and date, hours and minutes."""


def zone_label(zone: tzinfo | str) -> str:
    """The zone's name the way people read it: Etc/GMT-9 means UTC+9 (POSIX signs are
    inverted)."""
    name = zone if isinstance(zone, str) else str(getattr(zone, "key", None) or zone)
    if name.startswith("Etc/GMT") and name[7:]:
        return "UTC" + ("+" if name[7] == "-" else "-") + name[8:]
    return name


def local_time(at: datetime, tz: tzinfo, fmt: str = SHOWN, *, zone: bool = False) -> str:
    """`at` in the release's zone `tz` (`config.release.tz`), as `fmt` says; `zone`: followed
    by the zone's name, for text read away from the header that names it."""
    shown = at.astimezone(tz).strftime(fmt)
    return f"{shown} {zone_label(tz)}" if zone else shown


def clock_time(at: datetime, now: datetime, tz: tzinfo) -> str:
    """A deadline's time of day in the release's zone ("12:45"), with its weekday when it is
    not today there ("Sat 12:45"): a deadline a day away must not read as this afternoon; and
    its date too from six days away ("Sat 12 Dec 12:45"): a P2's week must not read as today."""
    days = abs((at.astimezone(tz).date() - now.astimezone(tz).date()).days)
    return local_time(at, tz, "%H:%M" if days == 0 else "%a %H:%M" if days < 6
                      else "%a %d %b %H:%M")


LAUNCH_MARGIN = timedelta(days=366)
"""How far either side of T-0 the cockpit counts: the timeline (T-7 to T+7 days and the
windows after), countdowns and hours since the launch all fit in it."""


def utc_stamp(at: datetime) -> str:
    """A moment as APIs write it (GitHub's `since`, an issue's `created_at`): UTC, seconds."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def spans(at: datetime, tz: tzinfo, margin: timedelta) -> bool:
    """Whether every moment within `margin` of the local time `at` (in zone `tz`) is a date
    Python can hold, in that zone and in UTC (a launch in the year 9999 is not)."""
    try:
        for moment in (at - margin, at + margin):
            moment.replace(tzinfo=tz).astimezone(UTC)
    except OverflowError:
        return False
    return True


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that only moves when told to."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._at = at

    def now(self) -> datetime:
        return self._at

    def advance(self, delta: timedelta) -> None:
        self._at += delta

    def set(self, at: datetime) -> None:
        self._at = at


def countdown(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours:02d}h {minutes:02d}m"
    if hours:
        return f"{hours}h {minutes:02d}m {secs:02d}s"
    return f"{minutes}m {secs:02d}s"


def short_countdown(left: timedelta) -> str:
    """A countdown for a compact header: minutes ("12m", "1h05m"), seconds in the last minute
    ("55s": "0m" would read as due already)."""
    seconds = max(0, int(left.total_seconds()))
    minutes = seconds // 60
    if minutes >= 60:
        return f"{minutes // 60}h{minutes % 60:02d}m"
    return f"{minutes}m" if minutes else f"{seconds}s"

"""The launch timeline: runbook items placed in time, with live status.

`project` is a pure function of the runbook, the release's launch time, the journal's state
and the clock, so the timeline screen, spectators and tests agree on what is due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum

from cockpit.clock import countdown, local_time
from cockpit.journal.events import RunStatus, Verdict
from cockpit.runbook.model import Item, Runbook
from cockpit.state.incidents import POSTMORTEM
from cockpit.state.launch import Decision, LaunchState, RunState

LAUNCH_CLOCK = 8 * 60  # T-0 is 08:00 in the runbook; items are written as clock times
DAY_WINDOW = 24 * 60


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


@dataclass(frozen=True)
class Slot:
    """One occurrence of an item on the timeline (repeating items have several)."""

    item: Item
    key: str
    offset: int | None
    """Minutes from T-0; None for untimed procedures."""
    label: str
    """The item's title, with the occurrence's clock time for repeating items."""


def slots(runbook: Runbook) -> list[Slot]:
    """Every occurrence, timed ones in chronological order, then untimed ones in file order."""
    timed: list[Slot] = []
    untimed: list[Slot] = []
    for item in runbook.timeline.items:
        if item.day is None:
            untimed.append(Slot(item, item.id, None, item.title))
            continue
        start = _minutes(item.at or "08:00")
        base = item.day * DAY_WINDOW - LAUNCH_CLOCK
        if item.every and item.until:
            end = _minutes(item.until)
            for minute in range(start, end + 1, item.every):
                clock = f"{minute // 60:02d}:{minute % 60:02d}"
                timed.append(Slot(item, f"{item.id}@{clock}", base + minute,
                                  f"{item.title} ({clock})"))
        elif item.through_day is not None:
            for day in range(item.day, item.through_day + 1):
                timed.append(Slot(item, f"{item.id}@T{day:+d}",
                                  day * DAY_WINDOW - LAUNCH_CLOCK + start,
                                  f"{item.title} (T{day:+d})"))
        else:
            timed.append(Slot(item, item.id, base + start, item.title))
    timed.sort(key=lambda s: (s.offset, s.key))
    return timed + untimed


def relative_label(offset: int, day: int | None) -> str:
    """`T-7`, `T-1` for days; `T-0`, `T+2h`, `T+5h30m` on launch day."""
    if day is not None and day != 0:
        return f"T{day:+d}"
    sign = "+" if offset >= 0 else "-"
    days, rest = divmod(abs(offset), DAY_WINDOW)
    if days:
        return f"T{sign}{days}d{rest // 60}h"
    hours, minutes = divmod(abs(offset), 60)
    if hours == 0 and minutes == 0:
        return "T-0"
    text = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "")
    return f"T{sign}{text}"


@dataclass(frozen=True)
class ItemView:
    slot: Slot
    status: ItemStatus | str
    overdue: bool
    start: datetime | None
    local_time: str
    relative: str
    run: RunState | None
    decision: Decision | None
    override: Decision | None = None
    """A gate's journaled override (a NO-GO lifted, or proceeding without a decision), when
    one is newer than the decision."""
    attempt: RunState | None = None
    """The newest run whatever its outcome (given up, declined, a dry run): what the item
    shows, with its log, so no run goes unseen; `run` is the one its status counts."""
    end: datetime | None = None
    """When its window closes (it is overdue after, while still due)."""

    @property
    def item(self) -> Item:
        return self.slot.item


@dataclass(frozen=True)
class TimelineView:
    items: list[ItemView]
    now: datetime
    now_index: int
    """Index in `items` before which the now-marker goes."""
    next_item: ItemView | None
    now_local: str = ""
    """Now in the release's timezone, formatted like item times."""
    now_offset: int = 0
    """Minutes from T-0 to now (negative before launch)."""

    def countdown(self) -> str | None:
        if self.next_item is None or self.next_item.start is None:
            return None
        return countdown(self.next_item.start - self.now)

    def due_now(self) -> ItemView | None:
        """The item to look at now: the latest one due, running or interrupted that has
        started, else the next one."""
        started = [v for v in self.items if v.start is not None and v.start <= self.now
                   and v.status in {ItemStatus.DUE, ItemStatus.RUNNING, ItemStatus.INTERRUPTED}]
        return started[-1] if started else self.next_item


class ItemStatus(StrEnum):
    """Where a timeline item stands: from its latest run, its gate decision, or the clock."""

    PENDING = "pending"
    DUE = "due"
    RUNNING = "running"
    DONE = "done"
    INCOMPLETE = "incomplete"
    FAILED = "failed"
    ABORTED = "aborted"
    SKIPPED = "skipped"
    INTERRUPTED = "interrupted"
    GO = "GO"
    NO_GO = "NO-GO"


_RUN_STATUS: dict[str, ItemStatus] = {RunStatus.RUNNING: ItemStatus.RUNNING, RunStatus.OK: ItemStatus.DONE,
               RunStatus.INCOMPLETE: ItemStatus.INCOMPLETE, RunStatus.FAILED: ItemStatus.FAILED,
               RunStatus.ABORTED: ItemStatus.ABORTED, RunStatus.NO_GO: ItemStatus.NO_GO,
               RunStatus.INTERRUPTED: ItemStatus.INTERRUPTED, RunStatus.BLOCKED: ItemStatus.FAILED}


def project(runbook: Runbook, launch: datetime, tz: tzinfo, state: LaunchState,
            now: datetime) -> TimelineView:
    all_slots = slots(runbook)
    views: list[ItemView] = []
    for index, slot in enumerate(all_slots):
        start = launch + timedelta(minutes=slot.offset) if slot.offset is not None else None
        end = _window_end(slot, all_slots, index, launch)
        run = attempt = None
        if slot.item.playbook:
            since, before = (start, end) if slot.item.repeats else (None, None)
            run = state.latest_run(slot.item.playbook, since=since, before=before,
                                   settled=start is not None)  # a given-up try: still due
            attempt = state.latest_run(slot.item.playbook, since=since, before=before, dry=True)
        decision = state.decisions.get(slot.item.id) if slot.item.gate else None
        status = _status(start, now, run, decision)
        overdue = status == "due" and end is not None and now >= end
        when = start or (run.started if run is not None else None)  # emergencies: last run
        local = local_time(when, tz) if when else ""
        relative = (relative_label(slot.offset, (slot.offset + LAUNCH_CLOCK) // DAY_WINDOW)
                    if slot.offset is not None else "")  # a daily item's own day
        override = state.overrides.get(slot.item.id) if slot.item.gate else None
        if override is not None and decision is not None and override.event_id < decision.event_id:
            override = None
        views.append(ItemView(slot, status, overdue, start, local, relative, run, decision,
                              override, attempt or run, end))
    timed = sorted([v for v in views if v.start is not None]
                   + _postmortems(runbook, launch, tz, state, now),
                   key=lambda v: v.start or now)  # stable: the runbook's order at a tie
    views = timed + [v for v in views if v.start is None]
    now_index = next((i for i, v in enumerate(timed) if v.start and v.start > now), len(timed))
    upcoming = timed[now_index] if now_index < len(timed) else None
    offset = int((now - launch).total_seconds() // 60)
    return TimelineView(views, now, now_index, upcoming,
                        local_time(now, tz), offset)


def _postmortems(runbook: Runbook, launch: datetime, tz: tzinfo, state: LaunchState,
                 now: datetime) -> list[ItemView]:
    """A resolved incident's post-mortem, on the timeline at its deadline (due since the
    resolution, overdue after; done once held)."""
    rules, found = runbook.timeline.incidents, []
    for incident in state.incidents.by_id.values():
        if incident.resolution is None:
            continue
        due = incident.resolution.at + timedelta(minutes=rules.postmortem_within)
        offset = int((due - launch).total_seconds() // 60)
        day = (offset + LAUNCH_CLOCK) // DAY_WINDOW
        item = Item.model_construct(  # any day, however far from launch: not validated
                    id=f"postmortem-{incident.id}", title=f"Post-mortem: incident "
                    f"#{incident.id} ({incident.title})", day=day,
                    at=local_time(due, tz, "%H:%M"),
                    section="pre-release" if day < 0 else "post-launch" if day else "launch-day",
                    objective="The blameless post-mortem, within 48 hours of the resolution: "
                    "once held, . on the incident (!) or `cockpit incident phase "
                    f"{incident.id} postmortem` marks it.")
        held = incident.phase == POSTMORTEM
        found.append(ItemView(Slot(item, item.id, offset, item.title),
                              ItemStatus.DONE if held else ItemStatus.DUE,
                              not held and now >= due, due, local_time(due, tz),
                              relative_label(offset, day), None, None, end=due))
    return found


def _window_end(slot: Slot, all_slots: list[Slot], index: int, launch: datetime) -> datetime | None:
    if slot.offset is None:
        return None
    if slot.item.window is not None:
        return launch + timedelta(minutes=slot.offset + slot.item.window)
    if slot.item.every:
        return launch + timedelta(minutes=slot.offset + slot.item.every)
    if slot.item.through_day is not None:
        return launch + timedelta(minutes=slot.offset + DAY_WINDOW)
    later = [s.offset for s in all_slots[index + 1:]
             if s.offset is not None and s.offset > slot.offset and not s.item.repeats]
    minutes = (later[0] - slot.offset) if later else DAY_WINDOW
    return launch + timedelta(minutes=slot.offset + min(minutes, DAY_WINDOW))


def _status(start: datetime | None, now: datetime, run: RunState | None,
            decision: Decision | None) -> ItemStatus | str:
    if run is not None and run.status in {RunStatus.RUNNING, RunStatus.INTERRUPTED}:
        return _RUN_STATUS[run.status]
    if decision is not None:  # a gate's standing decision outlives aborted re-runs
        return ItemStatus.GO if decision.decision == Verdict.GO else ItemStatus.NO_GO
    if run is not None:
        return _RUN_STATUS.get(run.status, run.status)
    if start is None:
        return ItemStatus.PENDING
    return ItemStatus.DUE if now >= start else ItemStatus.PENDING


def active_label(runbook: Runbook, state: LaunchState, now: datetime) -> str | None:
    """What is running, for the header: each run's title; an emergency run also shows its
    clock against the runbook's P0 windows (crash or dangerous command: hotfix within 2 h;
    PII or data loss: 4 h)."""
    labels = []
    for run in state.active_runs():
        playbook = runbook.playbooks.get(run.playbook)
        if playbook is None:
            continue
        if not playbook.emergency:
            labels.append(playbook.title)
            continue
        minutes = max(0, int((now - run.started).total_seconds() // 60))
        labels.append(f"{playbook.title} {minutes // 60}h{minutes % 60:02d}m "
                      "(P0 limit 2h; PII 4h)")
    return ", ".join(labels) or None

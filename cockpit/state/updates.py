"""The updates the runbook has the team post (hourly on launch day, daily in week 1, the
announcement and the reviews): which one is due now or comes next, for the countdown every
mode shows and the key that posts it; and those posted so far.

Both are pure: the first a function of the projected timeline, the second a fold of the
journal's `announcement` events (`LaunchState.posts`), so the controller, spectators and a
replay agree.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta

from cockpit.clock import countdown
from cockpit.runbook.model import Runbook
from cockpit.state.launch import LaunchState, Posted
from cockpit.state.timeline import ItemStatus, ItemView, TimelineView

UPDATE_KEY = "u"
"""The key that starts the update due (the app binds it; the header names it)."""


@dataclass(frozen=True)
class UpdateDue:
    """An update to post: `due` once its time has come (until its window closes), else the
    next one; `left` is the time to that moment."""

    view: ItemView
    due: bool
    left: timedelta

    @property
    def playbook(self) -> str:
        return self.view.item.playbook or ""

    def label(self, level: int = 0) -> str:
        """level 0: "✉ Hourly Status Update (15:00) due, 42m 10s left"; 1: without the
        occurrence's time; 2: "✉ update due" / "✉ update in 12m 03s"."""
        what = (self.view.slot.label, self.view.item.title, "update")[min(level, 2)]
        if self.due:
            return f"✉ {what} due" + ("" if level else f", {countdown(self.left)} left")
        return f"✉ {what} in {countdown(self.left)}"


def update_due(view: TimelineView, runbook: Runbook) -> UpdateDue | None:
    """The earliest timed item that posts and is due now (its window still open), else the
    next one that posts. An update whose window closed unposted is the timeline's overdue
    item, no longer this countdown's."""
    posting = _posting(runbook)
    timed = [v for v in view.items if v.start is not None and v.item.playbook in posting]
    for item in timed:
        if item.status == ItemStatus.DUE and not item.overdue and item.end is not None:
            return UpdateDue(item, True, item.end - view.now)
    upcoming = next((v for v in timed if v.start is not None and v.start > view.now
                     and v.status == ItemStatus.PENDING), None)
    if upcoming is None or upcoming.start is None:
        return None
    return UpdateDue(upcoming, False, upcoming.start - view.now)


def _posting(runbook: Runbook) -> set[str]:
    return {name for name, playbook in runbook.playbooks.items()
            if playbook.posts() and not playbook.emergency}


def update_playbooks(runbook: Runbook) -> frozenset[str]:
    """The playbooks whose posts are the updates: those that post, run at a time of the
    timeline (hourly on launch day, daily in week 1, the announcement, the reviews), not in
    an emergency (an incident's posts, a rollback notice: not the launch's numbers)."""
    posting = _posting(runbook)
    return frozenset(item.playbook for item in runbook.timeline.items
                     if item.playbook in posting and item.day is not None)


def last_update(state: LaunchState, playbooks: Collection[str]) -> Posted | None:
    """The latest update posted (a post of a run of one of `playbooks`), None before any."""
    for post in reversed(state.posts):
        run = state.runs.get(post.run_id)
        if run is not None and run.playbook in playbooks:
            return post
    return None

"""The runbook as data: the timeline of items and the playbooks they run.

`playbooks/runbook.toml` holds the timeline (every section of the runbook, T-7 to T+7, launch
day by the hour, emergency and standing procedures); every other `playbooks/*.toml` is one
playbook, named after its file. A release repository can override any file with a folder of
its own (`playbooks = "..."` in cockpit.toml).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cockpit.params import ParamSpec
from cockpit.runbook.incidents import Incidents
from cockpit.steps.registry import Step

Section = Literal["pre-release", "launch-day", "post-launch", "emergency", "standing"]
SECTION_TITLES: dict[str, str] = {
    "pre-release": "Pre-release (T-7 to T-1)",
    "launch-day": "Launch day (T-0, hour by hour)",
    "post-launch": "Post-launch (T+1 to T+7)",
    "emergency": "Emergency procedures",
    "standing": "Standing procedures",
}
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Playbook(_Model):
    name: str = ""
    title: str
    description: str = ""
    emergency: bool = False
    """Emergency playbooks (hotfix, rollback, incident) are never blocked by a NO-GO."""
    params: dict[str, ParamSpec] = Field(default_factory=dict)
    steps: list[Step]
    """The steps, in order; each a kind of `cockpit.steps.registry`."""
    source: Path = Field(default=Path("."), exclude=True)

    @model_validator(mode="after")
    def _unique(self) -> Playbook:
        seen: set[str] = set()
        for step in self.steps:
            if step.id in seen:
                raise ValueError(f"step id {step.id!r} is used twice")
            seen.add(step.id)
        return self

    def posts(self) -> bool:
        """It posts an update or an announcement (a step with a message to post)."""
        return any(step.posts for step in self.steps)

    def uses(self) -> frozenset[str]:
        """What its steps change that another run must not change at the same time (the git
        work tree): a playbook of manual steps uses nothing, and runs beside any other."""
        return frozenset().union(*(step.uses() for step in self.steps))


class Troubleshoot(_Model):
    problem: str
    fix: str


class Item(_Model):
    """A timeline item: one entry of the runbook, at a time relative to T-0."""

    id: str
    section: Section
    title: str
    day: int | None = Field(default=None, ge=-366, le=366)
    """Day relative to launch day (-7..7 in the runbook; within a year either way); None for
    emergency and standing procedures."""
    at: str | None = None
    """Clock time on that day, as written in the runbook (T-0 08:00 is the launch)."""
    every: int | None = Field(default=None, ge=1)
    """Repeat every N minutes from `at` until `until` (launch-day monitoring)."""
    until: str | None = None
    through_day: int | None = Field(default=None, ge=-366, le=366)
    """Repeat daily at `at` from `day` through this day (week 1's 5 PM update)."""
    window: int | None = Field(default=None, ge=0)
    """Minutes after its time before the item counts as overdue (default: to the next slot)."""
    gate: bool = False
    playbook: str | None = None
    objective: str = ""
    expected: list[str] = Field(default_factory=list)
    go: str = ""
    no_go: str = ""
    criteria: list[str] = Field(default_factory=list)
    troubleshooting: list[Troubleshoot] = Field(default_factory=list)
    schedule: str = ""
    """For standing procedures: when they recur, in words (e.g. "daily 09:00, 14:00, 17:00")."""

    @field_validator("at", "until")
    @classmethod
    def _clock(cls, value: str | None) -> str | None:
        if value is not None and not _HHMM.match(value):
            raise ValueError("write clock times as HH:MM (24-hour)")
        return value

    @model_validator(mode="after")
    def _timed(self) -> Item:
        if self.section in {"pre-release", "launch-day", "post-launch"} and self.day is None:
            raise ValueError(f"items in {self.section} need a day")
        if self.every is not None and (self.at is None or self.until is None):
            raise ValueError("a repeating item needs at and until")
        if self.through_day is not None and (
                self.day is None or self.at is None or self.every is not None
                or self.through_day <= self.day):
            raise ValueError("a daily item needs a day, at, no every, and a through_day "
                             "after its day")
        return self

    @property
    def repeats(self) -> bool:
        """Several occurrences on the timeline (every N minutes, or daily)."""
        return self.every is not None or self.through_day is not None


Comparison = Literal[">=", "<", "=="]
Deadline = Literal["day1", "week1"]
DEADLINE_TITLES = {"day1": "Day 1", "week1": "Week 1"}


class Target(_Model):
    """What a metric should reach by a deadline (`[[targets]]` in runbook.toml), in tiers:
    `minimum` (viable), `target`, `outstanding` (each met when `value <comparison> tier`)."""

    metric: str
    """A metric's name, as configured under [[metrics]] in cockpit.toml."""
    comparison: Comparison
    target: float
    minimum: float | None = None
    outstanding: float | None = None
    deadline: Deadline
    """Relative to T-0: "day1" = launch + 24 hours, "week1" = launch + 7 days."""
    title: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> Target:
        if self.comparison == "==" and (self.minimum, self.outstanding) != (None, None):
            raise ValueError('a "==" target has no minimum or outstanding tier: drop them')
        low, high = ((self.minimum, self.outstanding) if self.comparison == ">="
                     else (self.outstanding, self.minimum))
        if (low is not None and low > self.target) or (high is not None and high < self.target):
            raise ValueError(f'with "{self.comparison}" the tiers go minimum, target, '
                             "outstanding from the easiest to meet to the hardest: reorder them")
        return self

    @property
    def label(self) -> str:
        return self.title or f"{self.metric} {self.comparison} {self.target:g}"


class Timeline(_Model):
    title: str = "Release runbook"
    items: list[Item]
    templates: dict[str, str] = Field(default_factory=dict)
    """Message templates (status updates, incident posts), named."""
    targets: list[Target] = Field(default_factory=list)
    """The launch's targets by metric and deadline (`cockpit report`, metrics mode)."""
    incidents: Incidents = Field(default_factory=Incidents)
    """Incident command's rules: severities, phases and their deadlines, scenarios."""


class Runbook:
    """The loaded timeline and playbooks."""

    def __init__(self, timeline: Timeline, playbooks: dict[str, Playbook]) -> None:
        self.timeline = timeline
        self.playbooks = playbooks

    def item_for(self, playbook: str) -> Item | None:
        return next((i for i in self.timeline.items if i.playbook == playbook), None)

    def item(self, item_id: str) -> Item | None:
        return next((i for i in self.timeline.items if i.id == item_id), None)

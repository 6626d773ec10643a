"""What the runs started from an incident did beyond their own steps: the builds their build
steps ran (`build_started` names the run whose step started it) and the changes they made
outside this machine, journaled as intents (a tag pushed, a release published). Folded beside
the incidents, so the incident's timeline and screen show them without anyone typing them.

Posts are intents too, but an incident's posts are its updates (listed as such): left out here.
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from cockpit.journal import events as ev
from cockpit.journal.row import Event

KINDS = frozenset({ev.Kind.INTENT, ev.Kind.INTENT_SETTLED, ev.Kind.BUILD_STARTED,
                   ev.Kind.BUILD_FINISHED})
"""The events this fold reads."""


@dataclass
class Change:
    """An effect beyond this machine a linked run set out to make, and how it ended."""

    run_id: str
    what: str
    at: datetime
    done: bool | None = None
    """None: no outcome journaled (yet, or a crash came in between)."""
    how: str = ""

    def said(self) -> str:
        if self.done is None:
            return f"{self.what}: no outcome journaled"
        return self.what + (": done" if self.done else f": not done ({self.how})" if self.how
                            else ": not done")


@dataclass
class Build:
    """A build matrix run a linked run's build step started."""

    build_id: str
    run_id: str
    started: datetime
    targets: int
    finished: datetime | None = None
    status: str = ""
    results: dict[str, str] = field(default_factory=dict)

    def said_start(self) -> str:
        return f"build {self.build_id} started ({_targets(self.targets)})"

    def said_end(self) -> str:
        failed = sum(1 for r in self.results.values() if r != ev.TargetStatus.OK)
        return (f"build {self.build_id} finished: {self.status} ({_targets(self.targets)}"
                + (f", {failed} not ok" if failed and self.status != "ok" else "") + ")")


def _targets(n: int) -> str:
    return f"{n} target{'s' if n != 1 else ''}"


class EffectFold:
    """Builds and changes by the run that made them, for the runs in `linked` only."""

    def __init__(self) -> None:
        self.changes: dict[str, list[Change]] = {}
        self.builds: dict[str, list[Build]] = {}
        self._open: dict[str, Change] = {}
        self._build: dict[str, Build] = {}

    def apply(self, e: Event, linked: Container[str]) -> None:
        payload = e.payload
        match payload:
            case ev.Intent() if e.run_id in linked and not payload.key.startswith("post:"):
                change = Change(e.run_id or "", payload.what, e.ts)
                self.changes.setdefault(change.run_id, []).append(change)
                self._open[payload.key] = change
            case ev.IntentSettled() if payload.key in self._open:
                change = self._open.pop(payload.key)
                change.done, change.how, change.at = payload.done, payload.how, e.ts
            case ev.BuildStarted() if payload.run in linked and e.run_id:
                build = Build(e.run_id, payload.run, e.ts, len(payload.targets))
                self.builds.setdefault(payload.run, []).append(build)
                self._build[e.run_id] = build
            case ev.BuildFinished() if e.run_id in self._build:
                build = self._build.pop(e.run_id or "")
                build.finished, build.status = e.ts, str(payload.status)
                build.results = dict(payload.results)

    def of(self, runs: Iterable[str]) -> tuple[list[Build], list[Change]]:
        """The builds and changes of these runs, each in the order they started."""
        runs = list(runs)
        builds = [b for r in runs for b in self.builds.get(r, [])]
        changes = [c for r in runs for c in self.changes.get(r, [])]
        return sorted(builds, key=lambda b: b.started), sorted(changes, key=lambda c: c.at)

"""The demo's past: a launch that has gone well so far.

When the demo workspace is made it is 10:xx on launch day, so T-7 .. T-0 and the 09:00 tag
are behind it. Each item whose window has closed gets a run in the journal, every step
finished, each gate decided GO, timestamped at the item's time and labelled as seeded history
(operator, messages, rationales say so). What the past did to the repository is done for
real: v<version> is tagged and pushed to origin, so the journal and git agree. The 10:00
build and upload is left due: the demo starts there.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from cockpit.clock import FrozenClock
from cockpit.config import Config
from cockpit.journal.events import (
    GateDecision,
    RunFinished,
    RunStarted,
    RunStatus,
    StepFinished,
    StepStarted,
    StepStatus,
    Verdict,
)
from cockpit.journal.store import Journal
from cockpit.runbook.model import Runbook
from cockpit.state.launch import LaunchState
from cockpit.state.timeline import project

OPERATOR = "Release Manager (demo history)"
SEEDED = "demo history: seeded when the demo workspace was made"


def seed_history(config: Config, runbook: Runbook, now: datetime,
                 git: Callable[..., None]) -> list[str]:
    """Journal the items whose window closed before `now` as done (gates GO), doing what
    they did to the repository for real; returns the seeded item keys."""
    view = project(runbook, config.release.launch_at, config.release.tz, LaunchState(), now)
    past = [v for v in view.items if v.overdue and v.item.playbook and v.start is not None]
    clock = FrozenClock(now)
    journal = Journal.controller(config.journal_path, clock=clock)
    version = config.release.version
    try:
        for item in past:
            assert item.start is not None and item.item.playbook is not None
            playbook = runbook.playbooks[item.item.playbook]
            if item.item.playbook == "tag-release":  # its effect, for real
                git(config.repo, "tag", "-a", f"v{version}", "-m",
                    f"Release v{version}\n\nRelease Manager: {OPERATOR}")
                git(config.repo, "push", "-q", "origin", f"v{version}")
            run_id = uuid.uuid4().hex[:10]
            clock.set(item.start + timedelta(minutes=2))
            journal.record(RunStarted(
                playbook=playbook.name, params={"version": version}, operator=OPERATOR,
                steps=[s.id for s in playbook.steps], item=item.item.id, plan_confirmed=True),
                run_id=run_id)
            for step in playbook.steps:
                clock.set(clock.now() + timedelta(seconds=20))
                journal.record(StepStarted(title=step.title, kind=step.kind), run_id=run_id,
                               step=step.id)
                journal.record(StepFinished(status=StepStatus.OK, message=SEEDED, duration=20),
                               run_id=run_id, step=step.id)
            if item.item.gate:
                journal.record(GateDecision(item=item.item.id, decision=Verdict.GO,
                                            rationale=SEEDED, operator=OPERATOR), run_id=run_id)
            journal.record(RunFinished(status=RunStatus.OK), run_id=run_id)
    finally:
        journal.close()
    return [v.slot.key for v in past]

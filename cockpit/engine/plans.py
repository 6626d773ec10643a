"""What a playbook will do, step by step, as plain data for a screen to show.

Planning reads the repository (git tags, the files edit steps change, the dist directory):
the full-screen cockpit computes plans on a worker thread and keeps them in a `PlanCache`,
so moving through the timeline only looks them up. A run that finishes may change what the
repository says: the cache is then planned again.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cockpit.config import Config
from cockpit.engine.planner import Planner
from cockpit.errors import CockpitError
from cockpit.runbook.model import Playbook
from cockpit.steps.base import StepPlan

PlanKey = tuple[str, tuple[tuple[str, str], ...]]


def plan_key(playbook: str, params: Mapping[str, str]) -> PlanKey:
    return playbook, tuple(sorted(params.items()))


@dataclass(frozen=True)
class PlaybookPlan:
    playbook: str
    steps: tuple[StepPlan, ...]
    problem: str = ""
    """Why the given parameters did not resolve (the plan then shows <name> for them)."""


def plan_playbook(config: Config, playbook: Playbook, params: Mapping[str, str]) -> PlaybookPlan:
    """The playbook's plan for these parameters; never raises for a user error."""
    planner = Planner(config)
    problem = ""
    try:
        values = planner.values(playbook, params)
    except CockpitError as exc:  # the plan then says <name> where a parameter goes
        problem = str(exc)
        values = {**planner.context(), **{k: f"<{k}>" for k in playbook.params}}
    return PlaybookPlan(playbook.name, planner.step_plans(playbook, values, show_cwd=False),
                        problem)


class PlanCache:
    """Plans by playbook and parameters, filled from a worker thread, read on the UI's."""

    def __init__(self) -> None:
        self._plans: dict[PlanKey, PlaybookPlan] = {}
        self._lock = threading.Lock()
        self.generation = 0
        """Bumped when the plans may be stale (a run finished): a plan made for an older
        generation is not kept."""

    def get(self, playbook: str, params: Mapping[str, str]) -> PlaybookPlan | None:
        with self._lock:
            return self._plans.get(plan_key(playbook, params))

    def put(self, key: PlanKey, plan: PlaybookPlan, generation: int) -> None:
        with self._lock:
            if generation == self.generation:
                self._plans[key] = plan

    def stale(self) -> None:
        """Forget every plan: the repository may have changed."""
        with self._lock:
            self.generation += 1
            self._plans.clear()

    def fill(self, config: Config, playbooks: Mapping[str, Playbook],
             keys: Iterable[PlanKey], generation: int) -> None:
        """Plan each key not planned yet (on a worker thread), for `generation`."""
        for key in keys:
            name, params = key
            playbook = playbooks.get(name)
            if playbook is not None and self.get(name, dict(params)) is None:
                self.put(key, plan_playbook(config, playbook, dict(params)), generation)

"""Issue 14: a run started from an incident brings what it did onto the incident's timeline:
the build its build step ran (`build_started.run` names the run) and its changes beyond this
machine (intents: a tag pushed, a release published), never its posts twice (they are its
updates) and never another run's."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from cockpit.journal import events as ev
from cockpit.journal.row import Event
from cockpit.state.launch import LaunchState
from cockpit.steps.build import BuildStep

T0 = datetime(2026, 1, 15, 19, 0, tzinfo=UTC)


def events(*rows: tuple[int, str, ev.Payload]) -> list[Event]:
    return [Event(i + 1, T0 + timedelta(minutes=m), "s", p.KIND, run, None, p.as_data())
            for i, (m, run, p) in enumerate(rows)]


def test_a_linked_runs_builds_and_changes_are_folded_with_their_outcomes() -> None:
    state = LaunchState()
    state.apply(events(
        (0, "", ev.IncidentOpened(incident="1", title="t", severity="P0", operator="a")),
        (1, "h1", ev.RunStarted(playbook="hotfix", incident="1")),
        (2, "x9", ev.RunStarted(playbook="release")),  # not from the incident
        (3, "h1", ev.Intent(key="forge:release:v2", what="release v2 on acme/tool")),
        (4, "h1", ev.IntentSettled(key="forge:release:v2", done=False, how="422")),
        (5, "h1", ev.Intent(key="run:x:push", what="run `git push`")),  # a crash: no outcome
        (5, "h1", ev.Intent(key="post:d", what="post it")),  # an update: listed as one
        (6, "x9", ev.Intent(key="forge:publish:v9", what="publish v9")),
        (7, "b-1", ev.BuildStarted(targets=[{"target": "a"}, {"target": "b"}], run="h1")),
        (8, "b-2", ev.BuildStarted(targets=[{"target": "a"}], run="x9")),
        (9, "b-1", ev.BuildFinished(status=ev.BuildStatus.FAILED,
                                    results={"a": "ok", "b": "failed"})),
    ))
    builds, changes = state.incidents.effects.of(["h1"])
    assert [c.said() for c in changes] == ["release v2 on acme/tool: not done (422)",
                                           "run `git push`: no outcome journaled"]
    assert [(b.said_start(), b.said_end()) for b in builds] == [
        ("build b-1 started (2 targets)", "build b-1 finished: failed (2 targets, 1 not ok)")]


def test_an_old_build_started_without_its_run_loads_unlinked() -> None:
    loaded = ev.BuildStarted.load({"targets": [], "commit": "abc", "retry_of": None})
    assert loaded.run == ""


@dataclass
class FakeMatrix:
    asked: dict[str, Any]

    def __init__(self, *_: object, **__: object) -> None:
        self.finished = SimpleNamespace(status=ev.BuildStatus.OK, results={"a": "ok"})
        self.dist = "dist"

    async def run(self, assignments: list[object], **kw: Any) -> str:
        FakeMatrix.asked = kw
        return "b-1"


def test_a_build_step_names_its_run_on_the_build_it_starts(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cockpit.builds.matrix.BuildMatrix", FakeMatrix)
    monkeypatch.setattr("cockpit.builds.plan.assign", lambda config: [])
    config = SimpleNamespace(release=SimpleNamespace(version="1.0.0"))
    config.for_version = lambda version: config  # type: ignore[attr-defined]
    ctx = SimpleNamespace(values={}, config=config, journal=None, listener=None,
                          run_id="h1", offload=lambda work: work)
    step = BuildStep(id="build", kind="build", title="Build")
    outcome = asyncio.run(step.execute(ctx))  # type: ignore[arg-type]
    assert outcome.status == ev.StepStatus.OK
    assert FakeMatrix.asked == {"run": "h1"}

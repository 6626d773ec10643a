"""The full-screen controller polls its metrics on a thread of its own and journals them;
a spectator never polls (issue 13)."""

from __future__ import annotations

import threading

from cockpit.app.app import CockpitApp
from cockpit.clock import FrozenClock
from cockpit.config import Config
from cockpit.journal.store import Journal
from cockpit.metricsconfig import CommandMetric
from cockpit.runbook.model import Runbook
from tests.ui.test_timeline_ui import SIZE, until


def with_metric(config: Config) -> Config:
    awu = CommandMetric(name="awu", kind="command", run="echo 31", every="1h")
    return config.model_copy(update={"metrics": [awu]})


def samples(journal: Journal) -> list[float]:
    return [e.payload.value for e in journal.events() if e.kind == "metric_sample"]


def pollers(app: CockpitApp) -> list[object]:
    return [w for w in app.workers if w.group == "metrics"]


async def test_the_controller_journals_its_metrics_off_the_ui_thread(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    app = CockpitApp(with_metric(config), runbook, journal, clock=clock, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: samples(journal))
        assert samples(journal) == [31.0]
        assert any(t.name == "cockpit-metrics" for t in threading.enumerate())
    assert not any(t.name == "cockpit-metrics" and t.is_alive() for t in threading.enumerate())


async def test_a_spectator_never_polls(config: Config, runbook: Runbook, journal: Journal,
                                       clock: FrozenClock) -> None:
    spectator = Journal.readonly(config.journal_path, clock=clock)
    app = CockpitApp(with_metric(config), runbook, spectator, clock=clock, poll_seconds=0.05,
                     spectator_reason="--spectate")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.matrix_plan or pilot.app.workers)
        await pilot.pause()
        assert pollers(app) == []
    spectator.close()
    assert samples(journal) == []

"""The journal a cockpit starts on is folded on worker threads (issue 13: a week of metric
samples is 200k events, seconds to fold): the screen is there at once and takes keys, and
fills in when the fold is handed over; no state is folded on two threads at once, and what
the polls read meanwhile is not lost."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import pytest

from cockpit.app.app import CockpitApp
from cockpit.clock import FrozenClock
from cockpit.config import Config
from cockpit.journal.events import MetricSample
from cockpit.journal.row import Event
from cockpit.journal.store import Journal
from cockpit.metrics.state import MetricsState
from cockpit.runbook.model import Runbook
from screens.metrics import MetricsScreen
from tests.ui.test_metrics_ui import text_of
from tests.ui.test_timeline_ui import SIZE, until

METRICS, MINUTES = 20, 200
"""4,000 samples: enough to tell the first fold from the polls after it."""


def journal_minutes(journal: Journal, clock: FrozenClock) -> None:
    """One sample of each metric a minute, each minute in one transaction, as the poller
    journals them; the last downloads sample reads 777."""
    now = clock.now()
    for minute in range(MINUTES):
        clock.set(now - timedelta(minutes=MINUTES - minute))
        journal.append_many([
            ("metric_sample", None, None, MetricSample(
                metric="downloads" if m == 0 else f"m{m}",
                value=777 if (m, minute) == (0, MINUTES - 1) else minute,
                source="test").as_data())
            for m in range(METRICS)])
    clock.set(now)


async def test_the_first_fold_runs_off_the_ui_thread_while_keys_are_handled(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    journal_minutes(journal, clock)
    held = threading.Event()
    folds: list[tuple[str, int]] = []
    real = MetricsState.apply

    def apply(self: MetricsState, events: Iterable[Event]) -> None:
        events = list(events)
        if len(events) >= METRICS * MINUTES:  # the whole journal
            folds.append((threading.current_thread().name, len(events)))
            held.wait(10)  # kept from finishing until the test has pressed its key
        real(self, events)

    monkeypatch.setattr(MetricsState, "apply", apply)
    app = CockpitApp(config, runbook, journal, clock=clock, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: folds)
        await pilot.press("m")  # handled while the fold is under way
        screen = app.screen
        assert isinstance(screen, MetricsScreen)
        assert app.feeder.metrics.latest("downloads") is None  # nothing half-folded shown
        assert app.feeder.metrics.loading
        clock.set(clock.now() + timedelta(minutes=1))  # read meanwhile: kept, not lost
        newer = journal.record(MetricSample(metric="downloads", value=778, source="test"))
        await until(pilot, lambda: app.feeder.state.last_id >= newer.id)
        held.set()
        await until(pilot, lambda: "778" in text_of(screen))
        assert app.feeder.metrics.latest("downloads") == 778
        assert app.feeder.metrics.metrics["downloads"].previous == 777
        assert len(app.feeder.metrics.metrics) == METRICS and not app.feeder.metrics.loading
    [(thread, count)] = folds
    assert thread != threading.main_thread().name and count >= METRICS * MINUTES


async def test_what_the_start_up_acts_on_waits_for_the_first_fold(
        config: Config, runbook: Runbook, clock: FrozenClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A run a crash interrupted is offered at start: it is only known once folded."""
    earlier = Journal.controller(config.journal_path, clock=clock)
    earlier.append("run_started", run_id="r1", playbook="tag-release",
                   params={"version": "1.1.0-beta"}, operator="rm@test", steps=["tag"])
    earlier.append("step_started", run_id="r1", step="tag")
    journal_minutes(earlier, clock)
    earlier.close()
    journal = Journal.controller(config.journal_path, clock=clock)
    seen: list[Any] = []
    app = CockpitApp(config, runbook, journal, clock=clock, poll_seconds=0.05)
    flows = app.flows
    assert flows is not None
    monkeypatch.setattr(flows, "resolve", seen.append)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: seen)
    finally:
        journal.close()
    assert seen == ["r1"]

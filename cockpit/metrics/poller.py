"""Polls every configured metric on its own schedule and journals what it reads.

One task per metric, each asking, journaling, then sleeping: a poll never overlaps the
previous one of the same metric. A failure journals `MetricFailed` (error, fix, when it is
asked again) and backs off: doubling from `every` up to `ERROR_BACKOFF`, or what the source
asked (Retry-After, a rate limit's reset; at most `MAX_BACKOFF`); a release not yet published
is asked again at the metric's pace. The forge metrics share the forge, so its rate budget:
while GitHub's budget is under `FORGE_RESERVE`, they wait for the reset and leave what is left
to the release's own steps.

What is journaled: a reading whose value or detail changed, and an unchanged one (a 304, the
same count) at least every `KEEPALIVE` seconds, so the history has points and a restarted or
spectating cockpit sees the metric as fresh, without a week of 30-second polls writing 20k
identical rows per metric. Runs on a loop of its own thread under the full-screen cockpit
(`cockpit.app.metrics`), or on the CLI's (`cockpit metrics`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cockpit.clock import Clock, SystemClock
from cockpit.journal.events import MetricFailed, MetricSample, Payload
from cockpit.metricfields import KEEPALIVE
from cockpit.metrics.reading import Reading, SourceError
from cockpit.metrics.sources import Sources
from cockpit.metricsconfig import ForgeDownloads, ForgeIssues, MetricConfig

ERROR_BACKOFF = 300.0
"""The longest a failing source waits between tries (unless it asks for longer)."""
MAX_BACKOFF = 3600.0
"""The longest a source may ask us to wait (Retry-After, a rate limit's reset)."""
FORGE_RESERVE = 100
"""GitHub requests kept for the release's steps: forge metrics wait below it."""


@dataclass
class Result:
    """The latest word on one metric, as `cockpit metrics` prints it."""

    name: str
    value: float | None
    at: datetime | None
    """When the value was read."""
    stale: bool = False
    error: str | None = None
    fix: str = ""
    retry_in: float = 0.0
    unchanged: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value,
                "at": self.at.isoformat() if self.at else None, "stale": self.stale,
                "error": self.error, "fix": self.fix or None}


@dataclass
class _Track:
    failures: int = 0
    last: Result | None = None
    journaled: tuple[float, dict[str, Any], str] | None = None
    journaled_at: float = -KEEPALIVE


@dataclass
class Poller:
    metrics: Sequence[MetricConfig]
    sources: Sources
    record: Callable[[Payload], object] | None = None
    """Where events go (the journal's `record`); None: nowhere (a read-only look)."""
    clock: Clock = field(default_factory=SystemClock)
    monotonic: Callable[[], float] = time.monotonic
    _tracks: dict[str, _Track] = field(default_factory=dict)

    async def poll(self, metric: MetricConfig) -> Result:
        """Ask once, journal what came of it, and say when to ask next (`retry_in`)."""
        track = self._tracks.setdefault(metric.name, _Track())
        try:
            self._budget(metric)
            reading = await self.sources.read(metric)
        except SourceError as exc:
            return self._failed(metric, track, exc)
        track.failures = 0
        result = Result(metric.name, reading.value, self.clock.now(), retry_in=metric.every,
                        unchanged=reading.unchanged)
        self._sample(metric, track, reading)
        track.last = result
        return result

    async def once(self) -> list[Result]:
        """Every metric asked once, at the same time (each its own source)."""
        return list(await asyncio.gather(*(self.poll(m) for m in self.metrics)))

    async def run(self, updated: Callable[[Result], object] | None = None) -> None:
        """Poll every metric on its schedule until cancelled."""
        async with asyncio.TaskGroup() as group:
            for metric in self.metrics:
                group.create_task(self._loop(metric, updated))

    async def _loop(self, metric: MetricConfig,
                    updated: Callable[[Result], object] | None) -> None:
        while True:
            result = await self.poll(metric)
            if updated is not None:
                updated(result)
            await asyncio.sleep(result.retry_in)

    def _budget(self, metric: MetricConfig) -> None:
        if not isinstance(metric, ForgeDownloads | ForgeIssues):
            return
        remaining, reset = self.sources.forge_budget()
        if remaining is not None and remaining < FORGE_RESERVE:
            wait = max(0.0, (reset or 0) - time.time()) if reset else None
            if wait is None or wait > 0:
                raise SourceError(
                    f"the forge's rate budget is down to {remaining} requests",
                    "nothing to do: the metric waits for the budget to reset and leaves "
                    "what is left to the release's own steps",
                    retry_after=wait if wait is not None else metric.every, rate_limited=True)

    def _sample(self, metric: MetricConfig, track: _Track, reading: Reading) -> None:
        now = self.monotonic()
        same = track.journaled == (reading.value, reading.detail, reading.etag)
        if same and now - track.journaled_at < KEEPALIVE:
            return
        track.journaled, track.journaled_at = (reading.value, reading.detail, reading.etag), now
        self._journal(MetricSample(metric=metric.name, value=reading.value,
                                   detail=reading.detail, etag=reading.etag,
                                   source=reading.source or metric.asked()))

    def _failed(self, metric: MetricConfig, track: _Track, exc: SourceError) -> Result:
        track.failures += 1
        backoff = min(metric.every * 2 ** (track.failures - 1), max(metric.every, ERROR_BACKOFF))
        wait = exc.retry_after if exc.retry_after is not None else (
            backoff if exc.backoff else metric.every)
        wait = min(max(wait, 1.0), max(MAX_BACKOFF, metric.every))
        self._journal(MetricFailed(metric=metric.name, error=exc.message, fix=exc.fix,
                                   retry_in=round(wait, 1)))
        last = track.last
        return Result(metric.name, last.value if last else None, last.at if last else None,
                      stale=True, error=exc.message, fix=exc.fix, retry_in=wait)

    def _journal(self, payload: Payload) -> None:
        if self.record is not None:
            self.record(payload)

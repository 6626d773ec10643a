"""The controller's metric polls under the full-screen cockpit: on a thread and loop of their
own (`LoopThread`), like the build matrix, so a slow source or a command's wait never
touches a key. They talk to the screens only through the journal (`MetricSample`,
`MetricFailed`), so spectators see the same numbers and never poll themselves."""

from __future__ import annotations

import asyncio

from cockpit.app.host import Host
from cockpit.loopthread import LoopThread


class MetricPolls:
    def __init__(self, app: Host) -> None:
        self.app = app
        self._thread: LoopThread | None = None

    def start(self) -> None:
        """Poll the configured metrics, if this cockpit is the controller."""
        app = self.app
        if app.journal.writable and app.config.metrics and self._thread is None:
            self._thread = LoopThread("cockpit-metrics")
            app.run_worker(self._thread.run(self._poll()), group="metrics", exit_on_error=False)

    async def _poll(self) -> None:
        from cockpit.metrics.poller import Poller
        from cockpit.metrics.sources import Sources

        app = self.app
        sources = Sources(app.config)
        try:
            await Poller(app.config.metrics, sources, app.journal.record, app.clock).run()
        finally:
            await sources.close()

    async def close(self) -> None:
        """Stop the polls (a command a poll runs is killed) and their thread."""
        if self._thread is not None:
            await asyncio.to_thread(self._thread.close, 5.0)

"""The controller's metric polls under the full-screen cockpit: on a thread and loop of their
own (`LoopThread`), like the build matrix, so a slow source or a command's wait never
touches a key. They talk to the screens only through the journal (`MetricSample`,
`MetricFailed`), so spectators see the same numbers and never poll themselves."""

from __future__ import annotations

import asyncio
import contextlib

from cockpit.app.host import Host
from cockpit.loopthread import LoopThread


def poll_metrics(app: Host) -> None:
    """Start polling the configured metrics, if this cockpit is the controller. The worker
    ends with the app (Textual cancels it), which stops the polls and their thread."""
    if app.journal.writable and app.config.metrics:
        app.run_worker(_poll(app), group="metrics", exit_on_error=False)


async def _poll(app: Host) -> None:
    from cockpit.metrics.poller import Poller
    from cockpit.metrics.sources import Sources

    thread = LoopThread("cockpit-metrics")

    async def run() -> None:
        sources = Sources(app.config)
        try:
            await Poller(app.config.metrics, sources, app.journal.record, app.clock).run()
        finally:
            await sources.close()

    try:
        await thread.run(run())
    finally:
        with contextlib.suppress(Exception):
            await asyncio.to_thread(thread.close, 5.0)

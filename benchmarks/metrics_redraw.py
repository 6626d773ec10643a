"""Metrics mode's redraw with a week of one-minute samples for 20 metrics (201,600 samples),
against the timeline's repaint in the same run (issue 13: <= 50 ms).

A redraw is what new samples cause (here the worst case: every metric's at once, folded
within the time measured): the table redrawn from the fold (values, changes, a
plot of each metric's history, tiers, projections), the selected metric's detail and plot,
then the frame composed. Measured in-process, headless, from the call to the end of the next
refresh (CPU time, the work it costs; wall time too, which on a loaded machine also counts
other processes and the wait for the frame timer); the baseline is the timeline screen's full
repaint (layout and all). The fold itself
(what each poll adds to it is a few events) is timed too, once, for the whole week.

Run: .venv/bin/python benchmarks/metrics_redraw.py [--rounds N] [--size 160x48]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
METRICS, MINUTES = 20, 7 * 24 * 60
BUDGET = 0.050


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--size", default="160x48")
    opts = parser.parse_args()
    size = tuple(int(n) for n in opts.size.split("x"))

    from cockpit.app.app import CockpitApp
    from cockpit.clock import FrozenClock
    from cockpit.config import load_config
    from cockpit.demo.workspace import create_workspace
    from cockpit.journal.row import Event
    from cockpit.journal.store import Journal
    from cockpit.runbook.loader import load_runbook
    from screens.base import Feed
    from screens.metrics import MetricsScreen

    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(create_workspace(Path(tmp) / "ws"))
        launch = config.release.launch_at
        clock = FrozenClock(launch + timedelta(minutes=MINUTES))
        names = ["downloads", "active_users", "p0", "p1"] + [f"metric_{i}" for i in range(16)]
        events = [Event(i * METRICS + m + 1, launch + timedelta(minutes=i), "s", "metric_sample",
                        None, None, {"metric": name, "value": float(i * (m + 1) % 997 + i),
                                     "detail": {"assets": {"a.tar.gz": i, "b.tar.gz": m}}})
                  for i in range(MINUTES) for m, name in enumerate(names)]
        journal = Journal.controller(config.journal_path, clock=clock)
        app = CockpitApp(config, load_runbook(), journal, clock=clock, poll_seconds=3600)
        async with app.run_test(size=size) as pilot:  # type: ignore[arg-type]
            t0 = time.perf_counter()
            app.feeder.metrics.apply(events)
            fold = time.perf_counter() - t0
            kept = sum(len(m.points) for m in app.feeder.metrics.metrics.values())
            loop = asyncio.get_running_loop()

            async def refreshed(wall: float, cpu: float) -> tuple[float, float]:
                """(wall, CPU) seconds from (wall, cpu) to the end of the next refresh."""
                done: asyncio.Future[tuple[float, float]] = loop.create_future()
                app.call_after_refresh(lambda: done.set_result(
                    (time.perf_counter() - wall, time.process_time() - cpu)))
                return await done

            timeline: list[tuple[float, float]] = []
            await pilot.pause(0.5)
            for _ in range(opts.rounds):
                t0 = time.perf_counter(), time.process_time()
                app.screen.refresh(layout=True)
                timeline.append(await refreshed(*t0))
            await pilot.press("m")
            await pilot.pause(0.3)
            screen = app.screen
            assert isinstance(screen, MetricsScreen)
            header = app.feeder._header_at(clock.now())
            screen.show(Feed(app.state, app.builds, header, clock.now(),
                             metrics=app.feeder.metrics))
            await pilot.pause(0.3)
            assert screen.query_one("#metrics").row_count == METRICS  # type: ignore[attr-defined]
            metrics: list[tuple[float, float]] = []
            state = app.feeder.metrics
            for r in range(opts.rounds):  # each round: a new sample of every metric, folded
                fresh = [Event(len(events) + r * METRICS + m + 1,
                               launch + timedelta(minutes=MINUTES + r), "s", "metric_sample",
                               None, None, {"metric": name, "value": float(MINUTES + r * m)})
                         for m, name in enumerate(names)]
                t0 = time.perf_counter(), time.process_time()
                state.apply(fresh)
                screen.metrics = state
                screen.redraw()
                metrics.append(await refreshed(*t0))
        journal.close()

    def row(name: str, pairs: list[tuple[float, float]],
            base: list[tuple[float, float]] | None = None) -> None:
        for kind, i in (("CPU", 1), ("wall", 0)):
            samples = [p[i] for p in pairs]
            med, high = statistics.median(samples), max(samples)
            ratio = (f"{med / statistics.median(p[i] for p in base):5.2f}x the baseline"
                     if base else "baseline")
            print(f"{name:<42} {kind:>4}  median {med * 1000:6.1f} ms  max {high * 1000:6.1f} ms"
                  f"  {ratio}")

    print(f"{METRICS} metrics x {MINUTES} one-minute samples = {len(events):,} samples at "
          f"{size[0]}x{size[1]}, {opts.rounds} redraws each")
    print(f"fold of the whole week: {fold * 1000:.0f} ms ({len(events) / fold:,.0f} samples/s); "
          f"history kept after downsampling: {kept:,} points")
    row("timeline screen, full repaint (baseline)", timeline)
    row("metrics screen, redraw from the fold", metrics, timeline)
    cpu = statistics.median(p[1] for p in metrics)
    print(f"budget {BUDGET * 1000:.0f} ms of work (CPU: wall time on a shared machine also holds "
          f"other processes' turns and the wait for the next frame's timer): "
          f"{'within' if cpu <= BUDGET else 'OVER'}")


if __name__ == "__main__":
    asyncio.run(main())

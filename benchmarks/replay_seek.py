"""`cockpit replay`'s seek on a 1M-event journal (issue 15: any moment shown in <= 200 ms).

The journal: 10,000 minutes (a week of launch) of 100 events each: 20 metric samples, a
playbook's run an hour (its steps started and finished, a failure every 7th hour), a gate
decided every 6 hours, and the rest the runs' output, written in bulk.
A seek is what `cockpit replay` does on a worker thread for a key: cut the journal at the
moment (`Moments.upto`), fold fresh states from the nearest checkpoint (`Seeker.seek`: the
events between, but the output, which no fold takes), and project the timeline at that
moment. Measured at 20 random moments after the checkpoints
are made; the baseline, in the same run, is a full refold from the journal's start to 3 of
those moments (what a seek costs without checkpoints). Indexing and checkpointing (done
once, in the background, while the replay already shows its first moment) are timed too.

Then the same moments through the replay app itself, headless (the seek a key asks, to the
screen fed and refreshed).

Run: .venv/bin/python benchmarks/replay_seek.py [--seeks 20] [--every 10000] [--no-app]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
MINUTES, PER_MINUTE, METRICS = 10_000, 100, 20
BUDGET = 0.200
LAUNCH = datetime(2026, 1, 15, 13, 0, tzinfo=UTC)


def rows_of(minute: int) -> list[tuple[str, str, str, str | None, str | None, str, str | None]]:
    """One minute's 100 events (ts, session, kind, run_id, step, data, text)."""
    ts = (LAUNCH - timedelta(days=1) + timedelta(minutes=minute)).isoformat()
    hour, run = minute // 60, f"r{minute // 60}"
    out: list[tuple[str, str, str, str | None, str | None, str, str | None]] = []

    def add(kind: str, data: dict[str, object], run_id: str | None = None,
            step: str | None = None, text: str | None = None) -> None:
        out.append((ts, "bench", kind, run_id, step, json.dumps(data), text))

    for m in range(METRICS):
        add("metric_sample", {"metric": f"metric_{m}", "value": float(minute * (m + 1)),
                              "source": "benchmark"})
    if minute % 60 == 0:
        add("run_started", {"playbook": "hourly-update", "params": {}, "operator": "rm@bench",
                            "steps": [f"s{i}" for i in range(10)]}, run)
    if minute % 360 == 0:
        add("gate_decision", {"item": f"gate-{hour}", "decision": "GO", "rationale": "bench",
                              "operator": "rm@bench"})
    step = f"s{minute % 60 // 6}"
    if minute % 6 == 0:
        add("step_started", {"command": "echo"}, run, step)
    if minute % 6 == 5:
        failed = hour % 7 == 3 and step == "s9"
        add("step_finished", {"status": "failed" if failed else "ok", "exit_code": int(failed),
                              "duration": 0.1}, run, step)
    if minute % 60 == 59:
        add("run_finished", {"status": "failed" if hour % 7 == 3 else "ok"}, run)
    while len(out) < PER_MINUTE:
        add("output", {"stream": "stdout", "count": 3}, run, step,
            f"line {len(out)} of minute {minute}\ncompiling crate {len(out)}\nok")
    return out


def build(path: Path) -> int:
    from cockpit.journal.store import Journal

    Journal.controller(path).close()  # its schema, as the cockpit makes it
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DELETE FROM events")
        for start in range(0, MINUTES, 500):
            conn.executemany("INSERT INTO events (ts, session, kind, run_id, step, data, text) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?)",
                             [r for minute in range(start, start + 500) for r in rows_of(minute)])
    count = int(conn.execute("SELECT count(*) FROM events").fetchone()[0])
    conn.close()
    return count


async def in_app(path: Path, tmp: Path, wanted: list[datetime]
                 ) -> tuple[list[float], list[float], list[float]]:
    """Each moment through the replay app itself, once the checkpoints are made: from the
    seek asked (what a key does) to the mode on show fed the states at that moment (its
    widgets updated), to the next frame drawn, and to the app idle again (Textual's
    `pilot.pause`: the log pane's lines reloaded up to the moment, and Textual's own wait for
    idleness)."""
    from cockpit.app.replaying import ReplayApp
    from cockpit.config import load_config
    from cockpit.demo.workspace import create_workspace
    from cockpit.journal.store import Journal
    from cockpit.runbook.loader import load_runbook

    config = load_config(create_workspace(tmp / "ws"))
    journal = Journal.readonly(path, immutable=True)
    gc.collect()
    gc.disable()  # as `cockpit` starts (cli.main.entry): the first frame freezes and enables it
    app = ReplayApp(config, load_runbook(), journal, at=LAUNCH)
    fed: list[float] = []
    drawn: list[float] = []
    refreshed: list[float] = []
    try:
        began = time.perf_counter()
        async with app.run_test(size=(160, 48)) as pilot:
            print(f"replay app: its first moment (T-0) shown {time.perf_counter() - began:.2f} s "
                  "after it started (index, and a fold from the start: no checkpoint yet)")
            await asyncio.to_thread(app.replay.seeker.checkpointed.wait)
            screen = app.screen
            frames: list[float] = []
            refresh = screen._compositor_refresh

            def counted() -> None:
                refresh()
                frames.append(time.perf_counter())

            screen._compositor_refresh = counted  # type: ignore[method-assign]
            for at in wanted:
                began = time.perf_counter()
                app.replay.seek(at)
                while app.replay._seeking or app.clock.now() != at:
                    await asyncio.sleep(0.001)
                fed.append(time.perf_counter() - began)
                frames.clear()
                while not frames:  # the next frame composed (with what was fed)
                    await asyncio.sleep(0.001)
                drawn.append(frames[0] - began)
                await pilot.pause()
                refreshed.append(time.perf_counter() - began)
    finally:
        journal.close()
    return sorted(fed), sorted(drawn), sorted(refreshed)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeks", type=int, default=20)
    parser.add_argument("--every", type=int, default=10_000, help="events between checkpoints")
    parser.add_argument("--no-app", dest="app", action="store_false",
                        help="measure the seeks alone, not through the replay app")
    opts = parser.parse_args()
    from cockpit.app.seeking import Seeker
    from cockpit.journal.store import Journal
    from cockpit.runbook.loader import load_runbook
    from cockpit.state.timeline import project

    runbook = load_runbook()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "journal.sqlite"
        began = time.perf_counter()
        count = build(path)
        print(f"journal: {count:,} events over {MINUTES:,} minutes, written in "
              f"{time.perf_counter() - began:.1f} s ({path.stat().st_size / 1e6:.0f} MB)")
        journal = Journal.readonly(path, immutable=True)
        try:
            seeker = Seeker(journal, LAUNCH, every=opts.every)
            began = time.perf_counter()
            moments = seeker.index()
            print(f"index (every event's moment; the first frame waits for it): "
                  f"{time.perf_counter() - began:.2f} s")
            first, last = moments.first, moments.last
            assert first is not None and last is not None
            rng = random.Random(15)
            span = (last - first).total_seconds()
            wanted = [first + timedelta(seconds=rng.uniform(0, span)) for _ in range(opts.seeks)]

            def show(at: datetime) -> float:
                began = time.perf_counter()
                folded = seeker.seek(moments.upto(at))
                project(runbook, LAUNCH, UTC, folded.launch, at)
                return time.perf_counter() - began

            baseline = [show(at) for at in wanted[:3]]  # no checkpoints yet: from the start
            began = time.perf_counter()
            seeker.checkpoint()
            print(f"checkpoints (in the background, once): {len(seeker.checkpoints):,} every "
                  f"{opts.every:,} events, {time.perf_counter() - began:.1f} s, "
                  f"{seeker.checkpoints.size / 1e6:.0f} MB kept (pickled, compressed)")
            seeks = sorted(show(at) for at in wanted)
        finally:
            journal.close()
        fed, drawn, refreshed = (asyncio.run(in_app(path, Path(tmp), wanted)) if opts.app
                                 else ([], [], []))
    p50, p95 = statistics.median(seeks), seeks[max(0, round(0.95 * len(seeks)) - 1)]
    full = statistics.median(baseline)
    print(f"seek to a moment (cut, fold from the nearest checkpoint, project), {len(seeks)} "
          f"random moments: p50 {p50 * 1e3:.0f} ms, p95 {p95 * 1e3:.0f} ms, "
          f"max {seeks[-1] * 1e3:.0f} ms")
    print(f"baseline, a full refold from the start (median of 3): {full * 1e3:,.0f} ms; "
          f"a seek's p50 is {p50 / full:.3f}x that ({full / p50:,.0f} times faster)")
    held = seeks[-1] <= BUDGET
    print(f"<= {BUDGET * 1e3:.0f} ms for every seek: {'held' if held else 'NOT held'}")
    if fed:
        print(f"in the replay app (headless, 160x48, the demo release's config), {len(fed)} "
              "moments, p50 / max:")
        for what, times in (("the mode on show fed", fed), ("the frame drawn", drawn),
                            ("the app idle again (log reloaded; Textual's idle wait)", refreshed)):
            print(f"  {what:<58}{statistics.median(times) * 1e3:>5.0f} ms {times[-1] * 1e3:>5.0f} ms"
                  f"  {'held' if times[-1] <= BUDGET else 'NOT held'}")


if __name__ == "__main__":
    main()

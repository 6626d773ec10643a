"""Start to first key handled, on a journal holding a week of metric samples (issue 13: 20
metrics, one sample a minute for 7 days: 201,600 events), measured from outside through a pty.

The real cockpit on the demo release starts in a pty of 160x48. As soon as its first frame
shows (the timeline), `m` is typed; measured from the start: the first frame, the key handled
(metrics mode drawn) and the journal's numbers on show (the last downloads sample's value).
Two ways, alternating in the same run:
  worker:    the cockpit as it is: the launch's events read and folded on a worker thread
             for the first frame, then the metric samples, while the screen takes keys;
  ui-thread: the baseline, as it was: the whole journal read and folded on the UI's thread
             before the first frame (`Feeder.start` patched back to that).

Run: .venv/bin/python benchmarks/first_key.py [--rounds N]
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import pty
import re
import select
import signal
import statistics
import struct
import sys
import tempfile
import termios
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
COLUMNS, LINES = 160, 48
METRICS, MINUTES = 20, 7 * 24 * 60
LAST = 987654
"""The last downloads sample's value: shown ("987,654") once the journal is folded."""
ESCAPE = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][0-9A-B]|\x1b[=>]")
TIMELINE = b"Tag Release"
METRICS_MODE = (b"\xce\x94 launch", b"no samples yet")  # its column, or its empty state
FILLED = f"{LAST:,}".encode()


def journal_week(config: Path) -> int:
    """A week of one-minute samples of 20 metrics, journaled as the poller does (each minute
    one transaction), ending now."""
    from cockpit.clock import FrozenClock
    from cockpit.config import load_config
    from cockpit.journal.events import MetricSample
    from cockpit.journal.store import Journal

    now = datetime.now(UTC)
    clock = FrozenClock(now)
    journal = Journal.controller(load_config(config).journal_path, clock=clock)
    try:
        for minute in range(MINUTES):
            clock.set(now - timedelta(minutes=MINUTES - minute))
            journal.append_many([
                ("metric_sample", None, None, MetricSample(
                    metric="downloads" if m == 0 else f"metric_{m}",
                    value=LAST if (m, minute) == (0, MINUTES - 1) else minute * (m + 1),
                    source="benchmark").as_data())
                for m in range(METRICS)])
        return journal.last_id()
    finally:
        journal.close()


def child(way: str, config: str) -> None:
    """The cockpit, started as `cockpit --config CONFIG` starts it (the baseline patched)."""
    if way == "ui-thread":
        from cockpit.app.feeding import Feeder

        async def old_start(self: Feeder) -> None:
            wanted = self.app.mode_screen().wanted_output()
            self.show(self.read(0, wanted), wanted)  # read and folded here, on the UI's thread

        Feeder.start = old_start  # type: ignore[method-assign]
    from cockpit.cli.main import entry

    sys.argv = ["cockpit", "--config", config]
    entry()


def spawn(way: str, config: Path) -> tuple[int, int]:
    pid, fd = pty.fork()
    if pid == 0:
        os.environ.update({"TERM": "xterm-256color", "COLUMNS": str(COLUMNS),
                           "LINES": str(LINES)})
        os.execv(sys.executable, [sys.executable, __file__, "child", way, str(config)])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
    return pid, fd


def stop(pid: int, fd: int) -> None:
    """SIGTERM (the cockpit's hang-up), then SIGKILL if it is still there after 10 s."""
    os.kill(pid, signal.SIGTERM)
    deadline = time.perf_counter() + 10
    while time.perf_counter() < deadline:
        if os.waitpid(pid, os.WNOHANG)[0]:
            return
        if select.select([fd], [], [], 0.05)[0]:  # read what it writes as it exits
            with contextlib.suppress(OSError):
                os.read(fd, 1 << 16)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def measure(way: str, config: Path, limit: float = 60) -> tuple[float, float, float]:
    """Seconds from the start to: the first frame, the key handled, the numbers on show."""
    start = time.perf_counter()
    pid, fd = spawn(way, config)
    seen = b""
    frame = key = filled = None
    try:
        while filled is None and time.perf_counter() - start < limit:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 1 << 16)
            except OSError:
                break
            now = time.perf_counter() - start
            seen += chunk
            text = ESCAPE.sub(b"", seen)
            if frame is None and TIMELINE in text:
                frame = now
                seen = b""
                os.write(fd, b"m")  # typed as soon as the screen shows
            elif frame is not None and key is None and any(m in text for m in METRICS_MODE):
                key = now
            if key is not None and FILLED in text:
                filled = now
    finally:
        stop(pid, fd)
        os.close(fd)
    if frame is None or key is None or filled is None:
        raise SystemExit(f"{way}: not seen within {limit:g}s (frame {frame}, key {key}, "
                         f"numbers {filled})")
    return frame, key, filled


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    opts = parser.parse_args()
    from cockpit.demo.workspace import create_workspace

    with tempfile.TemporaryDirectory() as tmp:
        config = create_workspace(Path(tmp) / "ws")
        began = time.perf_counter()
        events = journal_week(config)
        print(f"journal: {events:,} events ({METRICS} metrics x {MINUTES:,} minutes), written in "
              f"{time.perf_counter() - began:.1f} s")
        results: dict[str, list[tuple[float, float, float]]] = {"ui-thread": [], "worker": []}
        for _ in range(opts.rounds):  # alternating, so both see the same machine
            for way in results:
                results[way].append(measure(way, config))

    def med(way: str, i: int) -> float:
        return statistics.median(r[i] for r in results[way])

    print(f"start to ... through a pty ({COLUMNS}x{LINES}), median of {opts.rounds} rounds; "
          "`m` typed at the first frame")
    print(f"{'':<48}{'first frame':>12}{'key handled':>13}{'numbers shown':>15}")
    for way, title in (("ui-thread", "baseline: folded on the UI's thread (as it was)"),
                       ("worker", "folded on the worker thread (as it is)")):
        print(f"{title:<48}{med(way, 0):>10.2f} s{med(way, 1):>11.2f} s{med(way, 2):>13.2f} s")
    print(f"start to first key handled: {med('worker', 1):.2f} s vs {med('ui-thread', 1):.2f} s "
          f"= {med('worker', 1) / med('ui-thread', 1):.2f}x the baseline")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "child":
        child(sys.argv[2], sys.argv[3])
    else:
        main()

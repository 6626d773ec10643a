"""Timeline navigation, measured from outside through a pty: a key written to the terminal,
to the last byte of the repaint it causes, for the cockpit on the demo release and for a
minimal Textual app with a table and a detail pane doing the same, in the same run.

Run: .venv/bin/python benchmarks/navigation.py [--keys N] [--rounds N]
Target (issue 10): the cockpit's p95 within 1.5x of the minimal app's.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import sys
import tempfile
import termios
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
COLUMNS, LINES = 160, 48
QUIET = 0.08
"""Seconds without output that end a repaint burst."""
DOWN, UP = b"\x1b[B", b"\x1b[A"


def spawn(*args: str) -> tuple[int, int]:
    pid, fd = pty.fork()
    if pid == 0:  # the child: a real terminal of the benchmark's size
        os.environ.update({"TERM": "xterm-256color", "COLUMNS": str(COLUMNS),
                           "LINES": str(LINES)})
        os.execv(sys.executable, [sys.executable, str(HERE / "nav_child.py"), *args])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
    return pid, fd


def drain(fd: int, quiet: float, limit: float) -> float | None:
    """Read until `quiet` seconds pass without output (or `limit` in all); return when the
    last byte came, None if none did."""
    last = None
    deadline = time.perf_counter() + limit
    while time.perf_counter() < deadline:
        ready, _, _ = select.select([fd], [], [], quiet)
        if not ready:
            break
        try:
            if not os.read(fd, 1 << 16):
                break
        except OSError:
            break
        last = time.perf_counter()
    return last


def measure(args: list[str], keys: int, settle: float) -> list[float]:
    pid, fd = spawn(*args)
    try:
        drain(fd, 1.0, 30)  # the first frame, and what follows it
        time.sleep(settle)  # the cockpit plans every playbook after its first frame
        drain(fd, 0.3, 5)
        times = []
        for i in range(keys):
            key = DOWN if (i // 20) % 2 == 0 else UP  # down the timeline, then back up
            t0 = time.perf_counter()
            os.write(fd, key)
            last = drain(fd, QUIET, 2)
            if last is not None:
                times.append(last - t0)
        return times
    finally:
        os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
        os.close(fd)


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keys", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=2)
    opts = parser.parse_args()
    from cockpit.demo.workspace import create_workspace

    with tempfile.TemporaryDirectory() as tmp:
        config = create_workspace(Path(tmp) / "ws")
        baseline: list[float] = []
        cockpit: list[float] = []
        for _ in range(opts.rounds):  # alternating, so both see the same machine
            baseline += measure(["baseline"], opts.keys, 0.5)
            cockpit += measure(["cockpit", str(config)], opts.keys, 3.0)

    def row(name: str, samples: list[float], base: list[float] | None = None) -> None:
        med, high = statistics.median(samples), p95(samples)
        ratio = f"p95 {high / p95(base):4.2f}x" if base else "base"
        print(f"{name:<44} median {med * 1000:6.1f} ms  p95 {high * 1000:6.1f} ms  "
              f"({len(samples)} keys)  {ratio}")

    print(f"key to repaint through a pty ({COLUMNS}x{LINES}), {opts.rounds} rounds of "
          f"{opts.keys} keys, burst ends after {QUIET * 1000:.0f} ms quiet")
    row("minimal app: table + detail pane (baseline)", baseline)
    row("cockpit timeline on the demo release", cockpit, baseline)


if __name__ == "__main__":
    main()

"""What metrics cost an idle cockpit (issue 13: 20 metrics polling every 30 s keep the idle
cockpit at <= 2% of a core).

The real `cockpit` on the demo release, in a pty of 160x48, left alone: first with no metrics
(the baseline), then with 20 forge metrics polling every 30 s (downloads of every release and
issues by label, from the demo's local forge), measured in the same run. Prints the CPU time
the process used over the window as % of one core, and the difference and ratio.

Usage: python benchmarks/metrics_idle.py [--seconds 60] [--warmup 10]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

METRICS = 20


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def idle_share(config: Path, seconds: float, warmup: float) -> float:
    """% of one core the cockpit used, left alone for `seconds` after `warmup`."""
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 48, 160, 0, 0))
    proc = subprocess.Popen([sys.executable, "-m", "cockpit", "--config", str(config)],
                            stdin=terminal, stdout=terminal, stderr=terminal, cwd=ROOT,
                            env={**os.environ, "TERM": "xterm-256color"},
                            start_new_session=True)
    os.close(terminal)

    def drain() -> None:  # the screen's output is read, so drawing never blocks
        while True:
            try:
                if not os.read(controller, 65536):
                    return
            except OSError:
                return

    threading.Thread(target=drain, daemon=True).start()
    try:
        time.sleep(warmup)
        if proc.poll() is not None:
            raise SystemExit(f"the cockpit exited early ({proc.returncode})")
        c0, t0 = cpu_seconds(proc.pid), time.monotonic()
        time.sleep(seconds)
        c1, t1 = cpu_seconds(proc.pid), time.monotonic()
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        os.close(controller)
    return (c1 - c0) / (t1 - t0) * 100


def metrics_toml() -> str:
    """20 forge metrics every 30 s: each release's downloads and all of them, issues by label."""
    labels = ["P0", "P1", "P2", "P3", "bug", "enhancement", "docs", "question"]
    tables = []
    for n in range(METRICS):
        if n < 2:
            body = f'kind = "forge-downloads"\nrelease = "{"all" if n else "v{previous_version}"}"'
        else:
            body = f'kind = "forge-issues"\nlabels = ["{labels[n % len(labels)]}"]'
        tables.append(f'[[metrics]]\nname = "m{n}"\n{body}\nevery = "30s"\n')
    return "\n" + "\n".join(tables)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--warmup", type=float, default=10)
    args = parser.parse_args()
    from cockpit.demo.workspace import create_workspace

    root = Path(tempfile.mkdtemp(prefix="metrics-idle-"))
    base = create_workspace(root / "ws")
    text = base.read_text()
    plain = base.with_name("plain.toml")
    plain.write_text(text)
    polled = base.with_name("polled.toml")
    polled.write_text(text + metrics_toml())
    without = idle_share(plain, args.seconds, args.warmup)
    with_metrics = idle_share(polled, args.seconds, args.warmup)
    print(f"idle cockpit, {args.seconds:.0f} s at 160x48 after {args.warmup:.0f} s:")
    print(f"  without metrics (baseline): {without:5.2f}% of a core")
    print(f"  with {METRICS} metrics every 30 s: {with_metrics:5.2f}% of a core")
    print(f"  metrics cost {with_metrics - without:+.2f} points "
          f"({with_metrics / without if without else float('inf'):.2f}x the baseline); "
          f"target: <= 2% of a core with them: {'met' if with_metrics <= 2 else 'NOT met'}")


if __name__ == "__main__":
    main()

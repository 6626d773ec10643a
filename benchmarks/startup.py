"""Startup benchmark: the cockpit's time to first frame against a minimal Textual app's,
and `cockpit --version` against a bare interpreter, all measured in this run.

Run: make bench  (or .venv/bin/python benchmarks/startup.py [--runs N])
Target (issue 10): the cockpit within 1.5x of the minimal app.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def child(*args: str) -> float:
    out = subprocess.run([sys.executable, str(HERE / "first_frame.py"), *args], check=True,
                         capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def wall(*argv: str) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    from cockpit.demo.workspace import create_workspace

    with tempfile.TemporaryDirectory() as tmp:
        config = create_workspace(Path(tmp) / "ws")
        child("minimal"), child("widgets"), child("cockpit", str(config))  # warm the caches
        minimal, widgets, cockpit = [], [], []
        for _ in range(runs):  # interleaved: a machine that slows down slows all three
            minimal.append(child("minimal"))
            widgets.append(child("widgets"))
            cockpit.append(child("cockpit", str(config)))
    python = [wall(sys.executable, "-c", "pass") for _ in range(runs)]
    version = [wall(sys.executable, "-m", "cockpit", "--version") for _ in range(runs)]

    def row(name: str, samples: list[float], base: list[float] | None = None) -> None:
        med = statistics.median(samples)
        ratio = f"{med / statistics.median(base):5.2f}x" if base else "  base"
        print(f"{name:<38} median {med * 1000:7.1f} ms  min {min(samples) * 1000:7.1f} ms  {ratio}")

    print(f"startup, {runs} runs each (time from interpreter start to first frame)")
    row("minimal Textual app (baseline)", minimal)
    row("the timeline's widgets, nothing behind them", widgets, minimal)
    row("cockpit on the demo release", cockpit, minimal)
    print(f"{'':38} {statistics.median(cockpit) / statistics.median(widgets):5.2f}x of the "
          "same widgets with nothing behind them")
    print("\ncommand-line start (whole process wall time)")
    row("python -c pass (baseline)", python)
    row("cockpit --version", version, python)


if __name__ == "__main__":
    main()

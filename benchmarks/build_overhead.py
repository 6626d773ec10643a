"""Overhead of `cockpit build --headless` against the same cargo build run directly.

Both build the demo crate from clean (`cargo clean` first), alternating, in one run; the
cockpit also does its size check, smoke test, packaging and checksums.
Target (issue 3): at most 1.05x.

With `--no-change`: a rebuild with nothing changed (the incremental target dir reused),
after one warm-up build, against `cargo build` with nothing changed.

Run: .venv/bin/python benchmarks/build_overhead.py [--runs N] [--no-change]
"""

from __future__ import annotations

import argparse
import compileall
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def timed(argv: list[str], cwd: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-change", action="store_true",
                        help="time rebuilds with nothing changed instead of builds from clean")
    args = parser.parse_args()
    runs = args.runs
    # an installed cockpit runs from compiled bytecode; a checkout edited under
    # PYTHONDONTWRITEBYTECODE would recompile every module at every start
    for package in ("cockpit", "screens", "widgets"):
        compileall.compile_dir(HERE.parent / package, quiet=1)
    from cockpit.demo.workspace import create_workspace
    from cockpit.executors.toolchain import host_triple

    with tempfile.TemporaryDirectory() as tmp:
        config = create_workspace(Path(tmp) / "ws")
        repo = config.parent / "caro"
        target = host_triple()
        direct_cmd = ["cargo", "build", "--release", "--target", target, "-p", "caro",
                      "--message-format=json-render-diagnostics", "--color=never"]
        cockpit_cmd = [sys.executable, "-m", "cockpit", "build", "--headless", "--config",
                       str(config)]
        state = config.parent / ".cockpit" / "builds"  # the local builder's source and target
        direct, cockpit = [], []
        if args.no_change:
            timed(direct_cmd, repo)
            timed(cockpit_cmd, repo)
        for _ in range(runs):
            if not args.no_change:
                subprocess.run(["cargo", "clean", "-q"], cwd=repo, check=True)
            direct.append(timed(direct_cmd, repo))
            if not args.no_change:
                subprocess.run(["cargo", "clean", "-q"], cwd=repo, check=True)
                shutil.rmtree(state, ignore_errors=True)
            cockpit.append(timed(cockpit_cmd, repo))
    # the floor under any Python tool built on the chosen packages: start, import, exit
    floor_cmd = [sys.executable, "-c", "import asyncio, sqlite3\nfrom pydantic import BaseModel"]
    floor = statistics.median(timed(floor_cmd, HERE) for _ in range(max(runs, 5)))
    d, c = statistics.median(direct), statistics.median(cockpit)
    what = "with nothing changed (incremental)" if args.no_change else "from clean"
    print(f"build overhead, demo crate {what}, {runs} runs each, alternating")
    print(f"  cargo build directly (baseline)     median {d:6.2f} s   min {min(direct):6.2f} s")
    print(f"  cockpit build --headless            median {c:6.2f} s   min {min(cockpit):6.2f} s")
    print(f"  ratio: of medians {c / d:5.3f}x, of minimums {min(cockpit) / min(direct):5.3f}x "
          "(target <= 1.05x; cargo alone varies by more than the budget here)")
    print(f"  fixed cost {c - d:5.2f} s (medians), of which {floor:4.2f} s is Python starting "
          "and importing pydantic, asyncio and sqlite3")

if __name__ == "__main__":
    main()

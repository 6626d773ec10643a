"""A frame of four scrolling log panes (builds mode, logs split, 160x48): the CPU Textual
spends drawing them, which every spectator pays for each frame it draws and the controller
pays while its logs stream.

Each frame: 25 new lines in each of the four panes (full: 2,000 lines kept), then the
screen's update. Measured: process CPU time per frame (the compositor's render of the
changed lines; a headless app does not encode them for a terminal, which costs the same
either way). Baseline in the same run, alternated with it: the same panes drawing their lines as Textual's
Log does (`StockPane`: the pane's style looked up in the DOM once per line, each line built
through a rich Text and three Strips).

Run: .venv/bin/python benchmarks/log_frame.py [--frames N]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from textual.app import App, ComposeResult
from textual.containers import Grid
from textual.widget import Widget
from textual.widgets import Log

from widgets.log_pane import LogPane

SIZE = (160, 48)
PER_FRAME = 25
ROUNDS = 4


class StockPane(LogPane):
    """Drawing as Textual's Log does."""

    render_lines = Widget.render_lines
    rich_style = Widget.rich_style
    _render_line = Log._render_line


class Panes(App[None]):
    CSS = "Grid { grid-size: 2 2; }"

    def __init__(self, pane: type[LogPane]) -> None:
        super().__init__()
        self.pane = pane

    def compose(self) -> ComposeResult:
        with Grid():
            for i in range(4):
                yield self.pane(max_lines=2000, flush_interval=None, id=f"p{i}")


def line(target: int, n: int) -> str:
    return (f"   Compiling crate-{n % 97:02d} v0.{n % 13}.{n % 7} (target {target}) "
            f"[{'=' * (n % 30)}>{' ' * (30 - n % 30)}] {n}")


async def measure(pane: type[LogPane], frames: int) -> list[float]:
    app = Panes(pane)
    async with app.run_test(size=SIZE) as pilot:
        panes = list(app.query(LogPane))
        for i, p in enumerate(panes):
            p.push([line(i, n) for n in range(2000)])
            p.flush()
        await pilot.pause(0.1)
        spent = []
        for frame in range(frames):
            start = time.process_time()
            for i, p in enumerate(panes):
                p.push([line(i, 2000 + frame * PER_FRAME + n) for n in range(PER_FRAME)])
                p.flush()
            await pilot.pause(0.03)  # the screen's update runs (sleeping costs no CPU)
            spent.append(time.process_time() - start)
        return spent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=240)
    opts = parser.parse_args()
    stock: list[float] = []
    ours: list[float] = []
    for _ in range(ROUNDS):  # alternated: the machine's drift falls on both alike
        stock += asyncio.run(measure(StockPane, opts.frames // ROUNDS))
        ours += asyncio.run(measure(LogPane, opts.frames // ROUNDS))
    ms = 1000
    base = statistics.median(stock)
    print(f"four scrolling log panes at {SIZE[0]}x{SIZE[1]}, {PER_FRAME} new lines each per "
          f"frame, {opts.frames} frames, CPU per frame:")
    print(f"  Textual's Log drawing (baseline)   median {base * ms:5.1f} ms  "
          f"mean {statistics.mean(stock) * ms:5.1f} ms")
    print(f"  LogPane (plain lines drawn direct) median {statistics.median(ours) * ms:5.1f} ms  "
          f"mean {statistics.mean(ours) * ms:5.1f} ms  "
          f"({statistics.median(ours) / base:.2f}x)")


if __name__ == "__main__":
    main()

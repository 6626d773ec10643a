"""`cockpit build --headless`: the build matrix with line-by-line progress for terminals and CI."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from cockpit.builds import Assignment, BuildMatrix
from cockpit.config import Config
from cockpit.journal import Event, Journal

STYLE = {"ok": "green", "failed": "bold red", "skipped": "dim", "running": "cyan"}


class BuildPrinter:
    def __init__(self, console: Console) -> None:
        self.console = console

    def __call__(self, events: list[Event]) -> None:
        for e in events:
            d = e.data
            if e.kind == "output":
                for line in e.lines():
                    self.console.print(Text(f"  {e.step} │ {line}", style="dim"), highlight=False)
            elif e.kind == "build_stage" and d["state"] != "running":
                took = f" ({d['duration']:.1f}s)" if d.get("duration") is not None else ""
                self.console.print(Text.assemble(
                    (f"{e.step} ", "bold"), (f"{d['stage']} {d['state']}", STYLE.get(d["state"], "")),
                    (took, "dim"), (f"  {d.get('detail', '')}" if d.get("detail") else "", "")),
                    highlight=False)
            elif e.kind == "build_target":
                self.console.print(Text(f"{e.step} on builder {d['builder']}", style="bold"))
            elif e.kind == "remote_group" and d.get("leftover") and d["state"] == "stopped":
                self.console.print(Text(
                    f"{d['builder']}: stopped process group {d['pgid']}, left running by a lost "
                    "connection", style="yellow"))
            elif e.kind == "build_started":
                self.console.print(Text(f"building commit {d['commit']}", style="bold"))


def run_build_headless(config: Config, journal: Journal, assignments: list[Assignment]) -> int:
    import asyncio

    console = Console(highlight=False, soft_wrap=True)
    matrix = BuildMatrix(config, journal, listener=BuildPrinter(console))
    try:
        run_id = asyncio.run(matrix.run(assignments))
    except KeyboardInterrupt:
        console.print(Text("cancelled: every build process was stopped", style="bold yellow"))
        return 130
    finished = journal.events(kinds=["build_finished"], run_id=run_id)[-1].data
    for target, outcome in finished["results"].items():
        console.print(Text.assemble((f"{target}: ", "bold"),
                                    (outcome, "green" if outcome == "ok" else "bold red")))
    if finished["status"] == "ok":
        console.print(f"artifacts and SHA256SUMS in {matrix.dist}")
        return 0
    return 1

"""`cockpit build --headless`: the build matrix with line-by-line progress for terminals and CI."""

from __future__ import annotations

import contextlib
import queue
import sys
import threading
from typing import TYPE_CHECKING

import cockpit
from cockpit.builds.matrix import Assignment, BuildMatrix
from cockpit.config import Config
from cockpit.journal.store import Event, Journal

if TYPE_CHECKING:
    from rich.console import Console

STYLE = {"ok": "green", "failed": "bold red", "skipped": "dim", "running": "cyan"}


class BuildPrinter:
    """Prints the matrix's events on a thread of its own, in order: loading rich happens
    while cargo runs. The queue is bounded, so a terminal slower than the build slows the
    build (as printing directly would) rather than filling memory."""

    def __init__(self) -> None:
        self._queue: queue.Queue[list[Event] | tuple[str, str] | None] = queue.Queue(1000)
        self._thread = threading.Thread(target=self._print_all, name="build-printer", daemon=True)
        self._thread.start()

    def __call__(self, events: list[Event]) -> None:
        if self._thread.is_alive():
            self._queue.put(events)

    def say(self, text: str, style: str = "") -> None:
        if self._thread.is_alive():
            self._queue.put((text, style))

    def close(self) -> None:
        """Print what is queued, then stop."""
        if self._thread.is_alive():
            self._queue.put(None)
        self._thread.join()

    def _print_all(self) -> None:
        printing = True
        try:
            from rich.console import Console
            from rich.text import Text

            console = Console(highlight=False, soft_wrap=True)
        except Exception as exc:  # say so once, keep draining the queue
            _complain(f"cannot print build progress: {exc!r}")
            printing = False
        while (item := self._queue.get()) is not None:
            if not printing:  # the build goes on; the journal and the log files have it all
                continue
            try:
                if isinstance(item, tuple):
                    console.print(Text(item[0], style=item[1]))
                else:
                    for event in item:
                        self._print_event(console, event)
            except (BrokenPipeError, SystemExit):  # `| head` closed it (rich exits on that)
                printing = False
            except Exception as exc:  # one odd event must not silence the rest
                _complain(f"could not print a build event: {exc!r}")

    @staticmethod
    def _print_event(console: Console, e: Event) -> None:
        from rich.text import Text  # loaded by then: _print_all imported it

        d = e.data
        if e.kind == "output":
            for line in e.lines():
                console.print(Text(f"  {e.step} │ {line}", style="dim"))
        elif e.kind == "build_stage" and d["state"] != "running":
            took = f" ({d['duration']:.1f}s)" if d.get("duration") is not None else ""
            console.print(Text.assemble(
                (f"{e.step} ", "bold"), (f"{d['stage']} {d['state']}", STYLE.get(d["state"], "")),
                (took, "dim"), (f"  {d.get('detail', '')}" if d.get("detail") else "", "")))
        elif e.kind == "build_target":
            console.print(Text(f"{e.step} on builder {d['builder']}", style="bold"))
        elif e.kind == "remote_group" and d.get("leftover") and d["state"] == "stopped":
            console.print(Text(
                f"{d['builder']}: stopped process group {d['pgid']}, left running by a lost "
                "connection", style="yellow"))
        elif e.kind == "build_started":
            console.print(Text(f"building commit {d['commit']}", style="bold"))


def _complain(message: str) -> None:
    with contextlib.suppress(Exception):  # stderr may be gone too
        print(f"cockpit: {message}", file=sys.stderr)


def run_build_headless(config: Config, journal: Journal, assignments: list[Assignment]) -> int:
    import asyncio

    printer = BuildPrinter()
    try:
        matrix = BuildMatrix(config, journal, listener=printer)
        cockpit.started()
        try:
            run_id = asyncio.run(matrix.run(assignments))
        except KeyboardInterrupt:
            printer.say("cancelled: every build process was stopped", "bold yellow")
            return 130
        finished = journal.events(kinds=["build_finished"], run_id=run_id)[-1].data
        for target, outcome in finished["results"].items():
            printer.say(f"{target}: {outcome}", "green" if outcome == "ok" else "bold red")
        if finished["status"] == "ok":
            printer.say(f"artifacts and SHA256SUMS in {matrix.dist}")
            return 0
        return 1
    finally:
        printer.close()

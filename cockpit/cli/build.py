"""`cockpit build --headless`: the build matrix with line-by-line progress for terminals and CI."""

from __future__ import annotations

import argparse
import contextlib
import queue
import sys
import threading
from typing import TYPE_CHECKING

import cockpit
from cockpit.builds.matrix import BuildMatrix
from cockpit.builds.plan import Assignment
from cockpit.builds.source import at_tag, tag_drift
from cockpit.cli.loading import load_all, load_config_of
from cockpit.config import Config
from cockpit.errors import CockpitError, Problem
from cockpit.journal import events as ev
from cockpit.journal.events import BuildStatus, StageState, TargetStatus
from cockpit.journal.row import Event
from cockpit.journal.store import Journal

if TYPE_CHECKING:
    from rich.console import Console

STYLE = {StageState.OK: "green", StageState.FAILED: "bold red", StageState.SKIPPED: "dim",
         StageState.RUNNING: "cyan"}


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

        if e.kind == ev.Kind.OUTPUT:
            for line in e.lines():
                console.print(Text(f"  {e.step} │ {line}", style="dim"))
            return
        payload = e.payload
        match payload:
            case ev.BuildStage() if payload.state != StageState.RUNNING:
                took = f" ({payload.duration:.1f}s)" if payload.duration is not None else ""
                console.print(Text.assemble(
                    (f"{e.step} ", "bold"),
                    (f"{payload.stage} {payload.state}", STYLE.get(payload.state, "")),
                    (took, "dim"), (f"  {payload.detail}" if payload.detail else "", "")))
            case ev.BuildTarget():
                console.print(Text(f"{e.step} on builder {payload.builder}", style="bold"))
            case ev.BuildStarted():
                console.print(Text(f"building commit {payload.commit}", style="bold"))


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
            asyncio.run(matrix.run(assignments))
        except KeyboardInterrupt:
            printer.say("cancelled: every build process was stopped", "bold yellow")
            return 130
        finished = matrix.finished
        assert finished is not None  # a run that returns has journaled its end
        for target, outcome in finished.results.items():
            printer.say(f"{target}: {outcome}",
                        "green" if outcome == TargetStatus.OK else "bold red")
        if finished.status == BuildStatus.OK:
            printer.say(f"artifacts and SHA256SUMS in {matrix.dist}")
            return 0
        return 1
    finally:
        printer.close()


def command(args: argparse.Namespace) -> int:
    from cockpit.executors.toolchain import ask_host_triple, host_triple

    ask_host_triple()  # runs while the config loads; the plan and the smoke test need it
    from cockpit.builds.plan import assign

    if args.headless:
        config, runbook = load_config_of(args), None  # a headless build needs no playbooks
    else:
        config, runbook = load_all(args)
    host_triple()  # collected here (it has answered by now), whether or not a target needs it
    assignments = assign(config, args.target or None, args.builder)
    drift = tag_drift(config)
    if drift is not None and args.from_head:
        _complain(f"WARNING: {drift}: building {drift.head[:12]} as asked (--from-head); its "
                  f"artifacts are NOT the tagged {drift.tag}")
    elif drift is not None and runbook is not None:
        raise CockpitError([Problem(
            str(drift), file=config.repo,
            fix=f"`git checkout {drift.tag}` and build, `cockpit build --headless` (it builds "
                f"the tag in a worktree), or pass --from-head to build {drift.head[:12]}")])
    if runbook is not None:
        from cockpit.app.launch import open_cockpit

        return open_cockpit(config, runbook, spectate=False, build=assignments)
    from cockpit.journal.store import Journal

    journal = Journal.controller(config.journal_path)
    try:
        if drift is None or args.from_head:
            return run_build_headless(config, journal, assignments)
        print(f"{drift}: building the tag's commit {drift.tagged[:12]} in a worktree "
              "(pass --from-head to build the checked-out commit)", flush=True)
        with at_tag(config, drift) as tagged:
            return run_build_headless(tagged, journal, assignments)
    finally:
        journal.close()

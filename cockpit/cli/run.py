"""`cockpit run --headless`: the same engine, with a rich progress display instead of the UI.

Questions the engine asks (confirmations, manual steps, gate decisions) are asked on the
terminal when there is one. Without a terminal only `--yes` confirmations are possible: a
playbook with a step that needs more is refused before its first step (exit 2, each such step
named, nothing changed), and a question that still comes (a failure) stops the run, journaled
as unattended, never as a person's decision.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Mapping
from contextlib import closing

from rich.console import Console
from rich.text import Text

import cockpit
from cockpit.cli.loading import load_all, open_ui
from cockpit.cli.terminal import ProgressPrinter, TerminalInteraction
from cockpit.config import Config
from cockpit.engine.defaults import emergency_defaults
from cockpit.engine.engine import Engine, RunOutcome
from cockpit.errors import CockpitError, Problem
from cockpit.journal.events import RunStatus
from cockpit.params import prose
from cockpit.runbook.model import Playbook
from cockpit.state.launch import LaunchState
from cockpit.steps.base import PlanContext


async def run_headless(engine: Engine, name: str, params: Mapping[str, str], *,
                       dry_run: bool, assume_yes: bool, console: Console | None = None,
                       resume: tuple[str, str, str] | None = None, discard: str | None = None,
                       ) -> RunOutcome:
    """Run the playbook, or (`resume`: its interrupted run's id, the action for its step and a
    note) go on with its interrupted run; `discard`: give that run up first, with this note."""
    console = console or Console(highlight=False, soft_wrap=True)
    engine.listener = ProgressPrinter(console)
    interaction = TerminalInteraction(console, assume_yes=assume_yes,
                                      interactive=sys.stdin.isatty())
    playbook = engine.playbook(name)
    console.print(Text(f"{playbook.title}{'  (dry run)' if dry_run else ''}", style="bold"))
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGHUP, signal.SIGTERM):  # a closed terminal stops the step, cleanly
        if task is not None:
            loop.add_signal_handler(sig, task.cancel)
    if resume is not None:
        run_id, action, note = resume
        outcome = await engine.resume(run_id, action, note, interaction)  # type: ignore[arg-type]
    else:
        if discard is not None:
            for old in engine.state().interrupted_runs():
                if old.playbook == name:
                    await engine.discard(old.run_id, discard)
                    console.print(Text(f"discarded run {old.run_id}: {discard}", style="yellow"))
        outcome = await engine.run(name, params, interaction, dry_run=dry_run)
    style = {RunStatus.OK: "green", RunStatus.INCOMPLETE: "bold yellow"}.get(outcome.status,
                                                                             "bold red")
    console.print(Text(f"run {outcome.run_id}: {outcome.status}", style=style))
    if outcome.missed:
        console.print(Text(f"not done (the run went on): {', '.join(outcome.missed)}",
                           style="bold yellow"))
    run = engine.state().runs.get(outcome.run_id)
    if run is not None and run.left:  # nothing half-done goes unseen
        console.print(Text("left changed in the repository, not committed: "
                           + ", ".join(line.strip() for line in run.left), style="bold yellow"))
    return outcome


def _parse_params(pairs: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise CockpitError([Problem(f"{pair!r} is not K=V", field="--param",
                                        fix="write --param version=1.1.0-beta.1")])
        params[key] = value
    return params


def command(args: argparse.Namespace) -> int:
    from cockpit.journal.store import Journal

    config, runbook = load_all(args)
    params = _parse_params(args.param)
    if args.playbook not in runbook.playbooks:
        raise CockpitError([Problem(f"no playbook named {args.playbook!r}", field="playbook",
                                    fix="see `cockpit playbooks`")])
    if (args.resume or args.discard) and args.dry_run:
        raise CockpitError([Problem("--dry-run cannot resume or discard a run", field="--dry-run",
                                    fix="drop --dry-run to go on with the run (or give it up)")])
    if not args.headless:
        if args.resume or args.discard:
            raise CockpitError([Problem("--resume and --discard apply with --headless",
                                        field="--resume" if args.resume else "--discard",
                                        fix="the cockpit offers the interrupted run at start "
                                        "(i on the timeline); add --headless here")])
        if args.yes:
            raise CockpitError([Problem("--yes only applies with --headless", field="--yes",
                                        fix="the cockpit asks on screen; add --headless to "
                                        "confirm from the command line")])
        return open_ui(config, runbook, spectate=False,
                        autorun=(args.playbook, params, args.dry_run))
    from cockpit.engine.planner import Planner
    from cockpit.journal.store import JournalLocked

    playbook = runbook.playbooks[args.playbook]
    try:
        journal = Journal.controller(config.journal_path)
    except JournalLocked:
        if not args.dry_run:
            raise
        state = LaunchState()  # a dry run needs no lock: what the journal says, read-only
        with closing(Journal.readonly(config.journal_path)) as reader:
            state.apply(reader.events())
            params = _with_facts(config, playbook, args.playbook, state, params)
            values = Planner(config, reader).values(playbook, params)
        return _preview_only(config, playbook, values)
    try:
        engine = Engine(config, runbook, journal)
        resume = _interrupted(engine, args)
        if resume is not None:  # the run goes on with the values it started with
            if params:
                raise CockpitError([Problem("--resume goes on with the run's own parameters",
                                            field="--param", fix="drop --param")])
            params = dict(engine.state().runs[resume[0]].params)
        else:
            params = _with_facts(config, playbook, args.playbook, engine.state(), params)
        values = engine.planner.values(playbook, params)  # usage errors before anything runs
        if not args.dry_run and not sys.stdin.isatty():
            _attended_or_refuse(config, playbook, values, assume_yes=args.yes,
                                start=_resume_from(engine, resume))
        cockpit.started()
        outcome = asyncio.run(run_headless(
            engine, args.playbook, params, dry_run=args.dry_run, assume_yes=args.yes,
            resume=resume, discard=args.note if args.discard else None))
    except asyncio.CancelledError:
        print("stopped by a signal: the running step's processes were stopped", file=sys.stderr)
        return 1
    finally:
        journal.close()
    return 0 if outcome.status == RunStatus.OK else 1


def _interrupted(engine: Engine, args: argparse.Namespace) -> tuple[str, str, str] | None:
    """--resume / --discard: the playbook's interrupted run to go on with or give up."""
    if not (args.resume or args.discard):
        return None
    runs = [r for r in engine.state().interrupted_runs() if r.playbook == args.playbook]
    flag = "--resume" if args.resume else "--discard"
    if not runs:
        raise CockpitError([Problem(f"{args.playbook} has no interrupted run", field=flag,
                                    fix=f"run it without {flag}")])
    if (args.discard or args.resume in {"done", "skip"}) and not args.note.strip():
        what = "discarding a run" if args.discard else f"--resume {args.resume}"
        raise CockpitError([Problem(f"{what} needs a reason on record", field="--note",
                                    fix='add --note "why"')])
    return (runs[-1].run_id, args.resume, args.note) if args.resume else None


def _resume_from(engine: Engine, resume: tuple[str, str, str] | None) -> str:
    """The first step a resumed run runs ('' for a new run: all of them)."""
    if resume is None:
        return ""
    step = engine.state().runs[resume[0]].interrupted_step
    return step.id if step is not None else ""


def _attended_or_refuse(config: Config, playbook: Playbook, values: Mapping[str, str], *,
                        assume_yes: bool, start: str = "") -> None:
    """Without a terminal, every step that needs a person must be able to get one (--yes
    gives confirmations; nothing gives a manual step's or a gate's answer): checked before
    the first step, so an unattended run never stops halfway with things changed."""
    plan = PlanContext(config, values)
    lines = []
    ids = [s.id for s in playbook.steps]
    for step in playbook.steps[ids.index(start) if start in ids else 0:]:
        asks = step.asks(plan) if step.applies(values) else None
        if asks == "answer" or (asks == "confirm" and not assume_yes):
            needs = ("a confirmation (--yes gives it)" if asks == "confirm" else
                     "an operator's answer (--yes cannot give it)")
            lines.append(f"  {step.id} ({prose(step.title, values)}): {needs}")
    if lines:
        only_yes = all("--yes gives" in line for line in lines)
        fix = ("pass --yes to confirm them from the command line" if only_yes else
               f"run it in the cockpit (`cockpit run {playbook.name}`) or from a terminal")
        raise CockpitError([Problem(
            "no terminal to ask on, and these steps need a person:\n" + "\n".join(lines),
            field=f"playbook {playbook.name}", fix=f"{fix}; nothing was changed")])


def _with_facts(config: Config, playbook: Playbook, name: str, state: LaunchState,
                given: dict[str, str]) -> dict[str, str]:
    """An emergency playbook's parameters from the facts, as H / R pre-fill them in the
    cockpit (what users get now, what the forge published); what was given wins."""
    if not playbook.emergency:
        return given
    found = asyncio.run(emergency_defaults(name, state, config))
    console = Console(highlight=False, soft_wrap=True)
    for key, value in found.items():
        if value and key not in given:
            console.print(Text(f"{key} = {value}  (from the facts; --param {key}=... to change)",
                               style="cyan"))
    return {**{k: v for k, v in found.items() if v}, **given}


def _preview_only(config: Config, playbook: Playbook, values: dict[str, str]) -> int:
    from rich.console import Console
    from rich.text import Text

    from cockpit.engine.planner import Planner

    console = Console(highlight=False, soft_wrap=True)
    console.print(Text(f"{playbook.title}  (dry run; not journaled: another cockpit controls "
                       "this release)", style="bold"))
    console.print(Text(Planner(config).plan_text(playbook, values)))
    return 0

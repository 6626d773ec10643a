"""Going on after a crash: a playbook with an interrupted run is resumed or discarded, never
started afresh beside it; a step run again starts on the branch it started on; what a
discarded run did stays on record."""

from __future__ import annotations

import asyncio
from datetime import tzinfo
from pathlib import Path

from cockpit import gitrepo
from cockpit.clock import local_time
from cockpit.engine.intents import open_intents
from cockpit.engine.leftovers import stop_leftovers
from cockpit.errors import CockpitError, Problem
from cockpit.journal.events import (
    IntentSettled,
    Output,
    RunFinished,
    RunResumed,
    RunStatus,
    StepResolved,
    StepStarted,
    StepStatus,
)
from cockpit.journal.recorder import Recorder
from cockpit.journal.store import Journal
from cockpit.state.launch import LaunchState, RunState


def refuse_if_interrupted(state: LaunchState, playbook: str, tz: tzinfo) -> None:
    """A new run beside an interrupted one would redo what it did (a second commit, a second
    post): resume it or discard it first."""
    for run in state.interrupted_runs():
        if run.playbook != playbook:
            continue
        step = run.interrupted_step
        where = f" at step {step.id}" if step else ""
        raise CockpitError([Problem(
            f"run {run.run_id} of {playbook} (started {local_time(run.started, tz, '%H:%M', zone=True)}"
            f" by {run.operator}) was interrupted{where}: a new run beside it would do again "
            "what it did", field=f"playbook {playbook}",
            fix=f"resume it (in the cockpit: i; headless: cockpit run {playbook} --headless "
                "--resume rerun|done|skip), or discard it and start afresh (--discard --note "
                "\"why\")")], exit_code=2)


async def restore_branch(repo: Path, journal: Journal, record: Recorder, run_id: str,
                         step_id: str) -> None:
    """Before a step runs again: the repository on the branch the step started on (switched
    back when nothing tracked is changed), or stop, saying what differs."""
    started = [e.payload for e in journal.events(kinds=[StepStarted.KIND], run_id=run_id)
               if e.step == step_id and isinstance(e.payload, StepStarted)]
    want = started[-1].branch if started else ""
    if not want:
        return
    now = await asyncio.to_thread(gitrepo.branch, repo)
    if now == want:
        return
    here = now or "a detached HEAD"
    changed = [line.strip() for line in await asyncio.to_thread(gitrepo.changes, repo)
               if not line.startswith("??")]
    if changed:
        raise CockpitError([Problem(
            f"step {step_id} started on {want}, and the repository is now on {here} with "
            f"changes not committed: {', '.join(changed)}", field=f"run {run_id}",
            fix=f"commit or stash them and `git switch {want}`, then resume again")], exit_code=2)
    said = await asyncio.to_thread(gitrepo.switch, repo, want)
    if said:
        raise CockpitError([Problem(f"step {step_id} started on {want}; switching back from "
                                    f"{here} failed: {said}", field=f"run {run_id}",
                                    fix=f"`git switch {want}`, then resume again")], exit_code=2)
    record(Output(text=f"the repository was on {here}: switched back to {want}, where this step "
                       "started", count=1), run_id, step_id)


async def release_index_lock(repo: Path, record: Recorder, run_id: str,
                             step_id: str | None) -> None:
    """A git the crash killed mid-write leaves its index lock, and every later git that writes
    the index refuses: removed when no git works in the repository (so it is a dead one's),
    journaled; kept, with the fix, when that cannot be told."""
    lock = await asyncio.to_thread(gitrepo.index_lock, repo)
    if lock is None:
        return
    working = await asyncio.to_thread(gitrepo.git_at_work, repo)
    if working is not False:
        said = ("a git works there now" if working else
                "whether a git still works there cannot be told")
        raise CockpitError([Problem(f"git's lock {lock} is in {repo}, and {said}",
                                    field=f"run {run_id}",
                                    fix=f"when no git runs there, remove it (rm {lock}) and "
                                        "resume again")], exit_code=2)
    lock.unlink(missing_ok=True)
    record(Output(text=f"removed {lock}, left by a git stopped with the interrupted run (no git "
                       "works in the repository)", count=1), run_id, step_id)


async def prepare(repo: Path, journal: Journal, record: Recorder, operator: str, run: RunState,
                  steps: list[str], action: str, note: str) -> int:
    """Journal the resumption and what the operator said to do with the interrupted step; stop
    what the dead run left running; put the repository back where a step run again started.
    The index of the step to go on from."""
    step = run.interrupted_step
    if step is not None and step.id not in steps:  # checked before anything is journaled
        raise CockpitError([Problem(
            f"run {run.run_id} was interrupted at step {step.id}, which its playbook no longer "
            "has", field=f"run {run.run_id}",
            fix="restore the step in the playbook to resume the run, or discard the run "
                "(cockpit run PLAYBOOK --headless --discard --note WHY)")], exit_code=2)
    await stop_leftovers(journal, record, run.run_id)
    await release_index_lock(repo, record, run.run_id, step.id if step else None)
    if step is not None and action == "rerun":  # where it started, or stop saying what differs
        await restore_branch(repo, journal, record, run.run_id, step.id)
    record(RunResumed(operator=operator), run.run_id)
    if step is None:  # it stopped between steps: the first one not done
        return next((i for i, s in enumerate(steps) if run.steps.get(s) is None
                     or run.steps[s].status == StepStatus.PENDING), len(steps))
    record(StepResolved(action=action, note=note, operator=operator), run.run_id, step.id)
    if action == "done":  # the operator says it happened: its intents did
        settle_open(journal, record, run.run_id, step.id, f"{operator} marked {step.id} done")
    return steps.index(step.id) + (0 if action == "rerun" else 1)


def settle_open(journal: Journal, record: Recorder, run_id: str, step_id: str, how: str) -> None:
    for event in open_intents(journal, run_id):
        if event.step == step_id:
            record(IntentSettled(key=str(event.data["key"]), done=True, how=how), run_id, step_id)


async def discard(repo: Path, journal: Journal, record: Recorder, operator: str, run: RunState,
                  note: str) -> None:
    """Give up an interrupted run (its leftover processes stopped, why on record), so the
    playbook can start afresh; what it did stays done, and its open intents stay open (a new
    run asks about them rather than repeat them)."""
    if not note.strip():
        raise CockpitError([Problem("discarding a run needs a reason on record",
                                    field="--note", fix='add --note "why"')], exit_code=2)
    await stop_leftovers(journal, record, run.run_id)
    step = run.interrupted_step
    record(StepResolved(action="discard", note=note, operator=operator), run.run_id,
           step.id if step else None)
    left = await asyncio.to_thread(gitrepo.changes, repo)
    record(RunFinished(status=RunStatus.ABORTED, error=f"discarded by {operator}: {note}",
                       left=left), run.run_id)

"""What a cut link to a builder left running there: remembered, and stopped on the next
connection to that builder.

Every remote command's process group is journaled as it starts and as it ends (`RemoteGroup`,
with the build, target and stage it ran for, the builder's boot id and the leader's start
time). A group that started and never ended was left by a lost connection (or a cockpit that
died): the next connection stops each one that is still the same group (see
`executors/groups.py`), journals that, and says so in the log of the target that connected.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import IO, Protocol

from cockpit.executors.groups import ProcessGroup
from cockpit.executors.ssh import SshBuilder
from cockpit.journal.events import GroupState, Output, Payload, RemoteGroup
from cockpit.journal.row import Event
from cockpit.journal.store import Journal

WHAT = {"sync": "source sync", "build": "cargo build", "size": "size check",
        "smoke": "smoke test", "package": "packaging", "checksum": "checksum", "fetch": "fetch"}
"""A stage's command, as the build log names it."""


@dataclass(frozen=True)
class Working:
    """The build, target and stage a task works for."""

    run_id: str
    target: str
    stage: str


WORKING: ContextVar[Working | None] = ContextVar("cockpit_build_working", default=None)
"""Set by each target's task: a builder's executor is shared by its targets, so what it tells
of a group it started is journaled under the target whose task started it."""


@dataclass(frozen=True)
class Leftover:
    """A remote group that started and never ended, and what it ran for."""

    group: ProcessGroup
    run_id: str | None
    target: str | None
    stage: str

    def described(self) -> str:
        what = WHAT.get(self.stage, "command")
        return f"the {what}" + (f" of {self.target}" if self.target else "")

    def where(self) -> str:
        return f"pgid {self.group.pgid}" + (f", build {self.run_id}" if self.run_id else "")


class Matrix(Protocol):
    journal: Journal

    def log(self, payload: Payload, run_id: str | None, step: str | None = None) -> Event: ...

    def log_file(self, run_id: str, target: str) -> IO[str]: ...


def leftover_groups(journal: Journal, builder: str) -> list[Leftover]:
    """The remote process groups on `builder` that started and never ended (their connection
    was lost): candidates to stop on the next connection."""
    running: dict[str, Leftover] = {}
    for event in journal.events(kinds=[RemoteGroup.KIND]):
        group = event.payload
        if not isinstance(group, RemoteGroup) or group.builder != builder:
            continue
        if group.state == GroupState.RUNNING:
            running[group.job] = Leftover(
                ProcessGroup(group.pgid, group.boot, group.start, group.job),
                event.run_id, event.step, group.stage)
        else:
            running.pop(group.job, None)
    return list(running.values())


def group_recorder(m: Matrix, builder: str) -> Callable[[ProcessGroup, str], None]:
    """What an SSH builder calls as its groups start and end: each is journaled under the
    build and target it runs for."""

    def on_group(group: ProcessGroup, state: str) -> None:
        working = WORKING.get()
        m.log(RemoteGroup(builder=builder, job=group.job, pgid=group.pgid,
                          state=GroupState(state), boot=group.boot, start=group.start,
                          stage=working.stage if working else ""),
              working.run_id if working else None, working.target if working else None)

    return on_group


async def stop_leftovers(m: Matrix, remote: SshBuilder) -> None:
    """Stop what lost connections to `remote` left running on it; journal each one settled
    and say it in the log of the target whose build connected."""
    leftovers = {left.group.job: left for left in leftover_groups(m.journal, remote.name)}
    settled = await remote.sweep([left.group for left in leftovers.values()])
    for group, outcome in settled:
        left = leftovers[group.job]
        m.log(RemoteGroup(builder=remote.name, job=group.job, pgid=group.pgid,
                          state=GroupState(outcome), leftover=True, boot=group.boot,
                          start=group.start, stage=left.stage), left.run_id, left.target)
        _say(m, f"stopped {left.described()} left running by the cut link ({left.where()})"
             if outcome == GroupState.STOPPED else
             f"{left.described()} a cut link left ({left.where()}) had already ended")


def _say(m: Matrix, line: str) -> None:
    """A line in the build log of the target this task works for."""
    working = WORKING.get()
    if working is None:
        return
    event = m.log(Output(text=line, count=1), working.run_id, working.target)
    m.log_file(working.run_id, working.target).write(f"{event.data['text']}\n")

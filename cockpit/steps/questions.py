"""What a running step asks the operator, and the answers it takes.

Questions are data: the full-screen cockpit shows them in dialogs, the headless runner asks
them on the terminal, tests answer them from a script. Each says everything needed to answer
it (no step object to dig into), so whoever asks needs nothing but the question.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from cockpit.steps.checks import CheckResult


class Unattended(Exception):
    """Nobody is there to answer (a headless run without a terminal): the run stops, and the
    journal says it stopped unattended, not that a person decided."""

    def __init__(self, step: str, needs: str) -> None:
        super().__init__(f"unattended: {step} needs {needs}, and nobody is there to give it")
        self.step = step


@dataclass(frozen=True)
class Confirm:
    """Run something that cannot be taken back (a command, an edit, a post)?"""

    step: str
    title: str
    """The step's title, parameters filled in."""
    body: str
    """Exactly what will happen: the command, the diff, the message."""
    heading: str = "Run this?"
    clipboard: str = ""
    """What the operator may copy instead (a post's message, to paste by hand too)."""


@dataclass(frozen=True)
class Manual:
    """A step the operator does by hand, then says done or not done."""

    step: str
    title: str
    instructions: str
    clipboard: str = ""
    """Text worth copying for the operator (a message to post by hand)."""
    again: bool = False
    """Asked again at once: the operator said done and the step says why it is not."""
    heading: str = "Manual step"
    """What kind of question it is (shown before the title)."""
    fresh: Callable[[], Awaitable[str]] | None = None
    """What the step shows as it is now (a read-only command's output, e.g. the commits a
    branch gained): read again whenever the question is shown, after the instructions."""


@dataclass(frozen=True)
class Values:
    """Values a step needs that the cockpit has no source for (a post's numbers before any
    sample, a release not on the forge yet): the operator gives them, never a made-up one."""

    step: str
    title: str
    names: tuple[str, ...]
    why: str
    """Why the cockpit does not have them, and where they could come from."""


@dataclass(frozen=True)
class Gate:
    """The automated checks' results, manual checks to tick, and GO or NO-GO."""

    step: str
    title: str
    item: str
    """The timeline item the decision is for."""
    results: list[CheckResult]


@dataclass(frozen=True)
class Failure:
    """A step failed and would stop the playbook: retry, skip (with a note) or abort?"""

    step: str
    title: str
    message: str


@dataclass
class ManualAnswer:
    done: bool
    note: str = ""


@dataclass
class FailureAnswer:
    """Run the step again, go on without it (a note says why), or stop the playbook here."""

    action: Literal["retry", "skip", "abort"]
    note: str = ""


@dataclass
class GateAnswer:
    decision: Literal["GO", "NO-GO"]
    rationale: str
    ticks: list[tuple[bool, str]] = field(default_factory=list)
    """(ticked, note) for each manual check, in order."""


class Interaction(Protocol):
    """How a run asks the operator. None / False: the operator declined or stopped."""

    async def confirm(self, question: Confirm) -> bool: ...

    async def manual(self, question: Manual) -> ManualAnswer | None: ...

    async def values(self, question: Values) -> dict[str, str] | None: ...

    async def gate(self, question: Gate) -> GateAnswer | None: ...

    async def failed(self, question: Failure) -> FailureAnswer | None: ...

"""What a step is given: a `StepContext` when it runs (the run's values, the repository, the
journal, the operator's attention), a `PlanContext` when it is previewed (no journal, no
operator); and the `Outcome` it gives back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

from cockpit.config import Config
from cockpit.executors.local import LocalRunner
from cockpit.journal.events import Payload, StepStatus
from cockpit.journal.row import Event
from cockpit.journal.store import Journal
from cockpit.steps.questions import Interaction

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome:
    """How a step ended: journaled as its `step_finished` event."""

    status: StepStatus
    message: str = ""
    exit_code: int | None = None


@dataclass(frozen=True)
class PlanContext:
    """What a preview knows: the release and the run's values; it runs nothing."""

    config: Config
    values: Mapping[str, str]
    show_cwd: bool = True

    @property
    def repo(self) -> Path:
        return self.config.repo


class StepContext(Protocol):
    """What a running step is given by the engine."""

    @property
    def run_id(self) -> str: ...
    @property
    def config(self) -> Config: ...
    @property
    def values(self) -> Mapping[str, str]: ...
    @property
    def cwd(self) -> Path: ...
    @property
    def runner(self) -> LocalRunner: ...
    @property
    def interaction(self) -> Interaction: ...
    @property
    def journal(self) -> Journal: ...
    @property
    def listener(self) -> Callable[[list[Event]], None] | None:
        """Told of every event as it is journaled (the headless printer)."""
    @property
    def item(self) -> str:
        """The timeline item the run is for (a gate's decision is recorded against it)."""
    @property
    def operator(self) -> str: ...
    @property
    def templates(self) -> Mapping[str, str]:
        """The runbook's message templates, by name."""

    def log(self, payload: Payload) -> Event:
        """Journal a fact of this step (and show it to whoever listens)."""
        ...

    def sink(self, lines: Sequence[str]) -> None:
        """The step's output: journaled, shown, kept for the failure question."""
        ...

    async def confirm(self, body: str, heading: str = "Run this?", *,
                      clipboard: str = "") -> bool:
        """Ask before something that cannot be taken back; the answer is journaled.
        `clipboard`: what the operator may copy from the question (a post's message)."""
        ...

    async def earlier(self, key: str, shown: str, *,
                      verify: Callable[[], Awaitable[bool | None]] | None = None,
                      this_run: bool = False) -> Literal["go", "done", "stop"]:
        """Before an effect outside the journal (post, push, upload, publish) with this
        idempotency `key`: settle what an interrupted earlier attempt left, verified (`verify`:
        True done, False not, None cannot say) or asked, showing `shown`. "done": it happened
        (or was settled done, by this run only if `this_run`), do not do it again; "stop": the
        operator stopped instead of answering."""
        ...

    def intend(self, key: str, what: str) -> None:
        """Journal the intent, right before the effect."""
        ...

    def settle(self, key: str, done: bool, how: str) -> None:
        """The intent's outcome, journaled as soon as it is known."""
        ...

    def offload(self, work: Coroutine[Any, Any, T]) -> Awaitable[T]:
        """Run long work where it cannot delay the operator's keys (the build thread)."""
        ...

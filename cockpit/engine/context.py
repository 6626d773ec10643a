"""What the engine gives one running step (`cockpit.steps.base.StepContext`): the run's values
and working directory, the journal with the run and step filled in, the operator's attention,
and the build thread."""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from cockpit import gitrepo
from cockpit.config import Config
from cockpit.engine import intents
from cockpit.executors.lines import text_of
from cockpit.executors.local import LocalRunner
from cockpit.journal.events import Intent, IntentSettled, Output, Payload, StepConfirmed, StepWaiting
from cockpit.journal.recorder import Listener, Recorder
from cockpit.journal.row import Event
from cockpit.journal.store import Journal
from cockpit.params import prose
from cockpit.steps import questions as q
from cockpit.steps.base import WORK_TREE, PlanContext, StepBase, preview
from cockpit.steps.questions import Confirm, Interaction

T = TypeVar("T")
Offload = Callable[[Coroutine[Any, Any, Any]], Awaitable[Any]]
TAIL_LINES = 8
"""Lines of a failed step's output shown when asking what to do."""


@dataclass
class RunContext:
    """One run of a playbook, as its steps see it."""

    run_id: str
    config: Config
    values: Mapping[str, str]
    record: Recorder
    runner: LocalRunner
    interaction: Interaction
    item: str
    operator: str
    templates: Mapping[str, str]
    offload_to: Offload | None = None
    plan_confirmed: bool = False
    """The operator confirmed the whole plan: steps that do not reach out do not ask again."""
    scope: str = ""
    """The playbook and the run's parameters: an effect's key is the same in every run of
    them, and differs for another release."""
    dirty_before: frozenset[str] = frozenset()
    """What was changed in the repository before the run started (not the run's doing)."""

    def log(self, payload: Payload, step: str | None = None) -> Event:
        return self.record(payload, self.run_id, step)

    def starting(self, step: StepBase, plan: PlanContext) -> tuple[str, str]:
        """The branch a step starts on (one that uses the work tree) and its plan: both may ask
        git, so the engine calls this on a thread."""
        on_tree = step.uses() >= WORK_TREE
        return (gitrepo.branch(self.config.repo) if on_tree else ""), preview(step, plan)


@dataclass
class Journaled:
    """The run's questions, each journaled as it is asked (`StepWaiting`): the item, the header
    and every spectator see that the run waits for a person, and for what."""

    inner: Interaction
    run: RunContext

    def _waits(self, question: str, step: str, title: str) -> None:
        self.run.log(StepWaiting(question=question, title=title), step)

    async def confirm(self, question: q.Confirm) -> bool:
        self._waits("confirm", question.step, question.title)
        return await self.inner.confirm(question)

    async def manual(self, question: q.Manual) -> q.ManualAnswer | None:
        self._waits("manual", question.step, question.title)
        return await self.inner.manual(question)

    async def values(self, question: q.Values) -> dict[str, str] | None:
        self._waits("values", question.step, question.title)
        return await self.inner.values(question)

    async def gate(self, question: q.Gate) -> q.GateAnswer | None:
        self._waits("gate", question.step, question.title)
        return await self.inner.gate(question)

    async def failed(self, question: q.Failure) -> q.FailureAnswer | None:
        self._waits("failure", question.step, question.title)
        return await self.inner.failed(question)


@dataclass
class StepRun:
    """One step of a run: implements `StepContext`."""

    run: RunContext
    step: StepBase
    cwd: Path
    tail: deque[str] = field(default_factory=lambda: deque(maxlen=TAIL_LINES))
    """The last lines the step printed (as journaled, so redacted), for the failure question."""
    confirmed_at: float | None = None
    """When the operator said yes (monotonic): the step's time starts there."""

    # the run's, for the step ---------------------------------------------------------------

    @property
    def run_id(self) -> str:
        return self.run.run_id

    @property
    def config(self) -> Config:
        return self.run.config

    @property
    def values(self) -> Mapping[str, str]:
        return self.run.values

    @property
    def runner(self) -> LocalRunner:
        return self.run.runner

    @property
    def interaction(self) -> Interaction:
        return Journaled(self.run.interaction, self.run)

    @property
    def journal(self) -> Journal:
        return self.run.record.journal

    @property
    def listener(self) -> Listener | None:
        return self.run.record.listener

    @property
    def item(self) -> str:
        return self.run.item

    @property
    def operator(self) -> str:
        return self.run.operator

    @property
    def templates(self) -> Mapping[str, str]:
        return self.run.templates

    # doing ---------------------------------------------------------------------------------

    def log(self, payload: Payload) -> Event:
        return self.run.log(payload, self.step.id)

    def sink(self, lines: Sequence[str]) -> None:
        event = self.log(Output(text=text_of(lines), count=len(lines)))
        # the last lines as journaled (redacted), without splitting the whole batch
        self.tail.extend(str(event.data["text"]).rsplit("\n", TAIL_LINES)[-TAIL_LINES:])

    async def confirm(self, body: str, heading: str = "Run this?", *,
                      clipboard: str = "") -> bool:
        if self.run.plan_confirmed and not self.step.asks_again():
            self.log(StepConfirmed(confirmed=True, operator=self.operator, with_plan=True))
            return True  # what the confirmed plan showed, it covers
        yes = await self.interaction.confirm(
            Confirm(self.step.id, prose(self.step.title, self.values), body, heading,
                    clipboard))
        self.log(StepConfirmed(confirmed=yes, operator=self.operator))
        return yes

    async def earlier(self, key: str, shown: str, *, verify: intents.Verify | None = None,
                      this_run: bool = False) -> intents.Go:
        return await intents.earlier(
            self.journal, self.log, self.interaction, step=self.step.id,
            title=prose(self.step.title, self.values), key=key, shown=shown,
            tz=self.config.release.tz, verify=verify,
            done_within=self.run_id if this_run else None)

    def intend(self, key: str, what: str) -> None:
        self.log(Intent(key=key, what=what))

    def settle(self, key: str, done: bool, how: str) -> None:
        self.log(IntentSettled(key=key, done=done, how=how))

    def offload(self, work: Coroutine[Any, Any, T]) -> Awaitable[T]:
        if self.run.offload_to is None:
            return work
        result: Awaitable[T] = self.run.offload_to(work)
        return result

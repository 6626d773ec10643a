"""The engine's questions, asked on screen: each question waits for the operator (`Waiting`:
no dialog opens by itself), and its dialog's answer goes back to the run that asked (from the
playbook worker, which waits). Stopping the run is never a side effect: an answer that would
stop it (don't run, stop, abort, no decision) is asked again, explicitly."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.screen import Screen

from cockpit.app.host import Host
from cockpit.app.waiting import Waiting
from cockpit.params import ParamSpec
from cockpit.steps import questions as q
from screens.modals import ParamsModal, StepConfirmModal, StopRunModal
from screens.questions import FailureModal, GateModal, ManualModal, PostConfirmModal


class UiInteraction:
    def __init__(self, app: Host, waiting: Waiting, playbook: str, *,
                 at_once: bool = False) -> None:
        self.app = app
        self.waiting = waiting
        self.playbook = playbook
        self.at_once = at_once
        """Open each question as it comes: the operator started a short run and is on it
        (`u`: the update's message, right after its values)."""

    async def _answer(self, title: str, dialog: Callable[[], Screen[Any]],
                      goes_on: Callable[[Any], bool], stopping: str, again: bool = False) -> Any:
        """Wait for the operator's answer (`again`: open it at once, the operator is on it);
        an answer that would stop the run is asked again, explicitly: only a yes to
        "Stop the run here?" stops it."""
        while True:
            answer = await self.waiting.wait(self.playbook, title, dialog,
                                             now=again or self.at_once)
            if goes_on(answer) or await self.app.ask(StopRunModal(stopping)):
                return answer
            again = True

    async def confirm(self, question: q.Confirm) -> bool:
        def dialog() -> StepConfirmModal:
            title = f"{question.heading} {question.title}"
            if question.clipboard:  # a post: c copies its message
                return PostConfirmModal(title, question.body, question.clipboard)
            return StepConfirmModal(title, question.body, confirm_label="Run it (y)",
                                    cancel_label="Don't (n)")

        return bool(await self._answer(question.title, dialog, bool,
                                       f"{question.title} is not run."))

    async def manual(self, question: q.Manual) -> q.ManualAnswer | None:
        if question.clipboard:  # to post by hand: the message is on the clipboard
            self.app.copy_to_clipboard(question.clipboard)
        answer: q.ManualAnswer | None = await self._answer(
            question.title, lambda: ManualModal(question.title, question.instructions,
                                                question.fresh, question.heading),
            lambda a: a is not None, f"{question.title} is not done.",
            again=question.again)  # "not done yet": the operator is on it, it opens at once
        return answer

    async def values(self, question: q.Values) -> dict[str, str] | None:
        specs = {name: ParamSpec(description="the cockpit has no value for it") for name in
                 question.names}

        async def given(values: dict[str, str]) -> list[str]:
            return [f"{name}: is required" for name, value in values.items() if not value.strip()]

        answer: dict[str, str] | None = await self._answer(
            question.title, lambda: ParamsModal(f"{question.title}: {question.why}", specs, {},
                                                given),
            lambda a: a is not None, f"{question.title} is not done.")
        return answer

    async def gate(self, question: q.Gate) -> q.GateAnswer | None:
        answer: q.GateAnswer | None = await self._answer(
            question.title, lambda: GateModal(question.title, question.results),
            lambda a: a is not None, f"{question.title}: no decision.")
        return answer

    async def failed(self, question: q.Failure) -> q.FailureAnswer | None:
        answer: q.FailureAnswer | None = await self._answer(
            f"{question.title} failed", lambda: FailureModal(question.title, question.message),
            lambda a: a is not None and a.action != "abort",
            f"{question.title} failed and is not retried.")
        return answer

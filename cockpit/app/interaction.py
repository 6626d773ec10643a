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
from cockpit.steps import questions as q
from screens.modals import StepConfirmModal, StopRunModal
from screens.questions import FailureModal, GateModal, ManualModal


class UiInteraction:
    def __init__(self, app: Host, waiting: Waiting, playbook: str) -> None:
        self.app = app
        self.waiting = waiting
        self.playbook = playbook

    async def _ask(self, title: str, dialog: Callable[[], Screen[Any]], again: bool) -> Any:
        """Wait for the operator's answer; `again`: after "back" from stopping, at once."""
        return await self.waiting.wait(self.playbook, title, dialog, now=again)

    async def _stop(self, what: str) -> bool:
        """Stop the run here? Only an explicit yes stops it."""
        stop = await self.app.ask(StopRunModal(what))
        return bool(stop)

    async def confirm(self, question: q.Confirm) -> bool:
        again = False
        while True:
            answer = await self._ask(question.title, lambda: StepConfirmModal(
                f"{question.heading} {question.title}", question.body,
                confirm_label="Run it (y)", cancel_label="Don't (n)"), again)
            if answer or await self._stop(f"{question.title} is not run."):
                return bool(answer)
            again = True

    async def manual(self, question: q.Manual) -> q.ManualAnswer | None:
        if question.clipboard:  # to post by hand: the message is on the clipboard
            self.app.copy_to_clipboard(question.clipboard)
        again = question.again  # "not done yet": the operator is on it, it opens at once
        while True:
            answer = await self._ask(question.title, lambda: ManualModal(
                question.title, question.instructions, question.fresh), again)
            if answer is not None or await self._stop(f"{question.title} is not done."):
                return answer  # type: ignore[no-any-return]
            again = True

    async def gate(self, question: q.Gate) -> q.GateAnswer | None:
        again = False
        while True:
            answer = await self._ask(question.title, lambda: GateModal(
                question.title, question.results), again)
            if answer is not None or await self._stop(f"{question.title}: no decision."):
                return answer  # type: ignore[no-any-return]
            again = True

    async def failed(self, question: q.Failure) -> q.FailureAnswer | None:
        again = False
        while True:
            answer = await self._ask(f"{question.title} failed", lambda: FailureModal(
                question.title, question.message), again)
            if (answer is not None and answer.action != "abort") or await self._stop(
                    f"{question.title} failed and is not retried."):
                return answer  # type: ignore[no-any-return]
            again = True

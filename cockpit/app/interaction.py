"""The engine's questions, asked on screen: each question becomes its dialog, and the dialog's
answer goes back to the run that asked (from the playbook worker, which waits). A question
waits its turn behind any other dialog. Stopping the run is never a side effect: an answer
that would stop it (don't run, stop, abort, no decision) is asked again, explicitly."""

from __future__ import annotations

from cockpit.app.host import Host
from cockpit.steps import questions as q
from screens.modals import StepConfirmModal, StopRunModal
from screens.questions import FailureModal, GateModal, ManualModal


class UiInteraction:
    def __init__(self, app: Host) -> None:
        self.app = app

    async def _stop(self, what: str) -> bool:
        """Stop the run here? Only an explicit yes stops it."""
        stop = await self.app.ask(StopRunModal(what))
        return bool(stop)

    async def confirm(self, question: q.Confirm) -> bool:
        while True:
            answer = await self.app.ask(
                StepConfirmModal(f"{question.heading} {question.title}", question.body,
                                 confirm_label="Run it (y)", cancel_label="Don't (n)"))
            if answer or await self._stop(f"{question.title} is not run."):
                return bool(answer)

    async def manual(self, question: q.Manual) -> q.ManualAnswer | None:
        if question.clipboard:  # to post by hand: the message is on the clipboard
            self.app.copy_to_clipboard(question.clipboard)
        while True:
            answer = await self.app.ask(ManualModal(question.title, question.instructions))
            if answer is not None or await self._stop(f"{question.title} is not done."):
                return answer

    async def gate(self, question: q.Gate) -> q.GateAnswer | None:
        while True:
            answer = await self.app.ask(GateModal(question.title, question.results))
            if answer is not None or await self._stop(f"{question.title}: no decision."):
                return answer

    async def failed(self, question: q.Failure) -> q.FailureAnswer | None:
        while True:
            answer = await self.app.ask(FailureModal(question.title, question.message))
            if (answer is not None and answer.action != "abort") or await self._stop(
                    f"{question.title} failed and is not retried."):
                return answer

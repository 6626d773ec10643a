"""The engine's questions, asked on screen: each question becomes its dialog, and the dialog's
answer goes back to the run that asked (from the playbook worker, which waits)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cockpit.steps import questions as q
from screens.modals import ConfirmModal
from screens.questions import FailureModal, GateModal, ManualModal

if TYPE_CHECKING:
    from textual.app import App


class UiInteraction:
    def __init__(self, app: App[int]) -> None:
        self.app = app

    async def confirm(self, question: q.Confirm) -> bool:
        answer = await self.app.push_screen_wait(
            ConfirmModal(f"{question.heading} {question.title}", question.body))
        return bool(answer)

    async def manual(self, question: q.Manual) -> q.ManualAnswer | None:
        if question.clipboard:  # to post by hand: the message is on the clipboard
            self.app.copy_to_clipboard(question.clipboard)
        return await self.app.push_screen_wait(ManualModal(question.title, question.instructions))

    async def gate(self, question: q.Gate) -> q.GateAnswer | None:
        return await self.app.push_screen_wait(GateModal(question.title, question.results))

    async def failed(self, question: q.Failure) -> q.FailureAnswer | None:
        return await self.app.push_screen_wait(FailureModal(question.title, question.message))

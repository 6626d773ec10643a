"""Questions the running playbooks wait on, kept out of the way until the operator takes one up.

A running step's question (a manual step, a gate, a confirmation, what to do after a failure)
opens no dialog by itself: it waits here, a toast says so once, the header says so on every
screen, and the run's item says what it waits for. `w` (or enter on the item) opens it; escape
puts it back. Meanwhile the operator switches modes, reads logs, starts an emergency playbook:
a P0 stays open while its hotfix runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from textual.screen import Screen
from textual.worker import Worker

from cockpit.app.host import Host


@dataclass(eq=False)
class Question:
    playbook: str
    title: str
    dialog: Callable[[], Screen[Any]]
    answer: asyncio.Future[Any] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future())
    open: bool = False
    shown: Screen[Any] | None = None
    """Its dialog while on screen (closed if the run stops waiting: cancelled, ended)."""
    asking: Worker[None] | None = None
    """The worker showing it (cancelled if the run stops waiting before it is on screen)."""


class Waiting:
    def __init__(self, app: Host) -> None:
        self.app = app
        self.questions: list[Question] = []

    def playbooks(self) -> list[str]:
        return [q.playbook for q in self.questions]

    async def wait(self, playbook: str, title: str, dialog: Callable[[], Screen[Any]], *,
                   now: bool = False) -> Any:
        """Wait until the operator answers; `now`: open it at once (the operator is on it)."""
        question = Question(playbook, title, dialog)
        self.questions.append(question)
        if now:
            self._open(question)
        else:
            self.app.notify(f"{title}: press w to answer", title=f"{playbook} waits for you",
                            timeout=8)
        try:
            return await question.answer
        finally:
            self.questions.remove(question)
            if question.shown is not None and question.shown.is_current:
                question.shown.dismiss(None)  # moot: the run no longer waits for it
            elif question.asking is not None:
                question.asking.cancel()  # still waiting its turn: never shown

    def take(self, playbook: str | None = None) -> bool:
        """Open the question `playbook` waits on (None: the one waiting longest); False when
        there is none."""
        for question in self.questions:
            if playbook in {None, question.playbook} and not question.answer.done():
                if not question.open:
                    self._open(question)
                return True
        return False

    def _open(self, question: Question) -> None:
        question.open = True
        question.asking = self.app.run_worker(self._ask(question), group="question",
                                              exit_on_error=False)

    async def _ask(self, question: Question) -> None:
        dialog = question.shown = question.dialog()
        try:
            answer = await self.app.ask(dialog)
            if not getattr(dialog, "later", False) and not question.answer.done():
                question.answer.set_result(answer)
        finally:
            question.open, question.shown = False, None

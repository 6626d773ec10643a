"""The failed-step question: retry, skip with a note, or abort."""

from __future__ import annotations

from textual.app import App
from textual.widgets import Input, Static

from cockpit.steps.questions import FailureAnswer
from screens.questions import FailureModal


class Host(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.answers: list[FailureAnswer | None] = []

    def on_mount(self) -> None:
        self.ask()

    def ask(self) -> None:
        self.push_screen(FailureModal("Push the tag", "exit code 128 (expected 0)"),
                         self.answers.append)


async def test_skip_needs_a_note_retry_and_abort_answer_at_once() -> None:
    app = Host()
    async with app.run_test() as pilot:
        await pilot.pause(0.5)  # a dialog takes keys once it has settled
        modal = app.screen
        assert isinstance(modal, FailureModal) and modal.settled
        await pilot.press("ctrl+s")  # skip, without saying why: refused, nothing answered
        await pilot.pause()
        assert app.screen is modal and app.answers == []
        assert "say why" in str(modal.query_one("#failure-error", Static).render())
        modal.query_one("#failure-note", Input).value = "tag pushed by hand"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.answers == [FailureAnswer("skip", "tag pushed by hand")]
        app.ask()
        await pilot.pause(0.5)
        await pilot.press("ctrl+r")
        await pilot.pause()
        app.ask()
        await pilot.pause(0.5)
        later = app.screen
        await pilot.press("escape")  # escape closes it for later: no answer, the run waits
        await pilot.pause()
        assert not isinstance(app.screen, FailureModal) and later.later  # type: ignore[attr-defined]
        app.ask()
        await pilot.pause(0.5)
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert app.answers[1:] == [FailureAnswer("retry", ""), None,
                                   FailureAnswer("abort", "")]

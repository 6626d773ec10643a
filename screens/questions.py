"""The running steps' questions, as dialogs: finish a manual step, decide a gate, and say what
to do with a step that failed. Each answers with the engine's answer types."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Literal, TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, Static

from cockpit.steps.checks import CheckResult
from cockpit.steps.questions import FailureAnswer, GateAnswer, ManualAnswer
from screens.modals import DialogBody, Modal, StepConfirmModal, foot, later

T = TypeVar("T")


def _question(title: str, body: str, note_label: str, note_id: str) -> ComposeResult:
    """What every question with a note starts with: the title, then (scrolling between the
    title and the buttons) what it is about and the note."""
    yield Label(title, classes="modal-title")
    with DialogBody(classes="modal-scroll"):
        yield Static(Text(body), classes="modal-body")
        yield Label(note_label, classes="field-label")
        yield Input(id=note_id)


class _RunQuestion(Modal[T]):
    """A running step's question: escape closes it unanswered and the run keeps waiting for
    it (`w` takes it up again); stopping a run is explicit, and asked again."""

    BINDINGS = [Binding("escape", "cancel", "Later", id="question-later",
                        tooltip="Close it: the run keeps waiting (w answers)")]

    def action_cancel(self) -> None:
        later(self)


class ManualModal(_RunQuestion[ManualAnswer | None]):
    """A manual step: the operator does it, then says done (or not) with a note."""

    BINDINGS = [Binding("ctrl+y", "answer(True)", "Done", id="manual-done",
                        tooltip="Done (enter in the note does the same)"),
                Binding("ctrl+n", "answer(False)", "Not done", id="manual-not-done",
                        tooltip="Not done: the step fails, with your note"),
                Binding("ctrl+t", "stop", "Stop the run", id="manual-stop",
                        tooltip="Stop the run here (asked again; resume later)")]

    def __init__(self, title: str, instructions: str,
                 fresh: Callable[[], Awaitable[str]] | None = None,
                 heading: str = "Manual step") -> None:
        super().__init__()
        self.title_text = title
        self.heading = heading
        self.instructions = instructions
        self.fresh = fresh

    def on_mount(self) -> None:  # Modal's on_mount runs too
        if self.fresh is not None:
            self.run_worker(self._show_fresh(self.fresh), exit_on_error=False)

    async def _show_fresh(self, fresh: Callable[[], Awaitable[str]]) -> None:
        """What the step shows, read now (the operator may have committed since it asked)."""
        self.instructions += await fresh()
        self.query_one(".modal-body", Static).update(Text(self.instructions))

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield from _question(f"{self.heading}: {self.title_text}",
                                 self.instructions or self.title_text, "note (optional)",
                                 "manual-note")
            with Horizontal(classes="modal-buttons"):
                yield Button("Stop the run (^t)", id="stop")
                yield Button("Not done (^n)", variant="error", id="fail")
                yield Button("Done (enter)", variant="success", id="done")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "stop":
            self.dismiss(None)
        else:
            self.action_answer(event.button.id == "done")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_answer(True)

    def action_answer(self, done: bool) -> None:
        self.dismiss(ManualAnswer(done, self.query_one("#manual-note", Input).value))

    def action_stop(self) -> None:
        self.dismiss(None)


class FailureModal(_RunQuestion[FailureAnswer | None]):
    """A step failed: run it again, skip it (a note says why), or stop the playbook."""

    BINDINGS = [Binding("ctrl+r", "answer('retry')", "Retry", id="failure-retry",
                        tooltip="Run the step again"),
                Binding("ctrl+s", "answer('skip')", "Skip", id="failure-skip",
                        tooltip="Go on without it: the note says why (required)"),
                Binding("ctrl+t", "answer('abort')", "Abort", id="failure-abort",
                        tooltip="Stop the run here (asked again)")]

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.title_text = title
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield from _question(f"Step failed: {self.title_text}", self.message,
                                 "note (needed to skip)", "failure-note")
            yield foot("failure-error", Button("Abort (^t)", id="abort"),
                       Button("Skip (^s)", variant="warning", id="skip"),
                       Button("Retry (^r)", variant="primary", id="retry"))

    def focus_first(self) -> None:
        self.query_one("#failure-note", Input).focus()  # typing goes to the note

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_answer(str(event.button.id))

    def action_answer(self, action: str) -> None:
        note = self.query_one("#failure-note", Input).value.strip()
        if action == "skip" and not note:
            self.query_one("#failure-error", Static).update(
                "say why it is safe to go on without this step")
            self.query_one("#failure-note", Input).focus()
            return
        self.dismiss(FailureAnswer(action, note))  # type: ignore[arg-type]


class GateModal(_RunQuestion[GateAnswer | None]):
    """Automated results, manual checks to tick, and the GO/NO-GO decision with a rationale."""

    def __init__(self, title: str, results: list[CheckResult]) -> None:
        super().__init__()
        self.title_text = title
        self.results = results

    def compose(self) -> ComposeResult:
        failed = sum(1 for r in self.results if r.ok is False)
        with Vertical(classes="modal-box"):
            yield Label(f"GO/NO-GO: {self.title_text}", classes="modal-title")
            with DialogBody(classes="modal-scroll"):
                with Vertical(classes="modal-body"):
                    for index, result in enumerate(self.results):
                        if result.ok is None:
                            with Horizontal(classes="manual-check"):
                                yield Checkbox(result.title, id=f"tick-{index}")
                                yield Input(placeholder="note", id=f"note-{index}")
                        else:
                            mark = ("PASS", "green") if result.ok else ("FAIL", "bold red")
                            yield Static(Text.assemble((f"{mark[0]} ", mark[1]), result.title,
                                                       (f"  {result.summary}", "dim")),
                                         id=f"result-{index}")
                            if result.kind == "pii-scan" and result.detail:
                                yield Static(Text(result.detail, style="dim"))
                if failed:
                    yield Static(Text(f"{failed} automated check(s) failed: a GO will be recorded "
                                      "with that fact.", style="bold red"))
                yield Label("rationale (required)", classes="field-label")
                yield Input(id="rationale", placeholder="why GO, or what blocks")
            yield foot("gate-error", Button("Stop the run", id="cancel"),
                       Button("NO-GO", variant="error", id="no-go"),
                       Button("GO", variant="success", id="go"))

    DEFAULT_CSS = Modal.DEFAULT_CSS + """
    .manual-check { height: auto; }
    .manual-check Checkbox { width: 1fr; }
    .manual-check Input { width: 40; }
    """

    def focus_first(self) -> None:
        """The first thing to do: a manual check to tick, else the rationale."""
        boxes = self.query(Checkbox)
        (boxes.first() if boxes else self.query_one("#rationale", Input)).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss(None)
            return
        rationale = self.query_one("#rationale", Input).value.strip()
        if not rationale:
            self.query_one("#gate-error", Static).update("a decision needs a rationale")
            return
        ticks = [(self.query_one(f"#tick-{i}", Checkbox).value,
                  self.query_one(f"#note-{i}", Input).value)
                 for i, r in enumerate(self.results) if r.ok is None]
        decision: Literal["GO", "NO-GO"] = "GO" if event.button.id == "go" else "NO-GO"
        self.dismiss(GateAnswer(decision, rationale, ticks))


class PostConfirmModal(StepConfirmModal):
    """A post, shown exactly as it goes out: `y` posts it, `c` copies it (to paste somewhere
    by hand as well; the question stays open), `n` does not post it."""

    BINDINGS = [*StepConfirmModal.BINDINGS,
                Binding("c", "copy_message", "Copy", id="post-copy",
                        tooltip="Copy the message to the clipboard (OSC 52); still asked")]

    def __init__(self, title: str, body: str, message: str) -> None:
        super().__init__(title, body + "\n\n(c copies the message)", confirm_label="Post it (y)",
                         cancel_label="Don't (n)")
        self.message = message

    def action_copy_message(self) -> None:
        self.app.copy_to_clipboard(self.message)
        self.app.notify(f"copied: {len(self.message)} characters (where the terminal allows: "
                        "OSC 52; tmux needs set-clipboard on)", timeout=5)

"""Modal dialogs: each returns its answer through `dismiss`, nothing else.

The base every dialog shares, and the operator's own questions (confirm, parameters,
resolve an interrupted step, an override's rationale); the running steps' questions are in
`screens.questions`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Generic, TypeVar

from rich.console import RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from cockpit.params import ParamSpec
from cockpit.steps.registry import Step

MODAL_CSS = """
.modal-box { width: 110; max-width: 95%; height: auto; max-height: 90%;
             border: thick $accent; background: $surface; padding: 1 2; }
.modal-title { dock: top; width: 100%; text-style: bold; margin-bottom: 1; }
.modal-scroll { height: auto; max-height: 1fr; }
.modal-body { height: auto; border: round $panel-lighten-2; padding: 0 1; }
.modal-buttons { dock: bottom; height: auto; margin-top: 1; align-horizontal: right; }
.modal-buttons Button { margin-left: 1; min-width: 10; }
.modal-error { color: $error; height: auto; max-height: 6; }
.modal-foot { dock: bottom; height: auto; }  .modal-foot .modal-buttons { dock: none; }
.field-label { margin-top: 1; width: 100%; }  /* a long hint wraps, never cut off */
"""
"""The title and the buttons (with the error above them: `foot`) are docked to the box: at any
size they show, and what lies between (`.modal-scroll`: the body, the fields) scrolls."""


def foot(error_id: str, *buttons: Button) -> Vertical:
    """A dialog's error above its buttons, docked: both in view however long its fields."""
    return Vertical(Static("", classes="modal-error", id=error_id),
                    Horizontal(*buttons, classes="modal-buttons"), classes="modal-foot")


class DialogBody(VerticalScroll, can_focus=False):
    """The scrolling part of a dialog with fields: the keys go to the fields, and focusing
    one scrolls it into view."""


T = TypeVar("T")
SETTLE = 0.4
"""Seconds a dialog takes no key after it appears: a key meant for the dialog before it (or
for the screen under it) never answers it."""


class Modal(ModalScreen[T], Generic[T]):
    """A dialog: one at a time (the app queues them), deaf for SETTLE seconds after it
    appears, then the keys go to its first field or button."""

    DEFAULT_CSS = "Modal { align: center middle; }" + MODAL_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="modal-cancel",
                        tooltip="Close without answering")]
    AUTO_FOCUS = ""  # nothing takes keys until the dialog has settled
    settled = False
    _answered = False
    later = False
    """Closed without an answer, to be taken up again (a running step's question: escape)."""

    def on_mount(self) -> None:
        self.set_timer(SETTLE, self._settle)

    def _settle(self) -> None:
        self.settled = True
        self.focus_first()
        self.refresh_bindings()

    def focus_first(self) -> None:
        """Where the keys go once the dialog has settled: its first field or button."""
        chain = self.focus_chain
        if chain:
            chain[0].focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.settled

    def dismiss(self, result: T | None = None) -> AwaitComplete:
        """Answer once, and only while on top: Textual's dismiss pops whatever screen is on
        top, so a key pressed twice would otherwise answer the dialog that came next."""
        if self._answered or not self.is_current:
            return AwaitComplete()
        self._answered = True
        return super().dismiss(result)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmModal(Modal[bool]):
    """Shows exactly what will happen (a command, a diff, a plan) and asks. `still_needed`
    (asked twice a second): a question events have made moot closes itself, unanswered."""

    BINDINGS = [Binding("y", "answer(True)", "Yes", id="confirm-yes",
                        tooltip="Yes: what is shown"),
                Binding("n,escape", "answer(False)", "No", id="confirm-no",
                        tooltip="No")]

    def __init__(self, title: str, body: str, *, confirm_label: str = "Run it (y)",
                 cancel_label: str | None = "Cancel (n)",
                 still_needed: Callable[[], bool] | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.confirm_label = confirm_label
        self.cancel_label = cancel_label
        self.still_needed = still_needed

    def on_mount(self) -> None:  # Modal's on_mount runs too (Textual calls each class's)
        if self.still_needed is not None:
            self.set_interval(0.5, self._check_needed)

    def _check_needed(self) -> None:
        if self.still_needed is not None and not self.still_needed():
            self.dismiss(None)  # moot: neither yes nor no

    def compose(self) -> ComposeResult:
        renderable: RenderableType = Text(self.body)
        if self.body.startswith("---"):
            from rich.syntax import Syntax  # pygments costs ~45 ms: only when a diff shows

            renderable = Syntax(self.body, "diff", theme="ansi_dark", word_wrap=True)
        with Vertical(classes="modal-box"):
            yield Label(self.title_text, classes="modal-title")
            with VerticalScroll(classes="modal-body modal-scroll"):
                yield Static(renderable, id="confirm-body")
            with Horizontal(classes="modal-buttons"):
                if self.cancel_label:
                    yield Button(self.cancel_label, id="no")
                yield Button(self.confirm_label, variant="warning", id="yes")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(False)


class ParamsModal(Modal[dict[str, str] | None]):
    """Asks for a playbook's parameters, pre-filled; validation errors are shown in place."""

    def __init__(self, title: str, specs: Mapping[str, ParamSpec], defaults: Mapping[str, str],
                 validate: Callable[[dict[str, str]], Awaitable[list[str]]]) -> None:
        super().__init__()
        self.title_text, self.specs, self.defaults = title, specs, defaults
        self.validate = validate

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Label(self.title_text, classes="modal-title")
            with DialogBody(classes="modal-scroll"):
                for name, spec in self.specs.items():
                    hint = f" ({spec.type})" + (f": {spec.description}" if spec.description
                                                else "")
                    yield Label(f"{name}{hint}", classes="field-label")
                    yield Input(self.defaults.get(name, ""), id=f"param-{name}",
                                placeholder="required" if spec.required else "optional")
            yield foot("params-error", Button("Cancel", id="cancel"),
                       Button("Continue (enter)", variant="primary", id="ok"))

    def _values(self) -> dict[str, str]:
        return {name: self.query_one(f"#param-{name}", Input).value for name in self.specs}

    async def _submit(self) -> None:
        values = self._values()
        errors = await self.validate(values)  # reads the repository: off the UI thread
        if errors:
            self.query_one("#params-error", Static).update("\n".join(errors))
            return
        self.dismiss(values)

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        await self._submit()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#params-error", Static).update("")  # the next enter checks again

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            await self._submit()
        else:
            self.dismiss(None)


class ResolveModal(Modal[tuple[str, str] | None]):
    """An interrupted step: re-run it (its probe first), mark it done, or skip it."""

    def __init__(self, playbook: str, step: Step | None, step_id: str, command: str) -> None:
        super().__init__()
        self.playbook = playbook
        self.step = step
        self.step_id = step_id
        self.command = command

    def compose(self) -> ComposeResult:
        title = self.step.title if self.step else self.step_id
        probe = " (its idempotency probe runs first)" if self.step and self.step.skip_if else ""
        with Vertical(classes="modal-box"):
            yield Label(f"Interrupted: {self.playbook} / {title}", classes="modal-title")
            with DialogBody(classes="modal-scroll"):
                yield Static(Text("The cockpit stopped while this step was running. Its effect "
                                  f"may or may not have happened.\nRe-run it{probe}, mark it "
                                  "done, or skip it; the run then continues.\n\n"
                                  + self.command), classes="modal-body")
                yield Label("note (required to mark done or skip)", classes="field-label")
                yield Input(id="resolve-note")
            yield foot("resolve-error", Button("Later", id="later"), Button("Skip", id="skip"),
                       Button("Mark done", id="done"),
                       Button("Re-run", variant="primary", id="rerun"))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        action = event.button.id or "later"
        if action == "later":
            self.dismiss(None)
            return
        note = self.query_one("#resolve-note", Input).value.strip()
        if action in {"done", "skip"} and not note:
            self.query_one("#resolve-error", Static).update("say why in a note")
            return
        self.dismiss((action, note))


class TextModal(Modal[str | None]):
    """One required line of text (an override's rationale)."""

    def __init__(self, title: str, prompt: str) -> None:
        super().__init__()
        self.title_text, self.prompt = title, prompt

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Label(self.title_text, classes="modal-title")
            with DialogBody(classes="modal-scroll"):
                yield Label(self.prompt, classes="field-label")
                yield Input(id="text-value")
            with Horizontal(classes="modal-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Record", variant="warning", id="ok")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value.strip())

    def on_button_pressed(self, event: Button.Pressed) -> None:
        value = self.query_one("#text-value", Input).value.strip()
        if event.button.id == "ok" and value:
            self.dismiss(value)
        elif event.button.id == "cancel":
            self.dismiss(None)


class StepConfirmModal(ConfirmModal):
    """A running step asks before it does something that cannot be taken back. Escape puts
    the question back (the run keeps waiting for it); "no" stops the run, so it is asked
    again (`StopRunModal`)."""

    BINDINGS = [Binding("y", "answer(True)", "Run it", id="step-yes",
                        tooltip="Run exactly what is shown"),
                Binding("n", "answer(False)", "Don't", id="step-no",
                        tooltip="Do not run it (the run stops here: asked again)"),
                Binding("escape", "later", "Later", id="step-later",
                        tooltip="Close it: the run keeps waiting (w answers)")]

    def action_later(self) -> None:
        later(self)


class StopRunModal(ConfirmModal):
    """Stopping a run is never a side effect of a key meant for something else."""

    BINDINGS = [Binding("s", "answer(True)", "Stop the run", id="stop-run",
                        tooltip="Stop the run here; it is journaled as aborted"),
                Binding("b,escape", "answer(False)", "Back", id="stop-back",
                        tooltip="Back to the question")]

    def __init__(self, what: str) -> None:
        super().__init__("Stop the run here?", f"{what}\n\nThe run ends here, journaled as "
                         "aborted; run its item again later to go on.",
                         confirm_label="Stop the run (s)", cancel_label="Back (b)")


def later(dialog: Modal[T]) -> None:
    """Close a running step's question unanswered: the run keeps waiting for it."""
    if dialog.is_current and not dialog.later:
        dialog.later = True
        dialog.dismiss(None)

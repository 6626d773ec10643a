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
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from cockpit.params import ParamSpec
from cockpit.steps.registry import Step

MODAL_CSS = """
.modal-box { width: 110; max-width: 95%; height: auto; max-height: 90%;
             border: thick $accent; background: $surface; padding: 1 2; }
.modal-title { text-style: bold; margin-bottom: 1; }
.modal-body { height: auto; max-height: 30; border: round $panel-lighten-2; padding: 0 1; }
.modal-buttons { height: auto; margin-top: 1; align-horizontal: right; }
.modal-buttons Button { margin-left: 2; }
.modal-error { color: $error; height: auto; }
.field-label { margin-top: 1; }
"""


T = TypeVar("T")


class Modal(ModalScreen[T], Generic[T]):
    DEFAULT_CSS = "Modal { align: center middle; }" + MODAL_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="modal-cancel",
                        tooltip="Close without answering")]

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmModal(Modal[bool]):
    """Shows exactly what will run (a command or a diff) and asks before running it."""

    BINDINGS = [Binding("y", "answer(True)", "Run it", id="confirm-yes",
                        tooltip="Run exactly what is shown"),
                Binding("n,escape", "answer(False)", "Cancel", id="confirm-no",
                        tooltip="Do not run it")]

    def __init__(self, title: str, body: str, *, confirm_label: str = "Run it (y)",
                 cancel_label: str | None = "Cancel (n)") -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.confirm_label = confirm_label
        self.cancel_label = cancel_label

    def compose(self) -> ComposeResult:
        renderable: RenderableType = Text(self.body)
        if self.body.startswith("---"):
            from rich.syntax import Syntax  # pygments costs ~45 ms: only when a diff shows

            renderable = Syntax(self.body, "diff", theme="ansi_dark", word_wrap=True)
        with Vertical(classes="modal-box"):
            yield Label(self.title_text, classes="modal-title")
            with VerticalScroll(classes="modal-body"):
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
        self.title_text = title
        self.specs = specs
        self.defaults = defaults
        self.validate = validate

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Label(self.title_text, classes="modal-title")
            for name, spec in self.specs.items():
                hint = f" ({spec.type})" + (f": {spec.description}" if spec.description else "")
                yield Label(f"{name}{hint}", classes="field-label")
                yield Input(self.defaults.get(name, ""), id=f"param-{name}",
                            placeholder="required" if spec.required else "optional")
            yield Static("", classes="modal-error", id="params-error")
            with Horizontal(classes="modal-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Continue (enter)", variant="primary", id="ok")

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
            yield Static(Text("The cockpit stopped while this step was running. Its effect may "
                              f"or may not have happened.\nRe-run it{probe}, mark it done, or "
                              "skip it; the run then continues.\n\n" + self.command),
                         classes="modal-body")
            yield Label("note (required to mark done or skip)", classes="field-label")
            yield Input(id="resolve-note")
            yield Static("", classes="modal-error", id="resolve-error")
            with Horizontal(classes="modal-buttons"):
                yield Button("Later", id="later")
                yield Button("Skip", id="skip")
                yield Button("Mark done", id="done")
                yield Button("Re-run", variant="primary", id="rerun")

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
        self.title_text = title
        self.prompt = prompt

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Label(self.title_text, classes="modal-title")
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

"""Modal dialogs: each returns its answer through `dismiss`, nothing else.

The engine's questions (confirm a destructive step, finish a manual step, decide a gate,
resolve an interrupted step) and the operator's own (parameters, override rationale).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Generic, Literal, TypeVar

from rich.console import RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static

from cockpit.params import ParamSpec
from cockpit.steps.checks import CheckResult
from cockpit.steps.questions import FailureAnswer, GateAnswer, ManualAnswer
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


class _Modal(ModalScreen[T], Generic[T]):
    DEFAULT_CSS = "_Modal { align: center middle; }" + MODAL_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="modal-cancel",
                        tooltip="Close without answering")]

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmModal(_Modal[bool]):
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


class ParamsModal(_Modal[dict[str, str] | None]):
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


def _question(title: str, body: str, note_label: str, note_id: str) -> ComposeResult:
    """What every question with a note starts with: the title, what it is about, the note."""
    yield Label(title, classes="modal-title")
    yield Static(Text(body), classes="modal-body")
    yield Label(note_label, classes="field-label")
    yield Input(id=note_id)


class ManualModal(_Modal[ManualAnswer | None]):
    """A manual step: the operator does it, then says done (or not) with a note."""

    BINDINGS = [Binding("ctrl+d", "answer(True)", "Done", id="manual-done",
                        tooltip="Done (enter in the note does the same)"),
                Binding("ctrl+n", "answer(False)", "Not done", id="manual-not-done",
                        tooltip="Not done: the step fails, with your note"),
                Binding("escape", "stop", "Stop here", id="manual-stop",
                        tooltip="Stop the playbook here (resume later)")]

    def __init__(self, title: str, instructions: str) -> None:
        super().__init__()
        self.title_text = title
        self.instructions = instructions

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield from _question(f"Manual step: {self.title_text}",
                                 self.instructions or self.title_text, "note (optional)",
                                 "manual-note")
            with Horizontal(classes="modal-buttons"):
                yield Button("Stop here (esc)", id="stop")
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


class FailureModal(_Modal[FailureAnswer | None]):
    """A step failed: run it again, skip it (a note says why), or stop the playbook."""

    BINDINGS = [Binding("ctrl+r", "answer('retry')", "Retry", id="failure-retry",
                        tooltip="Run the step again"),
                Binding("ctrl+s", "answer('skip')", "Skip", id="failure-skip",
                        tooltip="Go on without it: the note says why (required)"),
                Binding("escape", "answer('abort')", "Abort", id="failure-abort",
                        tooltip="Stop the playbook here")]

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.title_text = title
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield from _question(f"Step failed: {self.title_text}", self.message,
                                 "note (needed to skip)", "failure-note")
            yield Static("", classes="modal-error", id="failure-error")
            with Horizontal(classes="modal-buttons"):
                yield Button("Abort (esc)", id="abort")
                yield Button("Skip (^s)", variant="warning", id="skip")
                yield Button("Retry (^r)", variant="primary", id="retry")

    def on_mount(self) -> None:
        self.query_one("#failure-note", Input).focus()  # typing goes to the note at once

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


class GateModal(_Modal[GateAnswer | None]):
    """Automated results, manual checks to tick, and the GO/NO-GO decision with a rationale."""

    def __init__(self, title: str, results: list[CheckResult]) -> None:
        super().__init__()
        self.title_text = title
        self.results = results

    def compose(self) -> ComposeResult:
        failed = sum(1 for r in self.results if r.ok is False)
        with Vertical(classes="modal-box"):
            yield Label(f"GO/NO-GO: {self.title_text}", classes="modal-title")
            with VerticalScroll(classes="modal-body"):
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
            yield Static("", classes="modal-error", id="gate-error")
            with Horizontal(classes="modal-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("NO-GO", variant="error", id="no-go")
                yield Button("GO", variant="success", id="go")

    DEFAULT_CSS = _Modal.DEFAULT_CSS + """
    .manual-check { height: auto; }
    .manual-check Checkbox { width: 1fr; }
    .manual-check Input { width: 40; }
    """

    def on_mount(self) -> None:
        """Focus the first thing to do: a manual check to tick, else the rationale."""
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


class ResolveModal(_Modal[tuple[str, str] | None]):
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


class TextModal(_Modal[str | None]):
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

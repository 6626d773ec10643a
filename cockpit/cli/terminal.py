"""The headless runner's terminal: the engine's questions asked on it (when there is one) and
the journal's events printed as they happen."""

from __future__ import annotations

from typing import Literal

from rich.console import Console
from rich.prompt import Confirm, Prompt
from rich.text import Text

from cockpit.journal import events as ev
from cockpit.journal.events import StepStatus
from cockpit.journal.row import Event
from cockpit.steps import questions as q
from cockpit.steps.questions import FailureAnswer, GateAnswer, ManualAnswer, Unattended

STATUS_STYLE = {StepStatus.OK: "green", StepStatus.SKIPPED: "cyan", StepStatus.FAILED: "bold red",
                StepStatus.TIMEOUT: "bold red", StepStatus.NO_GO: "bold red",
                StepStatus.DECLINED: "yellow"}


class TerminalInteraction:
    def __init__(self, console: Console, *, assume_yes: bool, interactive: bool) -> None:
        self.console = console
        self.assume_yes = assume_yes
        self.interactive = interactive

    async def confirm(self, question: q.Confirm) -> bool:
        self.console.print(Text("  about to run:", style="bold yellow"))
        self.console.print(Text(question.body), style="yellow")
        if self.assume_yes:
            self.console.print("  confirmed by --yes")
            return True
        if not self.interactive:
            raise Unattended(question.step, "a confirmation (pass --yes, or run from a terminal)")
        return Confirm.ask("  run it?", console=self.console, default=False)

    async def manual(self, question: q.Manual) -> ManualAnswer | None:
        fresh = await question.fresh() if question.fresh is not None else ""
        self.console.print(Text(f"  {question.heading.lower()}: "
                                f"{question.instructions or question.title}{fresh}"))
        if not self.interactive:
            raise Unattended(question.step, "an operator (run it in the cockpit or a terminal)")
        done = Confirm.ask("  done?", console=self.console, default=True)
        note = Prompt.ask("  note (optional)", console=self.console, default="")
        return ManualAnswer(done, note)

    async def values(self, question: q.Values) -> dict[str, str] | None:
        self.console.print(Text(f"  {question.title}: {question.why}"))
        if not self.interactive:
            raise Unattended(question.step, f"values for {', '.join(question.names)} (give them "
                             "as parameters, or run it in the cockpit or a terminal)")
        given: dict[str, str] = {}
        for name in question.names:
            while not given.get(name, "").strip():
                given[name] = Prompt.ask(f"  {name}", console=self.console)
        return given

    async def failed(self, question: q.Failure) -> FailureAnswer | None:
        self.console.print(Text(f"  failed: {question.message}", style="bold red"))
        if not self.interactive:  # stop here; `cockpit run` again picks up where it stopped
            raise Unattended(question.step, "a decision after the failure (retry, skip, abort)")
        choice = Prompt.ask("  retry, skip or abort?", choices=["retry", "skip", "abort"],
                            default="abort", console=self.console)
        note = ""
        while choice == "skip" and not note.strip():  # a skip is on record with its reason
            note = Prompt.ask("  why is it safe to go on without it? (journaled)",
                              console=self.console)
        return FailureAnswer(choice, note)  # type: ignore[arg-type]

    async def gate(self, question: q.Gate) -> GateAnswer | None:
        ticks: list[tuple[bool, str]] = []
        for result in question.results:
            if result.ok is None:
                if not self.interactive:
                    continue
                ticked = Confirm.ask(f"  [manual] {result.title}?", console=self.console)
                ticks.append((ticked, ""))
            else:
                mark = "[green]PASS[/]" if result.ok else "[red]FAIL[/]"
                self.console.print(f"  {mark} {result.title}: {result.summary}")
        if not self.interactive:
            raise Unattended(question.step, "a GO/NO-GO decision (run it in the cockpit or a "
                             "terminal)")
        choice: Literal["GO", "NO-GO"] = "GO" if Prompt.ask(
            "  decision", choices=["GO", "NO-GO"], console=self.console) == "GO" else "NO-GO"
        rationale = Prompt.ask("  rationale", console=self.console)
        return GateAnswer(choice, rationale, ticks)


class ProgressPrinter:
    """Prints journal events as they happen: step lines, then indented output."""

    def __init__(self, console: Console, *, quiet_output: bool = False) -> None:
        self.console = console
        self.quiet_output = quiet_output
        self.steps: list[str] = []

    def __call__(self, events: list[Event]) -> None:
        for e in events:
            if e.kind == ev.Kind.OUTPUT:
                lines = e.lines()
                if lines and not self.quiet_output:  # one write per batch, not per line
                    self.console.print(Text("\n".join("  │ " + ln for ln in lines), style="dim"),
                                       highlight=False)
                continue
            self._print(e, e.payload)

    def _print(self, e: Event, payload: ev.Payload | None) -> None:
        match payload:
            case ev.RunStarted():
                self.steps = list(payload.steps)
            case ev.StepStarted():
                position = (f"[{self.steps.index(e.step) + 1}/{len(self.steps)}] "
                            if e.step in self.steps else "")
                self.console.print(Text.assemble(("▶ ", "bold"), (position, "dim"),
                                                 (payload.title or e.step or "", "bold")))
                if payload.runs:
                    self.console.print(Text(f"  $ {payload.runs}", style="dim"))
            case ev.StepRetry():
                self.console.print(f"  [yellow]retry {payload.attempt}/{payload.of}[/] after: "
                                   f"{payload.after}")
            case ev.StepFinished():
                took = f" ({payload.duration:.1f}s)" if payload.duration is not None else ""
                self.console.print(Text.assemble(
                    ("  ", ""), (payload.status.upper(), STATUS_STYLE.get(payload.status, "")),
                    (f"{took} {payload.message}".rstrip(), "")))
            case ev.DryRunStep():
                self.console.print(Text(f"▷ {e.step}", style="bold"))
                for line in payload.preview.splitlines():
                    self.console.print(Text("  " + line), highlight=False)
            case ev.GateDecision():
                self.console.print(f"  [bold]{payload.decision}[/] recorded by "
                                   f"{payload.operator}: {payload.rationale}")

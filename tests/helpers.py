"""Test helpers: a scripted operator for the engine, and playbook folders written on the fly."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cockpit.engine.engine import FailureAnswer, GateAnswer, ManualAnswer
from cockpit.journal.store import Journal
from cockpit.runbook.model import SHIPPED, Step
from cockpit.state.builds import BuildState
from cockpit.steps.checks import CheckResult


@dataclass
class ScriptedOperator:
    """Answers the engine's questions from a script and records what it was shown."""

    confirm_answers: list[bool] = field(default_factory=list)
    manual_answers: list[ManualAnswer | None] = field(default_factory=list)
    gate_answers: list[GateAnswer | None] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)
    gate_results: list[list[CheckResult]] = field(default_factory=list)
    failure_answers: list[FailureAnswer | None] = field(default_factory=list)
    """Answers when a step fails; none left: abort, as an unattended run would."""
    failures: list[str] = field(default_factory=list)

    async def confirm(self, step: Step, preview: str) -> bool:
        self.shown.append(preview)
        return self.confirm_answers.pop(0) if self.confirm_answers else True

    async def manual(self, step: Step) -> ManualAnswer | None:
        self.shown.append(step.instructions)
        return self.manual_answers.pop(0) if self.manual_answers else ManualAnswer(True)

    async def gate(self, step: Step, item: str, results: list[CheckResult]) -> GateAnswer | None:
        self.gate_results.append(results)
        return self.gate_answers.pop(0) if self.gate_answers else GateAnswer("GO", "all good")

    async def failed(self, step: Step, message: str) -> FailureAnswer | None:
        self.failures.append(f"{step.id}: {message}")
        return self.failure_answers.pop(0) if self.failure_answers else None


async def until_stage(journal: Journal, target: str, stage: str, state: str = "running",
                      timeout: float = 15) -> None:
    """Wait until a build target's stage reaches a state (as the journal says)."""
    import asyncio

    for _ in range(int(timeout / 0.05)):
        s = BuildState()
        s.apply(journal.events())
        t = s.targets.get(target)
        if t is not None and t.stages[stage].state == state:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{target} {stage} never reached {state}")


def playbook_folder(root: Path, **playbooks: str) -> Path:
    """A playbook override folder holding the given playbooks (name -> TOML text)."""
    folder = root / "playbooks-override"
    folder.mkdir(exist_ok=True)
    for name, text in playbooks.items():
        (folder / f"{name}.toml").write_text(text)
    return folder


assert SHIPPED.is_dir()

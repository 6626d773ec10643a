"""Test helpers: a scripted operator for the engine, and playbook folders written on the fly."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cockpit.checks import CheckResult
from cockpit.engine import GateAnswer, ManualAnswer
from cockpit.runbook import SHIPPED, Step


@dataclass
class ScriptedOperator:
    """Answers the engine's questions from a script and records what it was shown."""

    confirm_answers: list[bool] = field(default_factory=list)
    manual_answers: list[ManualAnswer | None] = field(default_factory=list)
    gate_answers: list[GateAnswer | None] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)
    gate_results: list[list[CheckResult]] = field(default_factory=list)

    async def confirm(self, step: Step, preview: str) -> bool:
        self.shown.append(preview)
        return self.confirm_answers.pop(0) if self.confirm_answers else True

    async def manual(self, step: Step) -> ManualAnswer | None:
        return self.manual_answers.pop(0) if self.manual_answers else ManualAnswer(True)

    async def gate(self, step: Step, item: str, results: list[CheckResult]) -> GateAnswer | None:
        self.gate_results.append(results)
        return self.gate_answers.pop(0) if self.gate_answers else GateAnswer("GO", "all good")


def playbook_folder(root: Path, **playbooks: str) -> Path:
    """A playbook override folder holding the given playbooks (name -> TOML text)."""
    folder = root / "playbooks-override"
    folder.mkdir(exist_ok=True)
    for name, text in playbooks.items():
        (folder / f"{name}.toml").write_text(text)
    return folder


assert SHIPPED.is_dir()

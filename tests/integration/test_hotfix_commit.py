"""The hotfix commits the version bump, and only it (issue 12): an unrelated edit in the work
tree was committed with `git commit -am`, then tagged, pushed, published and announced."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from cockpit.config import Config
from cockpit.engine.engine import Engine
from cockpit.journal.store import Journal
from cockpit.runbook.model import Runbook
from cockpit.steps import questions as q
from tests.conftest import needs_cargo
from tests.helpers import ScriptedOperator


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True,
                          check=True).stdout


@dataclass
class EditsOnTheSide(ScriptedOperator):
    """While the bump is confirmed, someone edits src/main.rs for something else."""

    repo: Path = Path()

    async def confirm(self, question: q.Confirm) -> bool:
        if question.step == "bump":
            with (self.repo / "src" / "main.rs").open("a") as main:
                main.write("// an unrelated experiment, not part of the hotfix\n")
        return await super().confirm(question)


@needs_cargo
@pytest.mark.usefixtures("gates_go")
async def test_the_hotfix_commits_only_the_bump_and_shows_it(config: Config, runbook: Runbook,
                                                             journal: Journal) -> None:
    repo = config.repo
    operator = EditsOnTheSide(doing={"fix": repo}, repo=repo,
                              confirm_answers=[True, True, False])  # bump, commit; not the tag
    outcome = await Engine(config, runbook, journal).run("hotfix", {"reason": "crash on start"},
                                                         operator)
    assert operator.confirmed == ["bump", "commit", "tag"], outcome
    committed = git(repo, "show", "--name-only", "--format=%s", "HEAD").split()
    assert committed[:3] == ["chore:", "Hotfix", "v1.1.0-beta.1"]
    assert "src/main.rs" not in committed and "Cargo.toml" in committed
    assert "unrelated experiment" in (repo / "src" / "main.rs").read_text()  # still there
    assert git(repo, "status", "--short", "--", "src/main.rs").strip() == "M src/main.rs"
    shown = next(text for text in operator.shown if text.startswith("$ git commit"))
    assert shown.startswith("$ git commit -m 'chore: Hotfix v1.1.0-beta.1' -- Cargo.toml "
                            "Cargo.lock\nfiles committed: Cargo.lock, Cargo.toml\n")
    assert " Cargo.toml | 2 +-\n" in shown and " 2 files changed, " in shown  # the diff stat
    assert "not committed (changed, not named): src/main.rs" in shown

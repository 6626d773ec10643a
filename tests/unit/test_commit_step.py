"""Commit steps (issue 12): exactly the named files, shown with their diff stat before they
are committed; nothing to commit is a skip (a re-run commits nothing twice); a named file git
does not track is refused."""

from __future__ import annotations

import subprocess
from pathlib import Path

from cockpit.config import Config
from cockpit.engine.engine import Engine
from cockpit.engine.preflight import preflight
from cockpit.journal.store import Journal
from cockpit.runbook.loader import load_runbook
from cockpit.steps.base import PlanContext, preview
from cockpit.steps.commit import CommitStep
from tests.helpers import ScriptedOperator, playbook_folder

PLAYBOOK = """
title = "Commit the bump"
[[steps]]
id = "commit"
kind = "commit"
title = "Commit the bump"
paths = [{paths}]
message = "chore: bump to {{release.version}}; don't `rm -rf` $HOME"
"""


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True,
                          check=True).stdout


def engine(config: Config, journal: Journal, tmp_path: Path,
           paths: str = '"Cargo.toml", "Cargo.lock"') -> Engine:
    folder = playbook_folder(tmp_path, bump=PLAYBOOK.format(paths=paths))
    return Engine(config, load_runbook(folder), journal)


def edit(config: Config) -> None:
    cargo = config.repo / "Cargo.toml"
    cargo.write_text(cargo.read_text().replace('version = "1.1.0-beta"', 'version = "1.1.1"'))
    (config.repo / "CHANGELOG.md").write_text("an unrelated edit\n")


def step(paths: list[str]) -> CommitStep:
    return CommitStep(id="commit", kind="commit", title="t", paths=paths, message="m {version}")


def test_the_plan_shows_the_command_the_files_their_stat_and_what_stays_out(
        config: Config) -> None:
    edit(config)
    plan = preview(step(["Cargo.toml", "Cargo.lock"]), PlanContext(config, {"version": "1.1.1"}))
    assert plan.splitlines()[:4] == [
        f"$ git commit -m 'm 1.1.1' -- Cargo.toml Cargo.lock    (in {config.repo})",
        "files committed: Cargo.toml",
        "named, unchanged: Cargo.lock",
        " Cargo.toml | 2 +-"]
    assert " 1 file changed, 1 insertion(+), 1 deletion(-)" in plan
    assert plan.endswith("not committed (changed, not named): CHANGELOG.md")


def test_the_plan_of_a_clean_tree_says_there_is_nothing_to_commit_yet(config: Config) -> None:
    plan = preview(step(["Cargo.toml"]), PlanContext(config, {"version": "1.1.1"}))
    assert "no change in Cargo.toml against HEAD: nothing to commit now" in plan


async def test_it_commits_only_the_named_files_then_a_rerun_skips(
        config: Config, journal: Journal, tmp_path: Path) -> None:
    edit(config)
    git(config.repo, "add", "CHANGELOG.md")  # staged, but not named: still not committed
    cockpit = engine(config, journal, tmp_path)
    operator = ScriptedOperator()
    outcome = await cockpit.run("bump", {}, operator)
    assert outcome.status == "ok"
    assert operator.confirmed == ["commit"] and "files committed: Cargo.toml" in operator.shown[0]
    assert git(config.repo, "show", "--name-only", "--format=%s", "HEAD").splitlines() == [
        "chore: bump to 1.1.0-beta; don't `rm -rf` $HOME", "", "Cargo.toml"]
    assert git(config.repo, "status", "--short") == "M  CHANGELOG.md\n"
    again = await cockpit.run("bump", {}, ScriptedOperator())
    finished = journal.events(kinds=["step_finished"], run_id=again.run_id)[-1]
    assert finished.data["status"] == "skipped"
    assert "nothing to commit: Cargo.toml, Cargo.lock have no change" in finished.data["message"]
    assert git(config.repo, "rev-list", "--count", "HEAD") == "3\n"  # one commit, not two


async def test_declined_commits_nothing(config: Config, journal: Journal, tmp_path: Path) -> None:
    edit(config)
    outcome = await engine(config, journal, tmp_path).run(
        "bump", {}, ScriptedOperator(confirm_answers=[False]))
    assert outcome.status != "ok"
    assert git(config.repo, "rev-list", "--count", "HEAD") == "2\n"


async def test_a_file_git_does_not_track_is_refused_and_found_by_check(
        config: Config, journal: Journal, tmp_path: Path) -> None:
    edit(config)
    (config.repo / "NOTES.md").write_text("new\n")
    cockpit = engine(config, journal, tmp_path, paths='"Cargo.toml", "NOTES.md"')
    operator = ScriptedOperator()
    outcome = await cockpit.run("bump", {}, operator)
    assert outcome.status == "failed" and operator.confirmed == []
    message = journal.events(kinds=["step_finished"])[-1].data["message"]
    assert message.startswith("git does not track NOTES.md: `git add` it")
    assert git(config.repo, "rev-list", "--count", "HEAD") == "2\n"
    problems = [p for p in preflight(config, cockpit.runbook) if p.field == "steps.commit.paths"]
    assert len(problems) == 1 and "NOTES.md, which git does not track" in problems[0].message

"""Launch day 09:00-11:00 and the emergency procedures, on the demo release: real git with a
bare origin, real cargo, the local forge. Every playbook re-run does nothing twice."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from cockpit.config import Config
from cockpit.engine.engine import Engine
from cockpit.journal.store import Journal
from cockpit.runbook.model import Runbook
from cockpit.steps.questions import ManualAnswer
from tests.conftest import needs_cargo
from tests.helpers import ScriptedOperator


def steps(engine: Engine, run_id: str) -> dict[str, str]:
    return {k: s.status for k, s in engine.state().runs[run_id].steps.items()}


def release(config: Config, tag: str) -> dict[str, object]:
    return json.loads((config.base / "forge" / tag / "release.json").read_text())


def git(config: Config, *args: str, repo: Path | None = None) -> str:
    return subprocess.run(["git", *args], cwd=repo or config.repo, capture_output=True,
                          text=True, check=True).stdout.strip()


def output(journal: Journal, run_id: str, step: str) -> list[str]:
    return [ln for e in journal.events(kinds=["output"], run_id=run_id) if e.step == step
            for ln in e.lines()]


@needs_cargo
@pytest.mark.usefixtures("gates_go")
async def test_launch_day_then_hotfix_then_rollback(config: Config, runbook: Runbook,
                                                    journal: Journal) -> None:
    engine = Engine(config, runbook, journal)
    tagged = await engine.run("tag-release", {}, ScriptedOperator())
    assert tagged.status == "ok"
    assert "v1.1.0-beta" in git(config, "ls-remote", "--tags", "origin")

    shipped = await engine.run("build-and-upload", {}, ScriptedOperator())
    assert shipped.status == "ok", steps(engine, shipped.run_id)
    beta = release(config, "v1.1.0-beta")
    dist = sorted(p.name for p in (config.base / "dist" / "1.1.0-beta").iterdir())
    assert not beta["draft"] and beta["prerelease"]
    assert sorted(a["name"] for a in beta["assets"]) == dist  # type: ignore[union-attr]
    assert "SHA256SUMS" in dist and any(n.endswith(".tar.gz.sha256") for n in dist)

    operator = ScriptedOperator()
    again = await engine.run("build-and-upload", {}, operator)
    assert again.status == "ok"
    assert all("already uploaded" in ln for ln in output(journal, again.run_id, "upload")[:-1])
    publish = engine.state().runs[again.run_id].steps["publish"]
    assert publish.status == "skipped" and publish.message == (
        "release v1.1.0-beta is already published")
    assert not [e for e in journal.events(kinds=["step_confirmed"], run_id=again.run_id)
                if e.step == "publish"]  # nothing to do: nothing asked

    installed = await engine.run("update-install-script", {}, ScriptedOperator())
    assert installed.status == "ok", steps(engine, installed.run_id)
    assert "caro 1.1.0-beta" in output(journal, installed.run_id, "try-it")
    assert 'VERSION="v1.1.0-beta"' in git(config, "show", "origin/main:install.sh")

    operator = ScriptedOperator(manual_answers=[ManualAnswer(True)], doing={"fix": config.repo})
    hotfix = await engine.run("hotfix", {"reason": "crash on start"}, operator,
                              plan_confirmed=True)  # H: the whole plan was confirmed
    assert hotfix.status == "ok", steps(engine, hotfix.run_id)
    # the yes to the plan covers it: only what pushes, publishes or posts asks again
    assert operator.confirmed == ["push", "publish", "install-push"]  # no webhook: the
    assert operator.asked["announce"] == 1  # announcement waits to be posted by hand
    assert operator.asked["fix"] == 2  # "done" before the fix was committed was not taken
    assert "Not done yet:\n  ✗ the fix is committed on hotfix/v1.1.0-beta.1" in operator.shown[1]
    assert "$ git log --oneline --no-decorate main..HEAD\n(nothing)" in operator.shown[1]
    assert "fix: crash on start" in git(config, "log", "--format=%s", "v1.1.0-beta.1")
    assert engine.state().runs[hotfix.run_id].params["version"] == "1.1.0-beta.1"
    fixed = release(config, "v1.1.0-beta.1")
    assert not fixed["draft"] and len(fixed["assets"]) == len(dist)  # type: ignore[arg-type]
    notes = (config.base / "forge" / "v1.1.0-beta.1" / "notes.md").read_text()
    assert "Hotfix v1.1.0-beta.1: crash on start" in notes  # the release says what it fixes
    assert 'VERSION="v1.1.0-beta.1"' in (config.repo / "install.sh").read_text()
    # users fetch the script from main: that is where the new VERSION= line is pushed
    assert 'VERSION="v1.1.0-beta.1"' in git(config, "show", "origin/main:install.sh")
    assert git(config, "branch", "--show-current").strip() == "main"
    assert 'version = "1.1.0-beta.1"' in git(config, "show",
                                             "origin/hotfix/v1.1.0-beta.1:Cargo.toml")
    assert "v1.1.0-beta.1" in git(config, "ls-remote", "--tags", "origin")
    assert steps(engine, hotfix.run_id)["latest"] == "skipped"  # a version-line release
    # the next hotfix would be .2: the tag .1 is taken
    assert engine.planner.context()["release.next_hotfix"] == "1.1.0-beta.2"

    rollback = await engine.run("rollback", {"version": "1.1.0-beta.1",
                                             "previous_version": "1.1.0-beta",
                                             "reason": "the fix broke aarch64"},
                                ScriptedOperator())
    assert rollback.status == "ok", steps(engine, rollback.run_id)
    assert release(config, "v1.1.0-beta.1")["draft"]
    assert 'VERSION="v1.1.0-beta"' in git(config, "show", "origin/main:install.sh")


@pytest.mark.usefixtures("gates_go")
async def test_latest_release_strategy_says_a_prerelease_is_not_picked_up(
        config: Config, runbook: Runbook, journal: Journal) -> None:
    latest = config.model_copy(update={"install": config.install.model_copy(
        update={"strategy": "latest-release"})})
    engine = Engine(latest, runbook, journal)
    forge = config.base / "forge"
    (forge / "v1.1.0-beta").mkdir()
    (forge / "v1.1.0-beta" / "release.json").write_text(json.dumps({
        "id": 7, "tag": "v1.1.0-beta", "draft": False, "prerelease": True, "upload_url": "",
        "url": "", "assets": []}))
    outcome = await engine.run("update-install-script", {}, ScriptedOperator())
    assert outcome.status == "failed"
    assert steps(engine, outcome.run_id)["edit"] == "skipped"
    message = journal.events(kinds=["step_finished"], run_id=outcome.run_id)[-1].data["message"]
    assert "v1.1.0-beta is a prerelease" in message and "still get v1.0.0" in message

"""A first run as a new user meets it (issue 11, "First run"): `cockpit init` in a release
repository, then `cockpit check`; the cockpit's own state never dirties the tree it checks."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import needs_cargo, needs_git
from tests.unit.test_cli import cockpit

GIT = ["git", "-c", "user.name=rm", "-c", "user.email=rm@test"]


def release_repo(root: Path) -> Path:
    """A small release repository with one commit (and an origin beside it)."""
    repo = root / "caro"
    (repo / "src").mkdir(parents=True)
    (repo / "Cargo.toml").write_text('[package]\nname = "caro"\nversion = "1.1.0"\n'
                                     'edition = "2021"\n')
    (repo / "src" / "main.rs").write_text("fn main() {}\n")
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    subprocess.run([*GIT, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*GIT, "commit", "-qm", "caro"], cwd=repo, check=True)
    return repo


def init_in(repo: Path) -> subprocess.CompletedProcess[str]:
    return cockpit("init", "--name", "caro", "--release-version", "1.1.0", "--launch",
                   "2026-01-15T08:00", cwd=repo)


def status(repo: Path) -> list[str]:
    return subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True,
                          text=True, check=True).stdout.splitlines()


@needs_git
def test_init_makes_the_local_forge_that_check_then_finds_writable(tmp_path: Path) -> None:
    repo = release_repo(tmp_path)
    out = init_in(repo)
    assert out.returncode == 0, out.stderr
    assert (repo / ".cockpit" / "forge").is_dir()
    checked = cockpit("check", cwd=repo)
    assert "Traceback" not in checked.stderr
    assert "not writable" not in checked.stdout, checked.stdout


@needs_git
def test_the_cockpits_own_state_never_dirties_the_release_tree(tmp_path: Path) -> None:
    repo = release_repo(tmp_path)
    out = init_in(repo)
    assert out.returncode == 0, out.stderr
    assert "commit cockpit.toml" in out.stdout  # init says it belongs in the repository
    assert status(repo) == ["?? cockpit.toml"]
    subprocess.run([*GIT, "add", "cockpit.toml"], cwd=repo, check=True)
    subprocess.run([*GIT, "commit", "-qm", "cockpit"], cwd=repo, check=True)
    ran = cockpit("run", "planning-gate", "--headless", "--dry-run", cwd=repo)
    assert "Traceback" not in ran.stderr
    (repo / "dist" / "1.1.0").mkdir(parents=True)
    (repo / "dist" / "1.1.0" / "caro.tar.gz").write_text("built")
    assert (repo / ".cockpit" / "journal.sqlite").exists()
    assert status(repo) == []


@needs_git
@pytest.mark.parametrize("where", ["inside", "outside"])
def test_a_hand_written_config_keeps_its_state_out_on_first_open(tmp_path: Path,
                                                                 where: str) -> None:
    repo = release_repo(tmp_path)
    base = repo if where == "inside" else tmp_path
    (base / "cockpit.toml").write_text(
        f'[release]\nname = "caro"\nversion = "1.1.0"\nrepo = "{repo}"\n'
        'launch = 2026-01-15T08:00:00\n[build]\npackage = "caro"\nbinary = "caro"\n')
    if where == "inside":
        subprocess.run([*GIT, "add", "cockpit.toml"], cwd=repo, check=True)
        subprocess.run([*GIT, "commit", "-qm", "cockpit"], cwd=repo, check=True)
    (base / ".cockpit").mkdir()
    (base / ".cockpit" / "journal.sqlite").write_text("")
    assert cockpit("playbooks", cwd=base).returncode == 0
    assert status(repo) == []
    exclude = (repo / ".git" / "info" / "exclude").read_text()
    assert ("/.cockpit/" in exclude) == (where == "inside")


def _head(repo: Path, ref: str = "HEAD") -> str:
    return subprocess.run(["git", "rev-parse", f"{ref}^{{commit}}"], cwd=repo,
                          capture_output=True, text=True, check=True).stdout.strip()


def _tagged_then_moved_on(workspace: Path) -> tuple[Path, str, str]:
    """The demo's version tagged, then a commit on top (the install script, as at 11:00)."""
    from cockpit.config import load_config
    from tests.helpers import install_script_serves

    config = load_config(workspace)
    subprocess.run([*GIT, "tag", "-a", "v1.1.0-beta", "-m", "Release"], cwd=config.repo,
                   check=True)
    install_script_serves(config, "1.1.0-beta", push=False)
    return config.repo, _head(config.repo, "v1.1.0-beta"), _head(config.repo)


@needs_cargo
def test_building_a_tagged_version_builds_its_tag_not_what_is_checked_out(
        workspace: Path) -> None:
    repo, tagged, head = _tagged_then_moved_on(workspace)
    out = cockpit("build", "--headless", "--config", str(workspace))
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"building the tag's commit {tagged[:12]} in a worktree" in out.stdout
    assert f"building commit {tagged}" in out.stdout.splitlines()
    assert _head(repo) == head and status(repo) == []  # the checkout is left as it was
    listed = subprocess.run(["git", "worktree", "list"], cwd=repo, capture_output=True,
                            text=True, check=True).stdout
    assert len(listed.splitlines()) == 1  # the tag's worktree is gone


@needs_cargo
def test_building_from_head_past_the_tag_is_explicit_and_said_loudly(workspace: Path) -> None:
    _repo, tagged, head = _tagged_then_moved_on(workspace)
    ui = cockpit("build", "--config", str(workspace))
    assert ui.returncode == 2 and f"v1.1.0-beta is tagged at {tagged[:12]}" in ui.stderr
    assert "--from-head" in ui.stderr
    out = cockpit("build", "--headless", "--from-head", "--config", str(workspace))
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"building commit {head}" in out.stdout.splitlines()
    assert "WARNING" in out.stderr and "NOT the tagged v1.1.0-beta" in out.stderr


@needs_git
def test_the_demo_without_cargo_stops_before_the_full_screen_and_says_how(
        tmp_path: Path) -> None:
    import shutil
    import sys

    git = shutil.which("git")
    assert git is not None
    bin_dir = tmp_path / "bin"  # git and python, no cargo
    bin_dir.mkdir()
    (bin_dir / "git").symlink_to(git)
    out = subprocess.run([sys.executable, "-m", "cockpit", "demo", "--workspace",
                          str(tmp_path / "ws")], capture_output=True, text=True, timeout=60,
                         stdin=subprocess.DEVNULL, env={
                             "PATH": str(bin_dir), "HOME": str(tmp_path), "TERM": "xterm",
                             "PYTHONPATH": str(Path(__file__).parents[2])})
    assert out.returncode == 1, out.stdout + out.stderr
    assert "cargo is not installed" in out.stderr
    assert "https://sh.rustup.rs" in out.stderr
    assert "\x1b[?1049h" not in out.stdout  # no alternate screen: nothing hid the message
    assert "Traceback" not in out.stderr


@needs_cargo
def test_the_demo_says_where_its_workspace_is_before_opening(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from cockpit.cli import demo

    shown: list[str] = []

    def full_screen(*_args: object, **_kwargs: object) -> int:
        shown.append(capsys.readouterr().out)  # what the terminal had when it opened
        return 0

    monkeypatch.setattr(demo, "open_ui", full_screen)
    workspace = tmp_path / "ws"
    assert demo.command(argparse.Namespace(workspace=workspace, no_ui=False)) == 0
    assert shown[0].startswith(f"demo workspace: {workspace} ")
    assert capsys.readouterr().out == f"the demo workspace stays in {workspace}\n"


@needs_cargo
async def test_the_final_gate_smoke_tests_the_binary_the_build_made(workspace: Path) -> None:
    """T-0's "Final smoke test: --version" finds the binary where `cockpit build` put it
    (target/<triple>/release), not in a target/release nobody built."""
    from cockpit.builds.matrix import BuildMatrix
    from cockpit.builds.plan import assign
    from cockpit.config import load_config
    from cockpit.engine.engine import Engine
    from cockpit.journal.store import Journal
    from cockpit.runbook.loader import load_runbook
    from tests.helpers import ScriptedOperator, decide_gates

    config, runbook = load_config(workspace), load_runbook()
    journal = Journal.controller(config.journal_path)
    try:
        decide_gates(journal, runbook, before="t0-go-no-go")
        matrix = BuildMatrix(config, journal)
        await matrix.run(assign(config))
        assert matrix.finished is not None and matrix.finished.status == "ok"
        operator = ScriptedOperator()
        await Engine(config, runbook, journal).run("final-go-no-go", {}, operator)
    finally:
        journal.close()
    smoke = operator.gate_results[0][0]
    assert smoke.title == "Final smoke test: --version"
    assert smoke.ok, smoke.summary


@needs_git
def test_the_demo_opens_on_a_launch_that_has_gone_well_so_far(tmp_path: Path) -> None:
    """Its first screen: T-7 .. the 09:00 tag done (gates GO, the tag really pushed), the
    10:00 build and upload due and not blocked; no item overdue."""
    from cockpit.clock import FrozenClock
    from cockpit.config import load_config
    from cockpit.demo.workspace import create_workspace
    from cockpit.journal.store import Journal
    from cockpit.runbook.loader import load_runbook
    from cockpit.state.gates import blocking
    from cockpit.state.launch import LaunchState
    from cockpit.state.timeline import project
    from tests.conftest import FROZEN

    clock = FrozenClock(FROZEN)
    config = load_config(create_workspace(tmp_path / "ws", clock=clock, history=True))
    runbook, state = load_runbook(), LaunchState()
    journal = Journal.readonly(config.journal_path)
    try:
        state.apply(journal.events())
    finally:
        journal.close()
    view = project(runbook, config.release.launch_at, config.release.tz, state, clock.now())
    timed = {v.slot.key: v for v in view.items if v.start is not None}
    assert [k for k, v in timed.items() if v.overdue] == []
    past = [v for v in timed.values() if v.start is not None and v.start < clock.now()]
    assert [(v.slot.key, str(v.status)) for v in past] == [
        ("t-7-planning", "GO"), ("t-6-beta-build", "GO"), ("t-5-beta-testers", "GO"),
        ("t-4-beta-testing", "GO"), ("t-1-readiness", "GO"), ("t0-go-no-go", "GO"),
        ("t0-tag", "done"), ("t0-build-upload", "due")]
    assert all(v.run is not None and v.run.operator.endswith("(demo history)") for v in past[:-1])
    assert blocking(runbook, state, "build-and-upload", config.release.gates) is None
    remote = subprocess.run(["git", "ls-remote", "--tags", "origin", "v1.1.0-beta"],
                            cwd=config.repo, capture_output=True, text=True, check=True).stdout
    assert remote.strip()  # the tag the journal says was pushed, is
    assert status(config.repo) == []

"""A first run as a new user meets it (issue 11, "First run"): `cockpit init` in a release
repository, then `cockpit check`; the cockpit's own state never dirties the tree it checks."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import needs_git
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

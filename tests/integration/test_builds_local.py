"""What a local build ships is what was committed (issue 12): the local builder builds a copy
of the commit, never the work tree, and the build record names the commit it built."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

from cockpit.builds.matrix import BuildMatrix
from cockpit.builds.plan import assign
from cockpit.config import Config, load_config
from cockpit.executors.toolchain import host_triple
from cockpit.journal.store import Journal
from cockpit.state.builds import BuildState
from tests.conftest import needs_cargo

VERSION_LINE = 'println!("caro {VERSION}");'


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                          text=True).stdout.strip()


def says(repo: Path, words: str) -> None:
    """Make the work tree's caro print `words` after its version."""
    main = repo / "src" / "main.rs"
    text = main.read_text()
    assert VERSION_LINE in text
    main.write_text(text.replace(VERSION_LINE, f'println!("caro {{VERSION}} {words}");'))


def packaged_binary(config: Config) -> bytes:
    dist = config.resolve(config.build.dist_dir) / config.release.version
    asset = dist / f"caro-v{config.release.version}-{host_triple()}.tar.gz"
    with tarfile.open(asset) as tar:
        member = tar.extractfile("caro")
        assert member is not None
        return member.read()


def state(journal: Journal) -> BuildState:
    s = BuildState()
    s.apply(journal.events())
    return s


@needs_cargo
def test_a_headless_build_with_a_dirty_tree_ships_the_commit_it_names(workspace: Path) -> None:
    """The repro: an uncommitted edit of caro/src/main.rs was built, smoke-tested and packaged
    under the clean commit's id."""
    config = load_config(workspace)
    head = git(config.repo, "rev-parse", "HEAD")
    says(config.repo, "UNCOMMITTED")
    out = subprocess.run([sys.executable, "-m", "cockpit", "build", "--headless", "--config",
                          str(workspace)], capture_output=True, text=True, env=os.environ)
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"building commit {head}" in out.stdout
    smoke = next(ln for ln in out.stdout.splitlines() if " smoke ok" in ln)
    assert smoke.endswith("caro 1.1.0-beta") and "UNCOMMITTED" not in out.stdout
    sync = next(ln for ln in out.stdout.splitlines() if " sync ok" in ln)
    assert "not built: 1 uncommitted change (src/main.rs)" in sync
    assert b"UNCOMMITTED" not in packaged_binary(config)
    export = subprocess.run([sys.executable, "-m", "cockpit", "journal", "export", "--format",
                             "md", "--config", str(workspace)], capture_output=True, text=True)
    assert f"commit {head}, started " in export.stdout
    assert "UNCOMMITTED" in (config.repo / "src" / "main.rs").read_text()  # left as it was
    assert not (config.repo / "target").exists()  # the work tree is not where it builds


@needs_cargo
async def test_local_builds_stay_incremental_and_follow_the_commit_either_way(
        config: Config, journal: Journal) -> None:
    """Nothing changed: nothing recompiled. A new commit, then back to the older one (whose
    files carry an older commit time than the last build): each build runs what it names."""
    def smoke() -> str:
        return state(journal).targets[host_triple()].stages["smoke"].detail

    first = await BuildMatrix(config, journal).run(assign(config))
    assert state(journal).targets[host_triple()].status == "ok"
    assert smoke() == "caro 1.1.0-beta"
    await BuildMatrix(config, journal).run(assign(config))
    again = state(journal).targets[host_triple()]
    assert again.status == "ok" and again.compiled == 0, again.stages["build"].detail
    older = git(config.repo, "rev-parse", "HEAD")
    says(config.repo, "second")
    git(config.repo, "commit", "-qam", "second")
    await BuildMatrix(config, journal).run(assign(config))
    assert smoke() == "caro 1.1.0-beta second"
    assert state(journal).targets[host_triple()].compiled > 0
    git(config.repo, "checkout", "-q", older)
    await BuildMatrix(config, journal).run(assign(config))
    assert smoke() == "caro 1.1.0-beta"
    started = journal.events(kinds=["build_started"])
    assert started[-1].data["commit"] == older and started[0].run_id == first


def test_check_warns_that_uncommitted_changes_are_not_part_of_the_build(workspace: Path) -> None:
    config = load_config(workspace)
    says(config.repo, "UNCOMMITTED")
    (config.repo / "notes.txt").write_text("scratch\n")
    out = subprocess.run([sys.executable, "-m", "cockpit", "check", "--config", str(workspace)],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr  # a warning, not a failure
    warning = out.stdout[out.stdout.index("warning:"):]
    assert "2 uncommitted changes" in warning and "not part of a build" in warning
    assert "src/main.rs" in warning and "notes.txt" in warning
    git(config.repo, "checkout", "src/main.rs")
    (config.repo / "notes.txt").unlink()
    clean = subprocess.run([sys.executable, "-m", "cockpit", "check", "--config", str(workspace)],
                           capture_output=True, text=True)
    assert clean.returncode == 0 and "warning:" not in clean.stdout

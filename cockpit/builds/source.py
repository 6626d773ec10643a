"""Which commit a build of the release's version builds.

A version that is tagged is built from its tag: when the release repository has another
commit checked out (the install script committed after the tag, say), the build runs in a
worktree of the tag, beside the journal, so the artifacts are the tagged release's. Building
the checked-out commit instead is an explicit choice (`cockpit build --from-head`), said
loudly.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cockpit import gitrepo
from cockpit.config import Config
from cockpit.errors import CockpitError, Problem


@dataclass(frozen=True)
class TagDrift:
    """The version's tag exists and is not what the repository has checked out."""

    tag: str
    tagged: str
    head: str

    def __str__(self) -> str:
        return (f"{self.tag} is tagged at {self.tagged[:12]}, but the release repository has "
                f"{self.head[:12]} checked out")


def tag_drift(config: Config) -> TagDrift | None:
    """The drift between the version's tag and the checked-out commit, or None (untagged,
    or the tag is what is checked out)."""
    tag = f"v{config.release.version}"
    tagged = gitrepo.tag_commit(config.repo, tag)
    head = gitrepo.head_commit(config.repo)
    if tagged is None or head is None or tagged == head:
        return None
    return TagDrift(tag, tagged, head)


@contextlib.contextmanager
def at_tag(config: Config, drift: TagDrift) -> Iterator[Config]:
    """The same release with its repository a detached worktree of the tag (removed after):
    builders build, and sync, exactly the tagged commit. Artifacts still land in the config's
    dist directory."""
    worktree = config.journal_path.parent / f"worktree-{drift.tag}"
    _git(config.repo, "worktree", "remove", "--force", str(worktree), check=False)
    _git(config.repo, "worktree", "add", "-q", "--detach", str(worktree), drift.tagged)
    try:
        yield config.model_copy(update={
            "release": config.release.model_copy(update={"repo": worktree}),
            "build": config.build.model_copy(update={"dist_dir": config.resolve(
                config.build.dist_dir)})})
    finally:
        _git(config.repo, "worktree", "remove", "--force", str(worktree), check=False)


def _git(repo: Path, *args: str, check: bool = True) -> None:
    out = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)
    if check and out.returncode != 0:
        raise CockpitError([Problem(f"git {' '.join(args)} failed: {out.stderr.strip()}",
                                    file=repo, fix="check out the tag yourself and build, or "
                                    "pass --from-head to build what is checked out")],
                           exit_code=1)

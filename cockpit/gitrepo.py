"""Every question the cockpit asks git about the release repository, in one place.

Synchronous and quick (local refs, no network except `reachable`): callers that must not
block a user interface run them on a worker thread. Each returns plain data; a repository
git cannot read answers as an empty one, and the caller says what that means.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def _git(repo: Path, *args: str, timeout: float | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False,
                          timeout=timeout, env={**os.environ, "GIT_TERMINAL_PROMPT": "0"})


def is_work_tree(repo: Path) -> bool:
    return _git(repo, "rev-parse", "--is-inside-work-tree").returncode == 0


def tags(repo: Path) -> list[str]:
    """Every tag of the repository."""
    return _git(repo, "tag", "-l").stdout.split()


def has_tag(repo: Path, tag: str) -> bool:
    return _git(repo, "rev-parse", "-q", "--verify", f"refs/tags/{tag}").returncode == 0


def version_tags(repo: Path, limit: int = 6) -> list[str]:
    """The newest `v*` tags, newest first."""
    return _git(repo, "tag", "-l", "v*", "--sort=-v:refname").stdout.split()[:limit]


def head_commit(repo: Path) -> str | None:
    """The checked-out commit, or None when there is none."""
    out = _git(repo, "rev-parse", "HEAD")
    return out.stdout.strip() if out.returncode == 0 else None


def tag_commit(repo: Path, tag: str) -> str | None:
    """The commit a tag points at (through an annotated tag), or None when there is no tag."""
    out = _git(repo, "rev-parse", "-q", "--verify", f"refs/tags/{tag}^{{commit}}")
    return out.stdout.strip() if out.returncode == 0 else None


def archive(repo: Path, commit: str) -> tuple[bytes, str]:
    """The commit's tree as a tar archive, and git's complaint ('' when it worked)."""
    out = subprocess.run(["git", "archive", "--format=tar", commit], cwd=repo,
                         capture_output=True, check=False)
    return (out.stdout, "") if out.returncode == 0 else (b"", out.stderr.decode().strip())


def changes(repo: Path) -> list[str]:
    """What is changed in the work tree, as `git status --short` says it ([] when clean or
    when git cannot say)."""
    out = _git(repo, "status", "--short")
    return out.stdout.splitlines() if out.returncode == 0 else []


def branch(repo: Path) -> str:
    """The branch checked out ('' when HEAD is detached or git cannot say)."""
    out = _git(repo, "symbolic-ref", "--short", "-q", "HEAD")
    return out.stdout.strip() if out.returncode == 0 else ""


def switch(repo: Path, name: str) -> str:
    """Check out a branch; '' when done, else what git said."""
    out = _git(repo, "switch", "-q", name)
    return "" if out.returncode == 0 else (out.stderr.strip() or f"git switch {name} failed")


def served(repo: Path, branch: str, path: str) -> str | None:
    """A file as origin's `branch` serves it (as last fetched); None when it cannot say."""
    out = _git(repo, "show", f"origin/{branch}:{path}")
    return out.stdout if out.returncode == 0 else None


def origin_url(repo: Path) -> str | None:
    out = _git(repo, "remote", "get-url", "origin")
    return out.stdout.strip() if out.returncode == 0 else None


def remote_branch(repo: Path, branch: str, timeout: float = 30) -> tuple[bool, str]:
    """Whether origin answers with `branch`, and git's complaint when it does not ('' when
    origin answered without the branch). Raises subprocess.TimeoutExpired."""
    out = _git(repo, "ls-remote", "--exit-code", "origin", f"refs/heads/{branch}",
               timeout=timeout)
    return out.returncode == 0, out.stderr.strip()


def exclude(repo: Path, paths: list[Path]) -> list[str]:
    """Keep `paths` (directories inside the repository's work tree) out of `git status`:
    each is written, anchored, to `.git/info/exclude` unless a line there already names it.
    Returns the lines added ([] when there was nothing to add or git cannot say where)."""
    top = _git(repo, "rev-parse", "--show-toplevel")
    where = _git(repo, "rev-parse", "--path-format=absolute", "--git-path", "info/exclude")
    if top.returncode != 0 or where.returncode != 0:
        return []
    root, file = Path(top.stdout.strip()).resolve(), Path(where.stdout.strip())
    lines = []
    for path in paths:
        resolved = path.resolve()
        if resolved == root or not resolved.is_relative_to(root):
            continue
        lines.append(f"/{resolved.relative_to(root).as_posix()}/")
    have = file.read_text().splitlines() if file.exists() else []
    added = [line for line in dict.fromkeys(lines) if line not in have]
    if added:
        file.parent.mkdir(parents=True, exist_ok=True)
        text = "\n".join(have) + ("\n" if have else "")
        file.write_text(text + "# the cockpit's own state (cockpit.toml)\n" + "\n".join(added)
                        + "\n")
    return added


def untracked(repo: Path, paths: list[str]) -> list[str]:
    """Which of `paths` (relative to `repo`) git tracks neither in HEAD nor in the index."""
    return [p for p in paths if _git(repo, "ls-files", "--error-unmatch", "--with-tree=HEAD",
                                     "--", p).returncode != 0]


def changed_files(repo: Path, paths: list[str]) -> list[str]:
    """The files under `paths` that differ from HEAD (staged or not), as git names them."""
    out = _git(repo, "diff", "--name-only", "HEAD", "--", *paths)
    return out.stdout.splitlines() if out.returncode == 0 else []


def diff_stat(repo: Path, paths: list[str]) -> str:
    """`git diff --stat HEAD` of exactly `paths` ('' when none of them differ)."""
    return _git(repo, "diff", "--stat", "HEAD", "--", *paths).stdout.rstrip()


def changes_besides(repo: Path, paths: list[str]) -> list[str]:
    """`git status --short` lines of every change in the work tree outside `paths`."""
    out = _git(repo, "status", "--short", "--", ":/", *(f":(exclude){p}" for p in paths))
    return out.stdout.splitlines() if out.returncode == 0 else []


def index_lock(repo: Path) -> Path | None:
    """git's lock on the index when one is there (git holds it while it writes the index; a
    git killed meanwhile leaves it, and every later git that writes the index refuses)."""
    out = _git(repo, "rev-parse", "--path-format=absolute", "--git-path", "index.lock")
    path = Path(out.stdout.strip()) if out.returncode == 0 else None
    return path if path is not None and path.exists() else None


def git_at_work(repo: Path) -> bool | None:
    """Whether a git process works in the repository now (its working directory inside it);
    None where the system cannot say (no /proc)."""
    proc = Path("/proc")
    if not (proc / "self" / "cwd").exists():
        return None
    root = repo.resolve()
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if not (entry / "comm").read_text().startswith("git"):
                continue
            if Path(os.readlink(entry / "cwd")).is_relative_to(root):
                return True
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return False

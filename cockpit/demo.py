"""`cockpit demo`: a self-contained, real release workspace.

It copies the std-only demo crate shipped inside the package into a git repository with a
bare `origin` beside it (tag v1.0.0 on the first commit, the 1.1.0-beta bump on top), makes
a local forge directory, and writes a cockpit.toml whose launch time puts "now" at 10:xx on
launch day (in a fixed-offset zone chosen for that), so the hour-by-hour schedule is live.
Everything the cockpit then shows comes from these real parts.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import tomli_w

from cockpit.clock import Clock, SystemClock
from cockpit.errors import CockpitError, Problem

CRATE = Path(__file__).resolve().parent / "demo_crate"
DEMO_VERSION = "1.1.0-beta"
PREVIOUS_VERSION = "1.0.0"


def _git(repo: Path, *args: str) -> None:
    env = {"GIT_AUTHOR_NAME": "Release Manager", "GIT_AUTHOR_EMAIL": "rm@demo.invalid",
           "GIT_COMMITTER_NAME": "Release Manager", "GIT_COMMITTER_EMAIL": "rm@demo.invalid",
           "PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(repo)}
    result = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise CockpitError([Problem(f"git {' '.join(args)} failed: {result.stderr.strip()}",
                                    file=repo, fix="check that git is installed")], exit_code=1)


def _lockfile(repo: Path) -> None:
    """Commit a Cargo.lock, so building doesn't leave the tree dirty (no-op without cargo)."""
    if shutil.which("cargo") is not None:
        subprocess.run(["cargo", "generate-lockfile", "--offline"], cwd=repo,
                       capture_output=True, check=False)


def demo_timezone(clock: Clock) -> str:
    """A fixed-offset zone in which it is 10:xx now, so the runbook's clock times line up.

    The demo's launch day then reads exactly like the runbook (09:00 tag, 10:00 build and
    upload, ...) whatever the time of day on this machine.
    """
    offset = (10 - clock.now().astimezone(UTC).hour) % 24
    if offset > 14:
        offset -= 24
    # Etc/GMT zones are named with the inverted (POSIX) sign: Etc/GMT-9 is UTC+9.
    return "UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"


def demo_launch(clock: Clock, timezone: str) -> datetime:
    """Local T-0 08:00 of the day it is 10:xx in `timezone`."""
    now = clock.now().astimezone(ZoneInfo(timezone))
    return now.replace(hour=8, minute=0, second=0, microsecond=0, tzinfo=None)


def create_workspace(workspace: Path | None = None, *, clock: Clock | None = None) -> Path:
    """Build the demo workspace and return the path of its cockpit.toml."""
    if shutil.which("git") is None:
        raise CockpitError([Problem("git is not installed", fix="apt-get install git")])
    root = Path(workspace) if workspace else Path(tempfile.mkdtemp(prefix="cockpit-demo-"))
    root.mkdir(parents=True, exist_ok=True)
    config_path = root / "cockpit.toml"
    if config_path.exists():
        return config_path  # reuse: the journal and repository carry on where they were
    repo, origin, forge = root / "caro", root / "origin.git", root / "forge"
    if repo.exists():
        raise CockpitError([Problem(f"{repo} exists but {config_path} does not",
                                    file=root, fix="use an empty or new --workspace directory")])
    shutil.copytree(CRATE, repo, ignore=shutil.ignore_patterns("target", "Cargo.lock"))
    (repo / "install.sh").chmod(0o755)
    (repo / ".gitignore").write_text("/target\n/dist\nmanual-audit-*.json\nhyperfine.json\n")
    cargo = repo / "Cargo.toml"
    released = cargo.read_text()
    cargo.write_text(released.replace(f'version = "{DEMO_VERSION}"',
                                      f'version = "{PREVIOUS_VERSION}"', 1))
    _git(root, "init", "-q", "--bare", "-b", "main", str(origin))
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.name", "Release Manager")
    _git(repo, "config", "user.email", "rm@demo.invalid")
    _lockfile(repo)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", f"caro {PREVIOUS_VERSION}")
    _git(repo, "tag", "-a", f"v{PREVIOUS_VERSION}", "-m", f"Release v{PREVIOUS_VERSION}")
    cargo.write_text(released)
    _lockfile(repo)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", f"chore(release): Bump version to {DEMO_VERSION}")
    _git(repo, "remote", "add", "origin", str(origin))
    _git(repo, "push", "-q", "origin", "main", f"v{PREVIOUS_VERSION}")
    forge.mkdir()
    clock = clock or SystemClock()
    timezone = demo_timezone(clock)
    config = {
        "release": {
            "name": "caro", "version": DEMO_VERSION, "previous_version": PREVIOUS_VERSION,
            "repo": "caro", "launch": demo_launch(clock, timezone),
            "timezone": timezone,
        },
        "build": {"package": "caro", "binary": "caro", "targets": [], "artifact": "tar.gz",
                  "max_size_mb": 50, "dist_dir": "dist"},
        "builders": [{"name": "local", "kind": "local"}],
        "forge": {"kind": "local", "path": "forge"},
        "install": {"script": "install.sh", "strategy": "version-line"},
    }
    config_path.write_text(
        "# Demo release written by `cockpit demo`: a real crate, git repository and forge.\n"
        + tomli_w.dumps(config))
    return config_path

"""The execution seam: where a build target's commands run, behind one protocol.

An executor runs a shell command (streaming its output, in its own process group), reads and
writes files, and closes. Its `workspace` says where the source, cargo's target directory and
the packaged files live on it, and what it already knows of its toolchain: the build stages
use only these, never asking which kind of executor they have.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from cockpit.config import Config
from cockpit.executors.lines import CommandResult, LineSink


@dataclass(frozen=True)
class Workspace:
    """Where a build happens on an executor (paths as the executor sees them)."""

    source: str
    """The release's source tree: the repository itself, or a copy of the commit."""
    target_dir: str
    """cargo's target directory (kept between builds: incremental)."""
    dist: str
    """Where packages and checksums are written, before they are fetched to the dist dir."""
    host: str = ""
    """The triple binaries built here run on without a runner, when known ("" : ask rustc)."""
    in_place: bool = False
    """`source` is the release repository itself: its checked-out commit, nothing to sync."""
    packaged_here: bool = False
    """`dist` is the release's dist directory itself: nothing to fetch."""


class Executor(Protocol):
    name: str

    def workspace(self, config: Config) -> Workspace: ...

    async def run(self, command: str, *, cwd: str | None = None,
                  env: Mapping[str, str] | None = None, sink: LineSink | None = None,
                  stdin: bytes | None = None, timeout: float | None = None) -> CommandResult:
        """Run shell text in its own process group; output merged and streamed to `sink`."""
        ...

    async def read_file(self, path: str) -> bytes: ...

    async def write_file(self, path: str, data: bytes) -> None: ...

    async def close(self) -> None: ...

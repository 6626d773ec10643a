"""`[[builders]]` of cockpit.toml: where each target is built. A local builder runs cargo here,
an SSH builder on a remote Linux host, a GitHub Actions builder dispatches the repository's
release workflow and takes what it built (for the targets no machine here can build: macOS,
Windows)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cockpit.tomlsource import Positive


class BuilderConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    kind: Literal["local", "ssh", "github-actions"] = "local"
    targets: list[str] = Field(default_factory=list)
    """Target triples this builder serves; a local builder with none serves the host."""
    host: str | None = None
    port: int = Field(default=22, ge=1, le=65535)
    user: str | None = None
    identity: Path | None = None
    """Private key file (relative to this file); never a key itself."""
    known_hosts: Path | None = None
    """known_hosts file checked strictly (default: ~/.ssh/known_hosts)."""
    workdir: str | None = None
    """Remote directory for sources, the kept target dir and packages (default:
    cockpit-builds/<name>, relative to the remote home)."""
    env: dict[str, str] = Field(default_factory=dict)
    """Environment for cargo, e.g. RUSTC, CARGO_TARGET_<TRIPLE>_LINKER."""
    runners: dict[str, str] = Field(default_factory=dict)
    """target -> command prefix to run its binaries for the smoke test (e.g. qemu-aarch64)."""
    max_jobs: int = Field(default=1, ge=1)

    # kind = "github-actions" (the API and token are [forge]'s, which must be github)
    workflow: str | None = None
    """The workflow's file name (release.yml) or id, in [forge] repository."""
    ref: str = "main"
    """The branch or tag the dispatch runs on."""
    inputs: dict[str, str] = Field(default_factory=dict)
    """workflow_dispatch inputs, templated ({version}, {tag}, ...)."""
    binaries: Literal["release-assets", "artifacts"] = "release-assets"
    """Where the workflow leaves each target's binary: uploaded to the release with its
    `.sha256` (as caro's release.yml does), or as the run's workflow artifact named like the
    asset (a zip holding the file, and its `.sha256` if the workflow made one)."""
    assets: dict[str, str] = Field(default_factory=dict)
    """target -> the asset the workflow uploads for it (templated; default: [build]
    artifact_name)."""
    jobs: dict[str, str] = Field(default_factory=dict)
    """target -> the job's name (default: the job whose name contains the target triple)."""
    poll: Positive = 5.0
    """Seconds between looks at a running workflow (GitHub's jobs API)."""
    timeout_minutes: Positive = 90
    """How long a run may take before its targets fail."""

    @model_validator(mode="after")
    def _kind_needs(self) -> BuilderConfig:
        if self.kind == "ssh" and not self.host:
            raise ValueError("an ssh builder needs host")
        if self.kind == "github-actions":
            if not self.workflow:
                raise ValueError("a github-actions builder needs workflow (e.g. "
                                 "workflow = \"release.yml\")")
            if not self.targets:
                raise ValueError("a github-actions builder needs targets (the triples its "
                                 "workflow builds)")
        return self

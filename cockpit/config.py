"""cockpit.toml: the release being launched, how it is built, where it is published.

Read with tomllib into frozen pydantic models; every field is documented here because this
module is the reference for the file. Relative paths are relative to the config file.
Secrets never live here: tokens come from the environment, webhooks name an env variable.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cockpit.builderconfig import BuilderConfig as BuilderConfig
from cockpit.clock import LAUNCH_MARGIN, spans
from cockpit.errors import ConfigError, Problem
from cockpit.metricsconfig import KINDS, Metrics
from cockpit.redact import register_secret
from cockpit.semver import is_semver, strip_v
from cockpit.tomlsource import Positive, field_error, line_of, read_toml, validation_problems

CONFIG_NAME = "cockpit.toml"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReleaseConfig(_Section):
    name: str
    """The product's name, as in announcements (e.g. "caro")."""
    version: str
    """The version being released, semver without the leading v (e.g. "1.1.0-beta")."""
    previous_version: str | None = None
    """The version users have today; rollback returns to it."""
    repo: Path
    """The release repository (a git work tree)."""
    branch: str = "main"
    """The branch users' install script is served from: install-script and rollback commits
    are pushed there, and hotfix branches are cut from it."""
    launch: datetime
    """Local date-time of T-0 08:00, the final GO/NO-GO (e.g. 2026-01-15T08:00:00)."""
    timezone: str = "UTC"
    """IANA timezone the launch is run in (e.g. "America/New_York")."""
    gates: Literal["block-undecided", "block-no-go"] = "block-undecided"
    """What a GO/NO-GO gate blocks until it is passed: the playbooks after it while it is
    undecided or NO-GO (block-undecided), or only while it is NO-GO (block-no-go). Going past
    either without a GO is an explicit, journaled override with a rationale."""

    @field_validator("version", "previous_version")
    @classmethod
    def _semver(cls, value: str | None) -> str | None:
        bare = None if value is None else strip_v(value)
        if bare is not None and not is_semver(bare):
            raise ValueError(
                f"{value!r} is not a semantic version (MAJOR.MINOR.PATCH[-PRE], e.g. 1.1.0-beta)"
            )
        return bare

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown timezone {value!r} (use an IANA name such as America/New_York)"
            ) from None
        return value

    @field_validator("launch")
    @classmethod
    def _naive(cls, value: datetime) -> datetime:
        if value.tzinfo is not None:
            raise ValueError("write launch as a local date-time without offset; set timezone")
        return value

    @model_validator(mode="after")
    def _countable(self) -> ReleaseConfig:
        if not spans(self.launch, self.tz, LAUNCH_MARGIN):  # the timeline would overflow
            raise field_error("launch", f"{self.launch} is too far out: the cockpit counts a "
                              "year either side of T-0, and dates run 0001-01-01 to 9999-12-31",
                              fix="write the real launch, e.g. 2026-01-15 08:00:00")
        return self

    @property
    def tz(self) -> tzinfo:
        return ZoneInfo(self.timezone)

    @property
    def launch_at(self) -> datetime:
        """T-0 as an aware datetime."""
        return self.launch.replace(tzinfo=self.tz)


class BuildConfig(_Section):
    package: str
    """The cargo package to build."""
    binary: str
    """The binary the release ships."""
    targets: list[str] = Field(default_factory=list)
    """Target triples; empty means the host."""
    profile: str = "release"
    artifact: Literal["tar.gz", "bare"] = "tar.gz"
    """Archive per target, or the bare binary (as the real caro release does)."""
    artifact_name: str = "{binary}-v{version}-{target}"
    """Template for asset names: {binary}, {version}, {target}."""
    max_size_mb: Positive = 50
    """Binary size budget; the size check fails above it."""
    dist_dir: Path = Path("dist")
    """Where artifacts land, under <dist_dir>/<version>/."""


class ForgeConfig(_Section):
    kind: Literal["github", "local"] = "local"
    repository: str | None = None
    """owner/name on the forge."""
    api_url: str = "https://api.github.com"
    """GitHub Enterprise: https://HOST/api/v3."""
    path: Path | None = None
    """For kind = "local": the forge directory."""
    priority_labels: list[str] = Field(default_factory=list)
    """Issue labels counted for announcements (e.g. ["P0", "P1", "P2", "P3"]): each fills a
    template value named after it (p0, p1, ...); `issues` is every open issue."""


class InstallConfig(_Section):
    script: Path | None = None
    """The install script, relative to the repository."""
    strategy: Literal["version-line", "latest-release"] = "version-line"


class AnnounceConfig(_Section):
    webhooks: dict[str, str] = Field(default_factory=dict)
    """name -> NAME OF AN ENVIRONMENT VARIABLE holding the webhook URL (never the URL)."""
    install_url: str = ""
    """The install script's public URL, as announcements quote it (curl -fsSL URL | sh)."""

    @field_validator("webhooks")
    @classmethod
    def _env_names(cls, value: dict[str, str]) -> dict[str, str]:
        for name, env in value.items():
            if not re.fullmatch(r"[A-Z_][A-Z0-9_]*", env):
                raise ValueError(
                    f"webhook {name!r} must name an environment variable (e.g. DISCORD_WEBHOOK), "
                    "not hold the URL: secrets never live in cockpit.toml"
                )
        return value


class JournalConfig(_Section):
    path: Path = Path(".cockpit/journal.sqlite")
    """The SQLite journal, relative to the config file."""


class Config(_Section):
    release: ReleaseConfig
    build: BuildConfig
    builders: list[BuilderConfig] = Field(default_factory=lambda: [BuilderConfig(name="local")])
    forge: ForgeConfig = Field(default_factory=ForgeConfig)
    install: InstallConfig = Field(default_factory=InstallConfig)
    announce: AnnounceConfig = Field(default_factory=AnnounceConfig)
    journal: JournalConfig = Field(default_factory=JournalConfig)
    playbooks: Path | None = None
    """A folder of playbooks overriding the shipped ones, file by file."""
    metrics: Metrics = Field(default_factory=list)
    """[[metrics]]: the launch's numbers and their sources (`cockpit.metricsconfig`)."""

    source: Path = Field(default=Path(CONFIG_NAME), exclude=True)
    """The file this config was read from (set by `load_config`)."""

    @model_validator(mode="after")
    def _actions_on_github(self) -> Config:
        for i, builder in enumerate(self.builders):
            if builder.kind == "github-actions" and self.forge.kind != "github":
                raise field_error(f"builders.{i}.kind", f"builder {builder.name} runs GitHub "
                                  "Actions, and [forge] is not github", fix="set [forge] kind "
                                  "= \"github\" with repository and api_url (the workflow's "
                                  "repository), or build these targets on a local or ssh builder")
        return self

    @property
    def base(self) -> Path:
        return self.source.resolve().parent

    def resolve(self, path: Path) -> Path:
        return path if path.is_absolute() else (self.base / path)

    @property
    def repo(self) -> Path:
        return self.resolve(self.release.repo)

    @property
    def journal_path(self) -> Path:
        return self.resolve(self.journal.path)

    def for_version(self, version: str) -> Config:
        """The same release at another version (a hotfix's build, dist directory, assets)."""
        if version == self.release.version:
            return self
        return self.model_copy(update={
            "release": self.release.model_copy(update={"version": version})})

    @property
    def release_dist(self) -> Path:
        """Where this version's files land: <dist_dir>/<version>/."""
        return self.resolve(self.build.dist_dir) / self.release.version

    @property
    def local_forge(self) -> Path:
        """For [forge] kind = "local": its directory (default .cockpit/forge)."""
        return self.resolve(self.forge.path or Path(".cockpit/forge"))

    def context(self) -> dict[str, str]:  # keys: CONTEXT_KEYS
        """Values playbooks may reference as ``{release.version}`` etc."""
        r, b = self.release, self.build
        return {
            "release.name": r.name,
            "release.version": r.version,
            "release.previous_version": r.previous_version or "",
            "release.repo": str(self.repo),
            "release.branch": r.branch,
            "release.timezone": r.timezone,
            "build.package": b.package,
            "build.binary": b.binary,
            "build.profile": b.profile,
            "build.max_size_mb": f"{b.max_size_mb:g}",
            "build.dist_dir": str(self.resolve(b.dist_dir)),
            "install.script": str(self.install.script or ""),
            "forge.repository": self.forge.repository or "",
            "install.strategy": self.install.strategy,
            "forge.downloads": self.downloads(),
        }

    def downloads(self) -> str:
        """Where release assets download from: <this>/<tag>/<asset>."""
        f = self.forge
        if f.kind == "local":
            return str(self.local_forge)
        host = re.sub(r"^(https?://)api\.github\.com.*$", r"\1github.com", f.api_url.rstrip("/"))
        host = re.sub(r"/api/v3$", "", host)
        return f"{host}/{f.repository or 'OWNER/REPO'}/releases/download"


def find_config(explicit: Path | None) -> Path:
    return explicit if explicit is not None else Path.cwd() / CONFIG_NAME


def load_config(path: Path) -> Config:
    """Read and validate cockpit.toml; raise ConfigError naming file, line and field."""
    data, text = read_toml(path, what="config")
    try:
        config = Config.model_validate({**data, "source": path})
    except ValidationError as exc:
        raise ConfigError(validation_problems(exc, file=path, text=text, tags=KINDS)) from None
    for env_name in config.announce.webhooks.values():
        if os.environ.get(env_name):
            register_secret(os.environ[env_name])  # webhook URLs are credentials
    repo = config.repo
    if not repo.is_dir():
        raise ConfigError([Problem(
            f"repository {repo} does not exist", file=path, line=line_of(text, ["release", "repo"]),
            field="release.repo",
            fix="point release.repo at the release's git work tree (relative to this file)")])
    return config


CONTEXT_KEYS = frozenset({
    "release.name", "release.version", "release.previous_version", "release.repo",
    "release.branch", "release.timezone", "build.package", "build.binary", "build.profile",
    "build.max_size_mb", "build.dist_dir", "install.script", "forge.repository",
    "install.strategy", "release.next_hotfix", "release.hours_since_launch",
    "release.days_since_launch", "forge.downloads", "operator",
    "build.host", "build.binary_path", "build.built_binary",
})
"""Every key `Config.context` provides; playbooks are checked against it when they load."""

"""The forge's contract: releases and their assets, and the protocol both forges implement.

Both implementations (GitHub's REST API over httpx, a local directory) have the same
semantics, so playbooks and tests exercise one contract: a release is created as a draft,
assets are uploaded and verified (state `uploaded`, the file's size), and only then published.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from cockpit.errors import CockpitError, Problem

PRERELEASE = re.compile(r"-(alpha|beta|rc)\b")


def is_prerelease(version: str) -> bool:
    return bool(PRERELEASE.search(version))


@dataclass(frozen=True)
class Asset:
    id: int
    name: str
    size: int
    state: str
    """uploaded, or starter when an upload died half way."""
    download_count: int = 0


@dataclass(frozen=True)
class Release:
    id: int
    tag: str
    draft: bool
    prerelease: bool
    assets: tuple[Asset, ...] = ()
    upload_url: str = ""
    url: str = ""

    def asset(self, name: str) -> Asset | None:
        return next((a for a in self.assets if a.name == name), None)

    @property
    def downloads(self) -> int:
        return sum(a.download_count for a in self.assets)


@dataclass(frozen=True)
class Issue:
    """An open issue, as the metrics' detail view lists it."""

    number: int
    title: str
    labels: tuple[str, ...] = ()
    created_at: str = ""
    """ISO 8601, as the forge wrote it ("" when it did not say)."""


@dataclass(frozen=True)
class Downloads:
    """Download counts per release and asset, and whether the forge said nothing changed."""

    releases: dict[str, dict[str, int]]
    etag: str = ""
    unchanged: bool = False
    """Every answer was a 304 (GitHub: it cost no rate budget)."""


def created_since(issues: list[Issue], since: str | None) -> list[Issue]:
    """Those created at or after `since` (an issue whose creation is unknown stays)."""
    if since is None:
        return issues
    start = datetime.fromisoformat(since)
    return [i for i in issues if not i.created_at or datetime.fromisoformat(i.created_at) >= start]


def counts_etag(releases: dict[str, dict[str, int]]) -> str:
    """A stable tag for a set of counts (the local forge's stand-in for an ETag)."""
    return hashlib.sha256(json.dumps(releases, sort_keys=True).encode()).hexdigest()[:16]


class ForgeError(CockpitError):
    """The forge refused or failed; the message says what and how to fix it."""

    def __init__(self, message: str, fix: str = "", *, retryable: bool = False,
                 conflict: bool = False, retry_after: float | None = None) -> None:
        super().__init__([Problem(message, field="forge", fix=fix or None)], exit_code=1)
        self.retryable = retryable
        """Worth another try (5xx, timeout, dropped connection)."""
        self.conflict = conflict
        """An asset of that name is already there (422 already_exists)."""
        self.retry_after = retry_after
        """Seconds the forge asked to wait (Retry-After, or until the rate limit resets)."""


class Forge(Protocol):
    @property
    def where(self) -> str:
        """Where the releases live, for messages and plans."""
        ...

    async def release(self, tag: str) -> Release | None: ...
    async def releases(self) -> list[Release]:
        """Every release, drafts included (as the token may see them)."""
        ...
    async def create_draft(self, tag: str, *, name: str, body: str,
                           prerelease: bool) -> Release: ...
    async def upload_once(self, release: Release, path: Path) -> Asset: ...
    async def delete_asset(self, release: Release, asset: Asset) -> None: ...
    async def update(self, release: Release, *, draft: bool | None = None,
                     latest: bool | None = None) -> Release: ...
    async def latest(self) -> Release | None: ...
    async def open_issues(self, labels: Sequence[str]) -> dict[str, int]:
        """Open issues (pull requests excluded): {"total": n, label: n, ...}."""
        ...
    async def open_issue_list(self, since: str | None = None) -> list[Issue]:
        """The open issues themselves (pull requests excluded), with titles and labels;
        `since`: only those created at or after that ISO 8601 time."""
        ...
    async def download_counts(self, tag: str | None) -> Downloads:
        """Each asset's download count on release `tag` (every release: None); none when
        there is no such release (yet)."""
        ...

    async def close(self) -> None: ...


def value_name(label: str) -> str:
    """The template value a priority label fills: "P0" -> p0, "priority: high" -> priority_high."""
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")

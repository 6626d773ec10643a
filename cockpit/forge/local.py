"""The local forge: releases in a directory, with GitHub's semantics (drafts, asset states,
latest). The embedded default, the demo's forge, and a forge that needs no network. Every
change it takes is appended to <path>/audit.jsonl (what, which release, when), as a hosted
forge's audit log would show it."""

from __future__ import annotations

import contextlib
import fcntl
import json
import shutil
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from cockpit.forge.model import (
    Asset,
    Downloads,
    ForgeError,
    Issue,
    Release,
    counts_etag,
    created_since,
)


class LocalForge:
    """Releases in a directory: <path>/<tag>/release.json and the asset files beside it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = f"the local forge {path}"
        self._counted: dict[str | None, str] = {}

    def _meta(self, tag: str) -> Path:
        return self.path / tag / "release.json"

    def _read(self, tag: str) -> Release | None:
        try:
            data = json.loads(self._meta(tag).read_text())
            assets = tuple(Asset(**a) for a in data.pop("assets", []))
            return Release(**data, assets=assets)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            raise ForgeError(f"{self._meta(tag)} is unreadable: {exc}",
                             "restore or delete it") from None

    def _write(self, release: Release) -> Release:
        meta = self._meta(release.tag)
        meta.parent.mkdir(parents=True, exist_ok=True)
        data = {"id": release.id, "tag": release.tag, "draft": release.draft,
                "prerelease": release.prerelease, "upload_url": release.upload_url,
                "url": release.url, "assets": [a.__dict__ for a in release.assets]}
        tmp = meta.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2) + "\n")
        tmp.replace(meta)  # atomic: a crash leaves the old or the new state, never half
        return release

    @contextlib.contextmanager
    def _changing(self) -> Iterator[None]:
        """One change at a time to a release.json (read, change, write), whichever thread or
        process makes it: the demo's downloads tick beside the cockpit's uploads."""
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def _audit(self, action: str, tag: str, **what: object) -> None:
        line = json.dumps({"action": action, "tag": tag, **what, "at": round(time.time(), 3)})
        with open(self.path / "audit.jsonl", "a") as log:
            log.write(line + "\n")

    async def release(self, tag: str) -> Release | None:
        return self._read(tag)

    async def create_draft(self, tag: str, *, name: str, body: str,
                           prerelease: bool) -> Release:
        self.path.mkdir(parents=True, exist_ok=True)
        ids = [r.id for r in self._all()]
        (self.path / tag).mkdir(parents=True, exist_ok=True)
        (self.path / tag / "notes.md").write_text(f"# {name}\n\n{body}\n")
        release = self._write(Release(max(ids, default=0) + 1, tag, True, prerelease,
                                      url=str(self.path / tag)))
        self._audit("create", tag, draft=True)
        return release

    async def upload_once(self, release: Release, path: Path) -> Asset:
        with self._changing():
            current = self._read(release.tag) or release
            if current.asset(path.name) is not None:
                raise ForgeError(f"{path.name} already exists on {release.tag} "
                                 "(already_exists)", conflict=True)
            target = self.path / release.tag / path.name
            shutil.copyfile(path, target)
            ids = [a.id for r in self._all() for a in r.assets]
            asset = Asset(max(ids, default=0) + 1, path.name, target.stat().st_size, "uploaded")
            self._write(replace(current, assets=(*current.assets, asset)))
        self._audit("upload", release.tag, asset=path.name, size=asset.size)
        return asset

    async def delete_asset(self, release: Release, asset: Asset) -> None:
        with self._changing():
            current = self._read(release.tag) or release
            (self.path / release.tag / asset.name).unlink(missing_ok=True)
            self._write(replace(current, assets=tuple(a for a in current.assets
                                                      if a.id != asset.id)))
        self._audit("delete-asset", release.tag, asset=asset.name)

    async def update(self, release: Release, *, draft: bool | None = None,
                     latest: bool | None = None) -> Release:
        with self._changing():
            current = self._read(release.tag) or release
            if draft is not None and draft != current.draft:
                current = self._write(replace(current, draft=draft))
                self._audit("unpublish" if draft else "publish", current.tag)
        if latest:
            (self.path / "LATEST").write_text(current.tag + "\n")
            self._audit("latest", current.tag)
        elif draft and self._latest_tag() == current.tag:
            (self.path / "LATEST").unlink(missing_ok=True)
        return current

    def _latest_tag(self) -> str | None:
        try:
            return (self.path / "LATEST").read_text().strip() or None
        except FileNotFoundError:
            return None

    def _all(self) -> list[Release]:
        if not self.path.is_dir():
            return []
        return [r for p in sorted(self.path.iterdir()) if p.is_dir()
                for r in [self._read(p.name)] if r is not None]

    async def releases(self) -> list[Release]:
        return self._all()

    async def latest(self) -> Release | None:
        """The release marked latest, else (as GitHub does) the newest published one."""
        tag = self._latest_tag()
        marked = self._read(tag) if tag else None
        if marked is not None and not marked.draft:
            return marked
        published = [r for r in self._all() if not r.draft and not r.prerelease]
        return max(published, key=lambda r: r.id, default=None)

    async def open_issues(self, labels: Sequence[str]) -> dict[str, int]:
        """From <path>/issues.json, a list in GitHub's issue shape; none there means none open."""
        path = self.path / "issues.json"
        try:
            items = json.loads(path.read_text())
            open_ = [i for i in items if i.get("state", "open") == "open"
                     and "pull_request" not in i]
            names = [{str(label["name"]) for label in i.get("labels", [])} for i in open_]
        except FileNotFoundError:
            names = []
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            raise ForgeError(f"{path} is not a list of issues: {exc}",
                             'each issue needs "state" and "labels": [{"name": "P0"}]') from None
        counts = {"total": len(names)}
        counts.update((label, sum(label in n for n in names)) for label in labels)
        return counts

    async def open_issue_list(self, since: str | None = None) -> list[Issue]:
        """From <path>/issues.json (number, title, labels, created_at: GitHub's shape)."""
        path = self.path / "issues.json"
        try:
            items = json.loads(path.read_text())
            found = [Issue(int(i.get("number", n)), str(i.get("title", "")),
                           tuple(str(label["name"]) for label in i.get("labels", [])),
                           str(i.get("created_at", "")))
                     for n, i in enumerate(items, 1)
                     if i.get("state", "open") == "open" and "pull_request" not in i]
            return created_since(found, since)
        except FileNotFoundError:
            return []
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            raise ForgeError(f"{path} is not a list of issues: {exc}",
                             'each issue needs "number", "title", "state" and '
                             '"labels": [{"name": "P0"}]') from None

    async def download_counts(self, tag: str | None) -> Downloads:
        """From each release.json's assets (`download_count`, 0 when not written)."""
        releases = [r for r in self._all() if tag is None or r.tag == tag]
        counts = {r.tag: {a.name: a.download_count for a in r.assets} for r in releases}
        etag = counts_etag(counts)
        unchanged, self._counted[tag] = self._counted.get(tag) == etag, etag
        return Downloads(counts, etag, unchanged)

    def add_downloads(self, tag: str, asset: str, count: int = 1) -> None:
        """Someone downloaded `asset` of `tag` (the demo's downloader; tests)."""
        with self._changing():
            current = self._read(tag)
            if current is None:
                raise ForgeError(f"{tag} is not on {self.where}")
            self._write(replace(current, assets=tuple(
                replace(a, download_count=a.download_count + count) if a.name == asset else a
                for a in current.assets)))

    async def close(self) -> None:
        return None

    def seed(self, tag: str, files: list[Path], *, prerelease: bool = False) -> Release:
        """A published release with these files, made the latest (the demo's earlier one)."""
        folder = self.path / tag
        folder.mkdir(parents=True, exist_ok=True)
        assets = []
        for i, path in enumerate(files, 1):
            shutil.copyfile(path, folder / path.name)
            assets.append(Asset(i, path.name, path.stat().st_size, "uploaded"))
        release = self._write(Release(1, tag, False, prerelease, tuple(assets), url=str(folder)))
        (self.path / "LATEST").write_text(tag + "\n")
        return release

"""The operations playbooks run on a forge, in terms of any `Forge`: each one idempotent, so
re-running after a failure finds what is already there and does the rest."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path

from cockpit.forge.model import Forge, ForgeError, Release, is_prerelease, value_name

UPLOAD_ATTEMPTS = 4
RETRY_BASE = 0.5
"""Seconds before the first upload retry; doubled each time (at most 8 s)."""
Say = Callable[[str], None]


# the operations playbooks run: idempotent, in terms of any Forge -------------------------------


async def ensure_draft(forge: Forge, tag: str, name: str, body: str, say: Say) -> Release:
    found = await forge.release(tag)
    if found is not None:
        say(f"release {tag} already exists ({'draft' if found.draft else 'published'})")
        return found
    release = await forge.create_draft(tag, name=name, body=body,
                                       prerelease=is_prerelease(tag))
    say(f"created draft release {tag}" + (" (prerelease)" if release.prerelease else ""))
    return release


async def upload_all(forge: Forge, tag: str, files: list[Path], say: Say) -> Release:
    """Upload every file that is not already there, uploaded and of the right size; clean
    up `starter` leftovers and same-name assets; verify everything at the end."""
    release = await _existing(forge, tag)
    for path in files:
        size = _size(path)
        current = release.asset(path.name)
        if current is not None and current.state == "uploaded" and current.size == size:
            say(f"{path.name}: already uploaded ({size:,} bytes)")
            continue
        for attempt in range(1, UPLOAD_ATTEMPTS + 1):
            if current is not None:  # a starter left by a dead upload, or a wrong size
                say(f"{path.name}: removing the {current.state} asset of {current.size:,} bytes")
                await forge.delete_asset(release, current)
            try:
                asset = await forge.upload_once(release, path)
            except FileNotFoundError:  # deleted while it was being sent
                raise _missing(path) from None
            except ForgeError as exc:
                if not (exc.retryable or exc.conflict) or attempt == UPLOAD_ATTEMPTS:
                    raise
                say(f"{path.name}: {exc.problems[0].message}; retrying ({attempt}/"
                    f"{UPLOAD_ATTEMPTS - 1})")
                await asyncio.sleep(min(8.0, RETRY_BASE * 2 ** attempt))
                release = await _existing(forge, tag)
                current = release.asset(path.name)
                continue
            say(f"{path.name}: uploaded {asset.size:,} bytes")
            break
        release = await _existing(forge, tag)
    return await verify(forge, tag, files, say)


async def verify(forge: Forge, tag: str, files: list[Path], say: Say) -> Release:
    release = await _existing(forge, tag)
    wrong = []
    for path in files:
        asset = release.asset(path.name)
        size = _size(path)
        if asset is None or asset.state != "uploaded" or asset.size != size:
            got = "missing" if asset is None else f"{asset.state}, {asset.size:,} bytes"
            wrong.append(f"{path.name} ({got}; want uploaded, {size:,} bytes)")
    if wrong:
        raise ForgeError(f"release {tag} is not complete: " + "; ".join(wrong),
                         "re-run the upload step: it uploads only what is missing")
    say(f"verified {len(files)} assets on {tag}: all uploaded, sizes match")
    return release


async def publish(forge: Forge, tag: str, files: list[Path], say: Say) -> Release:
    release = await _existing(forge, tag)
    if not release.draft:
        say(f"release {tag} is already published")
        return release
    await verify(forge, tag, files, say)  # never publish a release that is not complete
    published = await forge.update(release, draft=False, latest=not release.prerelease)
    say(f"published {tag}" + (" (prerelease: not marked latest)" if release.prerelease else ""))
    return published


async def unpublish(forge: Forge, tag: str, say: Say) -> Release:
    release = await _existing(forge, tag)
    if release.draft:
        say(f"release {tag} is already a draft")
        return release
    drafted = await forge.update(release, draft=True)
    say(f"turned {tag} back into a draft: it is no longer offered for download")
    return drafted


async def make_latest(forge: Forge, tag: str, say: Say) -> Release:
    release = await _existing(forge, tag)
    current = await forge.latest()
    if current is not None and current.tag == tag:
        say(f"{tag} is already the latest release")
        return release
    if release.draft:
        raise ForgeError(f"release {tag} is a draft and cannot be the latest",
                         "publish it first")
    updated = await forge.update(release, latest=True)
    say(f"{tag} is now the latest release" + (f" (was {current.tag})" if current else ""))
    return updated


async def check_latest(forge: Forge, tag: str, say: Say) -> Release:
    """For install scripts that fetch the latest release: is it this one?"""
    release = await _existing(forge, tag)
    current = await forge.latest()
    if current is not None and current.tag == tag:
        say(f"{tag} is the latest release: install scripts that fetch the latest get it")
        return release
    now = current.tag if current else "none"
    if release.prerelease:
        raise ForgeError(f"{tag} is a prerelease, and a prerelease is never the latest release: "
                         f"scripts that install the latest still get {now}",
                         "tell users to install it by version, or switch [install] strategy "
                         "to version-line")
    if release.draft:
        raise ForgeError(f"{tag} is still a draft; the latest release is {now}",
                         "run build-and-upload's publish step")
    raise ForgeError(f"the latest release is {now}, not {tag}",
                     "make it the latest (the rollback playbook's latest step does this)")


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        raise _missing(path) from None


def _missing(path: Path) -> ForgeError:
    """An artifact listed when the step began is gone (dist deleted mid-upload)."""
    return ForgeError(
        f"{path.name} is missing from {path.parent}: it was removed after the build",
        "rebuild it (`cockpit build`, or re-run the playbook's build step), then re-run this "
        "step: what is already uploaded stays, and only what is missing is sent")


async def _existing(forge: Forge, tag: str) -> Release:
    release = await forge.release(tag)
    if release is None:
        raise ForgeError(f"no release {tag} on {forge.where}",
                         "run the release step first (it creates the draft)")
    return release


async def issue_values(forge: Forge, labels: Sequence[str]) -> dict[str, str]:
    """Template values: `issues` (open issues) and one per priority label (`p0`, `p1`, ...)."""
    counts = await forge.open_issues(labels)
    values = {"issues": f"{counts['total']:,}"}
    values.update((value_name(label), f"{counts[label]:,}") for label in labels)
    return values

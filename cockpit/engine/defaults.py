"""What the emergency playbooks pre-fill, from the facts, the same for the cockpit and the
command line: what users get now (the install script as origin serves it, or the forge's
latest release), what the forge has published, what this launch shipped (the journal)."""

from __future__ import annotations

import asyncio
import re

from cockpit import gitrepo
from cockpit.config import Config
from cockpit.errors import CockpitError
from cockpit.journal.events import RunStatus, StepStatus
from cockpit.semver import is_semver, semver_key, strip_v
from cockpit.state.launch import LaunchState

VERSION_LINE = re.compile(r'^VERSION="?v?([^"\s]+)"?', re.MULTILINE)


def shipped(state: LaunchState) -> list[str]:
    """Versions published by this launch's runs (release or hotfix), oldest first."""
    versions: list[str] = []
    for run in sorted(state.runs.values(), key=lambda r: r.started):
        publish = run.steps.get("publish")
        version = run.params.get("version")
        skipped_failure = bool(publish and publish.resolution
                               and publish.resolution.after == "failure")
        if (not run.dry_run and version and publish is not None and not skipped_failure
                and publish.status in {StepStatus.OK, StepStatus.SKIPPED}
                and version not in versions):
            versions.append(version)
    return versions


def _script_version(config: Config) -> str | None:
    """The version the install script gives users: as origin serves it, else as the working
    copy says (on a thread: git)."""
    script = config.install.script
    if script is None:
        return None
    text = gitrepo.served(config.repo, config.release.branch, str(script))
    if text is None:
        try:
            text = (config.repo / script).read_text(errors="replace")
        except OSError:
            return None
    found = VERSION_LINE.search(text)
    return strip_v(found.group(1)) if found and is_semver(strip_v(found.group(1))) else None


async def rollback_defaults(state: LaunchState, config: Config) -> dict[str, str]:
    """Roll back what users get now (the install script's VERSION line, or the forge's
    latest release; else what this launch shipped last, else the config's version) to the
    newest release the forge has published (not a draft) that is older than it; without a
    forge's word, to the one shipped before it, the version users had before the launch, or
    the newest older tag."""
    from cockpit.forge.factory import open_forge

    published: list[str] = []
    latest: str | None = None
    try:
        forge = open_forge(config)
        try:
            releases = await forge.releases()
            published = [strip_v(r.tag) for r in releases if not r.draft]
            if config.install.strategy == "latest-release":
                current = await forge.latest()
                latest = strip_v(current.tag) if current is not None else None
        finally:
            await forge.close()
    except CockpitError:
        pass  # the forge cannot say: the journal and the tags do
    done = shipped(state)
    script = (await asyncio.to_thread(_script_version, config)
              if config.install.strategy == "version-line" else None)
    bad = script or latest or (done[-1] if done else config.release.version)
    candidates = published or [strip_v(t) for t in
                               await asyncio.to_thread(gitrepo.tags, config.repo)]
    older = sorted((v for v in set(candidates) if is_semver(v) and semver_key(v) < semver_key(bad)),
                   key=semver_key, reverse=True)
    if not published:  # no forge: prefer what the launch's own record says
        release = config.release
        preferred = [v for v in [*reversed(done[:-1]), release.previous_version or "",
                                 release.version] if v in older]
        older = preferred + older
    return {"version": bad, "previous_version": older[0] if older else ""}


async def emergency_defaults(name: str, state: LaunchState, config: Config) -> dict[str, str]:
    """What H or R (and `cockpit run hotfix|rollback`) pre-fill. An earlier run of the same
    playbook that stopped short (failed, aborted, interrupted) is what the operator is most
    likely going back to: its parameters come first, so it picks up where it stopped instead
    of starting a new version. One that went to the end (ok, incomplete) is done."""
    runs = [r for r in state.runs.values() if r.playbook == name and not r.dry_run]
    last = runs[-1] if runs else None  # the journal's order: the latest started last
    given = await rollback_defaults(state, config) if name == "rollback" else {}
    if last is not None and last.status in {RunStatus.FAILED, RunStatus.ABORTED,
                                            RunStatus.INTERRUPTED}:
        given.update(last.params)
    return given

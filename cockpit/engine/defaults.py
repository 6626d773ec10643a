"""What the emergency playbooks pre-fill, from the facts: what this launch shipped (the
journal), the tags the repository has, and what the config says users had before."""

from __future__ import annotations

from collections.abc import Iterable

from cockpit.config import Config
from cockpit.journal.events import RunStatus, StepStatus
from cockpit.semver import is_semver, semver_key, strip_v
from cockpit.state.launch import LaunchState


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


def rollback_defaults(state: LaunchState, config: Config, tags: Iterable[str]) -> dict[str, str]:
    """Roll back what was shipped last (the journal's record; the config's version
    otherwise) to a tagged version before it: the one shipped before it, else the one users
    had before the launch (previous_version), else the newest older tag."""
    done = shipped(state)
    release = config.release
    bad = done[-1] if done else release.version
    versions = {strip_v(t) for t in tags}
    older = [v for v in versions if is_semver(v) and semver_key(v) < semver_key(bad)]
    preferred = [v for v in [*reversed(done[:-1]), release.previous_version or "",
                             release.version] if v in older]
    newest = sorted(older, key=semver_key, reverse=True)
    return {"version": bad, "previous_version": (preferred or newest or [""])[0]}


def emergency_defaults(name: str, state: LaunchState, config: Config,
                       tags: Iterable[str]) -> dict[str, str]:
    """What H or R pre-fills. An earlier run of the same playbook that stopped short (failed,
    aborted, interrupted) is what the operator is most likely going back to: its parameters
    come first, so it picks up where it stopped instead of starting a new version. One that
    went to the end (ok, incomplete) is done: the next is new."""
    runs = [r for r in state.runs.values() if r.playbook == name and not r.dry_run]
    last = runs[-1] if runs else None  # the journal's order: the latest started last
    given = rollback_defaults(state, config, tags) if name == "rollback" else {}
    if last is not None and last.status in {RunStatus.FAILED, RunStatus.ABORTED,
                                            RunStatus.INTERRUPTED}:
        given.update(last.params)
    return given

"""Semantic versions: what is one, how they sort, which a hotfix gets.

Kept apart from the parameter models (`cockpit.params`) so that reading the config, which
checks its versions, does not build them.
"""

from __future__ import annotations

import re

SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)


def is_semver(value: str) -> bool:
    return SEMVER.match(value) is not None


def strip_v(version: str) -> str:
    return version[1:] if version.startswith("v") else version


def semver_key(version: str) -> tuple[object, ...]:
    """Sort key in SemVer precedence: 1.0.0 < 1.1.0-beta < 1.1.0-beta.1 < 1.1.0-beta.2 < 1.1.0
    (a prerelease comes before its release; numeric identifiers compare as numbers, below
    alphanumeric ones)."""
    core, _, pre = strip_v(version).partition("+")[0].partition("-")
    numbers = tuple(int(x) if x.isdigit() else 0 for x in core.split("."))
    if not pre:
        return (numbers, 1, ())
    return (numbers, 0, tuple((0, int(p), "") if p.isdigit() else (1, 0, p)
                              for p in pre.split(".")))


def next_hotfix(version: str, tags: list[str]) -> str:
    """The version a hotfix of `version` gets: 1.1.0-beta -> 1.1.0-beta.1 -> 1.1.0-beta.2 (a
    prerelease counts up), 1.1.0 -> 1.1.1; past every tag already taken."""
    core, _, pre = version.partition("-")
    if pre:
        stem = re.sub(r"\.\d+$", "", pre)
        taken = [int(m.group(1)) for t in [version, *tags]
                 if (m := re.fullmatch(rf"v?{re.escape(core)}-{re.escape(stem)}\.(\d+)", t))]
        return f"{core}-{stem}.{max(taken, default=0) + 1}"
    major, minor, patch = (int(x) for x in core.split("."))
    taken = [int(m.group(1)) for t in tags
             if (m := re.fullmatch(rf"v?{major}\.{minor}\.(\d+)", t))]
    return f"{major}.{minor}.{max([patch, *taken]) + 1}"

"""`cockpit check`: config, runbook and playbooks checked against the release repository.

Schema errors come from loading; this module adds the cross-checks that only make sense
with both the config and the runbook in hand: parameter defaults resolving to valid values,
files that edit steps change (and what they expect in them), cargo targets that commands
name (`cargo metadata --no-deps`), programs that commands start, no {placeholder} inside
quotes in a shell command (a warning), origin reachable, the forge answering with the
permissions the token needs. An uncommitted change is a warning (`dirty_tree`): it is not
part of a build.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from cockpit import gitrepo
from cockpit.config import Config
from cockpit.errors import ParameterError, Problem
from cockpit.params import METRIC_PREFIX, resolve_params
from cockpit.runbook.model import Runbook
from cockpit.shellvalues import quote_problems
from cockpit.steps.base import PlanContext

if TYPE_CHECKING:
    from cockpit.forge.github import GitHubForge


def preflight(config: Config, runbook: Runbook) -> list[Problem]:
    problems = _files(config, runbook)
    problems += check_commands(config, runbook)
    problems += check_origin(config)
    problems += check_forge(config)
    return problems


def dirty_tree(config: Config) -> str:
    """A warning when the work tree has uncommitted changes ('' when clean): a build builds
    the checked-out commit, so they would not ship."""
    changed = gitrepo.changes(config.repo)
    if not changed:
        return ""
    shown = "\n".join(f"  {line}" for line in changed[:20])
    more = f"\n  ... and {len(changed) - 20} more" if len(changed) > 20 else ""
    changes = "change" if len(changed) == 1 else "changes"
    return (f"{config.repo} has {len(changed)} uncommitted {changes}, not part of a build "
            f"(`cockpit build` builds the commit {(gitrepo.head_commit(config.repo) or '?')[:12]}"
            f"):\n{shown}{more}\ncommit what should ship, or stash or discard the rest")


def _files(config: Config, runbook: Runbook) -> list[Problem]:
    """The repository is a work tree, every parameter default resolves, and every step finds
    in it what it needs (an edit step: its file, and the text it changes)."""
    problems: list[Problem] = []
    if not gitrepo.is_work_tree(config.repo):
        problems.append(Problem(f"{config.repo} is not a git work tree", file=config.source,
                                field="release.repo", fix="point release.repo at a git clone"))
    from cockpit.engine.planner import Planner

    context = Planner(config).context()
    for _, playbook in sorted(runbook.playbooks.items()):
        defaults = {k: v for k, v in playbook.params.items() if v.default is not None
                    and METRIC_PREFIX not in v.default}  # from a sample: asked when none
        try:
            values = {**context, **resolve_params(defaults, {}, context)}
        except ParameterError as exc:
            for p in exc.problems:
                p.file = playbook.source
                p.fix = p.fix or "set the value in cockpit.toml or change the default"
            problems.extend(exc.problems)
            continue
        plan = PlanContext(config, values)
        for step in playbook.steps:
            if not step.applies(values):
                continue  # not for this release (another install strategy)
            for problem in step.preflight(plan):
                problem.file = playbook.source
                problems.append(problem)
    return problems


# commands against the repository ---------------------------------------------------------

CARGO_TARGET = re.compile(r"\bcargo\s+(?:run|test|build)\b[^|;&]*?--(bin|test)[= ]+([\w-]+)")
SEPARATORS = {"&&", "||", "|", ";"}


def commands_of(runbook: Runbook) -> list[tuple[Path, str, str, bool]]:
    """(playbook file, where, command, through a shell) for every command playbooks run."""
    return [(playbook.source, where, command, shell)
            for _, playbook in sorted(runbook.playbooks.items())
            for step in playbook.steps for where, command, shell in step.commands()]


def cargo_targets(config: Config) -> dict[str, set[str]] | Problem:
    """The package's binaries and test targets, from `cargo metadata --no-deps`."""
    try:
        out = subprocess.run(["cargo", "metadata", "--no-deps", "--format-version", "1"],
                             cwd=config.repo, capture_output=True, text=True, timeout=120)
    except FileNotFoundError:
        return Problem("cargo is not installed here", field="cargo",
                       fix="install a Rust toolchain (rustup.rs) to check cargo targets")
    except subprocess.TimeoutExpired:
        return Problem("cargo metadata did not answer in 120 s", field="cargo")
    if out.returncode != 0:
        return Problem(f"cargo metadata failed: {out.stderr.strip()[-300:]}", file=config.repo,
                       fix="fix Cargo.toml so `cargo metadata --no-deps` works")
    targets: dict[str, set[str]] = {"bin": set(), "test": set()}
    for package in json.loads(out.stdout).get("packages", []):
        for target in package.get("targets", []):
            for kind in target.get("kind", []):
                if kind in targets:
                    targets[kind].add(target["name"])
    return targets


def check_commands(config: Config, runbook: Runbook) -> list[Problem]:
    """Every `cargo run --bin X` / `cargo test --test X` names a real target, every
    program a playbook starts exists on this machine, and no shell command has a
    {placeholder} inside quotes (a warning: `shellvalues.quote_problems`)."""
    problems: list[Problem] = []
    commands = commands_of(runbook)
    targets: dict[str, set[str]] | Problem | None = None
    for source, where, command, _ in commands:
        for kind, name in CARGO_TARGET.findall(command):
            if "{" in name:
                continue
            if targets is None:
                targets = cargo_targets(config)
            if isinstance(targets, Problem):
                problems.append(targets)
                return problems
            if name not in targets[kind]:
                known = ", ".join(sorted(targets[kind])) or "none"
                problems.append(Problem(
                    f"`cargo ... --{kind} {name}`: the repository has no {kind} target {name!r}",
                    file=source, field=where,
                    fix=f"its {kind} targets are: {known}; change the command (or override this "
                    "playbook in the repository's playbooks folder)"))
    for source, where, command, shell in commands:
        problems += quote_problems(source, where, command) if shell else []
    missing: dict[str, tuple[Path, str]] = {}
    for source, where, command, _ in commands:
        for program in programs(command):
            if "{" in program or "=" in program or program in missing:
                continue
            if "/" in program:
                if not (config.repo / program).exists() and not Path(program).exists():
                    missing[program] = (source, where)
            elif shutil.which(program) is None and program not in SHELL_BUILTINS:
                missing[program] = (source, where)
    for program, (source, where) in sorted(missing.items()):
        problems.append(Problem(f"`{program}` is not installed here", file=source, field=where,
                                fix=f"install {program}, or change the command"))
    return problems


SHELL_BUILTINS = {"cd", "test", "[", "echo", "exit", "export", "true", "false", "set", "for",
                  "do", "done", "if", "then", "fi", "else", "while", "read", "printf"}


def programs(command: str) -> list[str]:
    """The programs a command line starts: its first word, and the first after each && || | ;"""
    try:
        words = shlex.split(command.replace(";", " ; "), posix=True)
    except ValueError:
        return []
    found, expect = [], True
    for word in words:
        if word in SEPARATORS:
            expect = True
        elif expect and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", word):  # VAR=x prefix
            found.append(word)
            expect = False
    return [p for p in found if re.fullmatch(r"[A-Za-z0-9_./+][A-Za-z0-9_./+-]*", p)]


def check_origin(config: Config) -> list[Problem]:
    url = gitrepo.origin_url(config.repo)
    if url is None:
        return [Problem("the repository has no remote named origin", file=config.repo,
                        field="git", fix="git remote add origin <url>: tags and pushes go there")]
    try:
        found, complaint = gitrepo.remote_branch(config.repo, config.release.branch)
    except subprocess.TimeoutExpired:
        return [Problem(f"origin ({url}) did not answer in 30 s", field="git",
                        fix="check the network and your credentials for origin")]
    if found:
        return []
    if complaint:
        return [Problem(f"origin ({url}) is not reachable: {complaint[-200:]}", field="git",
                        fix="check the URL, the network and your credentials for origin")]
    return [Problem(f"origin has no branch {config.release.branch!r}", field="release.branch",
                    fix="set [release] branch to the branch the install script is served from "
                        "(main, master, ...)")]


def check_forge(config: Config) -> list[Problem]:
    """The forge answers, and the token may write releases."""
    import asyncio

    from cockpit.forge.factory import open_forge
    from cockpit.forge.model import ForgeError

    f = config.forge
    if f.kind == "local":
        path = config.local_forge
        parent = path if path.exists() else path.parent
        if not os.access(parent, os.W_OK):
            return [Problem(f"the local forge {path} is not writable", file=config.source,
                            field="forge.path", fix="point [forge] path at a writable directory")]
        return []
    try:
        forge = open_forge(config)
    except ForgeError as exc:
        return exc.problems
    from cockpit.forge.github import GitHubForge

    assert isinstance(forge, GitHubForge)
    return asyncio.run(_github_permissions(forge))


async def _github_permissions(forge: GitHubForge) -> list[Problem]:
    from cockpit.forge.model import ForgeError

    try:
        repo = await forge.repository_info()
    except ForgeError as exc:
        return exc.problems
    finally:
        await forge.close()
    if not repo.get("permissions", {}).get("push"):
        return [Problem(f"the token cannot write to {forge.repository}", field="forge",
                        fix="use a token with contents:write on the repository")]
    return []

"""Commit steps: commit exactly the named files (`git commit -m MSG -- PATHS`, argv, no shell),
never whatever else the work tree has changed; the confirmation shows the files, the `git diff
--stat` of exactly those paths, and what is changed but left out.

A named file that has not changed is not an error: a version bump need not change Cargo.lock,
and a re-run after the commit finds every named file unchanged and skips (nothing is committed
twice). A named file git does not track is: a typo, or a file to `git add` once by hand,
refused before anything is asked (and found by `cockpit check`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field

from cockpit import gitrepo
from cockpit.errors import Problem
from cockpit.journal.events import StepStatus
from cockpit.params import shown, substitute
from cockpit.steps.base import Asks, Outcome, PlanContext, StepBase, StepContext, step_cwd


@dataclass(frozen=True)
class Survey:
    """What a commit of `paths` would take, as the work tree stands."""

    paths: list[str]
    changed: list[str]
    """Files under the paths that differ from HEAD: what the commit takes."""
    stat: str
    """`git diff --stat HEAD -- paths`."""
    left_out: list[str]
    """`git status --short` lines of changes outside the paths: not committed."""
    untracked: list[str]
    """Named paths git tracks neither in HEAD nor in the index."""

    def text(self, argv: list[str]) -> str:
        lines = [f"$ {shown(argv)}"]
        if self.untracked:
            lines.append(f"not tracked by git: {', '.join(self.untracked)}")
        if not self.changed:
            lines.append(f"no change in {', '.join(self.paths)} against HEAD: nothing to commit"
                         " now (unless an earlier step changes them)")
        else:
            lines.append(f"files committed: {', '.join(self.changed)}")
            unchanged = [p for p in self.paths if not any(
                f == p or f.startswith(p.rstrip("/") + "/") for f in self.changed)]
            if unchanged:
                lines.append(f"named, unchanged: {', '.join(unchanged)}")
            lines.append(self.stat)
        if self.left_out:
            paths = ", ".join(line[3:] for line in self.left_out[:10])
            more = f" and {len(self.left_out) - 10} more" if len(self.left_out) > 10 else ""
            lines.append(f"not committed (changed, not named): {paths}{more}")
        return "\n".join(lines)


def survey(repo: Path, paths: list[str]) -> Survey:
    """Ask git (synchronously: call it off the UI's thread when running)."""
    return Survey(paths, gitrepo.changed_files(repo, paths), gitrepo.diff_stat(repo, paths),
                  gitrepo.changes_besides(repo, paths), gitrepo.untracked(repo, paths))


class CommitStep(StepBase):
    kind: Literal["commit"]
    paths: list[str] = Field(min_length=1)
    """The files (or directories) to commit, relative to the step's directory (the repository
    by default; {parameters} allowed). Nothing else is committed."""
    message: str = Field(min_length=1)
    """The commit message ({parameters} allowed; passed as one argument, never to a shell)."""

    confirms_itself: ClassVar[bool] = True

    def asks(self, plan: PlanContext) -> Asks:
        return "confirm"  # the files and their diff stat, before they are committed

    def own_templates(self) -> list[tuple[str, str | None]]:
        return [("message", self.message),
                *((f"paths[{i}]", p) for i, p in enumerate(self.paths))]

    def tags(self) -> list[str]:
        return ["confirm"]

    def headline(self) -> str:
        return shown(["git", "commit", "-m", self.message, "--", *self.paths])

    def commands(self) -> list[tuple[str, str, bool]]:
        return [(f"steps.{self.id}", self.headline(), False)]

    def argv(self, values: Mapping[str, str]) -> list[str]:
        return ["git", "commit", "-m", substitute(self.message, values), "--",
                *self._paths(values)]

    def command_line(self, values: Mapping[str, str]) -> str:
        return shown(self.argv(values))

    def _paths(self, values: Mapping[str, str]) -> list[str]:
        return [substitute(p, values) for p in self.paths]

    def plan(self, ctx: PlanContext) -> list[str]:
        where = step_cwd(self, ctx.repo, ctx.values)
        text = survey(where, self._paths(ctx.values)).text(self.argv(ctx.values))
        first, _, rest = text.partition("\n")
        return [f"{first}    (in {where})" if ctx.show_cwd else first, rest]

    def preflight(self, plan: PlanContext) -> list[Problem]:
        try:
            paths = self._paths(plan.values)
        except KeyError:
            return []  # needs a parameter given at run time
        missing = gitrepo.untracked(step_cwd(self, plan.repo, plan.values), paths)
        if not missing:
            return []
        return [Problem(f"commits {', '.join(missing)}, which git does not track in the "
                        "repository", field=f"steps.{self.id}.paths",
                        fix="fix the path, `git add` the file once and commit it, or override "
                        "this playbook")]

    async def already_done(self, ctx: StepContext) -> str:
        paths = self._paths(ctx.values)
        found = await asyncio.to_thread(survey, ctx.cwd, paths)
        if found.changed or found.untracked:
            return ""
        return f"nothing to commit: {', '.join(paths)} have no change against HEAD"

    async def execute(self, ctx: StepContext) -> Outcome:
        paths, argv = self._paths(ctx.values), self.argv(ctx.values)
        found = await asyncio.to_thread(survey, ctx.cwd, paths)
        if found.untracked:
            return Outcome(StepStatus.FAILED, f"git does not track {', '.join(found.untracked)}: "
                           "`git add` it and run the step again if it belongs in this commit, "
                           "or fix the path in the playbook")
        if not found.changed:
            return Outcome(StepStatus.SKIPPED, f"nothing to commit: {', '.join(paths)} have no "
                           "change against HEAD")
        body = found.text(argv)
        if not await ctx.confirm(body, "Commit these files?"):
            return Outcome(StepStatus.DECLINED, "the operator declined the commit")
        result = await ctx.runner.run(argv, cwd=ctx.cwd, sink=ctx.sink, timeout=120)
        if result.exit_code != 0:
            why = result.error or next((ln for ln in reversed(result.tail) if ln.strip()), "")
            return Outcome(StepStatus.FAILED, f"git commit failed: {why}", result.exit_code)
        return Outcome(StepStatus.OK, f"committed {', '.join(found.changed)}\n{found.stat}", 0)

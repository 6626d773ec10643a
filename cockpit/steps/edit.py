"""Edit steps: a regular-expression replacement in a file of the repository, shown as a diff
and confirmed before it lands. Parameter values are literal text in the replacement."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field, model_validator

from cockpit.errors import Problem
from cockpit.journal.events import StepStatus
from cockpit.params import check_regex, substitute
from cockpit.steps.base import Asks, Outcome, PlanContext, StepBase, StepContext


@dataclass
class EditPlan:
    path: Path
    before: str
    after: str
    matches: int

    @property
    def diff(self) -> str:
        name = self.path.name
        return "".join(difflib.unified_diff(
            self.before.splitlines(keepends=True), self.after.splitlines(keepends=True),
            f"a/{name}", f"b/{name}"))

    def apply(self) -> None:
        self.path.write_text(self.after, encoding="utf-8")


def plan_edit(path: Path, pattern: str, replace: str, values: Mapping[str, str],
              count: int = 1) -> EditPlan:
    """Compute the edit without touching the file. Raises OSError if the file is unreadable."""
    before = path.read_text(encoding="utf-8")
    # Parameter values are literal text in the replacement: escape what re.sub would expand.
    escaped = {k: v.replace("\\", "\\\\") for k, v in values.items()}
    template = substitute(replace, escaped)
    after, matches = re.subn(pattern, template, before, count=count, flags=re.MULTILINE)
    return EditPlan(path, before, after, matches)


class EditStep(StepBase):
    kind: Literal["edit"]
    file: str = Field(min_length=1)
    """The file, relative to the repository."""
    pattern: str = Field(min_length=1)
    """A regular expression (multiline)."""
    replace: str
    """The replacement (\\1 for groups; {parameters} substituted)."""
    count: int = Field(default=1, ge=0)
    """How many matches to replace (0 = all); zero matches is a failure."""

    confirms_itself: ClassVar[bool] = True

    def asks(self, plan: PlanContext) -> Asks:
        return "confirm"  # the diff, before it is applied

    @model_validator(mode="after")
    def _pattern(self) -> EditStep:
        check_regex("pattern", self.pattern)
        return self

    def own_templates(self) -> list[tuple[str, str | None]]:
        return [("file", self.file), ("replace", self.replace)]

    def tags(self) -> list[str]:
        return [*super().tags(), "edit"]

    def _edit(self, repo: Path, values: Mapping[str, str]) -> EditPlan:
        return plan_edit(repo / substitute(self.file, values), self.pattern, self.replace,
                         values, self.count)

    def plan(self, ctx: PlanContext) -> list[str]:
        path = ctx.repo / substitute(self.file, ctx.values)
        try:
            edit = self._edit(ctx.repo, ctx.values)
        except OSError as exc:
            return [f"edit {path}: cannot read it ({exc.strerror})"]
        if edit.matches == 0:
            return [f"edit {path}: pattern /{self.pattern}/ does not match"]
        return [edit.diff or f"edit {path}: already says that now (nothing to do unless an "
                "earlier step changes it)"]

    def preflight(self, plan: PlanContext) -> list[Problem]:
        where = f"steps.{self.id}.file"
        try:
            relative = substitute(self.file, plan.values).strip()
        except KeyError:
            return []  # needs a parameter given at run time
        target = plan.repo / relative
        if not relative or not target.is_file():
            return [Problem(f"edits {relative or '(no file)'} in the repository, which does "
                            "not exist", field=where,
                            fix="set [install] script in cockpit.toml to the real file, or "
                            "override this playbook")]
        if not re.search(self.pattern, target.read_text(errors="replace"), re.MULTILINE):
            return [Problem(f"{target.name} has nothing matching /{self.pattern}/", field=where,
                            fix="the file changed shape: update the pattern, or the install "
                            "strategy in cockpit.toml")]
        return []

    async def execute(self, ctx: StepContext) -> Outcome:
        path = ctx.config.repo / substitute(self.file, ctx.values)
        try:
            edit = self._edit(ctx.config.repo, ctx.values)
        except OSError as exc:
            return Outcome(StepStatus.FAILED, f"cannot read {path}: {exc.strerror}")
        if edit.matches == 0:
            return Outcome(StepStatus.FAILED, f"/{self.pattern}/ matches nothing in {path}")
        if edit.after == edit.before:
            return Outcome(StepStatus.SKIPPED, f"{path.name} already says that")
        if not await ctx.confirm(edit.diff, "Apply this edit?"):
            return Outcome(StepStatus.DECLINED, "the operator declined the edit")
        try:
            edit.apply()
        except OSError as exc:
            return Outcome(StepStatus.FAILED, f"cannot write {path}: {exc.strerror}")
        return Outcome(StepStatus.OK, f"edited {path.name} ({edit.matches} replacement(s))\n{edit.diff}")

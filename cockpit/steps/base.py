"""The step protocol: what every kind of step has, says and does.

A step kind is one module in this package: a pydantic model whose `kind` is a literal, with
the fields that kind takes and the behaviour it has (`plan`, `execute`, and where it needs them
`already_done`, `commands`, `preflight`, `template_problems`, `tags`, `checks_shown`).
`registry.py` lists the kinds; nothing outside this package asks which kind a step is.

The engine gives a running step a `StepContext` (the run's values, the repository, the
journal, the operator's attention); a preview gets a `PlanContext` (no journal, no operator).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cockpit.errors import Problem
from cockpit.params import check_words, render_argv, shown, substitute
from cockpit.redact import redact
from cockpit.steps.checks import Check
from cockpit.steps.context import Outcome as Outcome
from cockpit.steps.context import PlanContext as PlanContext
from cockpit.steps.context import StepContext as StepContext

Asks = Literal["confirm", "answer"] | None
"""What a step needs from a person (see `StepBase.asks`)."""

_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


WORK_TREE = frozenset({"the git work tree"})
EFFECT_WORDS = frozenset({"push", "publish", "delete", "--delete", "upload", "yank", "curl", "wget",
                          "gh", "ssh", "scp", "rsync"})
"""Words in a command that make it an effect beyond this machine (see `StepBase.effect`)."""


class StepBase(BaseModel):
    """What every step has. Subclasses add their kind's fields and behaviour."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    kind: str
    title: str
    cwd: str | None = None
    """Working directory, relative to the release repository."""
    expected: str = ""
    """What the runbook says success looks like (shown to the operator)."""
    confirm: bool = False
    """Destructive: ask before running, showing exactly what will happen."""
    ask_again: bool | None = None
    """Once the operator confirmed the whole plan (H, R), does this step still ask before it
    runs? Default: only when it reaches beyond this machine for good (`reaches_out`)."""
    skip_if: str | None = None
    """Idempotency probe: a command; exit 0 means the step's effect is already there."""
    effect: bool | None = None
    """Does its command change something beyond this machine (a push, an upload, a post)?
    Then its intent is journaled first, and after a crash it is verified (skip_if) or asked
    about, never run again blindly. Default: when the command names a push, publish, delete,
    upload or a network client (`EFFECT_WORDS`)."""
    on_failure: Literal["stop", "continue"] = "stop"
    when: str | None = None
    """Run only when a value has a given value, e.g. "install.strategy=version-line"."""
    troubleshooting: list[str] = Field(default_factory=list)

    confirms_itself: ClassVar[bool] = False
    """The step asks its own question (a diff, a message) instead of the engine's."""
    posts: ClassVar[bool] = False
    """It posts a message (an update, an announcement): what the update countdown follows."""

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError("step ids are lower-case words joined by '-'")
        return value

    @model_validator(mode="after")
    def _common(self) -> StepBase:
        if self.when is not None and not re.fullmatch(r"[a-z_][a-z_.]*=[\w.-]+", self.when):
            raise ValueError("when is NAME=VALUE, e.g. install.strategy=version-line")
        check_words("skip_if", self.skip_if)
        return self

    # what it is ------------------------------------------------------------------------------

    def templates(self) -> list[tuple[str, str]]:
        """(field, text) pairs that may hold {placeholders}, checked when playbooks load."""
        pairs: list[tuple[str, str | None]] = [
            ("title", self.title), ("skip_if", self.skip_if), ("cwd", self.cwd),
            *self.own_templates()]
        if self.when:
            pairs.append(("when", "{" + self.when.split("=", 1)[0] + "}"))
        return [(f, t) for f, t in pairs if t]

    def own_templates(self) -> list[tuple[str, str | None]]:
        return []

    def commands(self) -> list[tuple[str, str, bool]]:
        """(field, command, through a shell) for every command the step starts: preflight
        checks the programs and cargo targets they name."""
        return []

    def template_problems(self, templates: Mapping[str, str]) -> list[Problem]:
        """What is wrong with the runbook's templates for this step (a missing one)."""
        return []

    def headline(self) -> str:
        """One line saying what the step is, as written in the playbook (`cockpit playbooks`)."""
        return self.title

    def tags(self) -> list[str]:
        """Short marks shown beside the step's title ([confirm], [manual], ...)."""
        return ["confirm"] if self.confirm else []

    def asks(self, plan: PlanContext) -> Asks:
        """What the step needs from a person when it runs: a yes to what it shows
        ("confirm"), an answer only a person can give ("answer": done, GO/NO-GO), or nothing.
        A headless run checks this before its first step."""
        return "confirm" if self.confirm else None

    def reaches_out(self) -> bool:
        """Whether the step does something beyond this machine that cannot be taken back
        quietly (push, publish, post, delete): it asks again even after the plan was
        confirmed."""
        return False

    def effect_key(self, values: Mapping[str, str]) -> str | None:
        """The idempotency key of the command it runs beyond this machine (see `effect` and
        `StepContext.earlier`): the step and its whole command (the engine scopes it to the
        playbook and the run's parameters); None when it runs none, or keeps its own intents
        (a post)."""
        if not self.command_line(values):
            return None
        texts = [text for _, text, _ in self.commands()]
        named = any(EFFECT_WORDS & set(re.split(r"[^\w-]+", text)) for text in texts)
        if not (self.effect if self.effect is not None else named):
            return None
        digest = hashlib.sha256(json.dumps([self.cwd, texts]).encode()).hexdigest()[:16]
        return f"{self.id}:{digest}"

    def uses(self) -> frozenset[str]:
        """What it changes that two runs must not change at once: by default the release's
        git work tree (commands, edits, builds and uploads read and write it)."""
        return WORK_TREE

    def asks_again(self) -> bool:
        """After a confirmed plan: whether its confirmation is still asked (see ask_again)."""
        return self.ask_again if self.ask_again is not None else self.reaches_out()

    def checks_shown(self) -> Sequence[Check]:
        """Checks shown with their results instead of a preview (a gate's)."""
        return ()

    def applies(self, values: Mapping[str, str]) -> bool:
        """Whether the step runs for this release (its `when`, if any, holds)."""
        if not self.when:
            return True
        name, wanted = self.when.split("=", 1)
        return values.get(name) == wanted

    def preflight(self, plan: PlanContext) -> list[Problem]:
        """What `cockpit check` finds wrong with this step against the repository."""
        return []

    # what it does ----------------------------------------------------------------------------

    def plan(self, ctx: PlanContext) -> list[str]:
        """Exactly what the step will do, line by line (dry-run, confirmations, detail)."""
        raise NotImplementedError

    def command_line(self, values: Mapping[str, str]) -> str:
        """The command it runs, shown as one line; empty for steps that run none."""
        return ""

    async def already_done(self, ctx: StepContext) -> str:
        """Why a confirmed step has nothing to do ('' when it has): nothing is asked then."""
        return ""

    async def execute(self, ctx: StepContext) -> Outcome:
        raise NotImplementedError


def step_cwd(step: StepBase, repo: Path, values: Mapping[str, str]) -> Path:
    return repo / substitute(step.cwd, values) if step.cwd else repo


def preview(step: StepBase, ctx: PlanContext, *, probe: bool = True) -> str:
    """What the step will do, as text; secrets masked. A preview never fails: what cannot be
    known yet is said instead."""
    if not step.applies(ctx.values):
        assert step.when is not None
        name, wanted = step.when.split("=", 1)
        return f"(skipped: only when {name} is {wanted}; it is {ctx.values.get(name)!r})"
    lines = []
    if step.skip_if and probe:
        lines.append(f"skip if: $ {shown(render_argv(step.skip_if, ctx.values))}")
    lines += step.plan(ctx)
    return redact("\n".join(lines))


@dataclass(frozen=True)
class StepPlan:
    """One step as the operator reads it before it runs."""

    id: str
    title: str
    preview: str
    """What the step would do now (shown until it has run: then its result says)."""
    expected: str = ""
    troubleshooting: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    checks: tuple[Check, ...] = ()
    """A gate's checks, shown with their results instead of a preview."""
    asks_first: bool = False
    """It asks before it runs (and applies to this release)."""
    asks_again: bool = False
    """It asks before it runs even after the whole plan was confirmed (it reaches out)."""
    waits: bool = False
    """It waits for the operator's answer (a manual step, a gate, a post by hand)."""

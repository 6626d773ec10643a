"""Manual steps: the operator does something by hand, then says done (or not) with a note.

A manual step may `show` what a command says each time it asks (the commits a branch has
gained), and may hold "done" to checks (`done_when`): until they pass, done is not taken and
the step asks again, saying which check is not met yet.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from cockpit.executors.lines import text_of
from cockpit.journal.events import ManualDone, StepStatus
from cockpit.params import check_words, prose, render_argv, shown
from cockpit.steps.base import WORK_TREE, Asks, Outcome, PlanContext, StepBase, StepContext
from cockpit.steps.checks import Check, CheckRunner
from cockpit.steps.questions import Manual

SHOWN_LINES = 30


class ManualStep(StepBase):
    kind: Literal["manual"]
    instructions: str = ""
    """What the operator does."""
    show: str | None = None
    """A read-only command whose output is shown with the instructions, fresh each time the
    step asks (e.g. `git log --oneline {release.branch}..HEAD`)."""
    done_when: list[Check] = Field(default_factory=list)
    """Checks that must pass before "done" is taken; until then the step asks again."""

    @model_validator(mode="after")
    def _show_words(self) -> ManualStep:
        check_words("show", self.show)
        return self

    def own_templates(self) -> list[tuple[str, str | None]]:
        pairs: list[tuple[str, str | None]] = [("instructions", self.instructions),
                                               ("show", self.show)]
        for i, check in enumerate(self.done_when):
            pairs += [(f"done_when.{i}.run", check.run),
                      (f"done_when.{i}.expect_output", check.expect_output)]
        return pairs

    def commands(self) -> list[tuple[str, str, bool]]:
        shows = [(f"steps.{self.id}.show", self.show, False)] if self.show else []
        return shows + [(f"steps.{self.id}.done_when.{i}.run", c.run, c.shell)
                        for i, c in enumerate(self.done_when) if c.run]

    def uses(self) -> frozenset[str]:
        """What it shows and checks reads the work tree: not while another run changes it
        (a manual step that only asks uses nothing, and runs beside anything)."""
        return WORK_TREE if self.show or self.done_when else frozenset()

    def tags(self) -> list[str]:
        return [*super().tags(), "manual"]

    def asks(self, plan: PlanContext) -> Asks:
        return "answer"  # only a person says it is done

    def plan(self, ctx: PlanContext) -> list[str]:
        lines = [prose(self.instructions or self.title, ctx.values)]
        if self.show:
            lines.append(f"shows: $ {shown(render_argv(self.show, ctx.values))}")
        lines += [f"done only when: {prose(c.title, ctx.values)}" for c in self.done_when]
        return lines

    async def execute(self, ctx: StepContext) -> Outcome:
        unmet = ""
        while True:
            answer = await ctx.interaction.manual(Manual(
                self.id, prose(self.title, ctx.values),
                prose(self.instructions, ctx.values) + unmet,
                fresh=(lambda: self._shown(ctx)) if self.show else None, again=bool(unmet)))
            if answer is None:
                return Outcome(StepStatus.DECLINED, "the operator stopped here")
            unmet = await self._unmet(ctx) if answer.done else ""
            if not unmet:
                ctx.log(ManualDone(done=answer.done, note=answer.note, operator=ctx.operator))
                return Outcome(StepStatus.OK if answer.done else StepStatus.FAILED, answer.note)

    async def _shown(self, ctx: StepContext) -> str:
        """What `show` says now (read-only: run again each time the question is shown)."""
        if not self.show:
            return ""
        argv = render_argv(self.show, ctx.values)
        result = await ctx.runner.run(argv, cwd=ctx.cwd, timeout=60)
        lines = result.tail[-SHOWN_LINES:] if not result.error else [result.error]
        return f"\n\n$ {shown(argv)}\n" + (text_of(lines) or "(nothing)")

    async def _unmet(self, ctx: StepContext) -> str:
        """The done_when checks that fail, in words ('' when all pass); each result journaled
        in the step's log."""
        runner = CheckRunner(ctx.cwd, ctx.values, max_size_mb=ctx.config.build.max_size_mb,
                             runner=ctx.runner)
        failed = []
        for check in self.done_when:  # in the step's log (a gate's checks are its own)
            result = await runner.run(check)
            mark = "?" if result.ok is None else "✓" if result.ok else "✗"
            ctx.sink([f"{mark} {prose(check.title, ctx.values)}: {result.summary}"])
            if result.ok is False:
                failed.append(f"  ✗ {prose(check.title, ctx.values)}: {result.summary}")
        return "\n\nNot done yet:\n" + "\n".join(failed) if failed else ""

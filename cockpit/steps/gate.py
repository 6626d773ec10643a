"""Gate steps: automated checks run for real, manual checks ticked, then GO or NO-GO with a
rationale, recorded against the timeline item with who decided and how many checks failed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Literal

from pydantic import Field

from cockpit.journal import events as ev
from cockpit.journal.events import GateDecision, ManualCheck, StepStatus, Verdict
from cockpit.params import prose, render_argv, shown
from cockpit.shellvalues import shown_script
from cockpit.steps.base import Asks, Outcome, PlanContext, StepBase, StepContext
from cockpit.steps.checks import Check, CheckResult, CheckRunner
from cockpit.steps.questions import Gate


class GateStep(StepBase):
    kind: Literal["gate"]
    checks: list[Check] = Field(min_length=1)
    """The checks, automated and manual."""

    confirms_itself: ClassVar[bool] = True  # the decision is the question

    def own_templates(self) -> list[tuple[str, str | None]]:
        pairs: list[tuple[str, str | None]] = []
        for i, check in enumerate(self.checks):
            pairs += [(f"checks.{i}.run", check.run), (f"checks.{i}.path", check.path),
                      (f"checks.{i}.expect_output", check.expect_output)]
        return pairs

    def commands(self) -> list[tuple[str, str, bool]]:
        return [(f"steps.{self.id}.checks.{i}.run", c.run, c.shell)
                for i, c in enumerate(self.checks) if c.run]

    def tags(self) -> list[str]:
        return [*super().tags(), "gate"]

    def checks_shown(self) -> Sequence[Check]:
        return self.checks

    def asks(self, plan: PlanContext) -> Asks:
        return "answer"  # GO or NO-GO is a person's decision

    def plan(self, ctx: PlanContext) -> list[str]:
        lines = []
        for check in self.checks:
            if check.kind == "command" and check.run:
                command = (shown_script(check.run, ctx.values) if check.shell
                           else shown(render_argv(check.run, ctx.values)))
                lines.append(f"[auto] {check.title}: $ {command}")
            elif check.kind == "manual":
                lines.append(f"[manual] {check.title}")
            else:
                lines.append(f"[auto] {check.title} ({check.kind})")
        lines.append("then: record GO or NO-GO with a rationale")
        return lines

    async def execute(self, ctx: StepContext) -> Outcome:
        runner = CheckRunner(ctx.config.repo, ctx.values,
                             max_size_mb=ctx.config.build.max_size_mb, runner=ctx.runner)
        results: list[CheckResult] = []
        for index, check in enumerate(self.checks):
            result = await runner.run(check, ctx.sink)
            ctx.log(ev.CheckResult(index=index, title=result.title, kind=result.kind, ok=result.ok,
                                   summary=result.summary, detail=result.detail,
                                   findings=result.findings))
            results.append(result)
        answer = await ctx.interaction.gate(Gate(self.id, prose(self.title, ctx.values),
                                                 ctx.item, results))
        if answer is None:
            return Outcome(StepStatus.DECLINED, "no decision recorded")
        manual = [(i, c) for i, c in enumerate(self.checks) if c.kind == "manual"]
        for (index, check), (ticked, note) in zip(manual, answer.ticks, strict=False):
            ctx.log(ManualCheck(index=index, title=check.title, ticked=ticked, note=note,
                                operator=ctx.operator))
        failed = sum(1 for r in results if r.ok is False)
        ctx.log(GateDecision(item=ctx.item, decision=Verdict(answer.decision), rationale=answer.rationale,
                             operator=ctx.operator, failed_checks=failed))
        if answer.decision == "GO":
            return Outcome(StepStatus.OK, f"GO: {answer.rationale}")
        return Outcome(StepStatus.NO_GO, f"NO-GO: {answer.rationale}")

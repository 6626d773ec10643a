"""Manual steps: the operator does something by hand, then says done (or not) with a note."""

from __future__ import annotations

from typing import Literal

from cockpit.journal.events import ManualDone, StepStatus
from cockpit.params import prose
from cockpit.steps.base import Asks, Outcome, PlanContext, StepBase, StepContext
from cockpit.steps.questions import Manual


class ManualStep(StepBase):
    kind: Literal["manual"]
    instructions: str = ""
    """What the operator does."""

    def own_templates(self) -> list[tuple[str, str | None]]:
        return [("instructions", self.instructions)]

    def tags(self) -> list[str]:
        return [*super().tags(), "manual"]

    def asks(self, plan: PlanContext) -> Asks:
        return "answer"  # only a person says it is done

    def plan(self, ctx: PlanContext) -> list[str]:
        return [prose(self.instructions or self.title, ctx.values)]

    async def execute(self, ctx: StepContext) -> Outcome:
        answer = await ctx.interaction.manual(Manual(
            self.id, prose(self.title, ctx.values), prose(self.instructions, ctx.values)))
        if answer is None:
            return Outcome(StepStatus.DECLINED, "the operator stopped here")
        ctx.log(ManualDone(done=answer.done, note=answer.note, operator=ctx.operator))
        return Outcome(StepStatus.OK if answer.done else StepStatus.FAILED, answer.note)

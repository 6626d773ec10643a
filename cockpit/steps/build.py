"""Build steps: the build matrix (every target on its builder: sync, build, size, smoke,
package, checksum, fetch) for the run's version, on the build thread."""

from __future__ import annotations

from typing import Literal

from cockpit.errors import CockpitError
from cockpit.journal.events import BuildStatus, StepStatus
from cockpit.steps.base import Outcome, PlanContext, StepBase, StepContext


class BuildStep(StepBase):
    kind: Literal["build"]

    def plan(self, ctx: PlanContext) -> list[str]:
        from cockpit.builds.plan import assign

        try:
            assignments = assign(ctx.config)
        except CockpitError as exc:  # shown, not raised: a preview never fails
            return [f"build matrix: {exc}"]
        return [f"build {a.target} on {a.builder.name} ({a.builder.kind}): sync, build, size, "
                "smoke, package, checksum, fetch" for a in assignments]

    async def execute(self, ctx: StepContext) -> Outcome:
        from cockpit.builds.matrix import BuildMatrix
        from cockpit.builds.plan import assign

        version = ctx.values.get("version", ctx.config.release.version)
        config = ctx.config.for_version(version)  # a hotfix's: smoke test, dist dir follow
        matrix = BuildMatrix(config, ctx.journal, listener=ctx.listener)
        build_id = await ctx.offload(matrix.run(assign(config), run=ctx.run_id))
        assert matrix.finished is not None  # a run that returns has journaled its end
        summary = ", ".join(f"{t}: {o}" for t, o in matrix.finished.results.items())
        if matrix.finished.status == BuildStatus.OK:
            return Outcome(StepStatus.OK, f"build {build_id}: {summary}; artifacts in {matrix.dist}")
        return Outcome(StepStatus.FAILED, f"build {build_id}: {summary} (details: builds screen, b)")

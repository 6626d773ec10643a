"""A GitHub Actions builder's run in one build: the workflow dispatched once for all of the
builder's targets (or, on a retry, the earlier run's failed jobs run again), and the run it
started found among the workflow's runs: new, on the ref, triggered by this token's user (a
run someone else started at the same moment is not ours). A version already released with
every asset is not dispatched again."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cockpit.builds.plan import Assignment
from cockpit.forge.actions import ActionsApi


class Dispatched:
    """One builder's run in one build (its targets share it)."""

    def __init__(self, api: ActionsApi, a: Assignment, values: dict[str, str],
                 earlier: int = 0) -> None:
        self.api, self.builder, self.values = api, a.builder, values
        self.earlier = earlier
        """A retry's: the run whose failed jobs are run again (0: dispatch afresh)."""
        self.run_id = 0
        self.url = ""
        self.released = False
        """The version was released already: nothing dispatched."""

    async def start(self, assets: list[str], tag: str) -> str:
        b = self.builder
        assert b.workflow is not None
        present = await self.api.release_assets(tag) or {}
        if all(name in present and f"{name}.sha256" in present for name in assets):
            self.released = True
            return f"{tag} is released with every asset: fetched, not dispatched again"
        if self.earlier and (await self.api.run(self.earlier)).get("conclusion") in {
                "failure", "cancelled", "timed_out"}:
            await self.api.rerun_failed(self.earlier)
            self.run_id = self.earlier
            self.url = str((await self.api.run(self.earlier)).get("html_url", ""))
            return f"run {self.run_id} of {b.workflow}: its failed jobs run again"
        actor = await self.api.login()
        before = {int(r["id"]) for r in await self.api.runs(b.workflow, b.ref)}
        since = datetime.now(UTC)
        inputs = {k: v.format(**self.values) for k, v in b.inputs.items()}
        await self.api.dispatch(b.workflow, b.ref, inputs)
        run = await self.api.find_run(b.workflow, b.ref, before, actor, since, poll=b.poll,
                                      timeout=max(60.0, b.poll * 12))
        self.run_id, self.url = int(run["id"]), str(run.get("html_url", ""))
        shown = ", ".join(f"{k}={v}" for k, v in inputs.items())
        return f"run {self.run_id} of {b.workflow} on {b.ref}" + (f" ({shown})" if shown else "")

    async def cancel(self) -> None:
        if self.run_id:
            await self.api.cancel(self.run_id)


def values(config: Any) -> dict[str, str]:
    """What a dispatch's inputs may name."""
    return {"version": config.release.version, "tag": f"v{config.release.version}",
            "name": config.release.name}

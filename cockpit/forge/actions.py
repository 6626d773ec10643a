"""GitHub Actions over REST, as a builder uses it: dispatch a workflow, find the run it started
(not another run of the same workflow), follow its jobs and their steps, fetch a job's log,
cancel, and download a release asset. Calls go through the forge's client (its token, its
rate budget, its conditional requests); a 5xx, a dropped connection or a secondary rate limit
is retried with backoff, up to a limit, then raised as retryable.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from cockpit.forge.github import GitHubForge
from cockpit.forge.model import ForgeError

TRIES = 6
"""Calls to a failing API before its builder is lost (backoff 1, 2, 4, 8, 16 s between)."""


@dataclass(frozen=True)
class Step:
    name: str
    status: str
    conclusion: str | None
    seconds: float | None


@dataclass(frozen=True)
class Job:
    id: int
    name: str
    status: str
    """queued | in_progress | completed (| waiting | pending)"""
    conclusion: str | None
    steps: tuple[Step, ...]


@dataclass
class ActionsApi:
    forge: GitHubForge
    backoff: float = 1.0
    """Seconds before the first retry (doubled each time)."""
    retries: int = field(default=0)
    """Retries so far (for what the builder says)."""

    async def _retrying(self, method: str, path: str, **kwargs: Any) -> Any:
        return await self._retry(lambda: self.forge._call(method, path, **kwargs))

    async def _json(self, path: str) -> Any:
        """A conditional GET (an unchanged answer, 304, costs no rate budget), retried."""
        return await self._retry(lambda: self.forge._get_json(path))

    async def _retry(self, call: Callable[[], Awaitable[Any]]) -> Any:
        """`call` again after a 5xx, a lost connection or a secondary rate limit, with
        backoff (a secondary limit: at least as long as it asks), up to TRIES calls."""
        wait = self.backoff
        for attempt in range(TRIES):
            try:
                return await call()
            except ForgeError as exc:
                secondary = "secondary rate limit" in str(exc).lower()
                if not (exc.retryable or secondary) or attempt == TRIES - 1:
                    raise
                self.retries += 1
                await asyncio.sleep(max(wait, exc.retry_after or 0) if secondary else wait)
                wait *= 2
        raise AssertionError("unreachable")

    async def login(self) -> str:
        """Who the token is (the runs it starts are triggered by them)."""
        response = await self._retrying("GET", f"{self.forge.api_url.rstrip('/')}/user")
        return str(response.json().get("login", ""))

    async def runs(self, workflow: str, ref: str) -> list[dict[str, Any]]:
        """The workflow's dispatched runs on `ref`, newest first."""
        response = await self._retrying(
            "GET", f"/actions/workflows/{quote(workflow, safe='')}/runs",
            params={"event": "workflow_dispatch", "branch": ref, "per_page": 30})
        return list(response.json().get("workflow_runs", []))

    async def dispatch(self, workflow: str, ref: str, inputs: dict[str, str]) -> None:
        await self._retrying("POST", f"/actions/workflows/{quote(workflow, safe='')}/dispatches",
                             ok=(204,), json={"ref": ref, "inputs": inputs})

    async def find_run(self, workflow: str, ref: str, before: set[int], actor: str,
                       since: datetime, *, poll: float, timeout: float) -> dict[str, Any]:
        """The run the dispatch just started: new since `before`, on `ref`, triggered by
        `actor`, created at or after `since` (the earliest such: a run someone else started
        at the same moment is not ours)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            mine = [r for r in await self.runs(workflow, ref)
                    if int(r["id"]) not in before and _by(r, actor)
                    and _when(str(r.get("created_at", ""))) >= since.replace(microsecond=0)]
            if mine:
                return min(mine, key=lambda r: (str(r.get("created_at", "")), int(r["id"])))
            if asyncio.get_running_loop().time() > deadline:
                raise ForgeError(f"the dispatch of {workflow} on {ref} started no run we can "
                                 f"find within {timeout:g}s", "look at the workflow's runs on "
                                 "the forge; check that the workflow has a workflow_dispatch "
                                 "trigger on that ref")
            await asyncio.sleep(poll)

    async def run(self, run_id: int) -> dict[str, Any]:
        response = await self._retrying("GET", f"/actions/runs/{run_id}")
        return dict(response.json())

    async def jobs(self, run_id: int) -> list[Job]:
        """The run's jobs (its latest attempt), asked conditionally."""
        found = await self._json(f"/actions/runs/{run_id}/jobs?per_page=100")
        return [Job(int(j["id"]), str(j["name"]), str(j["status"]), j.get("conclusion"),
                    tuple(Step(str(s["name"]), str(s["status"]), s.get("conclusion"),
                               _seconds(s)) for s in j.get("steps", [])))
                for j in found.get("jobs", [])]

    async def job_log(self, job_id: int) -> str:
        """The job's log (GitHub answers with a redirect to where it lies)."""
        response = await self._retrying("GET", f"/actions/jobs/{job_id}/logs",
                                        follow_redirects=True)
        return str(response.text)

    async def rerun_failed(self, run_id: int) -> None:
        """A new attempt of the run, of its failed jobs only."""
        await self._retrying("POST", f"/actions/runs/{run_id}/rerun-failed-jobs", ok=(201,))

    async def cancel(self, run_id: int) -> None:
        await self._retrying("POST", f"/actions/runs/{run_id}/cancel", ok=(202, 409))

    async def release_assets(self, tag: str) -> dict[str, dict[str, Any]] | None:
        """The release's assets by name (None while no release has that tag)."""
        try:
            response = await self._retrying("GET", f"/releases/tags/{quote(tag, safe='')}")
        except ForgeError as exc:
            if " 404" in str(exc):
                return None
            raise
        return {str(a["name"]): a for a in response.json().get("assets", [])}

    async def download(self, asset: dict[str, Any]) -> bytes:
        """An asset's bytes (the API's URL redirects to the file; the token is not sent on)."""
        response = await self._retrying("GET", str(asset["url"]), follow_redirects=True,
                                        headers={"Accept": "application/octet-stream"})
        return bytes(response.content)

    async def artifacts(self, run_id: int) -> dict[str, dict[str, Any]]:
        """The run's workflow artifacts by name (expired ones left out)."""
        response = await self._retrying("GET", f"/actions/runs/{run_id}/artifacts",
                                        params={"per_page": 100})
        return {str(a["name"]): a for a in response.json().get("artifacts", [])
                if not a.get("expired")}

    async def artifact_zip(self, artifact: dict[str, Any]) -> bytes:
        """An artifact as the zip GitHub makes of it (a redirect to where it lies)."""
        response = await self._retrying("GET", str(artifact["archive_download_url"]),
                                        follow_redirects=True)
        return bytes(response.content)


def _by(run: dict[str, Any], actor: str) -> bool:
    who = run.get("triggering_actor") or run.get("actor") or {}
    return not actor or str(who.get("login", "")) == actor


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _seconds(step: dict[str, Any]) -> float | None:
    start, end = step.get("started_at"), step.get("completed_at")
    if not start or not end:
        return None
    return (_when(str(end)) - _when(str(start))).total_seconds()

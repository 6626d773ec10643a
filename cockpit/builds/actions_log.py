"""A GitHub Actions target's job log, fetched when the operator asks (`l` in builds mode), during
the build or after it: into the target's log (pane, file, journal: redacted) like the log
fetched when the job ends.

GitHub writes a job's log when the job ends: asked while it is queued or running, the log's
address leads nowhere (a 404 behind the redirect). That is said as what it is, with the job's
status, not as a missing job; a job cancelled before it started never has one.
"""

from __future__ import annotations

from dataclasses import dataclass

from cockpit.builds.naming import log_path
from cockpit.config import BuilderConfig, Config
from cockpit.forge.actions import ActionsApi, Job
from cockpit.forge.model import ForgeError
from cockpit.journal.events import Output
from cockpit.journal.recorder import Recorder
from cockpit.journal.store import Journal


def job_for(jobs: list[Job], builder: BuilderConfig, target: str) -> Job | None:
    """The target's job: the one the builder's `jobs` names, else the one whose name holds the
    target's triple."""
    wanted = builder.jobs.get(target)
    return next((j for j in jobs if (j.name == wanted if wanted else target in j.name)), None)


@dataclass(frozen=True)
class Followed:
    """What the journal says of a target's latest build (`state.builds.TargetState`)."""

    target: str
    builder: str
    run_id: str
    workflow_run: int
    job: int


async def fetch_job_log(config: Config, journal: Journal, state: Followed) -> str:
    """Fetch the target's job log now; what happened, in one line for a toast."""
    from cockpit.forge.github import GitHubForge, github_token

    builder = next((b for b in config.builders if b.name == state.builder), None)
    if builder is None or builder.kind != "github-actions":
        return (f"{state.target} was built on {state.builder}, not by GitHub Actions: its "
                "whole log is in its pane already")
    if not state.workflow_run:
        return (f"{state.target} has no workflow run yet (or its release was fetched, not "
                "built): nothing to fetch")
    f = config.forge
    try:
        api = ActionsApi(GitHubForge(f.api_url, f.repository or "", github_token()), backoff=0.5)
    except ForgeError as exc:
        return str(exc)
    try:
        jobs = await api.jobs(state.workflow_run)
        job = next((j for j in jobs if j.id == state.job), None) or job_for(jobs, builder,
                                                                             state.target)
        if job is None:
            return f"run {state.workflow_run} has no job for {state.target} yet"
        if job.status != "completed":
            return (f"job {job.name!r} is {job.status.replace('_', ' ')}: GitHub writes a job's "
                    "log when the job ends (it is fetched then, into this pane)")
        try:
            log = await api.job_log(job.id)
        except ForgeError as exc:
            if " 404" in str(exc) and job.conclusion in {"cancelled", "skipped"}:
                return f"job {job.name!r} was {job.conclusion} before it wrote a log"
            raise
    except ForgeError as exc:
        return f"the log of {state.target}'s job could not be fetched: {exc}"
    finally:
        await api.forge.close()
    lines = [f"── the job's log ({job.name}), fetched on request ──", *log.splitlines()]
    event = Recorder(journal)(Output(text="\n".join(lines), count=len(lines)), state.run_id,
                              state.target)
    path = log_path(journal.path, state.run_id, state.target)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:  # as journaled: redacted
        out.write(f"{event.data['text']}\n")
    return f"fetched the log of job {job.name!r}: {len(lines) - 1} lines, in {state.target}'s pane"

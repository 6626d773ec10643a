"""A target built by GitHub Actions: the repository's release workflow, dispatched once per build
for all of the builder's targets, its job per target followed step by step, then the binary it
uploaded to the release fetched and checked here, in the same grid columns as every builder:

  sync      the dispatch, and the run it started (found among the workflow's runs: new, on the
            ref, triggered by this token's user; a run someone else started is not ours)
  build     the target's job, each step as it completes (with its time); a failed job's log
  size      the fetched binary (or the one in the fetched archive) against the budget
  smoke     `--version` here where this machine runs the target, else "not runnable here"
  package   what the workflow packaged, as the release names it
  checksum  the asset against the workflow's `.sha256`
  fetch     both written to dist/<version>/ (a version the workflow already released, its
            assets present and verified, is fetched without dispatching again)
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import shlex
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from cockpit.builds.actions_log import job_for
from cockpit.builds.actions_run import Dispatched
from cockpit.builds.naming import asset_name
from cockpit.builds.plan import Assignment
from cockpit.builds.stages import Matrix, StageFailed
from cockpit.executors.ssh import BuilderError
from cockpit.executors.toolchain import host_triple
from cockpit.forge.actions import Job
from cockpit.forge.model import ForgeError
from cockpit.journal.events import BuildProgress, Output

LOW_BUDGET = 50
"""Requests left to the token below which a run is looked at once a minute (the metrics stop
at 100: `metrics.poller.FORGE_RESERVE`; what is left goes to the publish)."""
LOW_BUDGET_POLL = 60.0


class ActionsStages:
    """One target's stages on a GitHub Actions builder."""

    def __init__(self, matrix: Matrix, run_id: str, a: Assignment,
                 dispatched: Callable[[], asyncio.Future[str]], run: Dispatched) -> None:
        self.m, self.config, self.run_id, self.a = matrix, matrix.config, run_id, a
        self._dispatched, self.run = dispatched, run
        self.asset = asset_name(self.config, a.target)
        self.tag = f"v{self.config.release.version}"
        self.data = b""
        self.low = False
        """The rate budget's being low was said (once)."""
        self.digest = ""
        self.binary = b""

    def say(self, *lines: str) -> None:
        event = self.m.log(Output(text="\n".join(lines), count=len(lines)), self.run_id,
                           self.a.target)
        self.m.log_file(self.run_id, self.a.target).write(f"{event.data['text']}\n")

    def _failed(self, what: str, exc: ForgeError) -> StageFailed | BuilderError:
        """The API failing on and on (5xx, unreachable, past the retries) loses the builder
        for this build; anything else (a 404, a refusal) fails the stage, with its fix."""
        problem = exc.problems[0]
        if exc.retryable:
            return BuilderError(self.a.builder.name, f"{what}: {problem.message}", "the run may "
                                "go on on GitHub: look there, then retry the target", lost=True)
        return StageFailed(f"{what}: {problem.message}" + (f" ({problem.fix})" if problem.fix
                                                           else ""))

    async def stage_sync(self) -> str:
        try:
            said = await asyncio.shield(self._dispatched())
        except ForgeError as exc:
            raise self._failed("dispatch", exc) from None
        if self.run.url:
            self.say(f"workflow run: {self.run.url}")
        return said

    async def stage_build(self) -> str:
        if self.run.released:
            return "built by an earlier run (the release has its assets)"
        b = self.a.builder
        deadline = time.monotonic() + b.timeout_minutes * 60
        shown, found = 0, 0
        self._progress(0)
        while True:
            try:
                job = self._job(await self.run.api.jobs(self.run.run_id))
            except ForgeError as exc:
                raise self._failed(f"following run {self.run.run_id}", exc) from None
            if job is not None:
                done = [s for s in job.steps if s.status == "completed"]
                for step in done[shown:]:
                    took = f" ({step.seconds:.0f}s)" if step.seconds is not None else ""
                    mark = "✓" if step.conclusion in {"success", "skipped"} else "✗"
                    self.say(f"{mark} {step.name}{took}: {step.conclusion}")
                if len(done) > shown or job.id != found:  # the job's id kept: `l` fetches its log
                    shown, found = len(done), job.id
                    self._progress(shown, job, done[-1].name if done else "")
                if job.status == "completed":
                    return await self._ended(job)
            if time.monotonic() > deadline:
                raise StageFailed(f"run {self.run.run_id} took longer than {b.timeout_minutes:g}"
                                  " minutes: cancel it on the forge or raise timeout_minutes")
            await asyncio.sleep(self._pace(job is not None and job.status == "in_progress"))

    def _pace(self, running: bool) -> float:
        """Seconds to the next look: the builder's poll while the job runs, a third as often
        while it waits (a queue moves slowly), once a minute while the token's budget, shared
        with the metrics and the publish, is low."""
        wait = self.a.builder.poll if running else self.a.builder.poll * 3
        left = self.run.api.forge.budget.remaining
        if left is None or left >= LOW_BUDGET:
            return wait
        if not self.low:
            self.low = True
            self.say(f"the forge's rate budget is down to {left} requests: looking at the run "
                     "once a minute until it resets, to leave the rest to the publish")
        return max(wait, LOW_BUDGET_POLL)

    def _progress(self, steps: int, job: Job | None = None, last: str = "") -> None:
        self.m.log(BuildProgress(compiled=steps, total=len(job.steps) if job else None,
                                 crate=last, unit="steps", workflow_run=self.run.run_id,
                                 job=job.id if job else 0), self.run_id, self.a.target)

    def _job(self, jobs: list[Job]) -> Job | None:
        if (job := job_for(jobs, self.a.builder, self.a.target)) is not None:
            return job
        if jobs and all(j.status == "completed" for j in jobs):
            raise StageFailed(f"run {self.run.run_id} has no job for {self.a.target} (jobs: "
                              f"{', '.join(j.name for j in jobs)}): name it in the builder's "
                              f"jobs = {{ \"{self.a.target}\" = \"JOB NAME\" }}")
        return None

    async def _ended(self, job: Job) -> str:
        """The job's log into the target's (pane, file, journal: redacted), then its verdict."""
        try:
            log = await self.run.api.job_log(job.id)
            self.say(f"── the job's log ({job.name}) ──", *log.splitlines())
        except ForgeError as exc:
            self.say(f"(the job's log could not be fetched: {exc})")
        if job.conclusion != "success":
            failed = next((s.name for s in job.steps if s.conclusion == "failure"), "?")
            raise StageFailed(f"job {job.name!r} {job.conclusion} at step {failed!r}")
        return f"job {job.name!r}: {len(job.steps)} steps ok"

    async def _fetch(self) -> None:
        if self.a.builder.binaries == "artifacts" and not self.run.released:
            return await self._fetch_artifact()
        assets = await self.run.api.release_assets(self.tag) or {}
        missing = [n for n in (self.asset, f"{self.asset}.sha256") if n not in assets]
        if missing:
            raise StageFailed(f"the release {self.tag} has no {', '.join(missing)} (the workflow "
                              "uploads them): check its upload step, or set the builder's "
                              f"assets = {{ \"{self.a.target}\" = \"NAME\" }}")
        self.data = await self.run.api.download(assets[self.asset])
        self.sums = (await self.run.api.download(assets[f"{self.asset}.sha256"])).decode()

    async def _fetch_artifact(self) -> None:
        """The run's artifact named like the asset: the file in its zip, and the workflow's
        `.sha256` beside it (else one made here, the zip's own checks having held)."""
        found = await self.run.api.artifacts(self.run.run_id)
        if self.asset not in found:
            raise StageFailed(f"run {self.run.run_id} has no artifact {self.asset} (it has: "
                              f"{', '.join(sorted(found)) or 'none'}): name the workflow's "
                              f"upload-artifact {self.asset}, or set the builder's assets")
        zipped = await self.run.api.artifact_zip(found[self.asset])
        self.data, sums = await asyncio.to_thread(self._unzip, zipped)  # off the build's loop
        self.sums = sums or f"{self._digest()}  {self.asset}\n"

    def _unzip(self, zipped: bytes) -> tuple[bytes, str]:
        """The asset in the artifact's zip, and the workflow's `.sha256` beside it ("": none)."""
        try:
            with zipfile.ZipFile(io.BytesIO(zipped)) as archive:
                names = {Path(n).name: n for n in archive.namelist()}
                inside = names.get(self.asset) or names.get(self.config.build.binary)
                if inside is None:
                    raise StageFailed(f"artifact {self.asset} holds no {self.asset}")
                sums = names.get(f"{self.asset}.sha256")
                return archive.read(inside), archive.read(sums).decode() if sums else ""
        except zipfile.BadZipFile as exc:
            raise StageFailed(f"artifact {self.asset} is not a zip: {exc}") from None

    def _digest(self) -> str:
        """The fetched asset's SHA-256, computed once."""
        if not self.digest:
            self.digest = hashlib.sha256(self.data).hexdigest()
        return self.digest

    async def stage_size(self) -> str:
        try:
            await self._fetch()
        except ForgeError as exc:
            raise self._failed(f"fetching {self.asset}", exc) from None
        self.binary = await asyncio.to_thread(self._binary)
        await asyncio.to_thread(self._digest)
        size_mb = len(self.binary) / 1_000_000
        budget = self.config.build.max_size_mb
        if size_mb > budget:
            raise StageFailed(f"{size_mb:.2f} MB is over the {budget:g} MB budget")
        return f"{size_mb:.2f} MB of {budget:g} MB"

    def _binary(self) -> bytes:
        if not self.asset.endswith(".tar.gz"):
            return self.data
        with tarfile.open(fileobj=io.BytesIO(self.data), mode="r:gz") as archive:
            member = next((m for m in archive.getmembers() if m.isfile() and
                           Path(m.name).name.startswith(self.config.build.binary)), None)
            extracted = archive.extractfile(member) if member is not None else None
            if extracted is None:
                raise StageFailed(f"{self.asset} holds no {self.config.build.binary}")
            return extracted.read()

    async def stage_smoke(self) -> str:
        runner = self.a.builder.runners.get(self.a.target, "")
        if not runner and self.a.target != host_triple():
            return f"not runnable here ({self.a.target})"
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / self.config.build.binary
            path.write_bytes(self.binary)
            path.chmod(0o755)
            proc = await asyncio.create_subprocess_shell(
                f"{runner + ' ' if runner else ''}{shlex.quote(str(path))} --version",
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
            try:
                out, _ = await asyncio.wait_for(proc.communicate(), 60)
            except TimeoutError:
                proc.kill()  # a binary that hangs on --version: stopped, and said
                await proc.wait()
                raise StageFailed("smoke test: `--version` did not end within 60 s") from None
        said = out.decode(errors="replace").strip()
        self.say(said)
        if proc.returncode != 0 or self.config.release.version not in said:
            raise StageFailed(f"smoke test: the binary says {said!r} (exit {proc.returncode}), "
                              f"the release is {self.config.release.version}")
        return said

    async def stage_package(self) -> str:
        return f"{self.asset} (packaged by the workflow)"

    async def stage_checksum(self) -> str:
        actual = self._digest()
        expected = self.sums.split()
        if expected[:1] != [actual]:
            raise StageFailed(f"checksum mismatch for {self.asset}: the workflow's .sha256 says "
                              f"{(expected or ['nothing'])[0][:16]}…, the file is {actual[:16]}…")
        return actual[:16] + "…"

    async def stage_fetch(self) -> str:
        dist = self.m.dist
        dist.mkdir(parents=True, exist_ok=True)
        (dist / self.asset).write_bytes(self.data)
        (dist / f"{self.asset}.sha256").write_text(
            f"{self._digest()}  {self.asset}\n")
        where = f" from run {self.run.run_id}" if self.run.run_id else f" from {self.tag}"
        return f"verified {self.asset}{where}"

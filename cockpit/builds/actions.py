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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cockpit.builds.naming import asset_name
from cockpit.builds.plan import Assignment
from cockpit.builds.stages import Matrix, StageFailed
from cockpit.executors.ssh import BuilderError
from cockpit.executors.toolchain import host_triple
from cockpit.forge.actions import ActionsApi, Job
from cockpit.forge.model import ForgeError
from cockpit.journal.events import BuildProgress, Output


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


class ActionsStages:
    """One target's stages on a GitHub Actions builder."""

    def __init__(self, matrix: Matrix, run_id: str, a: Assignment,
                 dispatched: Callable[[], asyncio.Future[str]], run: Dispatched) -> None:
        self.m, self.config, self.run_id, self.a = matrix, matrix.config, run_id, a
        self._dispatched, self.run = dispatched, run
        self.asset = asset_name(self.config, a.target)
        self.tag = f"v{self.config.release.version}"
        self.data = b""
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
        shown = 0
        self.m.log(BuildProgress(compiled=0, unit="steps"), self.run_id, self.a.target)
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
                if len(done) > shown:
                    shown = len(done)
                    self.m.log(BuildProgress(compiled=shown, total=len(job.steps),
                                             crate=done[-1].name, unit="steps"),
                               self.run_id, self.a.target)
                if job.status == "completed":
                    return await self._ended(job)
            if time.monotonic() > deadline:
                raise StageFailed(f"run {self.run.run_id} took longer than {b.timeout_minutes:g}"
                                  " minutes: cancel it on the forge or raise timeout_minutes")
            running = job is not None and job.status == "in_progress"
            await asyncio.sleep(b.poll if running else b.poll * 3)  # a queue moves slowly

    def _job(self, jobs: list[Job]) -> Job | None:
        wanted = self.a.builder.jobs.get(self.a.target)
        for job in jobs:
            if (job.name == wanted) if wanted else (self.a.target in job.name):
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
        try:
            with zipfile.ZipFile(io.BytesIO(await self.run.api.artifact_zip(
                    found[self.asset]))) as archive:
                names = {Path(n).name: n for n in archive.namelist()}
                inside = names.get(self.asset) or names.get(self.config.build.binary)
                if inside is None:
                    raise StageFailed(f"artifact {self.asset} holds no {self.asset}")
                self.data = archive.read(inside)
                sums = names.get(f"{self.asset}.sha256")
                self.sums = (archive.read(sums).decode() if sums else
                             f"{hashlib.sha256(self.data).hexdigest()}  {self.asset}\n")
        except zipfile.BadZipFile as exc:
            raise StageFailed(f"artifact {self.asset} is not a zip: {exc}") from None

    async def stage_size(self) -> str:
        try:
            await self._fetch()
        except ForgeError as exc:
            raise self._failed(f"fetching {self.asset}", exc) from None
        self.binary = self._binary()
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
        actual = hashlib.sha256(self.data).hexdigest()
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
            f"{hashlib.sha256(self.data).hexdigest()}  {self.asset}\n")
        where = f" from run {self.run.run_id}" if self.run.run_id else f" from {self.tag}"
        return f"verified {self.asset}{where}"


def values(config: Any) -> dict[str, str]:
    """What a dispatch's inputs may name."""
    return {"version": config.release.version, "tag": f"v{config.release.version}",
            "name": config.release.name}

"""The build matrix: every target built on a builder that serves it, then verified and packaged.

Stages per target: sync (the release repository's checked-out commit, sent as a `git archive`
over the SSH connection itself), build (cargo, with progress from its JSON messages), size,
smoke (`--version` on the builder or under a configured runner such as qemu-aarch64), package
(reproducible tar.gz or bare binary), checksum (`<asset>.sha256` in `shasum -a 256` form) and
fetch (remote artifacts copied back and their checksums verified here). Targets run in parallel,
at most `max_jobs` per builder; a failing builder fails only its own targets. Every stage and
line of output is journaled first.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import shlex
import time
import tomllib
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from cockpit import gitrepo
from cockpit.builds.naming import asset_name, dist_dir, os_arch, release_files
from cockpit.config import BuilderConfig, Config
from cockpit.errors import CockpitError, Problem
from cockpit.executors.local import CommandResult, LineSink, LocalRunner, text_of
from cockpit.executors.ssh import BuilderError, SshBuilder
from cockpit.executors.toolchain import host_triple
from cockpit.journal.events import (
    BuildFinished,
    BuildProgress,
    BuildStage,
    BuildStarted,
    BuildStatus,
    BuildTarget,
    GroupState,
    Output,
    Payload,
    RemoteGroup,
    StageState,
    TargetStatus,
)
from cockpit.journal.store import Event, Journal

STAGES = ("sync", "build", "size", "smoke", "package", "checksum", "fetch")


class Executor(Protocol):
    """Where a target's commands run: this machine or an SSH builder."""

    name: str

    async def run(self, command: str, *, cwd: str | None = None,
                  env: Mapping[str, str] | None = None, sink: LineSink | None = None,
                  stdin: bytes | None = None, timeout: float | None = None) -> CommandResult: ...

    async def read_file(self, path: str) -> bytes: ...


class LocalExecutor:
    def __init__(self, name: str, runner: LocalRunner | None = None) -> None:
        self.name = name
        self.runner = runner or LocalRunner()

    async def run(self, command: str, *, cwd: str | None = None,
                  env: Mapping[str, str] | None = None, sink: LineSink | None = None,
                  stdin: bytes | None = None, timeout: float | None = None) -> CommandResult:
        return await self.runner.run(command, cwd=Path(cwd) if cwd else None, env=env,
                                     sink=sink, timeout=timeout)

    async def read_file(self, path: str) -> bytes:
        return Path(path).read_bytes()


@dataclass(frozen=True)
class Assignment:
    target: str
    builder: BuilderConfig


def assign(config: Config, targets: list[str] | None = None,
           builder: str | None = None) -> list[Assignment]:
    """Each target on the first builder that serves it (or on `builder` when given)."""
    names = [b.name for b in config.builders]
    if builder is not None and builder not in names:
        raise CockpitError([Problem(f"no builder named {builder!r}", file=config.source,
                                    field="builders", fix="builders: " + ", ".join(names))])
    wanted = targets or config.build.targets or [host_triple()]
    out = []
    for target in wanted:
        candidates = [b for b in config.builders if (builder is None or b.name == builder) and
                      (target in b.targets or (b.kind == "local" and not b.targets))]
        if not candidates:
            serving = [b.name for b in config.builders if target in b.targets]
            raise CockpitError([Problem(
                f"no builder{' named ' + builder if builder else ''} serves {target}",
                file=config.source, field="builders",
                fix=("builders that serve it: " + ", ".join(serving)) if serving else
                f"add {target!r} to the targets of a [[builders]] entry")])
        out.append(Assignment(target, candidates[0]))
    return out


class StageFailed(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def leftover_groups(journal: Journal, builder: str) -> list[tuple[str, int]]:
    """(job, pgid) of the remote process groups on `builder` that started and never ended
    (their connection was lost): candidates to stop on the next connection."""
    running: dict[str, int] = {}
    for event in journal.events(kinds=[RemoteGroup.KIND]):
        group = event.payload
        if not isinstance(group, RemoteGroup) or group.builder != builder:
            continue
        if group.state == GroupState.RUNNING:
            running[group.job] = group.pgid
        else:
            running.pop(group.job, None)
    return list(running.items())


class BuildMatrix:
    """Runs assignments in parallel and journals every stage."""

    def __init__(self, config: Config, journal: Journal, *,
                 listener: Callable[[list[Event]], None] | None = None) -> None:
        self.config = config
        self.journal = journal
        self.listener = listener
        self._executors: dict[str, Any] = {}
        self._connecting: dict[str, asyncio.Future[None]] = {}
        self._tasks: dict[str, asyncio.Future[str]] = {}
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._hosts: dict[str, str] = {}
        self.total: int | None = None
        self.finished: BuildFinished | None = None
        """How the last run ended (also in the journal)."""
        self._logs: dict[str, IO[str]] = {}

    def _log(self, payload: Payload, run_id: str | None, step: str | None = None) -> Event:
        event = self.journal.record(payload, run_id=run_id, step=step)
        if self.listener is not None:
            self.listener([event])
        return event

    def cancel_target(self, target: str) -> bool:
        """Stop one target (its processes on its builder); the others go on."""
        task = self._tasks.get(target)
        if task is None or task.done():
            return False
        task.get_loop().call_soon_threadsafe(task.cancel)  # the matrix may run on another thread
        return True

    def log_file(self, run_id: str, target: str) -> IO[str]:
        """The target's full log on disk, beside the journal (the panes keep only the end)."""
        key = f"{run_id}/{target}"
        if key not in self._logs:
            path = self.journal.path.parent / "logs" / run_id / f"{target}.log"
            path.parent.mkdir(parents=True, exist_ok=True)
            self._logs[key] = path.open("a", encoding="utf-8", buffering=1 << 16)
        return self._logs[key]

    @property
    def dist(self) -> Path:
        return dist_dir(self.config)

    def commit(self) -> str:
        commit = gitrepo.head_commit(self.config.repo)
        if commit is None:
            raise CockpitError([Problem(f"{self.config.repo} has no commit checked out",
                                        field="release.repo", fix="commit, then build")])
        return commit

    def total_units(self) -> int | None:
        """Packages in Cargo.lock: the build's unit count, near enough for progress. Read from
        the file, not `cargo metadata`, which would contend with the build for cargo's lock."""
        try:
            lock = tomllib.loads((self.config.repo / "Cargo.lock").read_text())
        except (OSError, tomllib.TOMLDecodeError):
            return None
        packages = lock.get("package")
        return len(packages) if isinstance(packages, list) else None

    async def run(self, assignments: list[Assignment], *, retry_of: str | None = None) -> str:
        """Build every assignment; return the build run id. Status is in the journal."""
        run_id = "b-" + uuid.uuid4().hex[:8]
        commit = self.commit()
        self.total = self.total_units()
        targets = [{"target": a.target, "builder": a.builder.name} for a in assignments]
        self._log(BuildStarted(targets=targets, commit=commit, retry_of=retry_of), run_id)
        results: dict[str, str] = {}
        self._tasks = {a.target: asyncio.ensure_future(self._target(run_id, a, commit))
                       for a in assignments}
        try:
            outcomes = await asyncio.gather(*self._tasks.values(), return_exceptions=True)
            for a, outcome in zip(assignments, outcomes, strict=True):
                results[a.target] = (outcome if isinstance(outcome, str) else
                                     TargetStatus.CANCELLED
                                     if isinstance(outcome, asyncio.CancelledError) else
                                     TargetStatus.FAILED)
            if all(v == TargetStatus.OK for v in results.values()):
                self._checksums()
        finally:
            for executor in self._executors.values():
                if isinstance(executor, SshBuilder):
                    await executor.close()
            self._executors.clear()
            self._connecting.clear()
            for log in self._logs.values():
                log.close()
            self._logs.clear()
            outcomes_seen = set(results.values())
            ok, cancelled = TargetStatus.OK, TargetStatus.CANCELLED
            status = (BuildStatus.OK if outcomes_seen == {ok}
                      else BuildStatus.CANCELLED if not results or outcomes_seen == {cancelled}
                      else BuildStatus.INCOMPLETE if outcomes_seen == {ok, cancelled}
                      else BuildStatus.FAILED)
            self.finished = BuildFinished(status=status, results=results)
            self._log(self.finished, run_id)
        return run_id

    async def _executor(self, builder: BuilderConfig) -> Executor:
        """One executor per builder; an SSH builder connects once for all its targets."""
        if builder.name not in self._executors:
            if builder.kind == "local":
                self._executors[builder.name] = LocalExecutor(builder.name)
            else:
                remote = SshBuilder(builder, self.config.base)
                self._executors[builder.name] = remote
                self._connecting[builder.name] = asyncio.ensure_future(self._connect(remote))
        if builder.name in self._connecting:
            await asyncio.shield(self._connecting[builder.name])
        executor: Executor = self._executors[builder.name]
        return executor

    async def _connect(self, remote: SshBuilder) -> None:
        """Connect, then stop what a lost connection to this builder left running: the
        journal knows every remote process group that started and never ended."""
        await remote.connect()
        name = remote.name

        def on_group(job: str, pgid: int, state: str) -> None:
            self._log(RemoteGroup(builder=name, job=job, pgid=pgid, state=GroupState(state)), None)

        remote.on_group = on_group
        settled = await remote.sweep(leftover_groups(self.journal, name))
        for job, pgid, outcome in settled:
            self._log(RemoteGroup(builder=name, job=job, pgid=pgid, state=GroupState(outcome),
                                  leftover=True), None)

    async def _target(self, run_id: str, a: Assignment, commit: str) -> str:
        slots = self._slots.setdefault(a.builder.name, asyncio.Semaphore(a.builder.max_jobs))
        self._log(BuildTarget(builder=a.builder.name, state=TargetStatus.QUEUED), run_id, a.target)
        async with slots:
            done: list[str] = []
            stage = STAGES[0]
            try:
                executor = await self._executor(a.builder)
                context = TargetContext(self, run_id, a, commit, executor)
                for stage in STAGES:
                    t0 = time.monotonic()
                    self._log(BuildStage(stage=stage, state=StageState.RUNNING), run_id, a.target)
                    detail = await getattr(context, "stage_" + stage)()
                    self._log(BuildStage(stage=stage, state=StageState.OK, detail=detail,
                                         duration=round(time.monotonic() - t0, 3)), run_id, a.target)
                    done.append(stage)
                return TargetStatus.OK
            except (StageFailed, BuilderError) as exc:
                lost = isinstance(exc, BuilderError) and exc.lost
                message = str(exc) if isinstance(exc, BuilderError) else exc.message
                self._fail(run_id, a.target, stage, message, lost=lost)
                return TargetStatus.BUILDER_LOST if lost else TargetStatus.FAILED
            except asyncio.CancelledError:
                self._fail(run_id, a.target, stage, "cancelled by the operator", cancelled=True)
                raise

    def _fail(self, run_id: str, target: str, stage: str, message: str, *,
              lost: bool = False, cancelled: bool = False) -> None:
        # the log says how it ended, so one read later (pane, file, journal) is not a mystery
        end = f"── {stage} stopped: {message} ──"
        self.log_file(run_id, target).write(end + "\n")
        self._log(Output(text=end, count=1), run_id, target)
        self._log(BuildStage(stage=stage, state=StageState.FAILED, detail=message, lost=lost,
                             cancelled=cancelled), run_id, target)
        for later in STAGES[STAGES.index(stage) + 1:]:
            self._log(BuildStage(stage=later, state=StageState.SKIPPED), run_id, target)

    def _checksums(self) -> None:
        """SHA256SUMS over this release's assets only, once every one of them is there."""
        sums = [self.dist / name for name in release_files(self.config) if name.endswith(".sha256")]
        if all(p.is_file() for p in sums):
            (self.dist / "SHA256SUMS").write_text("".join(p.read_text() for p in sorted(sums)))


class TargetContext:
    """One target's stages on its executor."""

    def __init__(self, matrix: BuildMatrix, run_id: str, a: Assignment, commit: str,
                 executor: Executor) -> None:
        self.m = matrix
        self.config = matrix.config
        self.run_id = run_id
        self.a = a
        self.commit = commit
        self.x = executor
        self.remote = isinstance(executor, SshBuilder)
        base = executor.workdir if isinstance(executor, SshBuilder) else None
        self.src = f"{base}/src" if base else str(self.config.repo)
        self.target_dir = f"{base}/target" if base else str(self.config.repo / "target")
        self.dist = f"{base}/dist/{self.config.release.version}" if base else str(matrix.dist)
        self.asset = asset_name(self.config, a.target)
        self.compiled = 0
        self.fresh = 0
        self._last_lines: list[str] = []

    @property
    def env(self) -> dict[str, str]:
        return {**self.a.builder.env, "CARGO_TARGET_DIR": self.target_dir,
                "CARGO_TERM_COLOR": "never"}

    @property
    def binary(self) -> str:
        b = self.config.build
        name = b.binary + (".exe" if os_arch(self.a.target)[0] == "windows" else "")
        return f"{self.target_dir}/{self.a.target}/{b.profile}/{name}"

    def sink(self, lines: Sequence[str]) -> None:
        event = self.m._log(Output(text=text_of(lines), count=len(lines)), self.run_id, self.a.target)
        # the log file gets the text as journaled: redacted
        self.m.log_file(self.run_id, self.a.target).write(f"{event.data['text']}\n")

    async def sh(self, command: str, *, what: str, cwd: str | None = None,
                 stdin: bytes | None = None, sink: LineSink | None = None,
                 timeout: float | None = None) -> CommandResult:
        result = await self.x.run(command, cwd=cwd, env=self.env, sink=sink, stdin=stdin,
                                  timeout=timeout)
        if result.error:
            raise StageFailed(f"{what}: {result.error}")
        if result.timed_out:
            raise StageFailed(f"{what}: timed out")
        if result.exit_code != 0:
            last = next((ln for ln in reversed(result.tail) if ln.strip()), "")
            raise StageFailed(f"{what} failed (exit {result.exit_code}): {last}")
        return result

    async def stage_sync(self) -> str:
        if not self.remote:
            return f"commit {self.commit[:12]} (in place)"
        archive, complaint = gitrepo.archive(self.config.repo, self.commit)
        if complaint:
            raise StageFailed(f"git archive failed: {complaint}")
        src = shlex.quote(self.src)
        await self.sh(f"rm -rf {src} && mkdir -p {src} && tar -xf - -C {src} && "
                      f"echo {shlex.quote(self.commit)} > {src}/.cockpit-commit",
                      what="source sync", stdin=archive)
        return f"commit {self.commit[:12]} ({len(archive) // 1024} KiB)"

    async def stage_build(self) -> str:
        b = self.config.build
        profile = "--release" if b.profile == "release" else f"--profile {shlex.quote(b.profile)}"
        command = (f"echo building commit {self.commit}; cargo build {profile} --target "
                   f"{shlex.quote(self.a.target)} -p {shlex.quote(b.package)} "
                   "--message-format=json-render-diagnostics --color=never")
        t0 = time.monotonic()
        try:
            await self.sh(command, what="cargo build", cwd=self.src, sink=self._cargo_sink)
        except StageFailed as exc:
            if any("can't find crate for `std`" in line for line in self._last_lines):
                raise StageFailed(
                    f"the {self.a.target} standard library is missing on {self.a.builder.name}: "
                    f"`rustup target add {self.a.target}` there, or set RUSTC in the builder's "
                    "env to a toolchain that has it") from None
            errors = [ln for ln in self._last_lines if ln.startswith("error")]
            if errors:
                raise StageFailed(f"cargo build failed: {errors[0]}") from None
            raise exc
        took = time.monotonic() - t0
        if self.compiled == 0:
            return f"up to date ({self.fresh} unit(s) fresh) in {took:.1f}s"
        return f"{self.compiled} unit(s) compiled, {self.fresh} fresh, in {took:.1f}s"

    def _cargo_sink(self, lines: Sequence[str]) -> None:
        self._last_lines = [*self._last_lines, *lines[-200:]][-200:]
        text = []
        for line in lines:
            if line.startswith('{"reason":'):
                try:
                    message = json.loads(line)
                except json.JSONDecodeError:
                    text.append(line)
                    continue
                if message.get("reason") == "compiler-artifact" and message.get("fresh"):
                    self.fresh += 1
                elif message.get("reason") == "compiler-artifact":
                    self.compiled += 1
                    crate = message.get("target", {}).get("name", "")
                    self.m._log(BuildProgress(compiled=self.compiled, total=self.m.total,
                                              crate=crate), self.run_id, self.a.target)
            else:
                text.append(line)
        if len(text) == len(lines):
            self.sink(lines)  # nothing taken out: the batch as it came
        elif text:
            self.sink(text)

    async def stage_size(self) -> str:
        result = await self.sh(f"stat -c %s {shlex.quote(self.binary)}", what="size check")
        size_mb = int(result.tail[-1]) / 1_000_000
        budget = self.config.build.max_size_mb
        if size_mb > budget:
            raise StageFailed(f"{size_mb:.2f} MB is over the {budget:g} MB budget")
        return f"{size_mb:.2f} MB of {budget:g} MB"

    async def _builder_host(self) -> str:
        name = self.a.builder.name
        if not self.remote and not self.a.builder.env:
            return host_triple()
        if name not in self.m._hosts:
            result = await self.x.run("rustc -vV", env=self.env)
            host = next((ln.removeprefix("host: ") for ln in result.tail
                         if ln.startswith("host: ")), "")
            self.m._hosts[name] = host
        return self.m._hosts[name]

    async def stage_smoke(self) -> str:
        runner = self.a.builder.runners.get(self.a.target, "")
        if not runner and await self._builder_host() != self.a.target:
            raise StageFailed(f"cannot run a {self.a.target} binary on {self.a.builder.name}: "
                              f"set runners = {{ \"{self.a.target}\" = \"qemu-...\" }} on it")
        command = f"{runner + ' ' if runner else ''}{shlex.quote(self.binary)} --version"
        result = await self.sh(command, what="smoke test", sink=self.sink)
        output = " ".join(result.tail).strip()
        if self.config.release.version not in output:
            raise StageFailed(f"version mismatch: the binary says {output!r}, the release is "
                              f"{self.config.release.version}")
        return output

    async def stage_package(self) -> str:
        d, asset = shlex.quote(self.dist), shlex.quote(self.asset)
        binary = Path(self.binary)
        if self.config.build.artifact == "tar.gz":
            command = (f"mkdir -p {d} && tar --sort=name --mtime=@0 --owner=0 --group=0 "
                       f"--numeric-owner -C {shlex.quote(str(binary.parent))} -cf - "
                       f"{shlex.quote(binary.name)} | gzip -n > {d}/{asset}")
        else:
            command = f"mkdir -p {d} && cp {shlex.quote(self.binary)} {d}/{asset}"
        await self.sh(command, what="package")
        return self.asset

    async def stage_checksum(self) -> str:
        asset = shlex.quote(self.asset)
        result = await self.sh(f"sha256sum {asset} > {asset}.sha256 && cat {asset}.sha256",
                               what="checksum", cwd=self.dist)
        return result.tail[-1].split()[0][:16] + "…"

    async def stage_fetch(self) -> str:
        local = self.m.dist
        local.mkdir(parents=True, exist_ok=True)
        if self.remote:
            for name in (self.asset, self.asset + ".sha256"):
                data = await self.x.read_file(f"{self.dist}/{name}")
                (local / name).write_bytes(data)
        expected = (local / (self.asset + ".sha256")).read_text().split()
        actual = hashlib.sha256((local / self.asset).read_bytes()).hexdigest()
        if expected[:2] != [actual, self.asset]:
            raise StageFailed(f"checksum mismatch for {self.asset}: {expected[0][:16]}… on the "
                              f"builder, {actual[:16]}… here")
        return f"verified {self.asset}" + (" (fetched)" if self.remote else "")


"""The build matrix: every target built on a builder that serves it, then verified and packaged.

Stages per target: sync (the release repository's checked-out commit as a `git archive`, sent
over the SSH connection itself to a remote builder, extracted beside the journal for the local
one: the work tree is never built), build (cargo, with progress from its JSON messages), size,
smoke (`--version` on the builder or under a configured runner such as qemu-aarch64), package
(reproducible tar.gz or bare binary), checksum (`<asset>.sha256` in `shasum -a 256` form) and
fetch (remote artifacts copied back and their checksums verified here). Targets run in parallel,
at most `max_jobs` per builder; a failing builder fails only its own targets. Every stage and
line of output is journaled first.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import tomllib
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO

from cockpit import gitrepo
from cockpit.builds.actions import ActionsStages
from cockpit.builds.actions_run import Dispatched
from cockpit.builds.actions_run import values as actions_values
from cockpit.builds.leftovers import WORKING, Working, group_recorder, stop_leftovers
from cockpit.builds.naming import asset_name, dist_dir, log_path, release_files
from cockpit.builds.plan import Assignment
from cockpit.builds.stages import StageFailed, TargetStages
from cockpit.config import BuilderConfig, Config
from cockpit.errors import CockpitError, Problem
from cockpit.executors.base import Executor
from cockpit.executors.local import LocalExecutor
from cockpit.executors.ssh import BuilderError, SshBuilder
from cockpit.forge.actions import ActionsApi
from cockpit.forge.model import ForgeError
from cockpit.journal.events import (
    BUILD_STAGES,
    BuildFinished,
    BuildProgress,
    BuildStage,
    BuildStarted,
    BuildStatus,
    BuildTarget,
    Output,
    StageState,
    TargetStatus,
)
from cockpit.journal.recorder import Recorder
from cockpit.journal.row import Event
from cockpit.journal.store import Journal


class BuildMatrix:
    """Runs assignments in parallel and journals every stage."""

    def __init__(self, config: Config, journal: Journal, *,
                 listener: Callable[[list[Event]], None] | None = None) -> None:
        self.config = config
        self.journal = journal
        self.log = Recorder(journal, listener)
        """Journal a build's fact (and tell the listener, the headless printer)."""
        self._executors: dict[str, Executor] = {}
        self._connecting: dict[str, asyncio.Future[None]] = {}
        self._tasks: dict[str, asyncio.Future[str]] = {}
        self._assignments: list[Assignment] = []
        self._cancelled: set[str] = set()
        self._retry_of: str | None = None
        self._slots: dict[str, asyncio.Semaphore] = {}
        self.hosts: dict[str, str] = {}
        """Each builder's host triple, once asked."""
        self.synced: dict[str, asyncio.Future[str]] = {}
        """Each builder's source sync in the current run (its targets share it)."""
        self.total: int | None = None
        self.finished: BuildFinished | None = None
        """How the last run ended (also in the journal)."""
        self._logs: dict[str, IO[str]] = {}
        self._actions: dict[str, tuple[Dispatched, asyncio.Future[str]]] = {}
        """Each GitHub Actions builder's run in this build, and its dispatch."""
        self._api: ActionsApi | None = None

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
            path = log_path(self.journal.path, run_id, target)
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

    async def run(self, assignments: list[Assignment], *, retry_of: str | None = None,
                  run: str = "") -> str:
        """Build every assignment; return the build run id. Status is in the journal. `run`:
        the playbook run whose build step asked for it."""
        run_id = "b-" + uuid.uuid4().hex[:8]
        commit = self.commit()
        self.total = self.total_units()
        self.synced = {}
        targets = [{"target": a.target, "builder": a.builder.name} for a in assignments]
        self.log(BuildStarted(targets=targets, commit=commit, retry_of=retry_of, run=run),
                 run_id)
        results: dict[str, str] = {}
        self._assignments, self._cancelled, self._retry_of = assignments, set(), retry_of
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
                await executor.close()
            self._executors.clear()
            self._actions.clear()
            if self._api is not None:
                await self._api.forge.close()
                self._api = None
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
            self.log(self.finished, run_id)
        return run_id

    async def _executor(self, builder: BuilderConfig) -> Executor:
        """One executor per builder (the builder kinds are here); an SSH builder connects once
        for all its targets."""
        if builder.name not in self._executors:
            if builder.kind == "local":
                self._executors[builder.name] = LocalExecutor(builder.name, env=builder.env)
            else:
                remote = SshBuilder(builder, self.config.base)
                self._executors[builder.name] = remote
                self._connecting[builder.name] = asyncio.ensure_future(self._connect(remote))
        if builder.name in self._connecting:
            await asyncio.shield(self._connecting[builder.name])
        return self._executors[builder.name]

    async def _connect(self, remote: SshBuilder) -> None:
        """Connect, then stop what a lost connection to this builder left running: the
        journal knows every remote process group that started and never ended."""
        await remote.connect()
        remote.on_group = group_recorder(self, remote.name)
        await stop_leftovers(self, remote)

    async def _target(self, run_id: str, a: Assignment, commit: str) -> str:
        jobs = a.builder.max_jobs if a.builder.kind != "github-actions" else 1 << 16  # its runners
        slots = self._slots.setdefault(a.builder.name, asyncio.Semaphore(jobs))
        self.log(BuildTarget(builder=a.builder.name, state=TargetStatus.QUEUED), run_id, a.target)
        try:
            await slots.acquire()
        except asyncio.CancelledError:  # cancelled while it waited its turn
            self._fail(run_id, a.target, BUILD_STAGES[0], "cancelled by the operator while "
                       "queued", cancelled=True)
            raise
        try:
            stage = BUILD_STAGES[0]
            WORKING.set(Working(run_id, a.target, stage))
            try:
                context: TargetStages | ActionsStages
                if a.builder.kind == "github-actions":
                    context = self._actions_of(run_id, a)
                else:
                    context = TargetStages(self, run_id, a, commit,
                                           await self._executor(a.builder))
                for stage in BUILD_STAGES:
                    WORKING.set(Working(run_id, a.target, stage))
                    t0 = time.monotonic()
                    self.log(BuildStage(stage=stage, state=StageState.RUNNING), run_id, a.target)
                    detail = await getattr(context, "stage_" + stage)()
                    self.log(BuildStage(stage=stage, state=StageState.OK, detail=detail,
                                         duration=round(time.monotonic() - t0, 3)), run_id, a.target)
                return TargetStatus.OK
            except (StageFailed, BuilderError) as exc:
                lost = isinstance(exc, BuilderError) and exc.lost
                message = str(exc) if isinstance(exc, BuilderError) else exc.message
                self._fail(run_id, a.target, stage, message, lost=lost)
                return TargetStatus.BUILDER_LOST if lost else TargetStatus.FAILED
            except asyncio.CancelledError:
                self._fail(run_id, a.target, stage, "cancelled by the operator", cancelled=True)
                await self._cancel_actions(a)
                raise
        finally:
            slots.release()

    async def _cancel_actions(self, a: Assignment) -> None:
        """A workflow's run is cancelled with the last of its targets (GitHub cancels runs,
        not jobs): one target cancelled alone stops being followed, the others go on."""
        if a.builder.name not in self._actions:
            return
        self._cancelled.add(a.target)
        if {t.target for t in self._assignments if t.builder == a.builder} <= self._cancelled:
            with contextlib.suppress(ForgeError):
                await self._actions[a.builder.name][0].cancel()

    def _earlier_run(self, a: Assignment) -> int:
        """A retry's: the workflow run the retried build followed for this target (0: none)."""
        if not self._retry_of:
            return 0
        for event in self.journal.events(kinds=[BuildProgress.KIND], run_id=self._retry_of):
            if event.step == a.target and isinstance(event.payload, BuildProgress) and (
                    run := event.payload.workflow_run):
                return run
        return 0

    def _actions_of(self, run_id: str, a: Assignment) -> ActionsStages:
        """A GitHub Actions target: its builder's run in this build, dispatched once."""
        if self._api is None:
            from cockpit.forge.github import GitHubForge, github_token

            f = self.config.forge
            try:
                token = github_token()
            except ForgeError as exc:
                raise StageFailed(str(exc)) from None
            self._api = ActionsApi(GitHubForge(f.api_url, f.repository or "", token))
        name = a.builder.name
        if name not in self._actions:
            run = Dispatched(self._api, a, actions_values(self.config), self._earlier_run(a))
            mine = [asset_name(self.config, t.target) for t in self._assignments
                    if t.builder.name == name]
            self._actions[name] = (run, asyncio.ensure_future(
                run.start(mine, f"v{self.config.release.version}")))
        run, started = self._actions[name]
        return ActionsStages(self, run_id, a, lambda: started, run)

    def _fail(self, run_id: str, target: str, stage: str, message: str, *,
              lost: bool = False, cancelled: bool = False) -> None:
        # the log says how it ended, so one read later (pane, file, journal) is not a mystery
        end = self.log(Output(text=f"── {stage} stopped: {message} ──", count=1), run_id, target)
        self.log_file(run_id, target).write(f"{end.data['text']}\n")  # as journaled: redacted
        self.log(BuildStage(stage=stage, state=StageState.FAILED, detail=message, lost=lost,
                             cancelled=cancelled), run_id, target)
        for later in BUILD_STAGES[BUILD_STAGES.index(stage) + 1:]:
            self.log(BuildStage(stage=later, state=StageState.SKIPPED), run_id, target)

    def _checksums(self) -> None:
        """SHA256SUMS over this release's assets only, once every one of them is there."""
        sums = [self.dist / name for name in release_files(self.config) if name.endswith(".sha256")]
        if all(p.is_file() for p in sums):
            (self.dist / "SHA256SUMS").write_text("".join(p.read_text() for p in sorted(sums)))

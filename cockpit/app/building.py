"""The build matrix under the full-screen cockpit: on a thread and loop of its own, so logs
streaming at full speed never delay a key; one build at a time; cancel a target or all."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any, TypeVar

from textual.worker import Worker, WorkerState

from cockpit.app.host import Host
from cockpit.builds.plan import Assignment, assign
from cockpit.errors import CockpitError
from cockpit.journal.events import BuildStatus
from cockpit.loopthread import LoopThread
from cockpit.state.builds import TargetState

if TYPE_CHECKING:
    from cockpit.builds.matrix import BuildMatrix
    from screens.builds import BuildsScreen

T = TypeVar("T")


class Building:
    def __init__(self, app: Host) -> None:
        self.app = app
        self._loop: LoopThread | None = None
        self._worker: Worker[None] | None = None
        self._matrix: BuildMatrix | None = None  # imported with the first build

    async def off_loop(self, work: Coroutine[Any, Any, T]) -> T:
        """Run build work on the build thread's loop."""
        if self._loop is None:
            self._loop = LoopThread("cockpit-builds")
        return await self._loop.run(work)

    async def close(self) -> None:
        if self._loop is not None:  # a build cancelled by quitting stops its processes
            await asyncio.to_thread(self._loop.close)

    def running(self) -> bool:
        return self._worker is not None and self._worker.state in {
            WorkerState.PENDING, WorkerState.RUNNING}

    def start(self, assignments: list[Assignment], retry_of: str | None = None) -> None:
        if self.app.engine is None:
            return
        if self.running():
            self.app.notify("a build is already running: cancel it (x) or wait",
                            severity="warning")
            return
        self._worker = self.app.run_worker(self._run(assignments, retry_of), group="build",
                                           exclusive=True, exit_on_error=False)

    async def _run(self, assignments: list[Assignment], retry_of: str | None) -> None:
        from cockpit.builds.matrix import BuildMatrix
        from cockpit.builds.source import at_tag, tag_drift

        app = self.app
        drift = await asyncio.to_thread(tag_drift, app.config)  # git: on a thread
        tagged = at_tag(app.config, drift) if drift is not None else nullcontext(app.config)
        try:
            config = await asyncio.to_thread(tagged.__enter__)
            if drift is not None:  # what ships is the tagged release, said loudly
                app.notify(f"{drift}: building the tag's commit {drift.tagged[:12]} in a "
                           "worktree, not the checkout", severity="warning", timeout=15,
                           title="building the tag")
            matrix = self._matrix = BuildMatrix(config, app.journal)
            try:
                await self.off_loop(matrix.run(assignments, retry_of=retry_of))
            finally:
                await asyncio.to_thread(tagged.__exit__, None, None, None)
        except CockpitError as exc:
            app.notify(str(exc), severity="error", title="build not started", timeout=10)
            return
        app.poll_journal()
        finished = matrix.finished
        ok = finished is not None and finished.status == BuildStatus.OK
        app.notify(f"build {finished.status if finished else '?'}"
                   + (f": artifacts in {matrix.dist}" if ok else ""),
                   severity="information" if ok else "error", timeout=8)

    def request(self, targets: list[str] | None, builder: str | None,
                retry_of: str | None) -> None:
        """Build these targets (all: None), on this builder (the first that serves each:
        None); a request the config cannot meet is said, not built."""
        try:
            assignments = assign(self.app.config, targets, builder)
        except CockpitError as exc:
            self.app.notify(str(exc), severity="error")
            return
        self.start(assignments, retry_of)

    def cancel(self, target: str | None) -> None:
        """Stop one target (its processes on its builder), or the whole build."""
        if not self.running() or self._worker is None:
            return
        if target is not None and self._matrix is not None:
            if self._matrix.cancel_target(target):
                self.app.notify(f"cancelling {target}: its processes are being stopped")
            return
        self._worker.cancel()
        self.app.notify("cancelling the build: stopping every process on every builder")

    def job_log(self, target: TargetState) -> None:
        """Fetch a GitHub Actions target's job log now (on the build thread: the network)."""
        from cockpit.builds.actions_log import Followed, fetch_job_log

        followed = Followed(target.target, target.builder, target.run_id, target.workflow_run,
                            target.job)

        async def fetch() -> None:
            self.app.notify(f"fetching the job log of {target.target}…", timeout=3)
            said = await self.off_loop(fetch_job_log(self.app.config, self.app.journal, followed))
            self.app.poll_journal()
            self.app.notify(said, title="job log", timeout=8)

        self.app.run_worker(fetch(), group="job-log", exit_on_error=False)

    def hang_up(self) -> None:
        if self._worker is not None:
            self._worker.cancel()


class BuildsHost(Host):
    """Mixed into the app: what builds mode asks for."""

    build_control: Building

    def on_builds_screen_build_requested(self, message: BuildsScreen.BuildRequested) -> None:
        self.build_control.request(message.targets, message.builder, message.retry_of)

    def on_builds_screen_cancel_requested(self, message: BuildsScreen.CancelRequested) -> None:
        self.build_control.cancel(message.target)

    def on_builds_screen_job_log_requested(self, message: BuildsScreen.JobLogRequested) -> None:
        self.build_control.job_log(message.target)

"""When the cockpit itself fails.

A worker that fails (a flow, a poll, a plan) is said once, and the cockpit goes on. An
exception nothing handled is a crash: Textual exits on it, cancelling every worker. That is a
bug, never anyone's decision, so the engine journals no cancel for the step it was running
(`Engine.crashed`). The controller journals the crash (`CockpitCrashed`: what, where, the runs
it had going), and those runs stay interrupted for the resume path, as a kill leaves them.
The traceback goes to a crash file next to the journal (a spectator's journal may be on
read-only media: then in the temporary directory); once the terminal is given back, the
command says where it is and exits with `CRASHED`.
"""

from __future__ import annotations

import os
import tempfile
import traceback
from datetime import UTC, datetime
from pathlib import Path

from textual.worker import Worker, WorkerState

from cockpit import __version__
from cockpit.app.host import Host
from cockpit.journal.events import CockpitCrashed, RunStatus, StepStatus
from cockpit.journal.store import operator_id
from cockpit.redact import redact

CRASHED = 70
"""The exit code of a cockpit that died of a bug of its own (EX_SOFTWARE)."""


class Faults:
    def __init__(self, app: Host) -> None:
        self.app = app
        self._last_error = ""
        self.said: list[str] = []
        """What to tell on stderr once the terminal is back: empty unless it crashed."""

    def worker_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed (a flow, a poll, a plan): said once, the cockpit goes on."""
        if event.state != WorkerState.ERROR:
            return
        said = f"{event.worker.group} stopped by an error: {event.worker.error!r}"
        if said != self._last_error:
            self._last_error = said
            self.app.notify(said, severity="error", title="internal error", timeout=15)

    def crashed(self, error: BaseException) -> None:
        """An exception nothing handled, before Textual exits on it. Only the first counts
        (what follows it is its consequence); nothing here may raise."""
        if self.said:
            return
        what = redact(f"{type(error).__name__}: {error}")
        self.said = [f"the cockpit crashed: {what}"]
        try:
            runs = self._stop_journaling_runs()
        except Exception as exc:
            runs, self.said = {}, [*self.said, f"  (its runs unknown: {exc!r})"]
        path, why = self._write(error, what, runs)
        self.said.append(f"  traceback: {path}" if path else
                         f"  no crash file ({why}): the traceback is above")
        if self.app.journal.writable:
            try:
                self.app.journal.record(CockpitCrashed(
                    error=what, where=_where(error), runs=runs, crash_file=str(path or ""),
                    operator=operator_id(), pid=os.getpid()))
            except Exception as exc:
                self.said.append(f"  the crash is not in the journal: {exc}")
        for run_id, step in runs.items():
            self.said.append(f"  run {run_id} left interrupted at step {step or '(between steps)'}"
                             ": start `cockpit` again to resume it or mark it done")
        self.said.append("  this is a bug in the cockpit: please report it with the crash file")

    def _stop_journaling_runs(self) -> dict[str, str]:
        """The controller's runs going on (run id -> its running step), read from the
        journal itself; from now on the engine journals no end for them."""
        engine = self.app.engine if self.app.running() else None
        if engine is None:
            return {}
        engine.crashed = True
        return {run.run_id: next((s.id for s in run.steps.values()
                                  if s.status == StepStatus.RUNNING), "")
                for run in engine.state().runs.values() if run.status == RunStatus.RUNNING}

    def _write(self, error: BaseException, what: str, runs: dict[str, str]
               ) -> tuple[Path | None, str]:
        now = datetime.now(UTC) if self.app.replaying else self.app.clock.now()
        name = f"crash-{now.astimezone(UTC):%Y%m%d-%H%M%S}-{os.getpid()}.txt"
        text = "\n".join([
            f"Launch Cockpit {__version__} crashed: {what}",
            f"when: {now.isoformat()}",
            f"as: {self.app.role} (pid {os.getpid()})",
            f"journal: {self.app.journal.path}",
            "runs left interrupted: " + (", ".join(f"{r} at step {s or '-'}"
                                                   for r, s in runs.items()) or "none"),
            "", redact("".join(traceback.format_exception(error)))])
        why = ""
        beside = () if self.app.replaying else (self.app.journal.path.parent,)
        for folder in (*beside, Path(tempfile.gettempdir())):
            try:
                with open(folder / name, "x", encoding="utf-8") as file:
                    file.write(text)
                return folder / name, ""
            except OSError as exc:
                why = f"{exc.strerror or exc} in {folder}"
        return None, why


class PlainLastWords(Host):
    """Textual's last words on a crash (printed once the terminal is back) without the frames'
    local variables, which can hold a token, and redacted."""

    def _fatal_error(self) -> None:
        from rich.text import Text

        error = self._exception
        text = "".join(traceback.format_exception(error)) if error else "the cockpit failed\n"
        self.bell()
        self._exit_renderables.append(Text(redact(text)))
        self._close_messages_no_wait()


def _where(error: BaseException) -> str:
    """The innermost frame: "file.py:123 in function"."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return ""
    last = frames[-1]
    return f"{Path(last.filename).name}:{last.lineno} in {last.name}"

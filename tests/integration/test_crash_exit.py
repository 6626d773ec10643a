"""Issue 12, "a crash is a crash": the full-screen cockpit dying of a bug of its own, through
the real `cockpit` command under a pty. The running step is left interrupted for the resume
path (never journaled as the operator's cancel), the crash is journaled with where, the
traceback goes to a crash file whose path is said, and the exit code is not 0."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from cockpit.config import Config
from cockpit.errors import CockpitError
from cockpit.journal import events as ev
from cockpit.journal.row import Event
from cockpit.journal.store import Journal
from cockpit.state.launch import LaunchState
from tests.helpers import playbook_folder

LONG = """
title = "long"
[[steps]]
id = "first"
kind = "shell"
title = "first"
run = "echo first done"

[[steps]]
id = "work"
kind = "shell"
title = "long work"
shell = true
run = "echo started; sleep 120; touch work.done"
"""

CRASHED = 70
"""The exit code of a cockpit that died of a bug of its own (EX_SOFTWARE)."""

LAUNCH = """
import sys
from cockpit.app.app import CockpitApp

def boom(self):
    token = "ghp_" + "Zq9" * 12  # a local that held a secret: never printed
    raise RuntimeError("injected: a bug in a key's handler")

CockpitApp.action_notifications = boom  # N: a message handler that raises
sys.argv = ["cockpit", *sys.argv[1:]]
from cockpit.cli.main import entry
entry()
"""


class Terminal:
    """The cockpit under a pty: what it wrote, keys typed into it."""

    def __init__(self, args: list[str]) -> None:
        controller, terminal = pty.openpty()
        os.set_blocking(controller, False)
        self.fd = controller
        self.proc = subprocess.Popen(
            [sys.executable, "-c", LAUNCH, *args], stdin=terminal, stdout=terminal,
            stderr=terminal, start_new_session=True, env={**os.environ, "COLUMNS": "120",
                                                          "LINES": "40"})
        os.close(terminal)
        self.out = bytearray()

    def read(self) -> None:
        while select.select([self.fd], [], [], 0.05)[0]:
            try:
                data = os.read(self.fd, 65536)
            except OSError:  # the other side closed
                return
            if not data:
                return
            self.out.extend(data)

    def wait_for(self, what: Callable[[], bool], seconds: float = 90) -> None:
        deadline = time.monotonic() + seconds
        while not what():
            self.read()
            assert time.monotonic() < deadline, self.text()[-2000:]
            time.sleep(0.05)

    def text(self) -> str:
        plain = re.sub(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[]P^_].*?(?:\x07|\x1b\\)", "",
                       self.out.decode(errors="replace"))
        return plain.replace("\r", "")

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        os.close(self.fd)


def journaled(path: Path, kind: str) -> list[Event]:
    try:
        spectator = Journal.readonly(path)
    except CockpitError:
        return []
    try:
        return spectator.events(kinds=[kind])
    finally:
        spectator.close()


def test_a_bug_while_a_step_runs_leaves_it_interrupted_journals_the_crash_and_exits_non_zero(
        config: Config, tmp_path: Path) -> None:
    folder = playbook_folder(tmp_path, long=LONG)
    config.source.write_text(f'playbooks = "{folder}"\n' + config.source.read_text())
    term = Terminal(["run", "long", "--config", str(config.source)])
    try:
        term.wait_for(lambda: any(e.step == "work" for e in
                                  journaled(config.journal_path, "step_started")))
        os.write(term.fd, b"N")  # the handler raises
        term.wait_for(lambda: term.proc.poll() is not None, 60)
        term.read()
        code = term.proc.returncode
    finally:
        term.close()
    said = term.text()
    assert code == CRASHED, said[-3000:]
    match = re.search(r"the cockpit crashed: RuntimeError: injected: a bug in a key's handler"
                      r"\n.*?traceback: (\S+crash-\S+\.txt)", said, re.S)
    assert match, said[-3000:]
    crash_file = Path(match.group(1))
    assert crash_file.parent == config.journal_path.parent  # next to the journal
    report = crash_file.read_text()
    assert "Traceback (most recent call last)" in report and "in boom" in report
    assert "RuntimeError: injected: a bug in a key's handler" in report
    assert "Zq9Zq9" not in said and "Zq9Zq9" not in report  # no frame's locals shown
    assert "in boom" in said  # the traceback itself is on the terminal

    journal = Journal.readonly(config.journal_path)
    try:
        events = journal.events()
    finally:
        journal.close()
    crashed = [e for e in events if isinstance(e.payload, ev.CockpitCrashed)]
    assert len(crashed) == 1
    fact = crashed[0].payload
    assert isinstance(fact, ev.CockpitCrashed)
    assert fact.error == "RuntimeError: injected: a bug in a key's handler"
    assert "in boom" in fact.where and fact.crash_file == str(crash_file)
    run_id = next(e.run_id for e in events if e.kind == "run_started")
    assert fact.runs == {run_id: "work"}
    # nobody decided anything: no cancel, no end of the run journaled
    finished = [e for e in events if e.kind == "step_finished"]
    assert [e.step for e in finished] == ["first"]
    assert not [e for e in events if e.kind == "run_finished"]
    state = LaunchState()
    state.apply(events)
    run = state.runs[run_id]
    assert run.status == ev.RunStatus.INTERRUPTED  # spectators see it at once
    assert run.interrupted_step is not None and run.interrupted_step.id == "work"
    from cockpit.state.record import to_markdown

    record = to_markdown(events, title="caro")  # the launch record says so, as a crash
    assert "## Cockpit crashes" in record and f"left interrupted: {run_id}/work" in record
    # and its processes did not outlive the cockpit (nothing orphaned for resume to find)
    group = next(e.payload.pgid for e in events
                 if isinstance(e.payload, ev.StepProcess) and e.step == "work")
    deadline = time.monotonic() + 10
    while _alive(group):
        assert time.monotonic() < deadline, f"the step's process group {group} outlived it"
        time.sleep(0.05)
    assert not (config.repo / "work.done").exists()


def _alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_spectator_that_crashes_writes_its_crash_file_and_exits_non_zero_journaling_nothing(
        config: Config) -> None:
    Journal.controller(config.journal_path).close()  # a release the controller opened
    with closing(Journal.readonly(config.journal_path)) as journal:
        before = journal.events()
    term = Terminal(["--spectate", "--config", str(config.source)])
    try:
        term.wait_for(lambda: "SPECTATOR" in term.text())
        os.write(term.fd, b"N")
        term.wait_for(lambda: term.proc.poll() is not None, 60)
        term.read()
        code = term.proc.returncode
    finally:
        term.close()
    said = term.text()
    assert code == CRASHED, said[-3000:]
    match = re.search(r"the cockpit crashed: RuntimeError: .*?traceback: (\S+\.txt)", said, re.S)
    assert match, said[-3000:]
    report = Path(match.group(1)).read_text()
    assert "as: SPECTATOR" in report and "in boom" in report
    with closing(Journal.readonly(config.journal_path)) as journal:
        assert journal.events() == before  # not a word from a spectator

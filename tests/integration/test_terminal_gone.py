"""A closed terminal ends the full-screen cockpit even when nobody sends it SIGHUP.

The kernel hangs up a terminal's session leader only. Under `make demo` in a tmux pane that
leader is make, which waits for its child: the cockpit heard nothing, kept running and kept
the controller's lock (the next `make demo` opened as a spectator). Here the leader is a
shell that ignores the hangup and waits, as make does, on a real pty that is its controlling
terminal, as a tmux pane's is."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import subprocess
import sys
import termios
import time
from pathlib import Path

from cockpit.config import Config
from cockpit.journal.store import Journal
from tests.helpers import playbook_folder
from tests.integration.test_crash_exit import LONG, _alive, journaled

COCKPIT = "import sys; from cockpit.cli.main import entry; sys.argv[0] = 'cockpit'; entry()"


def _controlling_terminal() -> None:
    """In the child, after setsid: its stdin (the pty) becomes its controlling terminal."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def test_the_cockpit_under_a_leader_that_keeps_the_hangup_exits_when_its_terminal_closes(
        config: Config, tmp_path: Path) -> None:
    folder = playbook_folder(tmp_path, long=LONG)
    config.source.write_text(f'playbooks = "{folder}"\n' + config.source.read_text())
    controller, terminal = pty.openpty()
    leader = subprocess.Popen(
        ["sh", "-c", 'trap "" HUP; "$@"; echo "cockpit exited $?"', "sh", sys.executable, "-c",
         COCKPIT, "run", "long", "--config", str(config.source)],
        stdin=terminal, stdout=terminal, stderr=terminal, start_new_session=True,
        preexec_fn=_controlling_terminal, env={**os.environ, "COLUMNS": "120", "LINES": "40"})
    os.close(terminal)
    closed = False
    try:
        deadline = time.monotonic() + 90
        while not any(e.step == "work" for e in journaled(config.journal_path, "step_started")):
            assert time.monotonic() < deadline and leader.poll() is None
            while select.select([controller], [], [], 0.05)[0]:  # keep the pty drained
                os.read(controller, 65536)
        os.close(controller)  # the terminal closes: tmux's kill-session, a closed window
        closed = True
        leader.wait(timeout=30)  # the shell waits for the cockpit, which must have ended
    finally:
        if leader.poll() is None:
            os.killpg(leader.pid, 9)
            leader.wait()
        if not closed:
            os.close(controller)
    events = Journal.readonly(config.journal_path)
    try:
        group = next(e.payload.pgid for e in events.events(kinds=["step_process"])
                     if e.step == "work")
    finally:
        events.close()
    deadline = time.monotonic() + 10
    while _alive(group):  # the step's commands were stopped with it
        assert time.monotonic() < deadline, f"the step's process group {group} outlived it"
        time.sleep(0.05)
    assert not (config.repo / "work.done").exists()
    Journal.controller(config.journal_path).close()  # and the controller's lock is free again

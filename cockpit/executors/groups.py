"""Remote process groups: the wrapper that starts a command in a group of its own and says
which, and the shell that stops a group a lost connection left behind, only if it is still
the same group.

A group is named by its id, the builder's boot id and its leader's start time (clock ticks
since boot, `/proc/PID/stat` field 22): together they name one process for ever, so a
recycled id (or a rebooted builder) is never taken for ours. When the leader has died and
the group lives on (cargo gone by a broken pipe, its rustc children still compiling), a
member still carrying the job's tag in its environment (`COCKPIT_JOB`) says the group is ours:
an id in use as a group id cannot be reused while any member lives.
"""

from __future__ import annotations

import contextlib
import shlex
from collections.abc import Mapping
from dataclasses import dataclass

from cockpit.executors.lines import Lines

PGID_MARK = "__cockpit_pgid__"
JOB_VAR = "COCKPIT_JOB"
GRACE_STEPS = 10
"""TERM, then KILL after this many 0.2 s looks at the group."""


@dataclass(frozen=True)
class ProcessGroup:
    """A remote command's process group, as its wrapper announced it."""

    pgid: int
    boot: str = ""
    """The builder's boot id when it started ("" when the builder has none to say)."""
    start: str = ""
    """Its leader's start time, in clock ticks since boot ("" : unknown)."""
    job: str = ""
    """The tag in its leader's environment (COCKPIT_JOB)."""


def take_group_mark(lines: Lines) -> tuple[ProcessGroup | None, Lines | None]:
    """The group our wrapper announces first (after any login banner), and the batch without
    that line (None when nothing is left)."""
    if PGID_MARK not in lines.text:
        return None, lines
    group: ProcessGroup | None = None
    kept = []
    for line in lines:
        if group is None and line.startswith(PGID_MARK):
            with contextlib.suppress(IndexError, ValueError):
                words = line.split()
                group = ProcessGroup(int(words[1]), *words[2:4])
                continue
        kept.append(line)
    return group, Lines("\n".join(kept)) if kept else None


# the builder's boot id and this shell's start time, read with builtins (no process started)
_ANNOUNCE = ('b=; t=; read -r b 2>/dev/null </proc/sys/kernel/random/boot_id; '
             'read -r t 2>/dev/null </proc/$$/stat && { t=${t##*") "}; set -- $t; t=${20}; }; '
             f'echo {PGID_MARK} $$ $b $t; ')


def remote_script(command: str, *, cwd: str | None = None,
                  env: Mapping[str, str] | None = None, job: str | None = None) -> str:
    """The shell text that runs `command` in its own process group, announcing the group.

    `setsid -w` starts a new session (so the group id is the inner shell's pid) and waits,
    so the channel still reports the command's exit status. `job` goes into the group
    leader's environment (COCKPIT_JOB), so a later connection can tell a group this cockpit
    left behind from an unrelated one that reuses its id.
    """
    inner = _ANNOUNCE + "exec 2>&1; "
    if cwd:
        inner += f"mkdir -p {shlex.quote(cwd)} && cd {shlex.quote(cwd)} && "
    tagged = {**(env or {}), **({JOB_VAR: job} if job else {})}
    assignments = "".join(f"{k}={shlex.quote(v)} " for k, v in tagged.items())
    inner += f"exec env {assignments}sh -c {shlex.quote(command)}"
    return "exec setsid -w sh -c " + shlex.quote(inner)


def kill_command(pgid: int) -> str:
    """TERM the group, KILL it if it outlives the grace. `kill -SIG -PGID`, not
    `kill -- -PGID`: dash's builtin kill has no `--`."""
    tries = " ".join(str(i) for i in range(GRACE_STEPS))
    return (f"kill -TERM -{pgid} 2>/dev/null; for i in {tries}; do "
            f"kill -0 -{pgid} 2>/dev/null || exit 0; sleep 0.2; done; "
            f"kill -KILL -{pgid} 2>/dev/null; exit 0")


def stop_leftover_command(group: ProcessGroup) -> str:
    """Shell that prints "stopped" and stops `group` if it is still the group that was
    announced, or prints "gone" and touches nothing."""
    pgid = group.pgid
    tag = shlex.quote(f"{JOB_VAR}={group.job}")
    tagged = f"tr '\\0' '\\n' 2>/dev/null <\"${{s%/stat}}/environ\" | grep -qxF {tag}"
    leader = (f"[ \"$1\" = {shlex.quote(group.start)} ]" if group.start
              else f"s=/proc/{pgid}/stat; {tagged}")
    checks = ["gone() { echo gone; exit 0; }"]
    if group.boot:
        checks.append(f"read -r b 2>/dev/null </proc/sys/kernel/random/boot_id; "
                      f"[ \"$b\" = {shlex.quote(group.boot)} ] || gone")
    checks += [
        # the leader lives: the same process, or the group ended and its id went to another
        f"if read -r t 2>/dev/null </proc/{pgid}/stat && t=${{t##*\") \"}} && set -- $t && "
        f"[ \"$1\" != Z ]; then shift 19; {leader} || gone; else "
        # the leader is gone: the group is ours while a member carries the job's tag
        f"ours=; for s in /proc/[0-9]*/stat; do read -r t 2>/dev/null <\"$s\" || continue; "
        f"t=${{t##*\") \"}}; set -- $t; [ \"$3\" = {pgid} ] || continue; "
        f"{tagged} && {{ ours=1; break; }}; done; [ -n \"$ours\" ] || gone; fi",
        "echo stopped", kill_command(pgid)]
    return "; ".join(checks)

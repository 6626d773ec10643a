"""A viewer that a server started gives the machine's CPU to the controller first.

The server starts each viewer in the idle scheduling class (`serve/sessions.py`), but on
Linux with autogroups (`kernel.sched_autogroup_enabled`, on by default in most distributions)
the scheduler first shares the CPU between sessions, equally, and only then between the
processes of a session by their class: twenty SSH viewers, each leading its own session,
were twenty equal shares against the controller's one, and the controller's threads waited
up to 40 ms for a CPU (perf sched, benchmarks/spectators.py). So the viewer leads a session
of its own (the SSH server's already do) and lowers that session's group to nice 19: its
weight is then 15 against the controller's 1024."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

AUTOGROUP = Path("/proc/self/autogroup")
LOWEST = 19


def give_way(autogroup: Path = AUTOGROUP) -> bool:
    """Lead a session of its own (unless it does already) and lower its group to nice 19.
    True when the group was lowered; False where there are no autogroups (another system,
    or the kernel's are off: then the idle class alone does it) or the lowering is refused."""
    if os.getsid(0) != os.getpid():
        with contextlib.suppress(OSError):  # a process group's leader cannot: stay where it is
            os.setsid()
    if os.getsid(0) != os.getpid():
        return False  # the group is shared with others (a shell): not ours to lower
    try:
        autogroup.write_text(f"{LOWEST}\n")
    except OSError:
        return False
    return True

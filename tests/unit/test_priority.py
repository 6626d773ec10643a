"""A viewer a server started gives way to the controller (cockpit/priority.py), in a child
process: give_way changes the session of the process that calls it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import AUTOGROUPS

CHILD = """
import json, os, sys
from pathlib import Path
from cockpit.priority import give_way
before = os.getsid(0) == os.getpid()
target = Path(sys.argv[1]) if len(sys.argv) > 1 else None
lowered = give_way(target) if target else give_way()
group = Path("/proc/self/autogroup")
print(json.dumps({"led_before": before, "leads": os.getsid(0) == os.getpid(),
                  "lowered": lowered, "group": group.read_text() if group.exists() else ""}))
"""


def child(*args: str) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[2]).stdout
    return dict(json.loads(out))


def test_a_viewer_leads_its_own_session_and_lowers_only_its_group(tmp_path: Path) -> None:
    target = tmp_path / "autogroup"
    got = child(str(target))
    assert got["led_before"] is False  # started as a server starts a web viewer
    assert got["leads"] is True and got["lowered"] is True
    assert target.read_text() == "19\n"


def test_a_group_that_cannot_be_lowered_is_said(tmp_path: Path) -> None:
    got = child(str(tmp_path / "no-such-dir" / "autogroup"))
    assert got["leads"] is True and got["lowered"] is False


def group_name(autogroup: str) -> str:
    """The group's name from a /proc/PID/autogroup text; a process in the kernel's default
    group (one whose session began at boot, as in CI's container) reads nothing there."""
    return autogroup.split()[0] if autogroup.strip() else "(the kernel's default group)"


@pytest.mark.skipif(not AUTOGROUPS.exists() or AUTOGROUPS.read_text().strip() != "1",
                    reason="the kernel groups no sessions here")
def test_the_kernels_group_is_lowered_and_the_starters_is_not() -> None:
    mine = Path("/proc/self/autogroup").read_text()
    got = child()
    assert got["lowered"] is True
    assert str(got["group"]).split()[-1] == "19"
    assert group_name(str(got["group"])) != group_name(mine)  # a group of its own
    assert Path("/proc/self/autogroup").read_text() == mine  # this process's is as it was

"""A build whose SSH link was cut keeps running on the builder: the next connection to that
builder stops it, journals that and says it in the build log (real OpenSSH on loopback, a
fake cargo that hangs, the link cut by killing sshd's per-connection processes)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cockpit.builds.leftovers import Leftover, leftover_groups
from cockpit.builds.matrix import BuildMatrix
from cockpit.builds.plan import assign
from cockpit.config import BuilderConfig, Config
from cockpit.journal.events import GroupState, RemoteGroup
from cockpit.journal.store import Journal
from cockpit.state.builds import BuildState
from tests.helpers import until_stage
from tests.opensshd import Sshd, needs_root_sshd, opensshd

HOST = "x86_64-unknown-linux-gnu"
FAKE_CARGO = """#!/bin/sh
# a cargo that does what {mode} says: hang; die as the link is cut (writing to it) and leave
# its child compiling; or build a binary that says its version
case "$(cat {mode})" in
  hang) exec sleep {marker} ;;
  leak) sleep {marker} >/dev/null 2>&1 & while echo compiling; do sleep 0.1; done ;;
  *) out="$CARGO_TARGET_DIR/{target}/release"; mkdir -p "$out"
     printf '#!/bin/sh\\necho caro 1.1.0-beta\\n' > "$out/caro"; chmod +x "$out/caro" ;;
esac
"""
FAKE_RUSTC = f"#!/bin/sh\necho 'host: {HOST}'\n"

pytestmark = needs_root_sshd


def running_with(marker: str) -> list[int]:
    """Live processes (not zombies) whose command line holds `marker`."""
    out = subprocess.run(["ps", "-eo", "pid=,stat=,args="], capture_output=True, text=True)
    return [int(ln.split()[0]) for ln in out.stdout.splitlines()
            if marker in ln and ln.split()[1][:1] != "Z"]


def group_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rpartition(") ")[2].split()[2])


async def until(what: str, done: Callable[[], object], timeout: float = 20) -> None:
    for _ in range(int(timeout / 0.05)):
        if done():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never: {what}")


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[Sshd]:
    with opensshd(tmp_path / "sshd") as server:
        yield server


class Builder:
    """A builder on the OpenSSH server whose cargo is fake, told what to do by a file."""

    def __init__(self, config: Config, sshd: Sshd, root: Path, marker: str) -> None:
        self.bin = root / "bin"
        self.bin.mkdir(parents=True)
        self.mode = root / "mode"
        for name, text in (("cargo", FAKE_CARGO.format(mode=self.mode, marker=marker,
                                                        target=HOST)),
                           ("rustc", FAKE_RUSTC)):
            (self.bin / name).write_text(text)
            (self.bin / name).chmod(0o755)
        builder = sshd.builder("openssh", targets=[HOST],
                               env={"PATH": f"{self.bin}:/usr/bin:/bin"})
        self.config = config.model_copy(update={
            "builders": [BuilderConfig(**builder)],  # type: ignore[arg-type]
            "build": config.build.model_copy(update={"targets": [HOST]})})

    async def build(self, journal: Journal, mode: str) -> asyncio.Future[str]:
        self.mode.write_text(mode)
        return asyncio.ensure_future(BuildMatrix(self.config, journal).run(assign(self.config)))


def state(journal: Journal) -> BuildState:
    s = BuildState()
    s.apply(journal.events())
    return s


async def cut_mid_build(journal: Journal, sshd: Sshd, builder: Builder, mode: str,
                        marker: str) -> Leftover:
    """Start a build that hangs in cargo, cut the link, and return the group it left."""
    task = await builder.build(journal, mode)
    await until_stage(journal, HOST, "build")
    await until("the build's group journaled and running", lambda: running_with(marker) and [
        g for g in leftover_groups(journal, "openssh") if g.stage == "build"])
    (left,) = [g for g in leftover_groups(journal, "openssh") if g.stage == "build"]
    sshd.cut()
    await asyncio.wait_for(task, 30)
    assert state(journal).targets[HOST].status == "builder lost"
    return left


def stopped_in(journal: Journal, run_id: str) -> list[str]:
    return [line for e in journal.events(kinds=["output"], run_id=run_id) for line in e.lines()
            if "cut link" in line]


@pytest.mark.parametrize("mode", ["hang", "leak"])
async def test_a_build_a_cut_link_left_running_is_stopped_on_the_next_connection(
        config: Config, journal: Journal, sshd: Sshd, tmp_path: Path, mode: str) -> None:
    marker = {"hang": "91.5151", "leak": "92.6262"}[mode]
    builder = Builder(config, sshd, tmp_path / "fake", marker)
    try:
        left = await cut_mid_build(journal, sshd, builder, mode, marker)
        group = left.group
        assert group.boot == Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        assert group.start.isdigit() and left.target == HOST
        if mode == "leak":  # cargo died by the cut link; its child compiles on, leaderless
            await until("the group's leader gone", lambda: not Path(f"/proc/{group.pgid}").exists())
        (orphan,) = running_with(marker)
        assert group_of(orphan) == group.pgid, "the cut build still runs on the builder"

        run_id = await (await builder.build(journal, "build"))
        assert state(journal).targets[HOST].status == "ok", state(journal).targets[HOST].failure
        await until("the orphan reaped", lambda: not running_with(marker))
        said = (f"stopped the cargo build of {HOST} left running by the cut link "
                f"(pgid {group.pgid}, build {left.run_id})")
        assert stopped_in(journal, run_id) == [said]
        log = journal.path.parent / "logs" / run_id / f"{HOST}.log"
        assert said in log.read_text().splitlines()
        settled = [e for e in journal.events(kinds=["remote_group"])
                   if isinstance(e.payload, RemoteGroup) and e.payload.leftover]
        assert [(e.payload.pgid, e.payload.state, e.run_id, e.step) for e in settled] == [
            (group.pgid, GroupState.STOPPED, left.run_id, HOST)]
        assert leftover_groups(journal, "openssh") == []
    finally:
        for pid in running_with(marker):
            os.kill(pid, signal.SIGKILL)


async def test_a_group_that_ended_by_itself_is_left_alone_and_said_so(
        config: Config, journal: Journal, sshd: Sshd, tmp_path: Path) -> None:
    marker = "93.7373"
    builder = Builder(config, sshd, tmp_path / "fake", marker)
    try:
        left = await cut_mid_build(journal, sshd, builder, "hang", marker)
        (orphan,) = running_with(marker)
        os.kill(orphan, signal.SIGKILL)  # it ended on its own, before the next connection
        await until("the orphan gone", lambda: not running_with(marker))
        run_id = await (await builder.build(journal, "build"))
        assert stopped_in(journal, run_id) == [
            f"the cargo build of {HOST} a cut link left (pgid {left.group.pgid}, build "
            f"{left.run_id}) had already ended"]
        assert leftover_groups(journal, "openssh") == []
    finally:
        for pid in running_with(marker):
            os.kill(pid, signal.SIGKILL)

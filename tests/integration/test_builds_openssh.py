"""Real OpenSSH builders (root, CI): on loopback, in a network namespace whose link is cut,
and an aarch64 cross build with Debian's toolchain, smoke-tested under qemu-aarch64."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from cockpit.builds.matrix import BuildMatrix
from cockpit.builds.plan import assign
from cockpit.config import BuilderConfig, Config
from cockpit.journal.store import Journal
from cockpit.state.builds import BuildState
from tests.conftest import needs_cargo
from tests.helpers import until_stage
from tests.opensshd import namespace, needs_netns, needs_root_sshd, opensshd

HOST = "x86_64-unknown-linux-gnu"
ARM = "aarch64-unknown-linux-gnu"
RUSTUP_PATH = f"{Path.home() / '.cargo/bin'}:/usr/local/bin:/usr/bin:/bin"


def configured(config: Config, *builders: dict[str, object], targets: list[str]) -> Config:
    return config.model_copy(update={
        "builders": [BuilderConfig(**b) for b in builders],  # type: ignore[arg-type]
        "build": config.build.model_copy(update={"targets": targets})})


def state(journal: Journal) -> BuildState:
    s = BuildState()
    s.apply(journal.events())
    return s


@needs_root_sshd
@needs_cargo
async def test_openssh_builder_on_loopback(config: Config, journal: Journal,
                                          tmp_path: Path) -> None:
    with opensshd(tmp_path / "sshd") as sshd:
        c = configured(config,
                       sshd.builder("openssh", targets=[HOST], env={"PATH": RUSTUP_PATH}),
                       {"name": "local", "kind": "local", "targets": ["x86_64-unknown-linux-musl"]},
                       targets=[HOST])
        await BuildMatrix(c, journal).run(assign(c))
        target = state(journal).targets[HOST]
        assert target.status == "ok", target.failure
        assert target.stages["fetch"].detail.endswith("(fetched)")
        dist = c.resolve(c.build.dist_dir) / "1.1.0-beta"
        assert (dist / "caro-v1.1.0-beta-x86_64-unknown-linux-gnu.tar.gz").exists()


@needs_netns
@needs_cargo
async def test_cut_link_is_reported_within_the_keepalive_window(config: Config, journal: Journal,
                                                                tmp_path: Path) -> None:
    wrapper = tmp_path / "slow-rustc"
    wrapper.write_text("#!/bin/sh\nsleep 30\nexec \"$@\"\n")
    wrapper.chmod(0o755)
    with namespace("cockpit-t1", "10.251.0.1", "10.251.0.2") as link, \
            opensshd(tmp_path / "sshd", host="10.251.0.2", netns="cockpit-t1") as sshd:
        c = configured(config, sshd.builder("far", targets=[HOST], env={
            "PATH": RUSTUP_PATH, "RUSTC_WRAPPER": str(wrapper)}), targets=[HOST])
        task = asyncio.ensure_future(BuildMatrix(c, journal).run(assign(c)))
        await until_stage(journal, HOST, "build")
        await asyncio.sleep(1)
        subprocess.run(["ip", "link", "set", link, "down"], check=True)
        cut = time.monotonic()
        await asyncio.wait_for(task, 25)
        noticed = time.monotonic() - cut
        lost = state(journal).targets[HOST]
        assert lost.status == "builder lost", lost.failure
        assert noticed < 15  # keepalive 2 s x 3, plus the kill attempt's bound
        print(f"link cut noticed after {noticed:.1f}s")


@needs_root_sshd
@pytest.mark.skipif(not (shutil.which("aarch64-linux-gnu-gcc") and shutil.which("qemu-aarch64")
                         and Path("/usr/lib/rustlib/aarch64-unknown-linux-gnu").exists()),
                    reason="needs gcc-aarch64-linux-gnu, qemu-user and libstd-rust-dev:arm64 "
                    "(CI installs them)")
async def test_aarch64_over_ssh_and_x86_64_locally_side_by_side(
        config: Config, journal: Journal, tmp_path: Path) -> None:
    with opensshd(tmp_path / "sshd") as sshd:
        c = configured(config, sshd.builder("arm", targets=[ARM], env={
            "PATH": "/usr/bin:/bin", "RUSTC": "/usr/bin/rustc",
            "CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER": "aarch64-linux-gnu-gcc"},
            runners={ARM: "qemu-aarch64"}),
            {"name": "local", "kind": "local", "targets": [HOST]}, targets=[ARM, HOST])
        c = c.model_copy(update={"build": c.build.model_copy(update={
            "artifact": "bare", "artifact_name": "{binary}-{version}-{os}-{arch}"})})
        await BuildMatrix(c, journal).run(assign(c))
        target = state(journal).targets[ARM]
        assert target.status == "ok", target.failure
        assert target.stages["smoke"].detail == "caro 1.1.0-beta"
        assert state(journal).targets[HOST].status == "ok"
        dist = c.resolve(c.build.dist_dir) / "1.1.0-beta"
        binary = dist / "caro-1.1.0-beta-linux-arm64"
        assert binary.read_bytes()[:4] == b"\x7fELF" and binary.read_bytes()[18] == 183  # aarch64
        sums = (dist / "SHA256SUMS").read_text().splitlines()
        assert [line.split()[1] for line in sums] == ["caro-1.1.0-beta-linux-amd64",
                                                      "caro-1.1.0-beta-linux-arm64"]
        # the two builds ran at the same time, on their two builders
        stages = [(e.step, e.data["state"]) for e in journal.events(kinds=["build_stage"])
                  if e.data["stage"] == "build"]
        first_done = next(i for i, (_, st) in enumerate(stages) if st == "ok")
        assert {t for t, st in stages[:first_done] if st == "running"} == {ARM, HOST}

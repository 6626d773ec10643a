"""The build matrix against a real SSH server (asyncssh, in-process, loopback) and real cargo."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import asyncssh
import pytest

from cockpit.builds.leftovers import leftover_groups
from cockpit.builds.matrix import BuildMatrix
from cockpit.builds.plan import assign
from cockpit.config import BuilderConfig, Config
from cockpit.executors.groups import JOB_VAR, ProcessGroup
from cockpit.executors.ssh import BuilderError, SshBuilder
from cockpit.journal.store import Journal
from cockpit.state.builds import BuildState
from tests.conftest import needs_cargo
from tests.helpers import until_stage
from tests.sshserver import SshFixture, start_ssh_server

HOST = "x86_64-unknown-linux-gnu"


@pytest.fixture
async def sshd(tmp_path: Path) -> AsyncIterator[SshFixture]:
    fixture = await start_ssh_server(tmp_path / "sshd")
    yield fixture
    await fixture.close()


def configured(config: Config, *builders: dict[str, object], **build: object) -> Config:
    return config.model_copy(update={
        "builders": [BuilderConfig(**b) for b in builders],  # type: ignore[arg-type]
        "build": config.build.model_copy(update={"targets": [HOST], **build})})


def state(journal: Journal) -> BuildState:
    s = BuildState()
    s.apply(journal.events())
    return s


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@needs_cargo
async def test_remote_build_compiles_the_commit_and_fetches_verified_artifacts(
        config: Config, journal: Journal, sshd: SshFixture) -> None:
    c = configured(config, sshd.builder("remote", targets=[HOST]))
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=c.repo, capture_output=True,
                          text=True).stdout.strip()
    # an uncommitted change that would not compile: the builder must never see it
    (c.repo / "src" / "main.rs").write_text("this is not rust")
    run_id = await BuildMatrix(c, journal).run(assign(c))
    target = state(journal).targets[HOST]
    assert target.status == "ok", target.failure
    lines = [ln for e in journal.events(kinds=["output"], run_id=run_id) for ln in e.lines()]
    assert f"building commit {head}" in lines and "caro 1.1.0-beta" in lines
    assert (sshd.home / "remote" / "src" / ".cockpit-commit").read_text().strip() == head
    dist = c.resolve(c.build.dist_dir) / "1.1.0-beta"
    asset = "caro-v1.1.0-beta-x86_64-unknown-linux-gnu.tar.gz"
    sha = (dist / f"{asset}.sha256").read_text()
    assert sha.endswith(f"  {asset}\n") and (dist / "SHA256SUMS").read_text() == sha
    listing = subprocess.run(["tar", "-tvzf", str(dist / asset)], capture_output=True, text=True)
    assert " 0/0 " in listing.stdout and "1970-01-01 00:00 caro" in listing.stdout  # reproducible
    # the target dir is kept on the builder: the second build is incremental
    await BuildMatrix(c, journal).run(assign(c))
    again = state(journal).targets[HOST]
    assert again.status == "ok" and again.compiled == 0 and again.attempts == []  # not a retry


async def test_unknown_host_key_shows_its_fingerprint(config: Config, sshd: SshFixture) -> None:
    sshd.known_hosts.write_text("")
    builder = SshBuilder(BuilderConfig(**sshd.builder()), config.base)  # type: ignore[arg-type]
    with pytest.raises(BuilderError) as err:
        await builder.connect()
    assert "is not trusted (SHA256:" in err.value.message
    assert f"ssh-keyscan -p {sshd.port} 127.0.0.1 >> {sshd.known_hosts}" in err.value.fix


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])  # by address, and by name
async def test_a_changed_host_key_is_called_out_not_offered_for_trust(
        config: Config, sshd: SshFixture, host: str) -> None:
    impostor = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode()
    sshd.known_hosts.write_text(f"[{host}]:{sshd.port} {impostor}")
    builder = SshBuilder(BuilderConfig(**sshd.builder(host=host)),  # type: ignore[arg-type]
                         config.base)
    with pytest.raises(BuilderError) as err:
        await builder.connect()
    assert "has CHANGED" in err.value.message and "intercepting" in err.value.message
    assert "ssh-keygen -R" in err.value.fix and ">>" not in err.value.fix


async def test_a_missing_known_hosts_file_is_named(config: Config, sshd: SshFixture) -> None:
    gone = sshd.home / "no_such_known_hosts"
    builder = SshBuilder(BuilderConfig(**sshd.builder(known_hosts=str(gone))),  # type: ignore[arg-type]
                         config.base)
    with pytest.raises(BuilderError) as err:
        await builder.connect()
    assert err.value.message == f"the known_hosts file {gone} does not exist"
    assert "ssh-keyscan" in err.value.fix


async def test_wrong_client_key_is_refused(config: Config, sshd: SshFixture,
                                           tmp_path: Path) -> None:
    other = tmp_path / "other_key"
    asyncssh.generate_private_key("ssh-ed25519").write_private_key(str(other))
    builder = SshBuilder(BuilderConfig(**sshd.builder(identity=str(other))),  # type: ignore[arg-type]
                         config.base)
    with pytest.raises(BuilderError) as err:
        await builder.connect()
    assert "refused the client key" in err.value.message and str(other) in err.value.message


async def test_closed_port_fails_only_its_own_targets(config: Config, journal: Journal,
                                                      sshd: SshFixture) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    c = configured(config, sshd.builder("gone", port=closed, targets=[HOST]),
                   {"name": "local", "targets": ["also-" + HOST]})
    run_id = await BuildMatrix(c, journal).run(assign(c, [HOST]))
    target = state(journal).targets[HOST]
    assert target.status == "failed" and "connection refused" in target.failure
    assert target.stages["sync"].state == "failed" and target.stages["fetch"].state == "skipped"
    assert journal.events(kinds=["build_finished"], run_id=run_id)[0].data["status"] == "failed"


@needs_cargo
async def test_compile_error_size_budget_and_version_mismatch(config: Config, journal: Journal,
                                                              sshd: SshFixture) -> None:
    remote = sshd.builder("remote", targets=[HOST])
    c = configured(config, remote, max_size_mb=0.01)
    await BuildMatrix(c, journal).run(assign(c))
    assert "over the 0.01 MB budget" in state(journal).targets[HOST].failure

    mismatch = configured(config, remote).model_copy(update={
        "release": config.release.model_copy(update={"version": "9.9.9"})})
    await BuildMatrix(mismatch, journal).run(assign(mismatch))
    failure = state(journal).targets[HOST].failure
    assert "version mismatch: the binary says 'caro 1.1.0-beta'" in failure

    (c.repo / "src" / "main.rs").write_text("fn main() { let x: u32 = \"no\"; }\n")
    git(c.repo, "commit", "-qam", "broken")
    await BuildMatrix(c, journal).run(assign(c))
    failed = state(journal).targets[HOST]
    assert failed.stages["build"].state == "failed"
    assert failed.failure.startswith("cargo build failed: error[E0308]: mismatched types")


@needs_cargo
async def test_missing_std_for_a_target_says_how_to_get_it(config: Config, journal: Journal,
                                                           sshd: SshFixture) -> None:
    probe = subprocess.run(["rustc", "--print", "sysroot"], capture_output=True, text=True)
    sysroot = Path(probe.stdout.strip())
    if (sysroot / "lib/rustlib/riscv64gc-unknown-linux-gnu").exists():
        pytest.skip("this toolchain has the riscv64 std")
    target = "riscv64gc-unknown-linux-gnu"
    c = configured(config, sshd.builder("remote", targets=[target]), targets=[target])
    await BuildMatrix(c, journal).run(assign(c))
    failure = state(journal).targets[target].failure
    assert f"the {target} standard library is missing on remote" in failure
    assert f"rustup target add {target}" in failure


async def test_a_login_banner_is_output_and_the_group_is_still_known(
        config: Config, sshd: SshFixture) -> None:
    (sshd.home / ".banner").write_text("Welcome to the build farm\n\n")
    builder = SshBuilder(BuilderConfig(**sshd.builder()), config.base)  # type: ignore[arg-type]
    groups: list[tuple[int, str]] = []
    builder.on_group = lambda group, state: groups.append((group.pgid, state))
    await builder.connect()
    seen: list[str] = []
    result = await builder.run("echo built; echo done", sink=lambda lines: seen.extend(lines))
    await builder.close()
    assert result.exit_code == 0
    assert seen == ["Welcome to the build farm", "", "built", "done"]  # no marker line
    assert [state for _, state in groups] == ["running", "ended"] and groups[0][0] > 0


async def test_cancel_stops_the_remote_process_group(config: Config, sshd: SshFixture) -> None:
    builder = SshBuilder(BuilderConfig(**sshd.builder()), config.base)  # type: ignore[arg-type]
    await builder.connect()
    marker = "61.4242"
    task = asyncio.ensure_future(builder.run(f"sleep {marker} & sleep {marker}; echo never"))
    await asyncio.sleep(1.0)
    assert marker in subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0.5)
    left = [ln for ln in subprocess.run(["ps", "-eo", "stat,args"], capture_output=True,
                                        text=True).stdout.splitlines()
            if marker in ln and not ln.startswith("Z")]
    assert left == []
    await builder.close()


@needs_cargo
async def test_a_dropped_link_is_builder_lost_and_retry_keeps_history(
        config: Config, journal: Journal, sshd: SshFixture) -> None:
    c = configured(config, sshd.builder("remote", targets=[HOST]),
                   {"name": "local", "kind": "local", "targets": [HOST]})
    matrix = BuildMatrix(c, journal)
    task = asyncio.ensure_future(matrix.run(assign(c)))
    await until_stage(journal, HOST, "build")
    sshd.drop_all()
    await asyncio.wait_for(task, 30)
    lost = state(journal).targets[HOST]
    assert lost.status == "builder lost" and "builder lost" in lost.failure
    retry = await BuildMatrix(c, journal).run(assign(c, [HOST], builder="local"),
                                              retry_of=lost.run_id)
    assert retry
    now = state(journal).targets[HOST]
    assert now.status == "ok" and now.builder == "local"
    assert now.attempts[-1][1:] == ("remote", "builder lost")


@needs_cargo
async def test_check_probes_each_builder(config: Config, sshd: SshFixture) -> None:
    from cockpit.builds.probe import probe_all

    c = configured(config, sshd.builder("remote", targets=[HOST, "riscv64gc-unknown-linux-gnu"]),
                   sshd.builder("untrusted", known_hosts=str(sshd.home / "empty")))
    (sshd.home / "empty").write_text("")
    good, bad = await probe_all(c)
    checks = {line.check: line for line in good.lines}
    assert checks["reachable"].ok and checks["host key trusted"].ok
    assert checks["cargo"].ok and checks["cargo"].detail.startswith("cargo ")
    assert checks[f"std for {HOST}"].ok
    riscv = checks["std for riscv64gc-unknown-linux-gnu"]
    if not riscv.ok:
        assert riscv.detail == "missing" and "rustup target add" in riscv.fix
    assert checks["free disk"].detail.endswith("GB in " + str(sshd.home / "remote"))
    assert not bad.ok and bad.lines[0].check == "host key trusted"
    assert "SHA256:" in bad.lines[0].detail and "ssh-keyscan" in bad.lines[0].fix


@needs_cargo
async def test_cancel_one_target_then_retry_it(config: Config, journal: Journal,
                                               sshd: SshFixture, tmp_path: Path) -> None:
    wrapper = tmp_path / "slow-rustc"
    wrapper.write_text("#!/bin/sh\nsleep 30\nexec \"$@\"\n")
    wrapper.chmod(0o755)
    riscv = "riscv64gc-unknown-linux-gnu"
    slow = sshd.builder("remote", targets=[HOST], env={"RUSTC_WRAPPER": str(wrapper)})
    c = configured(config, slow, {"name": "local", "kind": "local", "targets": [riscv]},
                   targets=[HOST, riscv])
    matrix = BuildMatrix(c, journal)
    run = asyncio.ensure_future(matrix.run(assign(c)))
    await until_stage(journal, HOST, "build")
    await asyncio.sleep(0.5)
    assert matrix.cancel_target(HOST)
    run_id = await asyncio.wait_for(run, 20)
    cancelled = state(journal).targets[HOST]
    assert cancelled.status == "cancelled" and cancelled.stages["package"].state == "skipped"
    assert state(journal).targets[riscv].status in {"failed", "ok"}  # went its own way
    results = journal.events(kinds=["build_finished"], run_id=run_id)[0].data["results"]
    assert results[HOST] == "cancelled"
    ending = "── build stopped: cancelled by the operator ──"
    log = journal.path.parent / "logs" / run_id / f"{HOST}.log"
    assert log.read_text().endswith(ending + "\n")  # the log says how it ended
    assert any(e.lines() == [ending] for e in journal.events(kinds=["output"], run_id=run_id))
    left = subprocess.run(["pgrep", "-f", str(wrapper)], capture_output=True, text=True).stdout
    assert left.strip() == ""  # nothing left on the builder
    quick = configured(config, sshd.builder("remote", targets=[HOST]))
    await BuildMatrix(quick, journal).run(assign(quick), retry_of=run_id)
    retried = state(journal).targets[HOST]
    assert retried.status == "ok" and retried.attempts[-1][1:] == ("remote", "cancelled")


@needs_cargo
async def test_default_workdir_is_under_the_remote_home(config: Config, journal: Journal,
                                                        sshd: SshFixture) -> None:
    builder = sshd.builder("remote", targets=[HOST])
    del builder["workdir"]
    c = configured(config, builder)
    await BuildMatrix(c, journal).run(assign(c))
    assert state(journal).targets[HOST].status == "ok", state(journal).targets[HOST].failure
    kept = sshd.home / "cockpit-builds" / "remote" / "target" / HOST / "release" / "caro"
    assert kept.exists()


def running_with(marker: str) -> list[str]:
    return [ln for ln in subprocess.run(["ps", "-eo", "stat,args"], capture_output=True,
                                        text=True).stdout.splitlines()
            if marker in ln and not ln.startswith("Z")]


@needs_cargo
async def test_what_a_lost_link_left_running_is_stopped_on_the_next_connection(
        config: Config, journal: Journal, sshd: SshFixture, tmp_path: Path) -> None:
    marker = "73.1717"
    wrapper = tmp_path / "slow-rustc"
    wrapper.write_text(f"#!/bin/sh\nsleep {marker}\nexec \"$@\"\n")
    wrapper.chmod(0o755)
    slow = configured(config, sshd.builder("remote", targets=[HOST],
                                           env={"RUSTC_WRAPPER": str(wrapper)}))
    task = asyncio.ensure_future(BuildMatrix(slow, journal).run(assign(slow)))
    await until_stage(journal, HOST, "build")
    await asyncio.sleep(1.0)
    sshd.drop_all()
    await asyncio.wait_for(task, 30)
    assert state(journal).targets[HOST].status == "builder lost"
    assert running_with(marker), "the lost build should still run on the builder"
    assert leftover_groups(journal, "remote")

    quick = configured(config, sshd.builder("remote", targets=[HOST]))
    await BuildMatrix(quick, journal).run(assign(quick))
    assert state(journal).targets[HOST].status == "ok"
    await asyncio.sleep(0.3)
    assert running_with(marker) == []
    stopped = [e.data for e in journal.events(kinds=["remote_group"]) if e.data.get("leftover")]
    assert [d["state"] for d in stopped] == ["stopped"]
    assert leftover_groups(journal, "remote") == []


def start_time(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()[19]


async def test_a_reused_group_id_is_never_killed(config: Config, sshd: SshFixture) -> None:
    """Only the very group that was journaled is stopped: ids get reused, builders reboot.
    The stranger here even carries the job's tag: its start time (or the boot) gives it away."""
    marker = "74.2727"
    job = "0123456789ab"
    stranger = subprocess.Popen(["sleep", marker], start_new_session=True,
                                env={JOB_VAR: job, "PATH": "/usr/bin:/bin"})
    boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    started = start_time(stranger.pid)
    try:
        builder = SshBuilder(BuilderConfig(**sshd.builder()), config.base)  # type: ignore[arg-type]
        await builder.connect()
        untagged = ProcessGroup(stranger.pid, job="fedcba987654")
        recycled = ProcessGroup(stranger.pid, boot, str(int(started) - 1), job)
        rebooted = ProcessGroup(stranger.pid, "another-boot", started, job)
        for group in (untagged, recycled, rebooted):
            assert await builder.sweep([group]) == [(group, "gone")]
            assert stranger.poll() is None
        same = ProcessGroup(stranger.pid, boot, started, job)  # and the real one is stopped
        assert await builder.sweep([same]) == [(same, "stopped")]
        assert stranger.wait(10) is not None
        await builder.close()
    finally:
        stranger.kill()
        stranger.wait()


@needs_cargo
async def test_check_uses_the_rustc_the_env_names_and_catches_one_too_old_for_cargo(
        config: Config, sshd: SshFixture) -> None:
    from cockpit.builds.probe import probe_all

    old = sshd.home / "old-rustc"  # answers like a rustc far older than this cargo
    old.write_text("#!/bin/sh\n"
                   "case \"$*\" in\n"
                   "  *--print*) echo 'error: unknown print request `split-debuginfo`' >&2; exit 1;;\n"
                   "  -vV) printf 'rustc 1.20.0\\nbinary: rustc\\nhost: x86_64-unknown-linux-gnu"
                   "\\nrelease: 1.20.0\\n';;\n"
                   "  *) echo 'rustc 1.20.0';;\n"
                   "esac\n")
    old.chmod(0o755)
    c = configured(config, sshd.builder("remote", targets=[HOST], env={"RUSTC": str(old)}))
    (report,) = await probe_all(c)
    checks = {line.check: line for line in report.lines}
    assert checks["rustc"].ok and checks["rustc"].detail == "rustc 1.20.0"
    std = checks[f"std for {HOST}"]
    assert not std.ok and std.detail.startswith("this cargo cannot drive this rustc")
    assert "PATH" in std.fix


async def test_both_executors_write_and_read_files_the_same_way(
        config: Config, sshd: SshFixture, tmp_path: Path) -> None:
    """The seam the build stages use: the same calls, here and on a remote builder."""
    from cockpit.executors.local import LocalExecutor

    remote = SshBuilder(BuilderConfig(**sshd.builder()), config.base)  # type: ignore[arg-type]
    await remote.connect()
    data = bytes(range(256)) * 40  # binary, with newlines and NULs
    try:
        for executor, where in ((LocalExecutor("local"), tmp_path / "local"),
                                (remote, sshd.home / "remote-files")):
            path = f"{where}/deep/er/file.bin"
            await executor.write_file(path, data)
            assert await executor.read_file(path) == data
            result = await executor.run(f"wc -c < {path}")
            assert result.tail == [str(len(data))]
        assert remote.workspace(config).packaged_here is False
        assert LocalExecutor("local").workspace(config).in_place is False  # a copy of the commit
    finally:
        await remote.close()

"""A target's stages on its executor: sync, build, size, smoke, package, checksum, fetch.

Each stage uses only the executor's seam (run, read and write a file) and its workspace (where
the source, the target dir and the packages live on it): the same code builds here and on a
remote builder. A stage that cannot go on raises `StageFailed` with what to do.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import shlex
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Protocol

from cockpit import gitrepo
from cockpit.builds.naming import asset_name, os_arch
from cockpit.builds.plan import Assignment
from cockpit.config import Config
from cockpit.errors import CockpitError, Problem
from cockpit.executors.base import Executor
from cockpit.executors.lines import CommandResult, LineSink, text_of
from cockpit.journal.events import BuildProgress, Output, Payload
from cockpit.journal.row import Event


class Matrix(Protocol):
    """What a target's stages use of the build they are part of."""

    config: Config
    total: int | None
    """Units cargo will build (for progress), when known."""
    hosts: dict[str, str]
    """Each builder's host triple, once asked."""

    @property
    def dist(self) -> Path: ...

    def log(self, payload: Payload, run_id: str | None, step: str | None = None) -> Event: ...

    def log_file(self, run_id: str, target: str) -> IO[str]: ...

    synced: dict[str, asyncio.Future[str]]
    """Each builder's source sync in this build (its targets share one)."""


def sync_script(src: str, commit: str) -> str:
    """Shell text that makes `src` the tar archive on stdin, with cargo's incremental builds
    kept right: the archive is extracted beside `src` with fresh times (`tar -m`), then the
    files whose content is unchanged (same path and sha256) are copied over from `src` with
    their old times, so cargo rebuilds exactly what changed. (Extracting with the commit's
    times would make an older commit look older than the last build: cargo would call it
    fresh and ship the newer binary.) A constant number of processes, however many files."""
    s, new, sums = shlex.quote(src), shlex.quote(src + ".new"), shlex.quote(src + ".sums")
    listed = "find . -type f -exec sha256sum {} + | sort"
    return (f"export LC_ALL=C; rm -rf {new} {sums} && mkdir -p {new} {s} {sums} && "
            f"tar -xmf - -C {new} && (cd {new} && {listed} > {sums}/new) && "
            f"(cd {s} && {listed} > {sums}/old) && "
            f"comm -12 {sums}/new {sums}/old | cut -c67- > {sums}/same && "
            f"if [ -s {sums}/same ]; then (cd {s} && tar -cf - -T {sums}/same) | "
            f"tar -xf - -C {new}; fi && echo {shlex.quote(commit)} > {new}/.cockpit-commit && "
            f"rm -rf {s} {sums} && mv {new} {s}")


class StageFailed(CockpitError):
    """A stage stopped the target: the message says why and, where it can, what to do."""

    def __init__(self, message: str) -> None:
        super().__init__([Problem(message, field="build stage")], exit_code=1)
        self.message = message

    def __str__(self) -> str:
        return self.message


class TargetStages:
    """One target's stages on its executor."""

    def __init__(self, matrix: Matrix, run_id: str, a: Assignment, commit: str,
                 executor: Executor) -> None:
        self.m = matrix
        self.config = matrix.config
        self.run_id = run_id
        self.a = a
        self.commit = commit
        self.x = executor
        self.ws = executor.workspace(self.config)
        self.src, self.target_dir, self.dist = self.ws.source, self.ws.target_dir, self.ws.dist
        self.asset = asset_name(self.config, a.target)
        self.compiled = 0
        self.fresh = 0
        self._last_lines: list[str] = []

    @property
    def env(self) -> dict[str, str]:
        return {**self.a.builder.env, "CARGO_TARGET_DIR": self.target_dir,
                "CARGO_TERM_COLOR": "never"}

    @property
    def binary(self) -> str:
        b = self.config.build
        name = b.binary + (".exe" if os_arch(self.a.target)[0] == "windows" else "")
        return f"{self.target_dir}/{self.a.target}/{b.profile}/{name}"

    def sink(self, lines: Sequence[str]) -> None:
        event = self.m.log(Output(text=text_of(lines), count=len(lines)), self.run_id, self.a.target)
        # the log file gets the text as journaled: redacted
        self.m.log_file(self.run_id, self.a.target).write(f"{event.data['text']}\n")

    async def sh(self, command: str, *, what: str, cwd: str | None = None,
                 stdin: bytes | None = None, sink: LineSink | None = None,
                 timeout: float | None = None) -> CommandResult:
        result = await self.x.run(command, cwd=cwd, env=self.env, sink=sink, stdin=stdin,
                                  timeout=timeout)
        if result.error:
            raise StageFailed(f"{what}: {result.error}")
        if result.timed_out:
            raise StageFailed(f"{what}: timed out")
        if result.exit_code != 0:
            last = next((ln for ln in reversed(result.tail) if ln.strip()), "")
            raise StageFailed(f"{what} failed (exit {result.exit_code}): {last}")
        return result

    async def stage_sync(self) -> str:
        """The commit's tree into the builder's source dir, once per builder and build (its
        targets share it); what the work tree has uncommitted is said, and not built."""
        if self.ws.in_place:
            return f"commit {self.commit[:12]} (in place)"
        name = self.a.builder.name
        if name not in self.m.synced:
            self.m.synced[name] = asyncio.ensure_future(self._sync())
        synced = await asyncio.shield(self.m.synced[name])
        left = gitrepo.changes(self.config.repo)
        if not left:
            return synced
        paths = ", ".join(line[3:] for line in left[:5]) + (", ..." if len(left) > 5 else "")
        changes = "change" if len(left) == 1 else "changes"
        return f"{synced}; not built: {len(left)} uncommitted {changes} ({paths})"

    async def _sync(self) -> str:
        archive, complaint = gitrepo.archive(self.config.repo, self.commit)
        if complaint:
            raise StageFailed(f"git archive failed: {complaint}")
        await self.sh(sync_script(self.src, self.commit), what="source sync", stdin=archive)
        return f"commit {self.commit[:12]} ({len(archive) // 1024} KiB)"

    async def stage_build(self) -> str:
        b = self.config.build
        profile = "--release" if b.profile == "release" else f"--profile {shlex.quote(b.profile)}"
        command = (f"echo building commit {self.commit}; cargo build {profile} --target "
                   f"{shlex.quote(self.a.target)} -p {shlex.quote(b.package)} "
                   "--message-format=json-render-diagnostics --color=never")
        t0 = time.monotonic()
        try:
            await self.sh(command, what="cargo build", cwd=self.src, sink=self._cargo_sink)
        except StageFailed as exc:
            if any("can't find crate for `std`" in line for line in self._last_lines):
                raise StageFailed(
                    f"the {self.a.target} standard library is missing on {self.a.builder.name}: "
                    f"`rustup target add {self.a.target}` there, or set RUSTC in the builder's "
                    "env to a toolchain that has it") from None
            errors = [ln for ln in self._last_lines if ln.startswith("error")]
            if errors:
                raise StageFailed(f"cargo build failed: {errors[0]}") from None
            raise exc
        took = time.monotonic() - t0
        if self.compiled == 0:
            return f"up to date ({self.fresh} unit(s) fresh) in {took:.1f}s"
        return f"{self.compiled} unit(s) compiled, {self.fresh} fresh, in {took:.1f}s"

    def _cargo_sink(self, lines: Sequence[str]) -> None:
        self._last_lines = [*self._last_lines, *lines[-200:]][-200:]
        text = []
        for line in lines:
            if line.startswith('{"reason":'):
                try:
                    message = json.loads(line)
                except json.JSONDecodeError:
                    text.append(line)
                    continue
                if message.get("reason") == "compiler-artifact" and message.get("fresh"):
                    self.fresh += 1
                elif message.get("reason") == "compiler-artifact":
                    self.compiled += 1
                    crate = message.get("target", {}).get("name", "")
                    self.m.log(BuildProgress(compiled=self.compiled, total=self.m.total,
                                              crate=crate), self.run_id, self.a.target)
            else:
                text.append(line)
        if len(text) == len(lines):
            self.sink(lines)  # nothing taken out: the batch as it came
        elif text:
            self.sink(text)

    async def stage_size(self) -> str:
        result = await self.sh(f"stat -c %s {shlex.quote(self.binary)}", what="size check")
        size_mb = int(result.tail[-1]) / 1_000_000
        budget = self.config.build.max_size_mb
        if size_mb > budget:
            raise StageFailed(f"{size_mb:.2f} MB is over the {budget:g} MB budget")
        return f"{size_mb:.2f} MB of {budget:g} MB"

    async def _builder_host(self) -> str:
        name = self.a.builder.name
        if self.ws.host:
            return self.ws.host
        if name not in self.m.hosts:
            result = await self.x.run("rustc -vV", env=self.env)
            host = next((ln.removeprefix("host: ") for ln in result.tail
                         if ln.startswith("host: ")), "")
            self.m.hosts[name] = host
        return self.m.hosts[name]

    async def stage_smoke(self) -> str:
        runner = self.a.builder.runners.get(self.a.target, "")
        if not runner and await self._builder_host() != self.a.target:
            raise StageFailed(f"cannot run a {self.a.target} binary on {self.a.builder.name}: "
                              f"set runners = {{ \"{self.a.target}\" = \"qemu-...\" }} on it")
        command = f"{runner + ' ' if runner else ''}{shlex.quote(self.binary)} --version"
        result = await self.sh(command, what="smoke test", sink=self.sink)
        output = " ".join(result.tail).strip()
        if self.config.release.version not in output:
            raise StageFailed(f"version mismatch: the binary says {output!r}, the release is "
                              f"{self.config.release.version}")
        return output

    async def stage_package(self) -> str:
        d, asset = shlex.quote(self.dist), shlex.quote(self.asset)
        binary = Path(self.binary)
        if self.config.build.artifact == "tar.gz":
            command = (f"mkdir -p {d} && tar --sort=name --mtime=@0 --owner=0 --group=0 "
                       f"--numeric-owner -C {shlex.quote(str(binary.parent))} -cf - "
                       f"{shlex.quote(binary.name)} | gzip -n > {d}/{asset}")
        else:
            command = f"mkdir -p {d} && cp {shlex.quote(self.binary)} {d}/{asset}"
        await self.sh(command, what="package")
        return self.asset

    async def stage_checksum(self) -> str:
        asset = shlex.quote(self.asset)
        result = await self.sh(f"sha256sum {asset} > {asset}.sha256 && cat {asset}.sha256",
                               what="checksum", cwd=self.dist)
        return result.tail[-1].split()[0][:16] + "…"

    async def stage_fetch(self) -> str:
        local = self.m.dist
        local.mkdir(parents=True, exist_ok=True)
        fetched = not self.ws.packaged_here
        if fetched:  # packaged elsewhere (a remote builder): copied here, then checked
            for name in (self.asset, self.asset + ".sha256"):
                data = await self.x.read_file(f"{self.dist}/{name}")
                (local / name).write_bytes(data)
        expected = (local / (self.asset + ".sha256")).read_text().split()
        actual = hashlib.sha256((local / self.asset).read_bytes()).hexdigest()
        if expected[:2] != [actual, self.asset]:
            raise StageFailed(f"checksum mismatch for {self.asset}: {expected[0][:16]}… on the "
                              f"builder, {actual[:16]}… here")
        return f"verified {self.asset}" + (" (fetched)" if fetched else "")


"""Running commands on this machine, streaming their output (`lines`), and this machine as a
builder (`LocalExecutor`). Every command runs in its own session (process group) so a
timeout or cancel stops it and everything it started."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from cockpit.config import Config
from cockpit.executors.base import Workspace
from cockpit.executors.lines import CommandResult, LineSink, Tail, pump_lines


class LocalRunner:
    """Runs argv (never through a shell unless asked) on this machine."""

    kill_grace = 2.0

    async def run(
        self,
        argv: Sequence[str] | str,
        *,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
        sink: LineSink | None = None,
        on_start: Callable[[int], None] | None = None,
        stdin: bytes | None = None,
    ) -> CommandResult:
        """Run argv, or a shell string when `argv` is a str; stream lines to `sink`.

        `on_start` gets the process group id as soon as the command runs (the engine journals
        it, so a cockpit that died can stop what it left behind)."""
        full_env = {**os.environ, **(env or {}), "CARGO_TERM_COLOR": "never", "NO_COLOR": "1"}
        words = ["/bin/sh", "-c", argv] if isinstance(argv, str) else list(argv)
        given = asyncio.subprocess.DEVNULL if stdin is None else asyncio.subprocess.PIPE
        try:
            proc = await asyncio.create_subprocess_exec(
                *words, cwd=cwd, env=full_env, stdin=given, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT, start_new_session=True)
        except FileNotFoundError as exc:
            missing = exc.filename if exc.filename else (argv if isinstance(argv, str) else argv[0])
            if cwd is not None and not Path(cwd).is_dir():
                return CommandResult(None, error=f"working directory {cwd} does not exist")
            return CommandResult(None, error=f"command not found: {missing}")
        except (PermissionError, NotADirectoryError) as exc:
            return CommandResult(None, error=str(exc))
        if on_start is not None:
            on_start(proc.pid)
        tail = Tail()
        reader = asyncio.ensure_future(self._pump(proc, tail, sink, stdin))
        timed_out = False
        try:  # asyncio.timeout, not wait_for: 3.11's wait_for drops a cancellation (SIGTERM)
            async with asyncio.timeout(timeout):  # that comes as the command ends
                await asyncio.shield(reader)
        except TimeoutError:
            timed_out = True
            await self._kill(proc)
            with contextlib.suppress(Exception):
                async with asyncio.timeout(5):
                    await reader
        except BaseException:  # cancelled, or the sink failed: never leave the group running
            await self._kill(proc)
            reader.cancel()
            raise
        code = await proc.wait()
        return CommandResult(None if timed_out else code, timed_out=timed_out,
                             tail=tail.lines())

    async def _pump(self, proc: asyncio.subprocess.Process, tail: Tail,
                    sink: LineSink | None, stdin: bytes | None) -> None:
        assert proc.stdout is not None

        async def feed(pipe: asyncio.StreamWriter, data: bytes) -> None:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                pipe.write(data)
                await pipe.drain()
            pipe.close()

        # written while the output is read: a command that talks before it reads never waits
        writer = (asyncio.ensure_future(feed(proc.stdin, stdin))
                  if stdin is not None and proc.stdin is not None else None)
        try:
            await pump_lines(proc.stdout.read, tail, sink)
        finally:
            if writer is not None:
                if not writer.done():  # the command ended without reading it all
                    writer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await writer

    async def _kill(self, proc: asyncio.subprocess.Process) -> None:
        await end_group(proc, self.kill_grace)


async def end_group(leader: asyncio.subprocess.Process, grace: float) -> None:
    """TERM, then KILL, the process group `leader` leads (it and all it started), each given
    `grace` seconds to end it. asyncio.timeout, not wait_for: 3.11's wait_for can swallow the
    caller's own cancellation."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(leader.pid, sig)
        try:
            async with asyncio.timeout(grace):
                await leader.wait()
            return
        except TimeoutError:
            continue


def group_alive(pgid: int) -> bool:
    """Does any live (non-zombie) process belong to this process group?"""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    proc = Path("/proc")
    if not proc.is_dir():
        return True
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[2] == str(pgid) and fields[0] != "Z":  # state, ppid, pgrp, ...
            return True
    return False


def kill_group(pgid: int) -> None:
    """TERM then KILL a process group left behind (synchronously; used on resume)."""
    import time

    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, sig)
        for _ in range(20):
            if not group_alive(pgid):
                return
            time.sleep(0.1)


class LocalExecutor:
    """This machine, as a builder. It builds a copy of the commit (as a remote builder does),
    never the work tree: an uncommitted edit is never shipped under a clean commit's id. The
    copy and cargo's target dir stay in one place per builder under the cockpit's state
    directory (beside the journal), so a rebuild is incremental."""

    def __init__(self, name: str, runner: LocalRunner | None = None, *,
                 env: Mapping[str, str] | None = None) -> None:
        self.name = name
        self.runner = runner or LocalRunner()
        self.env = dict(env or {})

    def workspace(self, config: Config) -> Workspace:
        from cockpit.executors.toolchain import host_triple

        # a builder's env (RUSTC, PATH, ...) may bring another toolchain: rustc is asked then
        host = "" if self.env else host_triple()
        base = config.journal_path.parent / "builds" / re.sub(r"[^\w.-]", "_", self.name)
        return Workspace(str(base / "src"), str(base / "target"), str(config.release_dist),
                         host, packaged_here=True)

    async def run(self, command: str, *, cwd: str | None = None,
                  env: Mapping[str, str] | None = None, sink: LineSink | None = None,
                  stdin: bytes | None = None, timeout: float | None = None) -> CommandResult:
        return await self.runner.run(command, cwd=Path(cwd) if cwd else None, env=env,
                                     sink=sink, timeout=timeout, stdin=stdin)

    async def read_file(self, path: str) -> bytes:
        return Path(path).read_bytes()

    async def write_file(self, path: str, data: bytes) -> None:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    async def close(self) -> None:
        return None

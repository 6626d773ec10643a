"""Running commands on the local machine, streaming their output.

Output is read in large chunks (``read(65536)`` then split: 2.5x faster than readline),
ANSI escapes are stripped, and each chunk's complete lines go to the caller in one call, so
downstream (journal, log pane) works in batches. Every command runs in its own session
(process group) so a timeout or cancel stops it and everything it started.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
LineSink = Callable[[list[str]], Awaitable[None] | None]
TAIL = 2000


def strip_ansi(text: str) -> str:
    return ANSI.sub("", text) if "\x1b" in text else text


async def pump_lines(read: Callable[[int], Awaitable[bytes]], tail: list[str],
                     sink: LineSink | None,
                     intercept: Callable[[list[str]], None] | None = None) -> None:
    """Read a stream to its end in 64 KiB chunks, delivering complete lines in batches.
    `intercept` sees each batch first and may remove lines (the remote group id marker)."""
    partial = b""
    while chunk := await read(65536):
        lines, partial = split_chunk(partial, chunk)
        if intercept is not None:
            intercept(lines)
        if lines:
            await deliver(lines, tail, sink)
    if partial:
        await deliver(split_chunk(partial, b"\n")[0], tail, sink)


async def deliver(lines: list[str], tail: list[str], sink: LineSink | None) -> None:
    """Keep the last TAIL lines (for expectations and messages) and hand the batch on."""
    tail.extend(lines)
    if len(tail) > TAIL:
        del tail[: len(tail) - TAIL]
    if sink is not None:
        result = sink(lines)
        if result is not None:
            await result


def split_chunk(pending: bytes, chunk: bytes) -> tuple[list[str], bytes]:
    """Complete lines of `pending + chunk` (decoded once, ANSI and CR stripped once), and the
    unfinished tail. Working per chunk, not per line, keeps the pipeline cheap at full speed."""
    data = pending + chunk
    cut = data.rfind(b"\n")
    if cut < 0:
        return [], data
    text = data[:cut].decode("utf-8", errors="replace")
    if "\x1b" in text:
        text = ANSI.sub("", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "")
    return text.split("\n"), data[cut + 1:]


@dataclass
class CommandResult:
    exit_code: int | None
    """None when the command could not start or was killed by the timeout."""
    timed_out: bool = False
    error: str | None = None
    """Why it could not start (command not found, bad cwd), in words."""
    tail: list[str] = field(default_factory=list)
    """The last lines of output, for expect_output and failure messages."""

    @property
    def text(self) -> str:
        return "\n".join(self.tail)


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
    ) -> CommandResult:
        """Run argv, or a shell string when `argv` is a str; stream lines to `sink`.

        `on_start` gets the process group id as soon as the command runs (the engine journals
        it, so a cockpit that died can stop what it left behind)."""
        full_env = {**os.environ, **(env or {}), "CARGO_TERM_COLOR": "never", "NO_COLOR": "1"}
        try:
            if isinstance(argv, str):
                proc = await asyncio.create_subprocess_exec(
                    "/bin/sh", "-c", argv, cwd=cwd, env=full_env, stdin=asyncio.subprocess.DEVNULL,
                    stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
                    start_new_session=True)
            else:
                proc = await asyncio.create_subprocess_exec(
                    *argv, cwd=cwd, env=full_env, stdin=asyncio.subprocess.DEVNULL,
                    stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
                    start_new_session=True)
        except FileNotFoundError as exc:
            missing = exc.filename if exc.filename else (argv if isinstance(argv, str) else argv[0])
            if cwd is not None and not Path(cwd).is_dir():
                return CommandResult(None, error=f"working directory {cwd} does not exist")
            return CommandResult(None, error=f"command not found: {missing}")
        except (PermissionError, NotADirectoryError) as exc:
            return CommandResult(None, error=str(exc))
        if on_start is not None:
            on_start(proc.pid)
        tail: list[str] = []
        reader = asyncio.ensure_future(self._pump(proc, tail, sink))
        timed_out = False
        try:
            await asyncio.wait_for(asyncio.shield(reader), timeout)
        except TimeoutError:
            timed_out = True
            await self._kill(proc)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(reader, 5)
        except BaseException:  # cancelled, or the sink failed: never leave the group running
            await self._kill(proc)
            reader.cancel()
            raise
        code = await proc.wait()
        return CommandResult(None if timed_out else code, timed_out=timed_out, tail=tail)

    async def _pump(self, proc: asyncio.subprocess.Process, tail: list[str],
                    sink: LineSink | None) -> None:
        assert proc.stdout is not None
        await pump_lines(proc.stdout.read, tail, sink)

    async def _kill(self, proc: asyncio.subprocess.Process) -> None:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, sig)
            try:
                await asyncio.wait_for(proc.wait(), self.kill_grace)
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

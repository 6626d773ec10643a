"""A `command` metric: run it (its own process group, killed at its timeout), read a number
from its output, or JSON and a field path. Split into words before values fill it, or run
through /bin/sh with every value in an environment variable, as every step's command is."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from collections.abc import Mapping
from pathlib import Path

from cockpit.metrics.reading import Reading, SourceError, number, pick
from cockpit.metricsconfig import CommandMetric
from cockpit.params import render_argv, shown
from cockpit.shellvalues import script, shown_script


async def read_command(metric: CommandMetric, values: Mapping[str, str], cwd: Path) -> Reading:
    env: dict[str, str] = {}
    if metric.shell:
        text, env = script(metric.run, values)
        words, what = ["/bin/sh", "-c", text], shown_script(metric.run, values)
    else:
        words = render_argv(metric.run, values)
        what = shown(words)
    fix = f"correct run in the [[metrics]] table named {metric.name!r}"
    try:
        proc = await asyncio.create_subprocess_exec(
            *words, cwd=cwd, env={**os.environ, **env}, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            start_new_session=True)
    except OSError as exc:
        raise SourceError(f"`{what}` cannot start: {exc.strerror or exc}", fix) from None
    try:
        async with asyncio.timeout(metric.timeout):
            out, err = await proc.communicate()
    except TimeoutError:
        _kill(proc.pid)
        await proc.wait()
        raise SourceError(f"`{what}` gave no answer within {metric.timeout:g}s (stopped)",
                          f"make it quicker, or raise timeout in the [[metrics]] table named "
                          f"{metric.name!r}") from None
    except BaseException:
        _kill(proc.pid)
        raise
    if proc.returncode != 0:
        last = (err or out).decode(errors="replace").strip().splitlines()[-1:] or [""]
        raise SourceError(f"`{what}` exited {proc.returncode}: {last[0][:200]}", fix)
    text = out.decode(errors="replace").strip()
    if metric.field is None:
        try:
            return Reading(number(text, where=f"`{what}`", metric=metric.name), source=what)
        except SourceError:
            if not text.startswith(("{", "[")):
                raise
    try:
        data = json.loads(text)
    except ValueError:
        raise SourceError(f"`{what}` printed {text[:60]!r}: not JSON, and field is set",
                          "make it print JSON, or drop field to read a plain number") from None
    value = pick(data, metric.field, where=f"`{what}`", metric=metric.name)
    return Reading(number(value, where=f"`{what}`", metric=metric.name), source=what)


def _kill(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)

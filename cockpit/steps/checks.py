"""A gate's automated checks, run for real.

Each check returns a `CheckResult` with a one-line verdict and the detail an operator needs
to act on a failure. Manual checks are not run here: the operator ticks them.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from cockpit.executors.lines import LineSink
from cockpit.executors.local import LocalRunner
from cockpit.params import check_regex, check_words, render_argv, substitute
from cockpit.shellvalues import script
from cockpit.steps.pii import CATEGORIES, scan_text
from cockpit.tomlsource import Positive

MATCH_SECONDS = 5.0
"""How long matching an `expect_output` pattern against a step's output may take."""

_MATCHER = """# cockpit: an expect_output match, off the event loop
import re, resource, sys
resource.setrlimit(resource.RLIMIT_CPU, ({cpu}, {cpu}))
size, _, rest = sys.stdin.buffer.read().partition(b"\\n")
pattern, text = rest[:int(size)].decode(), rest[int(size):].decode()
found = re.search(pattern, text, re.MULTILINE)
sys.stdout.buffer.write(b"" if found is None else b"=" + found.group(0).encode())
"""


class MatchTooSlow(ValueError):
    """An expect_output pattern that backtracks without end on this output."""


async def search_output(pattern: str, text: str, *, limit: float = MATCH_SECONDS) -> str | None:
    """What `pattern` finds in `text` (re.search, MULTILINE), or None; raise MatchTooSlow
    past `limit` seconds.

    A pattern such as ``^(a+)+$`` backtracks for minutes on a line like ``aaa…ab``, inside
    one C call that holds the GIL: run in the cockpit, it froze the event loop (keys,
    journal polls, SIGTERM) until it ended. A thread cannot be stopped, and spotting such
    patterns when a playbook loads cannot be done reliably: so the match runs in a small
    child process (~20 ms) the loop awaits, killed at the limit or when the step is
    cancelled; its CPU limit ends it even if the cockpit itself is killed."""
    data = f"{len(pattern.encode())}\n{pattern}{text}".encode()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-I", "-S", "-c", _MATCHER.format(cpu=math.ceil(limit) + 1),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL)
    try:  # asyncio.timeout: wait_for (3.11) drops a cancellation that comes as it ends
        async with asyncio.timeout(limit):
            out, _ = await proc.communicate(data)
    except TimeoutError:
        raise MatchTooSlow(
            f"expect_output /{pattern}/ was still matching {len(text):,} characters of output "
            f"after {limit:g} s: it backtracks without end (nested repetition such as (a+)+); "
            "rewrite it without a repeated group that repeats (e.g. ^a+$)") from None
    finally:
        if proc.returncode is None:  # timed out, or the step was cancelled
            proc.kill()
            await asyncio.shield(proc.wait())
    if proc.returncode != 0:
        raise MatchTooSlow(f"expect_output /{pattern}/ could not be matched against the output "
                           f"(the matcher exited {proc.returncode})")
    return out[1:].decode() if out else None


class Check(BaseModel):
    """One check of a gate. Automated kinds run for real; `manual` is ticked by the operator."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["command", "git-clean", "binary-size", "p95-latency", "pii-scan", "manual"]
    title: str
    run: str | None = None
    """command: the command (split into words before parameters are substituted; with
    `shell`, run by /bin/sh with the values in environment variables)."""
    shell: bool = False
    expect_exit: int | None = 0
    expect_output: str | None = None
    """command: a regular expression the output must contain."""
    path: str | None = None
    """binary-size: the binary; p95-latency: hyperfine --export-json file; pii-scan: export."""
    max_ms: Positive = 1000
    """p95-latency budget in milliseconds."""
    max_mb: Positive | None = None
    """binary-size budget; default: build.max_size_mb."""
    timeout: Positive | None = 600

    @property
    def by_hand(self) -> bool:
        """Ticked by the operator, not run."""
        return self.kind == "manual"

    @model_validator(mode="after")
    def _needs(self) -> Check:
        if self.kind == "command" and not self.run:
            raise ValueError("a command check needs run")
        check_words("run", self.run)
        check_regex("expect_output", self.expect_output)
        if self.kind in {"binary-size", "p95-latency", "pii-scan"} and not self.path:
            raise ValueError(f"a {self.kind} check needs path")
        return self


@dataclass
class CheckResult:
    title: str
    kind: str
    ok: bool | None
    """None for manual checks (the operator decides)."""
    summary: str
    detail: str = ""
    findings: dict[str, bool] = field(default_factory=dict)



def p95(samples: list[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(0.95 * len(ordered)))
    return ordered[rank - 1]


def hyperfine_p95_ms(path: Path) -> float:
    """p95 of the first benchmark in a `hyperfine --export-json` file, in milliseconds."""
    data = json.loads(path.read_text())
    results = data.get("results") if isinstance(data, dict) else None
    if not results or not isinstance(results[0].get("times"), list) or not results[0]["times"]:
        raise ValueError("no results[0].times in it: is this a hyperfine --export-json file?")
    return p95([float(t) for t in results[0]["times"]]) * 1000


class CheckRunner:
    """Runs checks with parameters substituted, relative to the release repository."""

    def __init__(self, repo: Path, values: Mapping[str, str], *, max_size_mb: float,
                 runner: LocalRunner | None = None) -> None:
        self.repo = repo
        self.values = values
        self.max_size_mb = max_size_mb
        self.runner = runner or LocalRunner()

    def _path(self, template: str) -> Path:
        path = Path(substitute(template, self.values))
        return path if path.is_absolute() else self.repo / path

    async def run(self, check: Check, sink: LineSink | None = None) -> CheckResult:
        handler = getattr(self, "_" + check.kind.replace("-", "_"))
        try:
            result: CheckResult = await handler(check, sink)
        except (OSError, ValueError) as exc:
            return CheckResult(check.title, check.kind, False, f"could not check: {exc}")
        return result

    async def _manual(self, check: Check, sink: LineSink | None) -> CheckResult:
        return CheckResult(check.title, check.kind, None, "operator ticks this")

    async def _command(self, check: Check, sink: LineSink | None) -> CheckResult:
        assert check.run is not None
        command, env = (script(check.run, self.values) if check.shell  # values: data, in env
                        else (render_argv(check.run, self.values), {}))
        result = await self.runner.run(command, cwd=self.repo, env=env, timeout=check.timeout,
                                       sink=sink)
        if result.error:
            return CheckResult(check.title, check.kind, False, result.error)
        if result.timed_out:
            return CheckResult(check.title, check.kind, False, f"timed out after {check.timeout:g}s")
        if check.expect_exit is not None and result.exit_code != check.expect_exit:
            return CheckResult(check.title, check.kind, False,
                               f"exit code {result.exit_code}, expected {check.expect_exit}",
                               "\n".join(result.tail[-20:]))
        expect = check.expect_output and substitute(
            check.expect_output, {k: re.escape(v) for k, v in self.values.items()})
        if expect and await search_output(expect, result.text) is None:
            return CheckResult(check.title, check.kind, False,
                               f"output does not match /{expect}/",
                               "\n".join(result.tail[-20:]))
        return CheckResult(check.title, check.kind, True, f"exit code {result.exit_code}")

    async def _git_clean(self, check: Check, sink: LineSink | None) -> CheckResult:
        result = await self.runner.run(["git", "status", "--porcelain"], cwd=self.repo)
        if result.error or result.exit_code != 0:
            return CheckResult(check.title, check.kind, False,
                               f"git status failed: {result.error or result.text.strip()}")
        dirty = [line for line in result.tail if line.strip()]
        if dirty:
            shown = ", ".join(line[3:] for line in dirty[:5])
            return CheckResult(check.title, check.kind, False,
                               f"{len(dirty)} uncommitted change(s): {shown}", "\n".join(dirty))
        return CheckResult(check.title, check.kind, True, "working tree clean")

    async def _binary_size(self, check: Check, sink: LineSink | None) -> CheckResult:
        assert check.path is not None
        path = self._path(check.path)
        budget = check.max_mb if check.max_mb is not None else self.max_size_mb
        if not path.is_file():
            return CheckResult(check.title, check.kind, False, f"{path} not found: build it first")
        size_mb = path.stat().st_size / 1_000_000
        ok = size_mb <= budget
        return CheckResult(check.title, check.kind, ok,
                           f"{size_mb:.2f} MB {'within' if ok else 'OVER'} the {budget:g} MB budget")

    async def _p95_latency(self, check: Check, sink: LineSink | None) -> CheckResult:
        assert check.path is not None
        path = self._path(check.path)
        if not path.is_file():
            return CheckResult(check.title, check.kind, False,
                               f"{path} not found: run hyperfine with --export-json first")
        value = hyperfine_p95_ms(path)
        ok = value < check.max_ms
        return CheckResult(check.title, check.kind, ok,
                           f"p95 {value:.1f} ms {'<' if ok else '>='} {check.max_ms:g} ms")

    async def _pii_scan(self, check: Check, sink: LineSink | None) -> CheckResult:
        assert check.path is not None
        path = self._path(check.path)
        if not path.is_file():
            return CheckResult(check.title, check.kind, False,
                               f"{path} not found: export the telemetry first")
        report = scan_text(path.read_text(errors="replace"))
        findings = {name: bool(report.found.get(name)) for name in CATEGORIES}
        summary = ("PII detected: NO = Pass" if report.clean else
                   "PII detected: YES = BLOCKER (" + ", ".join(report.found) + ")")
        return CheckResult(check.title, check.kind, report.clean, summary, report.block(), findings)

"""Shell steps: a command, split into words before parameters fill it (or run through /bin/sh
with every value in an environment variable, never in its text: `cockpit.shellvalues`),
retried, timed out, its exit code and output checked."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Mapping
from typing import Literal

from pydantic import Field, model_validator

from cockpit.journal.events import StepProcess, StepRetry, StepStatus
from cockpit.params import check_regex, check_words, literal_pattern, render_argv, shown, substitute
from cockpit.shellvalues import PREFIX, script, shown_script
from cockpit.steps.base import Outcome, PlanContext, StepBase, StepContext, step_cwd
from cockpit.steps.checks import MatchTooSlow, search_output


class ShellStep(StepBase):
    kind: Literal["shell"]
    run: str = Field(min_length=1)
    """The command. Words are split first, then {parameters} substituted."""
    shell: bool = False
    """Run `run` through /bin/sh (pipes, redirects); every {parameter} reaches it in an
    environment variable (COCKPIT_VALUE_...), never as shell text."""
    env: dict[str, str] = Field(default_factory=dict)
    expect_exit: int = 0
    expect_output: str | None = None
    """A regular expression the output must contain ({parameters} match literally)."""
    retries: int = Field(default=0, ge=0, le=20)
    retry_delay: float = Field(default=2.0, ge=0, allow_inf_nan=False)
    timeout: float | None = Field(default=3600, gt=0, allow_inf_nan=False)
    """Seconds before the step's process group is killed (default one hour)."""

    @model_validator(mode="after")
    def _words(self) -> ShellStep:
        check_regex("expect_output", self.expect_output)
        if not self.shell:
            check_words("run", self.run)
        taken = [k for k in self.env if k.startswith(PREFIX)]
        if taken:
            raise ValueError(f"env {taken[0]}: names starting {PREFIX} carry the step's "
                             "{parameters} to its shell; choose another name")
        return self

    def own_templates(self) -> list[tuple[str, str | None]]:
        return [("run", self.run), ("expect_output", self.expect_output),
                *((f"env.{k}", v) for k, v in self.env.items())]

    def headline(self) -> str:
        return self.run

    def reaches_out(self) -> bool:
        """Unless it is known to stay on this machine (a git commit, tag or switch; a cargo
        build or test), a confirmed command asks again: `cargo publish`, `gh release`, `git -C
        dir push`, a pipeline all do."""
        words = self.run.split()
        if {"delete", "--delete", "push", "publish"} & set(words) or set("|;&`$") & set(self.run):
            return True
        sub = _subcommand(words)
        return not ((words[:1] == ["git"] and sub in LOCAL_GIT)
                    or (words[:1] == ["cargo"] and sub in LOCAL_CARGO))

    def commands(self) -> list[tuple[str, str, bool]]:
        return [(f"steps.{self.id}.run", self.run, self.shell)]

    def command(self, values: Mapping[str, str]) -> tuple[list[str] | str, dict[str, str]]:
        """What runs, and the environment it needs: argv with the values in its words, or
        shell text that refers to the values in the environment."""
        if self.shell:
            return script(self.run, values)
        return render_argv(self.run, values), {}

    def shown(self, values: Mapping[str, str]) -> str:
        """What runs, with the values in it, as the operator reads it."""
        return shown_script(self.run, values) if self.shell else shown(render_argv(self.run, values))

    def command_line(self, values: Mapping[str, str]) -> str:
        return (self.shown(values).splitlines() or [""])[0]

    def plan(self, ctx: PlanContext) -> list[str]:
        where = f"    (in {step_cwd(self, ctx.repo, ctx.values)})" if ctx.show_cwd else ""
        return [f"$ {self.shown(ctx.values)}{where}"]

    async def execute(self, ctx: StepContext) -> Outcome:
        command, values_env = self.command(ctx.values)
        env = {**{k: substitute(v, ctx.values) for k, v in self.env.items()}, **values_env}
        pattern = literal_pattern(self.expect_output, ctx.values) if self.expect_output else None
        status = StepStatus.FAILED
        message, code = "", None

        def started(pgid: int) -> None:  # so a cockpit that died can stop what it left
            ctx.log(StepProcess(pgid=pgid, host=socket.gethostname()))

        effect = self.effect_key(ctx.values) is not None
        for attempt in range(self.retries + 1):
            if attempt and effect and (status == StepStatus.TIMEOUT or code == self.expect_exit):
                break  # it may have happened: never again blindly (the intent stays open)
            if attempt:
                ctx.log(StepRetry(attempt=attempt, of=self.retries, after=message))
                await asyncio.sleep(self.retry_delay)
                if effect and self.skip_if and (await ctx.runner.run(
                        render_argv(self.skip_if, ctx.values), cwd=ctx.cwd, timeout=120)
                        ).exit_code == 0:  # the failed attempt did it after all
                    return Outcome(StepStatus.OK, f"done: `{self.skip_if}` succeeds after "
                                                  f"attempt {attempt}", code)
            result = await ctx.runner.run(command, cwd=ctx.cwd, env=env, timeout=self.timeout,
                                          sink=ctx.sink, on_start=started)
            code = result.exit_code
            if result.error:
                return Outcome(StepStatus.FAILED, result.error)
            found = None
            if pattern and not result.timed_out and code == self.expect_exit:
                try:  # off the loop, with a time limit: a pattern may backtrack without end
                    found = await search_output(pattern, result.text)
                except MatchTooSlow as exc:
                    return Outcome(StepStatus.FAILED, str(exc), code)
            if result.timed_out:
                status, message = StepStatus.TIMEOUT, f"timed out after {self.timeout:g}s"
            elif code != self.expect_exit:
                status, message = StepStatus.FAILED, f"exit code {code} (expected {self.expect_exit})"
            elif pattern and found is None:
                status, message = StepStatus.FAILED, f"output does not match /{pattern}/"
            elif found:  # say what was checked, in the words of the output
                return Outcome(StepStatus.OK, f"exit code {code}; output has {found.strip()!r}",
                               code)
            else:
                return Outcome(StepStatus.OK, f"exit code {code}", code)
        return Outcome(status, message, code)


LOCAL_GIT = frozenset({"commit", "tag", "switch", "checkout", "branch", "merge", "add", "mv",
                       "rm", "stash", "restore", "status", "log", "diff", "rev-parse"})
LOCAL_CARGO = frozenset({"build", "test", "check", "fmt", "clippy", "run"})


def _subcommand(words: list[str]) -> str:
    """git's or cargo's subcommand: the first word after the options (`-C dir`, `-c k=v`)."""
    rest = iter(words[1:])
    for word in rest:
        if word in {"-C", "-c"}:
            next(rest, None)
        elif not word.startswith("-"):
            return word
    return ""

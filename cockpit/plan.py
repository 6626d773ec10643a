"""What a step will do, rendered exactly: parameters resolved, commands split and quoted.

Used by the engine (to run), by dry-run and confirmations (to show), and by the timeline's
detail pane in spectator mode, which has no engine at all.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping

from cockpit.config import Config
from cockpit.edits import plan_edit
from cockpit.params import PLACEHOLDER, render_argv, resolve_params, substitute
from cockpit.redact import redact
from cockpit.runbook import Playbook, Step


class Planner:
    def __init__(self, config: Config) -> None:
        self.config = config

    def values(self, playbook: Playbook, given: Mapping[str, str]) -> dict[str, str]:
        context = self.config.context()
        return {**context, **resolve_params(playbook.params, given, context)}

    def command(self, step: Step, values: Mapping[str, str]) -> list[str] | str:
        assert step.run is not None
        if step.shell:
            return substitute(step.run, values, quote=True)
        return render_argv(step.run, values)

    @staticmethod
    def show(command: list[str] | str) -> str:
        return command if isinstance(command, str) else shlex.join(command)

    @staticmethod
    def text(template: str, values: Mapping[str, str]) -> str:
        """Prose with {parameters} filled in where known (display only, never run)."""
        return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)

    @staticmethod
    def title(step: Step, values: Mapping[str, str]) -> str:
        return Planner.text(step.title, values)

    @staticmethod
    def expectation(pattern: str, values: Mapping[str, str]) -> str:
        """expect_output with parameters substituted as literal text."""
        return substitute(pattern, {k: re.escape(v) for k, v in values.items()})

    def preview(self, step: Step, values: Mapping[str, str], *, probe: bool = True,
                show_cwd: bool = True) -> str:
        """Exactly what the step will do, as text (dry-run, confirmations); secrets masked."""
        return redact(self._preview(step, values, probe=probe, show_cwd=show_cwd))

    def _preview(self, step: Step, values: Mapping[str, str], *, probe: bool,
                 show_cwd: bool) -> str:
        repo = self.config.repo
        cwd = repo / substitute(step.cwd, values) if step.cwd else repo
        lines = []
        if step.skip_if and probe:
            lines.append(f"skip if: $ {self.show(render_argv(step.skip_if, values))}")
        if step.kind == "shell":
            where = f"    (in {cwd})" if show_cwd else ""
            lines.append(f"$ {self.show(self.command(step, values))}{where}")
        elif step.kind == "edit":
            assert step.file and step.pattern and step.replace is not None
            path = repo / substitute(step.file, values)
            try:
                plan = plan_edit(path, step.pattern, step.replace, values, step.count)
            except OSError as exc:
                lines.append(f"edit {path}: cannot read it ({exc.strerror})")
            else:
                if plan.matches == 0:
                    lines.append(f"edit {path}: pattern /{step.pattern}/ does not match")
                else:
                    lines.append(plan.diff or f"edit {path}: already says that (nothing to do)")
        elif step.kind == "build":
            from cockpit.builds import assign

            try:
                assignments = assign(self.config)
            except Exception as exc:  # shown, not raised: a preview never fails
                lines.append(f"build matrix: {exc}")
            else:
                lines += [f"build {a.target} on {a.builder.name} ({a.builder.kind}): sync, "
                          "build, size, smoke, package, checksum, fetch" for a in assignments]
        elif step.kind == "gate":
            for check in step.checks:
                if check.kind == "command" and check.run:
                    lines.append(f"[auto] {check.title}: $ {self.show(render_argv(check.run, values))}")
                elif check.kind == "manual":
                    lines.append(f"[manual] {check.title}")
                else:
                    lines.append(f"[auto] {check.title} ({check.kind})")
            lines.append("then: record GO or NO-GO with a rationale")
        else:
            lines.append(self.text(step.instructions or step.title, values))
        return "\n".join(lines)


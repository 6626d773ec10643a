"""What a step will do, rendered exactly: parameters resolved, commands split and quoted.

Used by the engine (to run), by dry-run and confirmations (to show), and by the timeline's
detail pane in spectator mode, which has no engine at all.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from cockpit.config import Config
from cockpit.errors import ParameterError, Problem
from cockpit.params import PLACEHOLDER, render_argv, resolve_params, substitute
from cockpit.redact import redact
from cockpit.runbook.model import Playbook, Step
from cockpit.semver import next_hotfix, semver_key
from cockpit.steps.edits import plan_edit


class Planner:
    def __init__(self, config: Config) -> None:
        self.config = config

    def context(self) -> dict[str, str]:
        """The config's values plus those read from the repository (the next hotfix version,
        past every tag already there)."""

        tags = self.tags()
        since = datetime.now(UTC) - self.config.release.launch_at
        return {**self.config.context(),
                "release.next_hotfix": next_hotfix(self.config.release.version, tags),
                "release.hours_since_launch": str(max(0, int(since.total_seconds() // 3600)))}

    @staticmethod
    def applies(step: Step, values: Mapping[str, str]) -> bool:
        """Whether a step runs for this release (its `when`, if any, holds)."""
        if not step.when:
            return True
        name, wanted = step.when.split("=", 1)
        return values.get(name) == wanted

    def tags(self) -> list[str]:
        """The release repository's tags."""
        import subprocess

        return subprocess.run(["git", "tag", "-l"], cwd=self.config.repo, capture_output=True,
                              text=True, check=False).stdout.split()

    def values(self, playbook: Playbook, given: Mapping[str, str]) -> dict[str, str]:
        context = self.context()
        values = {**context, **resolve_params(playbook.params, given, context)}
        self._check_tags(playbook, values)
        return values

    def _check_tags(self, playbook: Playbook, values: Mapping[str, str]) -> None:
        """Parameters naming an existing version (`tagged`) must have their tag."""
        import subprocess

        problems = []
        for name, spec in playbook.params.items():
            value = values.get(name, "")
            for bound, later in ((spec.newer_than, True), (spec.older_than, False)):
                other = substitute(bound, values) if bound and value else ""
                if other and ((semver_key(value) > semver_key(other)) != later or other == value):
                    problems.append(Problem(
                        f"{value} is not {'after' if later else 'before'} {other}",
                        field=f"param {name}",
                        fix=f"give a version {'newer' if later else 'older'} than {other}"))
            if not spec.tagged or not value:
                continue
            found = subprocess.run(["git", "rev-parse", "-q", "--verify", f"refs/tags/v{value}"],
                                   cwd=self.config.repo, capture_output=True, check=False)
            if found.returncode != 0:
                tags = subprocess.run(["git", "tag", "-l", "v*", "--sort=-v:refname"],
                                      cwd=self.config.repo, capture_output=True, text=True,
                                      check=False).stdout.split()[:6]
                problems.append(Problem(
                    f"v{value} does not exist in {self.config.repo}", field=f"param {name}",
                    fix="give a released version: " + (", ".join(t[1:] for t in tags)
                                                       or "(no version tags yet)")))
        if problems:
            raise ParameterError(problems)

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
        if not self.applies(step, values):
            assert step.when is not None
            name, wanted = step.when.split("=", 1)
            return f"(skipped: only when {name} is {wanted}; it is {values.get(name)!r})"
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
                    lines.append(plan.diff or f"edit {path}: already says that now (nothing to "
                                 "do unless an earlier step changes it)")
        elif step.kind == "build":
            from cockpit.builds.matrix import assign

            try:
                assignments = assign(self.config)
            except Exception as exc:  # shown, not raised: a preview never fails
                lines.append(f"build matrix: {exc}")
            else:
                lines += [f"build {a.target} on {a.builder.name} ({a.builder.kind}): sync, "
                          "build, size, smoke, package, checksum, fetch" for a in assignments]
        elif step.kind == "forge":
            lines += self._forge_preview(step, values)
        elif step.kind == "announce":
            hook = self.config.announce.webhooks.get(step.channel or "")
            how = f"webhook from ${hook}" if hook else "no webhook configured: shown to post by hand"
            lines.append(f"post template {step.template!r} to {step.channel} ({how}), after "
                         "showing the rendered message; live values (downloads) from the forge")
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

    def _forge_preview(self, step: Step, values: Mapping[str, str]) -> list[str]:
        """The API calls a forge step makes (GitHub) or the files it touches (local)."""
        f = self.config.forge
        from cockpit.forge.ops import is_prerelease

        tag = substitute(step.release_tag, values)
        files = ", ".join(p.name for p in self.dist_files(values)) or (
            "the build's files (none in the dist directory yet)")
        pre = is_prerelease(tag)  # a prerelease is published but never made the latest
        if f.kind == "github":
            base = f"{f.api_url.rstrip('/')}/repos/{f.repository}"
            find = f"GET {base}/releases (find {tag}, drafts included)"
            create = f"if missing: POST {base}/releases draft=true tag_name={tag}"
            send = ("delete any starter/same-name asset and POST it to the release's upload_url "
                    "(retried on 5xx and timeouts)")
            publish = (f"PATCH {base}/releases/<id> draft=false make_latest="
                       f"{'false (a prerelease)' if pre else 'true'}")
            draft = f"PATCH {base}/releases/<id> draft=true"
            latest = f"GET {base}/releases/latest"
            make_latest = f"PATCH {base}/releases/<id of {tag}> make_latest=true"
        else:
            base = str(self.config.local_forge)
            find = f"read {base}/{tag}/release.json"
            create = f"if missing: create the draft {base}/{tag}/"
            send = f"copy it into {base}/{tag}/"
            publish = (f"mark {tag} published in {base}" + (
                " (a prerelease: not made the latest)" if pre else f", and write it to {base}/LATEST"))
            draft = f"mark {tag} a draft in {base}"
            latest = f"read {base}/LATEST"
            make_latest = f"write {tag} to {base}/LATEST"
        calls = {
            "release": [find, create],
            "upload": [find, f"for each of {files}: skip if uploaded with the same size, else "
                       + send, "then verify every asset"],
            "verify": [find, f"check {files}: state uploaded, sizes match the files"],
            "publish": [find, "verify every asset, then " + publish],
            "unpublish": [find, draft],
            "latest": [latest, make_latest],
            "is-latest": [latest, f"check it is {tag}"],
        }
        return calls[step.action or "verify"]

    def dist_files(self, values: Mapping[str, str]) -> list[Path]:
        """The files the release of `version` carries, those of them in <dist_dir>/<version>/
        (what the build made for the configured targets: never a stray file lying there)."""
        from cockpit.builds.matrix import release_files

        version = values.get("version", self.config.release.version)
        config = self.config.for_version(version)
        dist = config.resolve(config.build.dist_dir) / version
        return [dist / name for name in release_files(config) if (dist / name).is_file()]

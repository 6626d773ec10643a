"""A playbook's values and plan: parameters resolved against the config and the repository,
and every step rendered exactly as it will run.

`values` reads git (the tags a version parameter must have, the next hotfix number): the
full-screen cockpit calls it on a worker thread, never while a key is handled. `plan_text` is
the one rendering of a whole plan, for the cockpit's confirmation and the command line.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from cockpit import gitrepo
from cockpit.config import Config
from cockpit.errors import ParameterError, Problem
from cockpit.journal.store import Journal, operator_id
from cockpit.params import METRIC_PREFIX, prose, resolve_params, substitute
from cockpit.runbook.model import Playbook
from cockpit.semver import next_hotfix, semver_key
from cockpit.steps.base import PlanContext, StepBase, StepPlan, preview


class Planner:
    def __init__(self, config: Config, journal: Journal | None = None) -> None:
        self.config = config
        self.journal = journal
        """Where `{metric.<name>}` defaults come from (the latest samples); None: none."""

    def context(self) -> dict[str, str]:
        """The config's values plus those read from the repository (the next hotfix version,
        past every tag already there) and who acts (`{operator}`)."""
        now = self.journal.clock.now() if self.journal is not None else datetime.now(UTC)
        since = now - self.config.release.launch_at
        return {**self.config.context(),
                "release.next_hotfix": next_hotfix(self.config.release.version, self.tags()),
                "release.hours_since_launch": str(max(0, int(since.total_seconds() // 3600))),
                "release.days_since_launch": str(max(0, since.days)),
                "operator": operator_id(), **self.host_build(), **self.metric_values()}

    def metric_values(self) -> dict[str, str]:
        """`metric.<name>`: the latest journaled sample of each metric while fresh, as posts
        show it (`latest_samples`)."""
        if self.journal is None:
            return {}
        from cockpit.steps.announce import latest_samples

        # plain digits: a default must also fit an int parameter ("1234", not "1,234")
        return {f"{METRIC_PREFIX}{name}": f"{value:.0f}" if value == int(value) else f"{value:g}"
                for name, value in latest_samples(self.journal, self.config.metrics).items()}

    def host_build(self) -> dict[str, str]:
        """This machine's target triple; where a cargo build in the repository puts the binary
        (`build.binary_path`: `target/<triple>/<profile>/<binary>`, relative to it, as the beta
        build's cargo does); and where `cockpit build`'s local builder put the binary it built
        from the commit (`build.built_binary`, absolute), so the final smoke test runs that."""
        from cockpit.executors.local import LocalExecutor
        from cockpit.executors.toolchain import host_triple

        b, host = self.config.build, host_triple()
        profile = "debug" if b.profile == "dev" else b.profile
        local = next((x.name for x in self.config.builders if x.kind == "local"), "local")
        built = LocalExecutor(local).workspace(self.config).target_dir
        return {"build.host": host, "build.binary_path": f"target/{host}/{profile}/{b.binary}",
                "build.built_binary": f"{built}/{host}/{profile}/{b.binary}"}

    def tags(self) -> list[str]:
        """The release repository's tags."""
        return gitrepo.tags(self.config.repo)

    def values(self, playbook: Playbook, given: Mapping[str, str]) -> dict[str, str]:
        """Every value the playbook's steps may use; raises ParameterError naming each bad
        parameter and its fix."""
        context = self.context()
        values = {**context, **resolve_params(playbook.params, given, context,
                                              source=playbook.source)}
        self._check_versions(playbook, values)
        return values

    def _check_versions(self, playbook: Playbook, values: Mapping[str, str]) -> None:
        """Versions in order (`newer_than`, `older_than`); versions to go back to (`tagged`)
        must have their tag."""
        problems = []
        repo = self.config.repo
        for name, spec in playbook.params.items():
            value = values.get(name, "")
            for bound, later in ((spec.newer_than, True), (spec.older_than, False)):
                other = substitute(bound, values) if bound and value else ""
                if other and ((semver_key(value) > semver_key(other)) != later or other == value):
                    problems.append(Problem(
                        f"{value} is not {'after' if later else 'before'} {other}",
                        field=f"param {name}",
                        fix=f"give a version {'newer' if later else 'older'} than {other}"))
            if spec.tagged and value and not gitrepo.has_tag(repo, f"v{value}"):
                tags = gitrepo.version_tags(repo)
                problems.append(Problem(
                    f"v{value} does not exist in {repo}", field=f"param {name}",
                    fix="give a released version: " + (", ".join(t[1:] for t in tags)
                                                       or "(no version tags yet)")))
        if problems:
            raise ParameterError(problems)

    def preview(self, step: StepBase, values: Mapping[str, str], *, probe: bool = True) -> str:
        """Exactly what the step will do, as text (dry-run, confirmations); secrets masked."""
        return preview(step, PlanContext(self.config, values), probe=probe)

    def step_plans(self, playbook: Playbook, values: Mapping[str, str], *,
                   show_cwd: bool = True) -> tuple[StepPlan, ...]:
        """Each step as the operator reads it before it runs: the one rendering of a plan,
        shown whole (`plan_text`) or step by step (the timeline's detail)."""
        plan = PlanContext(self.config, values, show_cwd)
        return tuple(StepPlan(s.id, prose(s.title, values), preview(s, plan),
                              prose(s.expected or "", values),
                              tuple(prose(t, values) for t in s.troubleshooting),
                              tuple(s.tags()), tuple(s.checks_shown()),
                              asks_first=s.confirm and s.applies(values),
                              asks_again=s.asks_again() and s.applies(values)
                              and s.asks(plan) == "confirm",
                              waits=s.applies(values) and s.asks(plan) == "answer")
                     for s in playbook.steps)

    def plan_text(self, playbook: Playbook, values: Mapping[str, str], *,
                  to_confirm: bool = False) -> str:
        """The whole plan: each step numbered, what it will do, which ones ask first; or
        (`to_confirm`: a yes to it covers the rest) which ones still ask again."""
        def mark(step: StepPlan) -> str:
            if to_confirm:
                return (" [asks again]" if step.asks_again else
                        " [waits for you]" if step.waits else "")
            return " [asks first]" if step.asks_first else ""

        return "\n\n".join(
            f"{i}. {step.title}{mark(step)}\n"
            + "\n".join("   " + ln for ln in step.preview.splitlines())
            for i, step in enumerate(self.step_plans(playbook, values), 1))

"""`cockpit check`: config, runbook and playbooks checked against the release repository.

Schema errors come from loading; this module adds the cross-checks that only make sense
with both the config and the runbook in hand: timeline links, parameter defaults resolving
to valid values, files that edit steps change, the repository being a git work tree.
"""

from __future__ import annotations

import re
import subprocess

from cockpit.config import Config
from cockpit.errors import ParameterError, Problem
from cockpit.params import resolve_params, substitute
from cockpit.runbook import Runbook


def preflight(config: Config, runbook: Runbook) -> list[Problem]:
    problems: list[Problem] = []
    repo = config.repo
    git = subprocess.run(["git", "rev-parse", "--is-inside-work-tree"], cwd=repo,
                         capture_output=True, text=True)
    if git.returncode != 0:
        problems.append(Problem(f"{repo} is not a git work tree", file=config.source,
                                field="release.repo", fix="point release.repo at a git clone"))
    from cockpit.plan import Planner

    context = Planner(config).context()
    for _, playbook in sorted(runbook.playbooks.items()):
        try:
            values = {**context, **resolve_params(
                {k: v for k, v in playbook.params.items() if v.default is not None}, {}, context)}
        except ParameterError as exc:
            for p in exc.problems:
                p.file = playbook.source
                p.fix = p.fix or "set the value in cockpit.toml or change the default"
            problems.extend(exc.problems)
            continue
        for step in playbook.steps:
            if step.kind != "edit" or not step.file or not step.pattern:
                continue
            if step.when and values.get(step.when.split("=", 1)[0]) != step.when.split("=", 1)[1]:
                continue  # not for this release (another install strategy)
            try:
                target = repo / substitute(step.file, values)
            except KeyError:
                continue  # needs a parameter given at run time
            where = f"steps.{step.id}.file"
            relative = substitute(step.file, values).strip()
            if not relative or not target.is_file():
                problems.append(Problem(
                    f"edits {relative or '(no file)'} in the repository, which does not exist",
                    file=playbook.source, field=where,
                    fix="set [install] script in cockpit.toml to the real file, "
                    "or override this playbook"))
            elif not re.search(step.pattern, target.read_text(errors="replace"), re.MULTILINE):
                problems.append(Problem(
                    f"{target.name} has nothing matching /{step.pattern}/", file=playbook.source,
                    field=where, fix="the file changed shape: update the pattern, or the "
                    "install strategy in cockpit.toml"))
    return problems

"""`cockpit check` on a GitHub Actions builder: a token, the repository writable by it, the
workflow there and active, its `workflow_dispatch` trigger declaring every configured input,
and the ref the dispatch runs on. Nothing is dispatched."""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import quote

from cockpit.builds.probe_lines import BuilderReport, ProbeLine
from cockpit.config import BuilderConfig, Config
from cockpit.forge.model import ForgeError


def _block(lines: list[str], at: int) -> list[str]:
    """The lines under line `at` (indented deeper), blank and comment lines left out."""
    indent = len(lines[at]) - len(lines[at].lstrip())
    out = []
    for line in lines[at + 1:]:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if len(line) - len(line.lstrip()) <= indent:
            break
        out.append(line)
    return out


def dispatch_inputs(workflow: str) -> set[str] | None:
    """The inputs the workflow's `workflow_dispatch` trigger declares (None: it has none). Read
    from the YAML's indentation, as workflows are written."""
    lines = workflow.splitlines()
    key = re.compile(r"^\s*-?\s*workflow_dispatch\s*:?\s*(#.*)?$")
    start = next((i for i, ln in enumerate(lines) if key.match(ln)), None)
    if start is None:  # `on: [push, workflow_dispatch]`: a trigger with no inputs
        return set() if re.search(r"\bworkflow_dispatch\b", workflow) else None
    block = _block(lines, start)
    at = next((i for i, ln in enumerate(block) if ln.strip().startswith("inputs:")), None)
    if at is None:
        return set()
    names = _block(block, at)
    depth = min((len(ln) - len(ln.lstrip()) for ln in names), default=0)
    return {m.group(1) for ln in names if len(ln) - len(ln.lstrip()) == depth
            and (m := re.match(r"^\s*([A-Za-z_][\w-]*)\s*:", ln))}


def job_line(builder: BuilderConfig, workflow: str, jobs: list[str] | None, run: int,
             at: tuple[str | int, ...]) -> ProbeLine:
    """Whether every target has a job: among the jobs of the workflow's latest dispatched run
    (as GitHub names them), else, with no run (or no job) yet, in the workflow's text (a matrix lists the
    triples; a job named in `jobs` is then taken on trust)."""
    if jobs:  # (a run just dispatched may list no job yet: the text is asked then)
        missing = [t for t in builder.targets if not any(
            (name == builder.jobs[t]) if t in builder.jobs else (t in name) for name in jobs)]
        seen = f"the jobs of run {run}: {', '.join(jobs) or 'none'}"
    else:
        missing = [t for t in builder.targets if t not in builder.jobs and t not in workflow]
        seen = f"the text of {builder.workflow} (no job of a run to read yet)"
    named = [t for t in missing if t in builder.jobs]
    return ProbeLine(
        "a job per target", not missing,
        f"no job for {', '.join(missing)} in {seen}" if missing else f"each has one ({seen})",
        f"add {', '.join(missing)} to {builder.workflow}'s matrix, or name each target's job "
        f'in the builder\'s jobs = {{ "{missing[0]}" = "JOB NAME" }}' if missing else "",
        (*at, "jobs", named[0]) if named else (*at, "targets"))


async def probe_actions(config: Config, builder: BuilderConfig) -> BuilderReport:
    from cockpit.forge.actions import ActionsApi
    from cockpit.forge.github import GitHubForge, github_token

    report = BuilderReport(builder.name)
    add = report.lines.append
    f = config.forge
    at = ("builders", config.builders.index(builder))
    try:
        token = github_token()
    except ForgeError as exc:
        add(ProbeLine("token", False, str(exc.problems[0].message), exc.problems[0].fix or ""))
        return report
    forge = GitHubForge(f.api_url, f.repository or "", token)
    api = ActionsApi(forge, backoff=0.5)
    wf = quote(builder.workflow or "", safe="")
    try:
        info: dict[str, Any] = await forge.repository_info()
        push = bool(info.get("permissions", {}).get("push"))
        add(ProbeLine("token may dispatch", push, f"{forge.repository}: "
                      + ("push" if push else "no push permission"),
                      "a token with actions:write and contents:write on the repository",
                      ("forge", "repository")))
        workflow = (await api._retrying("GET", f"/actions/workflows/{wf}")).json()
        active = workflow.get("state") == "active"
        add(ProbeLine("workflow", active, f"{workflow.get('path')} ({workflow.get('state')})",
                      f"enable {builder.workflow} in the repository's Actions settings",
                      (*at, "workflow")))
        await api._retrying("GET", f"/branches/{quote(builder.ref, safe='')}")
        add(ProbeLine("ref", True, builder.ref))
        text = base64.b64decode((await api._retrying(
            "GET", f"/contents/{quote(str(workflow.get('path', '')))}",
            params={"ref": builder.ref})).json().get("content", "")).decode(errors="replace")
        declared = dispatch_inputs(text)
        missing = sorted(set(builder.inputs) - (declared or set()))
        add(ProbeLine("workflow_dispatch", declared is not None and not missing,
                      "no workflow_dispatch trigger" if declared is None else
                      f"inputs {', '.join(sorted(declared)) or 'none'}" + (
                          f"; not declared: {', '.join(missing)}" if missing else ""),
                      f"add workflow_dispatch with inputs {', '.join(sorted(builder.inputs))} "
                      f"to {builder.workflow}, or change the builder's inputs",
                      (*at, "inputs", *missing[:1])))
        runs = await api.runs(builder.workflow or "", builder.ref)
        names = [j.name for j in await api.jobs(int(runs[0]["id"]))] if runs else None
        add(job_line(builder, text, names, int(runs[0]["id"]) if runs else 0, at))
    except ForgeError as exc:
        message = str(exc.problems[0].message)
        what = ("ref" if "/branches/" in message else "workflow" if "/actions/" in message
                else "workflow_dispatch" if "/contents/" in message else "repository")
        key = {"ref": "ref", "workflow": "workflow", "workflow_dispatch": "inputs"}.get(what)
        add(ProbeLine(what, False, message, f"check [forge] repository, the builder's "
                      f"workflow ({builder.workflow}) and ref ({builder.ref})",
                      (*at, key) if key else ("forge", "repository")))
    finally:
        await forge.close()
    return report

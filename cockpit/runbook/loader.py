"""Loading the runbook: the shipped playbooks, a release's overrides file by file, and every
problem found in them collected (file, line, field, fix) before one error is raised."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cockpit.config import CONTEXT_KEYS
from cockpit.errors import ConfigError, Problem
from cockpit.params import placeholders
from cockpit.runbook.model import Playbook, Runbook, Timeline
from cockpit.steps.registry import BY_NAME, KIND_NAMES
from cockpit.tomlsource import line_of, read_toml, validation_problems

SHIPPED = Path(__file__).resolve().parents[2] / "playbooks"
TIMELINE_FILE = "runbook.toml"


def playbook_files(override: Path | None) -> dict[str, Path]:
    files = {p.stem: p for p in sorted(SHIPPED.glob("*.toml"))}
    if override is not None and override.is_dir():
        files.update({p.stem: p for p in sorted(override.glob("*.toml"))})
    return files


def load_playbook(path: Path) -> Playbook:
    data, text = read_toml(path, what="playbook")
    try:
        playbook = Playbook.model_validate({"name": path.stem, **data, "source": path})
    except ValidationError as exc:
        problems = validation_problems(exc, file=path, text=text, tags=KIND_NAMES)
        raise ConfigError([_kind_fix(p, data) for p in problems]) from None
    problems = _placeholder_problems(playbook, text)
    if problems:
        raise ConfigError(problems)
    return playbook


def _kind_fix(problem: Problem, data: dict[str, Any]) -> Problem:
    """A key a step's kind does not take: say which keys that kind takes."""
    parts = (problem.field or "").split(".")
    if problem.message != "unknown key" or len(parts) != 3 or parts[0] != "steps":
        return problem
    steps = data.get("steps")
    try:
        kind = steps[int(parts[1])]["kind"] if isinstance(steps, list) else None
    except (ValueError, IndexError, KeyError, TypeError):
        return problem
    model = BY_NAME.get(kind) if isinstance(kind, str) else None
    if model is not None:
        keys = ", ".join(k for k in model.model_fields if k != "kind")
        problem.fix = f"a {kind} step takes: {keys}"
    return problem


def _placeholder_problems(playbook: Playbook, text: str) -> list[Problem]:
    problems = []
    known = set(playbook.params) | CONTEXT_KEYS
    for index, step in enumerate(playbook.steps):
        for field, template in step.templates():
            for name in sorted(placeholders(template) - known):
                loc: list[str | int] = ["steps", index, *field.split(".")]
                problems.append(Problem(
                    f"undefined parameter {{{name}}}",
                    file=playbook.source,
                    line=line_of(text, [str(p) for p in loc]),
                    field=".".join(str(p) for p in loc),
                    fix=f"declare it under [params.{name}] or use one of: "
                    + ", ".join(sorted(known)),
                ))
    return problems


def load_runbook(override: Path | None = None) -> Runbook:
    """Load the timeline and every playbook; collect all problems before raising."""
    files = playbook_files(override)
    problems: list[Problem] = []
    timeline_path = files.pop(TIMELINE_FILE.removesuffix(".toml"), None)
    playbooks: dict[str, Playbook] = {}
    for name, path in files.items():
        try:
            playbooks[name] = load_playbook(path)
        except ConfigError as exc:
            problems.extend(exc.problems)
    timeline = Timeline(items=[])
    if timeline_path is None:
        problems.append(Problem("no runbook.toml (the timeline) found", file=SHIPPED))
    else:
        data, text = read_toml(timeline_path, what="runbook")
        try:
            timeline = Timeline.model_validate(data)
        except ValidationError as exc:
            problems.extend(validation_problems(exc, file=timeline_path, text=text))
        else:
            for _, playbook in sorted(playbooks.items()):
                for step in playbook.steps:
                    for problem in step.template_problems(timeline.templates):
                        problem.file = playbook.source
                        problems.append(problem)
            for index, item in enumerate(timeline.items):
                if item.playbook and item.playbook not in playbooks and not any(
                    p.file == files.get(item.playbook) for p in problems
                ):
                    problems.append(Problem(
                        f"item {item.id!r} links to playbook {item.playbook!r}, which does not exist",
                        file=timeline_path,
                        line=line_of(text, ["items", str(index), "playbook"]),
                        field=f"items.{index}.playbook",
                        fix="create playbooks/" + item.playbook + ".toml or fix the name; known: "
                        + ", ".join(sorted(playbooks)),
                    ))
            ids = [i.id for i in timeline.items]
            for dup in sorted({i for i in ids if ids.count(i) > 1}):
                problems.append(Problem(f"item id {dup!r} is used twice", file=timeline_path))
    if problems:
        raise ConfigError(problems)
    return Runbook(timeline, playbooks)

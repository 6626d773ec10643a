"""The runbook as data: the timeline of items and the playbooks they run.

`playbooks/runbook.toml` holds the timeline (every section of the runbook, T-7 to T+7, launch
day by the hour, emergency and standing procedures); every other `playbooks/*.toml` is one
playbook, named after its file. A release repository can override any file with a folder of
its own (`playbooks = "..."` in cockpit.toml).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cockpit.config import CONTEXT_KEYS
from cockpit.errors import ConfigError, Problem
from cockpit.params import ParamSpec, placeholders
from cockpit.tomlsource import line_of, read_toml, validation_problems

SHIPPED = Path(__file__).resolve().parents[2] / "playbooks"
TIMELINE_FILE = "runbook.toml"

Section = Literal["pre-release", "launch-day", "post-launch", "emergency", "standing"]
SECTION_TITLES: dict[str, str] = {
    "pre-release": "Pre-release (T-7 to T-1)",
    "launch-day": "Launch day (T-0, hour by hour)",
    "post-launch": "Post-launch (T+1 to T+7)",
    "emergency": "Emergency procedures",
    "standing": "Standing procedures",
}
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _check_regex(field: str, pattern: str | None) -> None:
    if pattern is None:
        return
    try:
        re.compile(re.sub(r"\{[A-Za-z_][A-Za-z0-9_.]*\}", "x", pattern))
    except re.error as exc:
        raise ValueError(f"{field} is not a valid regular expression: {exc}") from None


def _check_words(field: str, command: str | None) -> None:
    if command is None:
        return
    try:
        shlex.split(command)
    except ValueError as exc:
        raise ValueError(f"{field} cannot be split into words: {exc} "
                         "(close the quote, or escape it)") from None


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Check(_Model):
    """One check of a gate. Automated kinds run for real; `manual` is ticked by the operator."""

    kind: Literal["command", "git-clean", "binary-size", "p95-latency", "pii-scan", "manual"]
    title: str
    run: str | None = None
    """command: the command (split into words before parameters are substituted)."""
    shell: bool = False
    expect_exit: int | None = 0
    expect_output: str | None = None
    """command: a regular expression the output must contain."""
    path: str | None = None
    """binary-size: the binary; p95-latency: hyperfine --export-json file; pii-scan: export."""
    max_ms: float = 1000
    """p95-latency budget in milliseconds."""
    max_mb: float | None = None
    """binary-size budget; default: build.max_size_mb."""
    timeout: float | None = 600

    @model_validator(mode="after")
    def _needs(self) -> Check:
        if self.kind == "command" and not self.run:
            raise ValueError("a command check needs run")
        _check_words("run", self.run)
        _check_regex("expect_output", self.expect_output)
        if self.kind in {"binary-size", "p95-latency", "pii-scan"} and not self.path:
            raise ValueError(f"a {self.kind} check needs path")
        return self


class Step(_Model):
    """One step of a playbook."""

    id: str
    kind: Literal["shell", "manual", "gate", "edit", "build", "forge", "announce"]
    """build: the build matrix, every target on its builders (see `cockpit build`);
    forge: an idempotent operation on the release of `tag` (see `action`);
    announce: a runbook template rendered with live values and posted to `channel`."""
    title: str
    run: str | None = None
    """shell: the command. Words are split first, then {parameters} substituted."""
    shell: bool = False
    """Run `run` through /bin/sh (pipes, redirects); every parameter is shell-quoted."""
    cwd: str | None = None
    """Working directory, relative to the release repository."""
    env: dict[str, str] = Field(default_factory=dict)
    expect_exit: int = 0
    expect_output: str | None = None
    expected: str = ""
    """What the runbook says success looks like (shown to the operator)."""
    confirm: bool = False
    """Destructive: ask before running, showing the exact command."""
    skip_if: str | None = None
    """Idempotency probe: a command; exit 0 means the step's effect is already there."""
    retries: int = Field(default=0, ge=0, le=20)
    retry_delay: float = Field(default=2.0, ge=0)
    timeout: float | None = Field(default=3600, gt=0)
    """Seconds before the step's process group is killed (default one hour)."""
    on_failure: Literal["stop", "continue"] = "stop"
    instructions: str = ""
    """manual: what the operator does."""
    checks: list[Check] = Field(default_factory=list)
    """gate: the checks, automated and manual."""
    file: str | None = None
    """edit: the file, relative to the repository."""
    pattern: str | None = None
    """edit: a regular expression (multiline)."""
    replace: str | None = None
    """edit: the replacement (\\1 for groups; {parameters} substituted)."""
    count: int = Field(default=1, ge=0)
    """edit: how many matches to replace (0 = all); zero matches is a failure."""
    action: Literal["release", "upload", "verify", "publish", "unpublish", "latest",
                    "is-latest"] | None = None
    """forge: release (find or create the draft), upload (every file of the dist directory
    not already there, then verify), verify, publish (only once every asset is verified),
    unpublish (back to a draft), latest (make it the latest release), is-latest (check that
    it is: what install scripts that fetch the latest release will get)."""
    tag: str | None = None
    """forge: the release's tag (default v{version})."""
    template: str | None = None
    """announce: the name of a template in runbook.toml's [templates]."""
    channel: str | None = None
    """announce: a webhook name from [announce] webhooks in cockpit.toml; without a webhook
    the message is shown (and copied) for posting by hand."""
    needs_published: bool = False
    """announce: says v{version} is out, so it is refused unless that release is published."""
    when: str | None = None
    """Run only when a value has a given value, e.g. "install.strategy=version-line"."""
    troubleshooting: list[str] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError("step ids are lower-case words joined by '-'")
        return value

    @model_validator(mode="after")
    def _needs(self) -> Step:
        if self.kind == "shell" and not self.run:
            raise ValueError("a shell step needs run")
        if self.kind == "gate" and not self.checks:
            raise ValueError("a gate step needs at least one check")
        if self.when is not None and not re.fullmatch(r"[a-z_][a-z_.]*=[\w.-]+", self.when):
            raise ValueError("when is NAME=VALUE, e.g. install.strategy=version-line")
        if self.kind == "announce" and not (self.template and self.channel):
            raise ValueError("an announce step needs template and channel")
        if self.kind == "forge" and self.action is None:
            raise ValueError("a forge step needs action (release, upload, verify, publish, "
                             "unpublish or latest)")
        if self.kind == "edit" and not (self.file and self.pattern and self.replace is not None):
            raise ValueError("an edit step needs file, pattern and replace")
        _check_regex("pattern", self.pattern)
        _check_regex("expect_output", self.expect_output)
        if not self.shell:
            _check_words("run", self.run)
        _check_words("skip_if", self.skip_if)
        return self

    @property
    def release_tag(self) -> str:
        return self.tag or "v{version}"

    def templates(self) -> list[tuple[str, str]]:
        """(field, text) pairs that may hold {placeholders}."""
        pairs = [(f, getattr(self, f)) for f in
                 ("title", "run", "skip_if", "cwd", "file", "replace", "expect_output")]
        if self.kind == "forge":
            pairs.append(("tag", self.release_tag))
        pairs += [(f"env.{k}", v) for k, v in self.env.items()]
        if self.when:
            pairs.append(("when", "{" + self.when.split("=", 1)[0] + "}"))
        for i, check in enumerate(self.checks):
            pairs += [(f"checks.{i}.run", check.run), (f"checks.{i}.path", check.path),
                      (f"checks.{i}.expect_output", check.expect_output)]
        return [(f, t) for f, t in pairs if t]


class Playbook(_Model):
    name: str = ""
    title: str
    description: str = ""
    emergency: bool = False
    """Emergency playbooks (hotfix, rollback, incident) are never blocked by a NO-GO."""
    params: dict[str, ParamSpec] = Field(default_factory=dict)
    steps: list[Step]
    source: Path = Field(default=Path("."), exclude=True)

    @model_validator(mode="after")
    def _unique(self) -> Playbook:
        seen: set[str] = set()
        for step in self.steps:
            if step.id in seen:
                raise ValueError(f"step id {step.id!r} is used twice")
            seen.add(step.id)
        return self


class Troubleshoot(_Model):
    problem: str
    fix: str


class Item(_Model):
    """A timeline item: one entry of the runbook, at a time relative to T-0."""

    id: str
    section: Section
    title: str
    day: int | None = None
    """Day relative to launch day (-7..7); None for emergency and standing procedures."""
    at: str | None = None
    """Clock time on that day, as written in the runbook (T-0 08:00 is the launch)."""
    every: int | None = None
    """Repeat every N minutes from `at` until `until` (launch-day monitoring)."""
    until: str | None = None
    window: int | None = None
    """Minutes after its time before the item counts as overdue (default: to the next slot)."""
    gate: bool = False
    playbook: str | None = None
    objective: str = ""
    expected: list[str] = Field(default_factory=list)
    go: str = ""
    no_go: str = ""
    criteria: list[str] = Field(default_factory=list)
    troubleshooting: list[Troubleshoot] = Field(default_factory=list)
    schedule: str = ""
    """For standing procedures: when they recur, in words (e.g. "daily 09:00, 14:00, 17:00")."""

    @field_validator("at", "until")
    @classmethod
    def _clock(cls, value: str | None) -> str | None:
        if value is not None and not _HHMM.match(value):
            raise ValueError("write clock times as HH:MM (24-hour)")
        return value

    @model_validator(mode="after")
    def _timed(self) -> Item:
        if self.section in {"pre-release", "launch-day", "post-launch"} and self.day is None:
            raise ValueError(f"items in {self.section} need a day")
        if self.every is not None and (self.at is None or self.until is None):
            raise ValueError("a repeating item needs at and until")
        return self


class Timeline(_Model):
    title: str = "Release runbook"
    items: list[Item]
    templates: dict[str, str] = Field(default_factory=dict)
    """Message templates (status updates, incident posts), named."""


class Runbook:
    """The loaded timeline and playbooks."""

    def __init__(self, timeline: Timeline, playbooks: dict[str, Playbook]) -> None:
        self.timeline = timeline
        self.playbooks = playbooks

    def item_for(self, playbook: str) -> Item | None:
        return next((i for i in self.timeline.items if i.playbook == playbook), None)

    def item(self, item_id: str) -> Item | None:
        return next((i for i in self.timeline.items if i.id == item_id), None)


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
        raise ConfigError(validation_problems(exc, file=path, text=text)) from None
    problems = _placeholder_problems(playbook, text)
    if problems:
        raise ConfigError(problems)
    return playbook


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
                    if step.template and step.template not in timeline.templates:
                        problems.append(Problem(
                            f"step {step.id!r} uses template {step.template!r}, which "
                            f"{TIMELINE_FILE} does not define", file=playbook.source,
                            field=f"steps.{step.id}.template",
                            fix="known templates: " + ", ".join(sorted(timeline.templates))))
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

"""Playbook parameters: declared types, validation, and safe substitution into commands.

Values never reach a shell unquoted. Commands are split into words *before* parameters are
substituted, so a value containing ``;``, ``$(...)``, backticks, quotes or newlines stays one
argument. Commands run through a shell get every value in an environment variable, never in
their text (`cockpit.shellvalues`).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from cockpit.errors import ParameterError, Problem
from cockpit.semver import is_semver, strip_v

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)\}")

MAX_VALUE_BYTES = 16 * 1024
"""The longest value a parameter takes. Values are substituted into commands, and Linux
refuses a word over 128 KiB ("Argument list too long"); quoted for a shell, a value can grow
several times over (each ' becomes '"'"'), so the limit leaves room."""

ParamType = Literal["semver", "string", "text", "int", "bool", "path"]


class ParamSpec(BaseModel):
    """A parameter a playbook accepts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: ParamType = "string"
    """semver: MAJOR.MINOR.PATCH[-PRE] (a leading v is accepted and dropped); string: one line;
    text: anything, newlines included; int; bool; path."""
    description: str = ""
    """Shown in the parameter form and in `cockpit playbooks`."""
    default: str | None = None
    """A literal default, or a reference like ``{release.version}`` resolved from the config."""
    required: bool = True
    """A required parameter without a default must be given (`--param K=V`)."""
    choices: list[str] | None = None
    """If set, the value must be one of these."""
    pattern: str | None = Field(default=None)
    """If set, a regular expression the whole value must match."""
    tagged: bool = False
    """semver: the release repository must have the tag v<value> (a version to go back to)."""
    newer_than: str | None = None
    """semver: the value must come after this version (e.g. ``{release.version}``)."""
    older_than: str | None = None
    """semver: the value must come before this version (e.g. ``{version}``)."""


def validate_value(name: str, spec: ParamSpec, raw: str) -> str:
    """Return the normalised value or raise ParameterError saying what is wrong and how to fix."""

    def fail(message: str, fix: str) -> ParameterError:
        return ParameterError([Problem(message, field=f"param {name}", fix=fix)])

    size = len(raw.encode("utf-8", "surrogatepass"))
    if size > MAX_VALUE_BYTES:  # before anything quotes it back: it is too long to show
        raise fail(f"is {size:,} bytes long; a value may be at most {MAX_VALUE_BYTES:,} bytes "
                   f"({MAX_VALUE_BYTES // 1024} KiB)",
                   "shorten it (values go onto command lines, which take at most 128 KiB per "
                   "word); for long text, put it in a file and give the file's path")
    value = raw
    if spec.type == "semver":
        value = strip_v(raw.strip())
        if not is_semver(value):
            raise fail(
                f"{raw!r} is not a semantic version",
                "use MAJOR.MINOR.PATCH with an optional -prerelease, e.g. 1.1.0-beta.1",
            )
    elif spec.type == "int":
        if not re.fullmatch(r"-?\d+", raw.strip()):
            raise fail(f"{raw!r} is not an integer", "give a whole number, e.g. 3")
        value = raw.strip()
    elif spec.type == "bool":
        lowered = raw.strip().lower()
        if lowered not in {"true", "false", "yes", "no", "1", "0"}:
            raise fail(f"{raw!r} is not a boolean", "use true or false")
        value = "true" if lowered in {"true", "yes", "1"} else "false"
    elif spec.type in {"string", "path"} and ("\n" in raw or "\r" in raw or "\x00" in raw):
        raise fail("contains a line break", "give a single line, or declare the parameter as text")
    if "\x00" in value:
        raise fail("contains a NUL byte", "remove it")
    if spec.choices is not None and value not in spec.choices:
        raise fail(f"{value!r} is not one of {', '.join(spec.choices)}", "pick one of the choices")
    if spec.pattern is not None and not re.fullmatch(spec.pattern, value):
        raise fail(f"{value!r} does not match {spec.pattern}", "give a value of that form")
    return value


METRIC_PREFIX = "metric."
"""`{metric.downloads}` in a default: the latest sample of that metric (none read lately:
asked)."""


def resolve_params(
    specs: Mapping[str, ParamSpec],
    given: Mapping[str, str],
    context: Mapping[str, str],
    *,
    source: Path | None = None,
) -> dict[str, str]:
    """Validate given values against specs; fill defaults from the config context and from
    the other parameters (``default = "{version}"``). `source`: the playbook's file, which
    problems with its defaults name."""
    problems: list[Problem] = []
    for name in given:
        if name not in specs:
            known = ", ".join(sorted(specs)) or "none"
            problems.append(
                Problem(f"unknown parameter (this playbook takes: {known})", field=f"param {name}",
                        fix="drop it or check its spelling")
            )
    order, cycle = _default_order(specs, given)
    if cycle:
        problems.append(Problem(
            "defaults refer to each other in a circle: " + " -> ".join(f"{{{n}}}" for n in cycle),
            file=source, field=f"param {cycle[0]}",
            fix="give one of them a literal default or a config value (e.g. {release.version}), "
                "or pass it with --param"))
    values: dict[str, str] = {}
    for name in order:
        spec = specs[name]
        raw = given.get(name)
        if raw is None and spec.default is not None:
            try:
                raw = substitute(spec.default, {**context, **values})
            except KeyError as exc:
                missing = exc.args[0]
                if str(missing).startswith(METRIC_PREFIX):  # no recent sample: asked
                    if spec.required:
                        metric = str(missing).removeprefix(METRIC_PREFIX)
                        problems.append(Problem(
                            f"no recent sample of metric {metric!r} to fill it from",
                            field=f"param {name}", fix=f"give it (--param {name}=...), or "
                            f'configure [[metrics]] name = "{metric}" in cockpit.toml'))
                    else:
                        values[name] = ""
                    continue
                problems.append(Problem(
                    f"default refers to {{{missing}}}, which has no value" if missing in specs
                    else f"default refers to unknown value {{{missing}}}",
                    file=source, field=f"param {name}"))
                continue
        if raw is None or raw == "":
            if spec.required:
                problems.append(Problem("is required", field=f"param {name}",
                                        fix="give it a value"))
            else:
                values[name] = ""
            continue
        try:
            values[name] = validate_value(name, spec, raw)
        except ParameterError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ParameterError(problems)
    return {name: values[name] for name in specs if name in values}


def _default_order(specs: Mapping[str, ParamSpec], given: Mapping[str, str]
                   ) -> tuple[list[str], list[str]]:
    """The parameters in an order that resolves each default after those it refers to, and
    the first circle of defaults found (e.g. [a, b, a]; its parameters are left out)."""
    def refers(name: str) -> list[str]:
        default = specs[name].default
        if name in given or default is None:
            return []
        return [n for n in sorted(placeholders(default)) if n in specs]

    order: list[str] = []
    cycle: list[str] = []
    state: dict[str, str] = {}  # "visiting" | "done"

    def visit(name: str, path: list[str]) -> None:
        nonlocal cycle
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            if not cycle:
                cycle = [*path[path.index(name):], name]
            return
        state[name] = "visiting"
        for other in refers(name):
            visit(other, [*path, name])
        state[name] = "done"
        if name not in cycle:
            order.append(name)

    for name in specs:
        visit(name, [])
    return [n for n in order if n not in cycle], cycle


def substitute(template: str, values: Mapping[str, str], *, quote: bool = False) -> str:
    """Replace ``{name}`` placeholders; raise KeyError naming the first unknown one."""

    def repl(match: re.Match[str]) -> str:
        value = values[match.group(1)]
        return shlex.quote(value) if quote else value

    return PLACEHOLDER.sub(repl, template)


def placeholders(template: str) -> set[str]:
    return set(PLACEHOLDER.findall(template))


def render_argv(command: str, values: Mapping[str, str]) -> list[str]:
    """Split `command` like a POSIX shell would, *then* substitute: values stay single words."""
    return [substitute(word, values) for word in shlex.split(command)]


def shown(command: list[str] | str) -> str:
    """A command as the operator reads it: shell text as written, argv quoted back into one."""
    return command if isinstance(command, str) else shlex.join(command)


def prose(template: str, values: Mapping[str, str]) -> str:
    """Text with {parameters} filled in where known (shown, never run)."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def literal_pattern(pattern: str, values: Mapping[str, str]) -> str:
    """A regular expression with its {parameters} substituted as literal text."""
    return substitute(pattern, {k: re.escape(v) for k, v in values.items()})


def check_regex(field: str, pattern: str | None) -> None:
    """A pattern with {parameters} must still compile once they are filled in."""
    if pattern is None:
        return
    try:
        re.compile(PLACEHOLDER.sub("x", pattern))
    except re.error as exc:
        raise ValueError(f"{field} is not a valid regular expression: {exc}") from None


def check_words(field: str, command: str | None) -> None:
    """A command must split into words (a shell would refuse an open quote too)."""
    if command is None:
        return
    try:
        shlex.split(command)
    except ValueError as exc:
        raise ValueError(f"{field} cannot be split into words: {exc} "
                         "(close the quote, or escape it)") from None


def default_or_blank(template: str | None, context: Mapping[str, str]) -> str:
    """A parameter's default as a dialog offers it: "" when it has none or refers to a value
    there is none of (no recent sample of `{metric.x}`): then it is asked."""
    if template is None:
        return ""
    try:
        return substitute(template, context)
    except KeyError:
        return ""

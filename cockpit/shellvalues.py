"""Values in shell text (`shell = true`): data, never code.

A command that runs through /bin/sh never has a value pasted into its text. Each
``{placeholder}`` becomes a reference to an environment variable holding the value, quoted for
where it stands: ``"${V}"`` outside quotes, ``${V}`` inside double quotes, ``'"${V}"'`` inside
single quotes (the quote is closed around it). The shell expands a variable once and never
reads its value as code, so ``$(...)``, backticks, quotes and newlines stay text.

The variables are named ``COCKPIT_VALUE_`` + the placeholder's name with every ``_`` written
``__`` and every ``.`` written ``_0`` (``{version}`` is ``$COCKPIT_VALUE_version``,
``{release.branch}`` ``$COCKPIT_VALUE_release_0branch``, ``{previous_version}``
``$COCKPIT_VALUE_previous__version``): two names never share a variable, and cockpit sets no
other variable with that prefix (a step's own `env` may not use it).

The operator reads the command with the values in it (`shown_script`), each quoted for its
place, so that the text shown, run by a shell, does what the real command does.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cockpit.errors import Problem
from cockpit.params import PLACEHOLDER

PREFIX = "COCKPIT_VALUE_"

Where = Literal["plain", "double", "single"]


def env_name(name: str) -> str:
    """The environment variable that carries the value of ``{name}`` (one per name)."""
    return PREFIX + name.replace("_", "__").replace(".", "_0")


@dataclass
class _Frame:
    kind: Where
    closer: str | None  # what ends it: a quote, ")" of $( ), "`"; None at the top
    depth: int = 0  # open "(" inside a $( )


def _pieces(template: str) -> Iterator[str | tuple[str, Where, int]]:
    """The text as a shell reads it: literal runs (str) and placeholders with where they stand
    (and inside how many backticks). Tracks quotes, backslashes, comments, $( ) and backticks
    (nested), not here-documents."""
    stack = [_Frame("plain", None)]
    text: list[str] = []
    i, n = 0, len(template)
    while i < n:
        frame = stack[-1]
        found = PLACEHOLDER.match(template, i)
        if found:
            if text:
                yield "".join(text)
                text = []
            yield found.group(1), frame.kind, sum(f.closer == "`" for f in stack)
            i = found.end()
            continue
        c = template[i]
        step = 1
        if frame.kind == "single":
            if c == "'":
                stack.pop()
        elif c == "\\":
            step = 2
        elif c == "`":
            if frame.closer == "`":
                stack.pop()
            else:
                stack.append(_Frame("plain", "`"))
        elif template.startswith("$(", i):
            stack.append(_Frame("plain", ")"))
            step = 2
        elif frame.kind == "double":
            if c == '"':
                stack.pop()
        elif c in "'\"":
            stack.append(_Frame("single" if c == "'" else "double", c))
        elif c == "(" and frame.closer == ")":
            frame.depth += 1
        elif c == ")" and frame.closer == ")":
            if frame.depth:
                frame.depth -= 1
            else:
                stack.pop()
        elif c == "#" and (i == 0 or template[i - 1] in " \t\n;&|()"):
            end = template.find("\n", i)
            step = (n if end < 0 else end) - i  # a comment: nothing in it is read
        text.append(template[i:i + step])
        i += step
    if text:
        yield "".join(text)


def script(template: str, values: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """The text /bin/sh runs and the environment it needs: every placeholder a variable.
    Raises KeyError naming the first unknown placeholder."""
    out: list[str] = []
    env: dict[str, str] = {}
    for piece in _pieces(template):
        if isinstance(piece, str):
            out.append(piece)
            continue
        name, where, _ = piece
        var = env_name(name)
        env[var] = values[name]
        ref = "${" + var + "}"
        out.append({"plain": f'"{ref}"', "double": ref, "single": f"'\"{ref}\"'"}[where])
    return "".join(out), env


def _in_double_quotes(value: str) -> str:
    return re.sub(r'([\\$`"])', r"\\\1", value)


def shown_script(template: str, values: Mapping[str, str]) -> str:
    """The command as the operator reads it: each value in its place, quoted for that place
    (run by a shell, this text does what `script` does)."""
    out: list[str] = []
    for piece in _pieces(template):
        if isinstance(piece, str):
            out.append(piece)
            continue
        name, where, ticks = piece
        value = values[name]
        shown = (shlex.quote(value) if where == "plain" else _in_double_quotes(value)
                 if where == "double" else value.replace("'", "'\\''"))
        for _ in range(ticks):  # inside `...` the shell first takes one \ off \, ` and $
            shown = re.sub(r"([\\`$])", r"\\\1", shown)
        out.append(shown)
    return "".join(out)


def quoted_placeholders(template: str) -> list[tuple[str, Where]]:
    """The placeholders written inside quotes (name, "double" or "single"), in order."""
    return [(p[0], p[1]) for p in _pieces(template)
            if not isinstance(p, str) and p[1] != "plain"]


def unquoted(template: str) -> str:
    """The template with its placeholders taken out of the quotes around them (the fix that
    `cockpit check` suggests): ``"q{v}q"`` is ``"q"{v}"q"``, ``'{v}'`` is ``{v}``."""
    out: list[str] = []
    for piece in _pieces(template):
        if isinstance(piece, str):
            out.append(piece)
            continue
        name, where, _ = piece
        quote = {"plain": "", "double": '"', "single": "'"}[where]
        out.append(f"{quote}{{{name}}}{quote}")
    fixed = "".join(out)
    for q in "\"'":  # a placeholder that was all the quotes held needs none
        fixed = re.sub(rf"{q}{q}(?={PLACEHOLDER.pattern})", "", fixed)
        fixed = re.sub(rf"({PLACEHOLDER.pattern}){q}{q}", r"\1", fixed)
    return fixed


def quote_problems(source: Path, where: str, template: str) -> list[Problem]:
    """`cockpit check`'s warning for a shell command with a placeholder inside quotes: it was
    written for a cockpit that pasted values into the text (there, a value in double quotes
    could run as code); the value is safe now, but the quotes around it only mislead."""
    found = quoted_placeholders(template)
    if not found:
        return []
    names = ", ".join(dict.fromkeys(f"{{{name}}} (in {kind} quotes)" for name, kind in found))
    return [Problem(
        f"warning: {names} inside quotes in a shell command. Values used to be pasted into "
        "the text, where one inside double quotes ran as code ($(...), backticks); now each "
        "reaches the shell in an environment variable, quoted by cockpit, so quotes around a "
        "placeholder are not needed and mislead whoever reads the command",
        file=source, field=where,
        fix=f"take the placeholder out of the quotes: {unquoted(template)}")]

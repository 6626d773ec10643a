"""TOML files with positions.

tomllib gives values, not line numbers. Validation errors must name the line, so this module
keeps the text next to the data and finds the line a key path (as pydantic reports it,
e.g. ``("builders", 1, "port")``) was written on.
"""

from __future__ import annotations

import errno
import re
import tomllib
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError
from pydantic_core import PydanticCustomError

from cockpit.errors import ConfigError, Problem

Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
"""A size, budget or timeout: above zero and finite (TOML also spells -1e308, inf and nan)."""



def field_error(field: str, message: str, *, fix: str) -> PydanticCustomError:
    """An error a model's own validator finds in one of its fields (it sees them all): the
    problem is then located at that field, as a field's validator's would be."""
    return PydanticCustomError("field_error", "{message}",
                               {"message": message, "loc": field, "fix": fix})


_TABLE = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"'.]+)\s*=")


def read_toml(path: Path, *, what: str = "file") -> tuple[dict[str, Any], str]:
    """Parse a TOML file, turning every failure into a ConfigError naming file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError.single(
            f"{what} not found", file=path, fix="check the path, or create it with `cockpit init`"
        ) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ConfigError.single(
                f"{what} is a symbolic link that loops (it leads back to itself)", file=path,
                fix=f"point it at the real file: ln -sfn TARGET {path}") from None
        raise ConfigError.single(f"cannot read {what}: {exc.strerror or exc}", file=path) from None
    except UnicodeDecodeError as exc:
        raise ConfigError.single(f"cannot read {what}: {exc}", file=path,
                                 fix="save it as UTF-8 text") from None
    try:
        data = tomllib.loads(text)
    except RecursionError:  # tomllib recurses once per level of nesting
        raise ConfigError.single(
            "arrays or inline tables nested too deeply to read", file=path,
            line=_deep_line(text),
            fix="flatten it: no key of a cockpit file takes more than a few levels") from None
    except tomllib.TOMLDecodeError as exc:
        line = _decode_error_line(exc)
        raise ConfigError.single(
            f"malformed TOML: {exc}",
            file=path,
            line=line,
            fix="correct the TOML syntax on that line (quotes, brackets, '=' between key and value)",
        ) from None
    return data, text


def _deep_line(text: str, deep: int = 64) -> int | None:
    """The first line where brackets and braces open past `deep` levels (counted plainly:
    a hint of where to look, for a file too deep to parse)."""
    depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if _TABLE.match(line):
            continue
        for char in line:
            depth += (char in "[{") - (char in "]}")
            if depth > deep:
                return number
    return None


def _decode_error_line(exc: tomllib.TOMLDecodeError) -> int | None:
    lineno = getattr(exc, "lineno", None)
    if isinstance(lineno, int):
        return lineno
    match = re.search(r"line (\d+)", str(exc))
    return int(match.group(1)) if match else None


def _unquote(key: str) -> str:
    return key.strip().strip("\"'")


def line_of(text: str, loc: Sequence[str | int]) -> int | None:
    """Best-effort line number where the key path `loc` is defined in `text`."""
    wanted = [str(part) for part in loc]
    table: list[str] = []
    counters: dict[str, int] = {}
    best: tuple[int, int] | None = None  # (matched depth, line)
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        header = _TABLE.match(line)
        if header:
            names = [_unquote(p) for p in header.group(2).split(".")]
            if header.group(1) == "[[":
                key = ".".join(names)
                counters[key] = counters.get(key, -1) + 1
                for stale in [k for k in counters if k.startswith(key + ".")]:
                    del counters[stale]
                # pydantic reports array-of-tables items as name, index
                table = []
                for depth, name in enumerate(names):
                    table.append(name)
                    prefix = ".".join(names[: depth + 1])
                    if prefix in counters:
                        table.append(str(counters[prefix]))
            else:
                table = names
            path = table
        else:
            key_match = _KEY.match(line)
            if not key_match:
                continue
            path = table + [_unquote(p) for p in key_match.group(1).split(".")]
        depth = _common_prefix(path, wanted)
        if depth and (best is None or depth > best[0]):
            best = (depth, number)
            if depth == len(wanted):
                return number
    return best[1] if best else None


def _common_prefix(a: list[str], b: list[str]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n if n == len(a) else 0


_FIXES = {
    "extra_forbidden": "remove it, or check its spelling against the documented keys",
    "missing": "add it",
    "greater_than": "give a positive number",
    "greater_than_equal": "give a larger number",
    "less_than_equal": "give a smaller number",
    "finite_number": "give a finite number (not inf or nan)",
    "float_parsing": "write a number without quotes (e.g. 10 or 0.5)",
    "float_type": "write a number (e.g. 10 or 0.5)",
    "union_tag_invalid": "use one of the kinds the message lists",
}


def validation_problems(
    err: ValidationError, *, file: Path, text: str, prefix: Sequence[str | int] = (),
    tags: Collection[str] = (),
) -> list[Problem]:
    """Translate pydantic errors into located problems, one per error. `tags`: the values of
    a discriminated union's tag (step kinds), which pydantic puts in the location after the
    item's index: the file has no such key, so they are left out."""
    problems = []
    for item in err.errors():
        loc: list[str | int] = [*prefix]
        ctx = item.get("ctx") or {}
        own = ctx["loc"].split(".") if isinstance(ctx.get("loc"), str) else []
        for part in [*item["loc"], *own]:
            if str(part).startswith("function-") or (
                    part in tags and loc and isinstance(loc[-1], int)):
                continue
            loc.append(part)
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] in {"union_tag_invalid", "union_tag_not_found"}:
            loc.append(str((item.get("ctx") or {}).get("discriminator", "kind")).strip("'"))
            if item["type"] == "union_tag_not_found":
                message = "missing" + (f" (one of: {', '.join(tags)})" if tags else "")
        field = ".".join(str(p) for p in loc)
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        elif "input" in item and item["type"] not in {"missing"} and not ctx.get("secret"):
            shown = repr(item["input"])
            if len(shown) < 60 and shown not in message:
                message = f"{message} (got {shown})"
        fix = _FIXES.get(item["type"])
        if isinstance(ctx.get("fix"), str):
            fix = ctx["fix"]
        problems.append(Problem(message, file, line_of(text, loc), field, fix))
    return problems

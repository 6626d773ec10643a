"""User-facing errors.

Every error a user can cause (bad config, bad playbook, bad parameter, unusable journal) is a
`CockpitError` that names where the problem is and how to fix it. The CLI prints them without
a traceback and exits with the error's code (2 for usage and config errors).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

_SHIPPED = Path(__file__).resolve().parent.parent / "playbooks"


def display_path(path: Path) -> str:
    """Short and still unambiguous: relative to the working directory, or to the shipped
    playbooks, else absolute."""
    try:
        resolved = path.resolve() if path.is_absolute() else path
    except (OSError, RuntimeError):  # a symbolic link that loops: shown as given
        return str(path)
    for base, prefix in ((Path.cwd(), ""), (_SHIPPED, "<shipped playbooks>/")):
        try:
            return prefix + str(resolved.relative_to(base))
        except ValueError:
            continue
    return str(path)


@dataclass
class Problem:
    """One thing wrong, located as precisely as we can."""

    message: str
    file: Path | None = None
    line: int | None = None
    field: str | None = None
    fix: str | None = None

    def where(self) -> str:
        parts = []
        if self.file is not None:
            parts.append(display_path(self.file) + (f":{self.line}" if self.line else ""))
        if self.field:
            parts.append(self.field)
        return ": ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        text = f"{where}: {self.message}" if where else self.message
        if self.fix:
            text += f"\n  fix: {self.fix}"
        return text


@dataclass
class CockpitError(Exception):
    """An error caused by input the user controls; printed plainly, never as a traceback."""

    problems: list[Problem] = field(default_factory=list)
    exit_code: int = 2

    @classmethod
    def single(
        cls,
        message: str,
        *,
        file: Path | None = None,
        line: int | None = None,
        field: str | None = None,
        fix: str | None = None,
        exit_code: int = 2,
    ) -> CockpitError:
        return cls([Problem(message, file, line, field, fix)], exit_code)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class ConfigError(CockpitError):
    """cockpit.toml or a playbook is invalid."""


class JournalError(CockpitError):
    """The journal cannot be opened or written."""


class ParameterError(CockpitError):
    """A playbook parameter is missing or invalid."""

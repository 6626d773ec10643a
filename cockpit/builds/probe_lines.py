"""What `cockpit check` says of a builder: each check, whether it passed, and the fix."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ProbeLine:
    check: str
    ok: bool
    detail: str
    fix: str = ""
    where: tuple[str | int, ...] = ()
    """The config key at fault, from the file's root (("builders", 1, "ref")): a failure is
    said with the file, the line and the field."""


@dataclass
class BuilderReport:
    builder: str
    lines: list[ProbeLine] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(line.ok for line in self.lines)

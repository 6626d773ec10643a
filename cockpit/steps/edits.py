"""Edit steps: a regular-expression replacement in a file, shown as a diff before it lands."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cockpit.params import substitute


@dataclass
class EditPlan:
    path: Path
    before: str
    after: str
    matches: int

    @property
    def diff(self) -> str:
        name = self.path.name
        return "".join(difflib.unified_diff(
            self.before.splitlines(keepends=True), self.after.splitlines(keepends=True),
            f"a/{name}", f"b/{name}"))

    def apply(self) -> None:
        self.path.write_text(self.after, encoding="utf-8")


def plan_edit(path: Path, pattern: str, replace: str, values: Mapping[str, str],
              count: int = 1) -> EditPlan:
    """Compute the edit without touching the file. Raises OSError if the file is unreadable."""
    before = path.read_text(encoding="utf-8")
    # Parameter values are literal text in the replacement: escape what re.sub would expand.
    escaped = {k: v.replace("\\", "\\\\") for k, v in values.items()}
    template = substitute(replace, escaped)
    after, matches = re.subn(pattern, template, before, count=count, flags=re.MULTILINE)
    return EditPlan(path, before, after, matches)

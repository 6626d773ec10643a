"""Which builder builds which target: each target on the first builder that serves it."""

from __future__ import annotations

from dataclasses import dataclass

from cockpit.config import BuilderConfig, Config
from cockpit.errors import CockpitError, Problem
from cockpit.executors.toolchain import host_triple


@dataclass(frozen=True)
class Assignment:
    target: str
    builder: BuilderConfig


def assign(config: Config, targets: list[str] | None = None,
           builder: str | None = None) -> list[Assignment]:
    """Each target on the first builder that serves it (or on `builder` when given)."""
    names = [b.name for b in config.builders]
    if builder is not None and builder not in names:
        raise CockpitError([Problem(f"no builder named {builder!r}", file=config.source,
                                    field="builders", fix="builders: " + ", ".join(names))])
    wanted = targets or config.build.targets or [host_triple()]
    out = []
    for target in wanted:
        candidates = [b for b in config.builders if (builder is None or b.name == builder) and
                      (target in b.targets or (b.kind == "local" and not b.targets))]
        if not candidates:
            serving = [b.name for b in config.builders if target in b.targets]
            raise CockpitError([Problem(
                f"no builder{' named ' + builder if builder else ''} serves {target}",
                file=config.source, field="builders",
                fix=("builders that serve it: " + ", ".join(serving)) if serving else
                f"add {target!r} to the targets of a [[builders]] entry")])
        out.append(Assignment(target, candidates[0]))
    return out

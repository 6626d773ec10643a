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


def serves(builder: BuilderConfig, target: str) -> bool:
    """A builder serves the targets it lists; a local builder that lists none, this host's."""
    return target in builder.targets or (builder.kind == "local" and not builder.targets)


def alternative(config: Config, target: str, current: str) -> str | None:
    """Another builder that serves `target`, to retry it on."""
    return next((b.name for b in config.builders if b.name != current and serves(b, target)),
                None)


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
        candidates = [b for b in config.builders
                      if (builder is None or b.name == builder) and serves(b, target)]
        if not candidates:
            serving = [b.name for b in config.builders if target in b.targets]
            raise CockpitError([Problem(
                f"no builder{' named ' + builder if builder else ''} serves {target}",
                file=config.source, field="builders",
                fix=("builders that serve it: " + ", ".join(serving)) if serving else
                f"add {target!r} to the targets of a [[builders]] entry")])
        out.append(Assignment(target, candidates[0]))
    return out

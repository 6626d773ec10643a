"""What a metric's source gives: a reading, or a `SourceError` saying why not and what to do.

A failing source never raises anything else out of `Sources.read`: the poller journals the
error and its fix (`MetricFailed`) and the metric shows stale until its next reading."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Reading:
    value: float
    detail: dict[str, Any] = field(default_factory=dict)
    etag: str = ""
    """The ETag of the answer it came from ("" when the source gives none)."""
    unchanged: bool = False
    """The source said nothing changed since the last reading (a 304)."""
    source: str = ""
    """What was asked, without secrets (a URL, a command)."""


class SourceError(Exception):
    """A source failed; `retry_after`: seconds it asked us to wait (rate limits, 503s)."""

    def __init__(self, message: str, fix: str = "", *, retry_after: float | None = None,
                 rate_limited: bool = False, backoff: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix
        self.retry_after = retry_after
        self.rate_limited = rate_limited
        self.backoff = backoff
        """False: a state expected to end soon (a release not yet published), asked again at
        the metric's own pace."""


def pick(data: Any, path: str | None, *, where: str, metric: str) -> Any:
    """The value at a dotted path ("data.total", "items.0.count") of a JSON answer."""
    if not path:
        return data
    here: Any = data
    walked: list[str] = []
    for part in path.split("."):
        if isinstance(here, dict) and part in here:
            here = here[part]
        elif isinstance(here, list) and part.lstrip("-").isdigit() and -len(here) <= int(part) < len(here):
            here = here[int(part)]
        else:
            at = ".".join(walked) or "the top"
            has = (", ".join(sorted(map(str, here))[:8]) if isinstance(here, dict)
                   else f"a list of {len(here)}" if isinstance(here, list) else repr(here)[:40])
            raise SourceError(f"{where}: field {path!r} is not in the answer ({at} has: {has})",
                              f"correct field in the [[metrics]] table named {metric!r}")
        walked.append(part)
    return here


def number(value: Any, *, where: str, metric: str) -> float:
    """A finite number, from a JSON number or a string holding one."""
    if isinstance(value, bool):
        value = None
    try:
        result = float(value.strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        result = math.nan
    if not math.isfinite(result):
        shown = repr(value) if len(repr(value)) < 60 else repr(value)[:57] + "..."
        raise SourceError(f"{where} gave {shown}, not a number",
                          f"make it print a number, or point field (in the [[metrics]] table "
                          f"named {metric!r}) at one")
    return result

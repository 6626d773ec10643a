"""What every `[[metrics]]` table of cockpit.toml shares, whatever its kind: its name, how often
it is asked, its alert thresholds, and the checks of the values its kinds' fields take
(durations, templates, URLs). The per-kind models are in `cockpit.metricsconfig`.
"""

from __future__ import annotations

import math
import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from cockpit.params import PLACEHOLDER
from cockpit.tomlsource import field_error

VALUES = frozenset({"version", "previous_version", "name"})
"""What a metric's templates may refer to: {version} (the release's), {previous_version}, {name}."""

_DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)([dhms]))")
_UNIT = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}


def bad(message: str, fix: str, *, secret: bool = False) -> PydanticCustomError:
    """A located error with its fix (a `secret` one never quotes what was written)."""
    return PydanticCustomError("value_error", "{message}",
                               {"message": message, "fix": fix, "secret": secret})


KEEPALIVE = 600.0
"""Seconds after which an unchanged reading is journaled again (`metrics/poller.py`): how old
the latest sample of a source that answers can be, plus one interval."""


def fresh_for(every: float) -> float:
    """Seconds a metric's latest sample stays a number to post: an unchanged value is written
    again after KEEPALIVE plus one interval; one more interval allows a late reading."""
    return KEEPALIVE + 2 * every


def duration(text: str | float) -> float:
    """Seconds in "30s", "5m", "1h30m", "1d" (or a plain number of seconds)."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        seconds = float(text)
    elif isinstance(text, str) and text.strip() and _DURATION.sub("", text.strip()) == "":
        seconds = sum(float(n) * _UNIT[u] for n, u in _DURATION.findall(text.strip()))
    else:
        raise bad(f"{text!r} is not a duration", 'write e.g. "30s", "5m", "1h30m" or "1d"')
    if seconds < 1:
        raise bad(f"{text!r} is shorter than a second", 'poll at most once a second: "1s" or more')
    if not math.isfinite(seconds):
        raise bad(f"{text!r} is not a duration", 'write e.g. "30s", "5m", "1h30m" or "1d"')
    return seconds


def _templates(value: str) -> str:
    unknown = [n for n in PLACEHOLDER.findall(value) if n not in VALUES]
    if unknown:
        raise bad(f"{{{unknown[0]}}} is not a value a metric has",
                  "use " + ", ".join(f"{{{v}}}" for v in sorted(VALUES)))
    return value


def _http_url(value: str) -> str:
    if not re.match(r"https?://[^/\s]+", value):
        raise bad(f"{value!r} is not an http(s) URL", "write it as https://host/path")
    return value


Template = Annotated[str, AfterValidator(_templates)]
HttpUrl = Annotated[str, AfterValidator(_http_url)]
Threshold = Annotated[float, Field(allow_inf_nan=False)]


class MetricBase(BaseModel):
    """The fields of every kind of metric."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    """Shown, and the name templates and targets use (letters, digits, _: e.g. downloads, p0)."""
    every: float = 300.0
    """How often to ask: "30s", "5m", "1h" (default five minutes)."""
    alert_above: Threshold | None = None
    """Raise the alert banner while the latest value is above this (e.g. 0 for open P0s)."""
    alert_below: Threshold | None = None
    """Raise the alert banner while the latest value is below this (e.g. 1: no downloads)."""

    @field_validator("every", mode="before")
    @classmethod
    def _every(cls, value: str | float) -> float:
        return duration(value)

    @model_validator(mode="after")
    def _thresholds(self) -> MetricBase:
        above, below = self.alert_above, self.alert_below
        if above is not None and below is not None and below >= above:
            raise field_error("alert_below", f"alert_below ({below:g}) is not below alert_above "
                              f"({above:g}): every value would raise the alert",
                              fix="make alert_below smaller than alert_above (the values "
                              "between them are the quiet ones), or keep only one of them")
        return self

    def asked(self) -> str:
        """What is asked, for the journal and messages (never a secret)."""
        return self.name

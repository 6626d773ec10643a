"""Secrets never reach the journal, logs or screen.

Tokens the cockpit knows about (from the environment) are replaced by name; well-known token
shapes (GitHub tokens, bearer headers, URLs with credentials) are masked wherever they appear.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

SECRET_ENV = ("GITHUB_TOKEN", "GH_TOKEN")
# (cheap test, pattern, replacement). Build logs are scanned at full speed, so each pattern
# runs only where a cheap test says it could match. Each substring test is one fast scan of
# the text; a single character (`"z" in text`) costs almost nothing when it is absent.
_PATTERNS: list[tuple[Callable[[str], object], re.Pattern[str], str]] = [
    (re.compile("g(?:h[pousr]_|ithub_pat_)").search,  # one scan for both token shapes
     re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})"), "[redacted]"),
    (lambda t: ("z" in t or "Z" in t) and ("uthorization" in t or "UTHORIZATION" in t),
     re.compile(r"(?i)(authorization:\s*(?:bearer|token)\s+)\S+"), r"\1[redacted]"),
    (lambda t: "@" in t, re.compile(r"(https?://)[^/\s:@]+:[^/\s@]+@"), r"\1[redacted]@"),
    (lambda t: ".com/api/webhooks/" in t,  # a longer needle: a faster scan
     re.compile(r"(https://discord(?:app)?\.com/api/webhooks/\d+/)[\w-]+"), r"\1[redacted]"),
]
_extra: set[str] = set()


def register_secret(value: str) -> None:
    """Mask this exact value from now on (e.g. a token read from `gh auth token`)."""
    if len(value) >= 8:
        _extra.add(value)


def redact(text: str) -> str:
    for name in SECRET_ENV:
        value = os.environ.get(name)
        if value and len(value) >= 8 and value in text:
            text = text.replace(value, f"[{name}]")
    for value in _extra:
        if value in text:
            text = text.replace(value, "[secret]")
    for test, pattern, replacement in _PATTERNS:
        if test(text):
            text = pattern.sub(replacement, text)
    return text


def redact_value(value: Any) -> Any:
    """Redact every string inside a JSON-like value (dicts, lists), keeping its shape."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        try:
            joined = "\n".join(value)  # one scan for a whole batch of log lines
        except TypeError:
            return [redact_value(v) for v in value]
        if joined.count("\n") != len(value) - 1:  # an item spans lines: do them one by one
            return [redact(v) for v in value]
        cleaned = redact(joined)
        return list(value) if cleaned is joined or cleaned == joined else cleaned.split("\n")
    return value

"""PII scan of a telemetry export (runbook T-1, privacy audit).

The categories are the ones the real project's own redaction treats as PII. The scan walks
every string value of the JSON export (or the raw text if it is not JSON) and reports each
category Found / Not found, like the runbook's audit block.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

CATEGORIES: dict[str, re.Pattern[str]] = {
    "File paths": re.compile(
        r"(?<![\w:/.])/(?:home|Users|root|var|etc|opt|mnt|tmp|usr|srv)/[^\s\"']+"
        r"|\b[A-Za-z]:\\[^\s\"']+"
    ),
    "Email addresses": re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b"),
    "IP addresses": re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b"),
    "Environment variables": re.compile(r"\b(?:PATH|HOME|USER|SHELL|PWD|OLDPWD|HOSTNAME)=\S*"),
    "API keys and secrets": re.compile(
        r"(?i)\b(?:api[_-]?key|token|secret|password|auth)\b[\"']?\s*[:=]?\s*[\"']?[A-Za-z0-9_\-./+]{20,}"
    ),
    "Hostnames": re.compile(
        r"(?<![@\w.-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
        r"(?:local|lan|internal|corp|home|intranet|com|net|org|io|dev)\b",
        re.IGNORECASE,
    ),
}


@dataclass
class PiiReport:
    found: dict[str, list[str]] = field(default_factory=dict)
    """Category -> up to 3 example matches (already truncated)."""
    values_scanned: int = 0

    @property
    def clean(self) -> bool:
        return not any(self.found.values())

    def block(self) -> str:
        """The audit's result block."""
        lines = [f"PII detected: {'NO = Pass' if self.clean else 'YES = BLOCKER'}"]
        for name in CATEGORIES:
            hits = self.found.get(name, [])
            lines.append(f"- {name}: {'Found (' + ', '.join(hits) + ')' if hits else 'Not found'}")
        return "\n".join(lines)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _public_ip(text: str) -> bool:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    return address.is_global


def scan_text(text: str) -> PiiReport:
    try:
        values = list(_strings(json.loads(text)))
    except json.JSONDecodeError:
        values = text.splitlines()
    report = PiiReport(values_scanned=len(values))
    for value in values:
        emails = {m.group(0) for m in CATEGORIES["Email addresses"].finditer(value)}
        for name, pattern in CATEGORIES.items():
            for match in pattern.finditer(value):
                hit = match.group(0)
                if name == "IP addresses" and not _public_ip(hit):
                    continue
                if name == "Hostnames" and any(hit in e for e in emails):
                    continue
                examples = report.found.setdefault(name, [])
                if len(examples) < 3 and hit[:40] not in examples:
                    examples.append(hit[:40])
    report.found = {k: v for k, v in report.found.items() if v}
    return report

from __future__ import annotations

import json

from cockpit.steps.pii import CATEGORIES, scan_text

CLEAN = [{"id": "e1", "session_id": "s-1", "timestamp": "2026-01-14T09:00:00Z",
          "type": "session_start", "version": "1.1.0-beta"},
         {"id": "e2", "session_id": "s-1", "timestamp": "2026-01-14T09:00:01Z",
          "type": "command_generation", "backend": "static", "latency_ms": 3}]


def test_clean_export_passes_with_every_category_not_found() -> None:
    report = scan_text(json.dumps(CLEAN))
    assert report.clean
    block = report.block()
    assert block.splitlines()[0] == "PII detected: NO = Pass"
    for name in CATEGORIES:
        assert f"- {name}: Not found" in block


def test_each_category_is_found() -> None:
    leaky = CLEAN + [{"id": "e3", "type": "backend_error", "prompt": text} for text in [
        "find files in /Users/alice/Documents",
        "search for user@example.com in logs",
        "connect to 8.8.8.8",
        "HOME=/home/bob",
        "token=abcdefghijklmnopqrstuvwxyz123456",
        "ssh build01.corp",
        r"C:\Users\carol\secrets.txt",
    ]]
    report = scan_text(json.dumps(leaky))
    assert not report.clean
    assert set(report.found) == set(CATEGORIES)
    assert report.block().startswith("PII detected: YES = BLOCKER")


def test_private_and_loopback_addresses_are_not_pii() -> None:
    report = scan_text(json.dumps([{"x": "bind 127.0.0.1 and 10.1.2.3 and 192.168.1.1"}]))
    assert "IP addresses" not in report.found

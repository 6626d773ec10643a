"""`cockpit metrics` (issue 13), as a user runs it: a real process, real commands, the local
forge's files, the journal it writes."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from cockpit.forge.local import LocalForge
from cockpit.journal.store import Journal
from tests.unit.test_config import GOOD, write

METRICS = """
[forge]
kind = "local"
path = "forge"

[[metrics]]
name = "downloads"
kind = "forge-downloads"
release = "all"

[[metrics]]
name = "awu"
kind = "command"
run = "echo 31"

[[metrics]]
name = "broken"
kind = "command"
run = "echo many"
"""


def workspace(tmp_path: Path) -> Path:
    path = write(tmp_path, GOOD + METRICS)
    asset = tmp_path / "caro.tar.gz"
    asset.write_bytes(b"x")
    forge = LocalForge(tmp_path / "forge")
    forge.seed("v1.0.0", [asset])
    forge.add_downloads("v1.0.0", "caro.tar.gz", 12)
    return path


def cockpit(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cockpit", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_once_as_json_lists_each_metric_and_journals_the_readings(tmp_path: Path) -> None:
    path = workspace(tmp_path)
    out = cockpit("metrics", "--once", "--format", "json", "--config", str(path), cwd=tmp_path)
    assert out.returncode == 1, out.stderr  # one metric is stale
    got = {m["name"]: m for m in json.loads(out.stdout)}
    assert got["downloads"]["value"] == 12 and got["awu"]["value"] == 31
    assert got["downloads"]["stale"] is False and got["downloads"]["error"] is None
    assert datetime.fromisoformat(got["awu"]["at"]).tzinfo is not None
    assert got["broken"]["stale"] is True and got["broken"]["value"] is None
    assert "not a number" in got["broken"]["error"]
    journal = Journal.readonly(tmp_path / ".cockpit" / "journal.sqlite")
    kinds = [(e.kind, e.payload.metric) for e in journal.events()
             if e.kind.startswith("metric_")]
    journal.close()
    assert sorted(kinds) == [("metric_failed", "broken"), ("metric_sample", "awu"),
                             ("metric_sample", "downloads")]


def test_once_as_a_table(tmp_path: Path) -> None:
    path = workspace(tmp_path)
    out = cockpit("metrics", "--once", "--config", str(path), cwd=tmp_path)
    assert "downloads" in out.stdout and "12" in out.stdout
    assert "STALE: `echo many` gave 'many', not a number" in out.stdout


def test_continuous_prints_each_update(tmp_path: Path) -> None:
    path = workspace(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "cockpit", "metrics", "--format", "json",
                             "--config", str(path)], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        seen: set[str] = set()
        while len(seen) < 3:
            line = proc.stdout.readline()
            assert line, proc.stderr.read() if proc.stderr else ""
            seen |= {m["name"] for m in json.loads(line)}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert seen == {"downloads", "awu", "broken"}


def test_no_metrics_configured_exits_2_with_the_fix(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    out = cockpit("metrics", "--once", "--config", str(path), cwd=tmp_path)
    assert out.returncode == 2
    assert "no metrics are configured" in out.stderr and "[[metrics]]" in out.stderr


def test_while_a_cockpit_holds_the_journal_readings_are_printed_not_journaled(
        tmp_path: Path) -> None:
    path = workspace(tmp_path)
    holder = Journal.controller(tmp_path / ".cockpit" / "journal.sqlite")
    try:
        out = cockpit("metrics", "--once", "--format", "json", "--config", str(path),
                      cwd=tmp_path)
        assert "printed, not journaled" in out.stderr
        assert {m["name"] for m in json.loads(out.stdout)} == {"downloads", "awu", "broken"}
        assert not [e for e in holder.events() if e.kind.startswith("metric_")]
    finally:
        holder.close()


def test_json_and_the_table_say_which_metric_crossed_its_alert_threshold(tmp_path: Path) -> None:
    path = workspace(tmp_path)
    path.write_text(path.read_text().replace('run = "echo 31"', 'run = "echo 31"\nalert_below = 50'))
    out = cockpit("metrics", "--once", "--format", "json", "--config", str(path), cwd=tmp_path)
    got = {m["name"]: m for m in json.loads(out.stdout)}
    assert got["awu"]["alert"] == "below 50"
    assert got["downloads"]["alert"] is None and got["broken"]["alert"] is None
    table = cockpit("metrics", "--once", "--config", str(path), cwd=tmp_path)
    assert "ALERT: below 50" in table.stdout

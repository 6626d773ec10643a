"""Every way out of the cockpit is redacted (issue 12): a secret a build prints reaches neither
the journal nor the build log on disk, even in the line that says why the build stopped; an
export is redacted as it is written, even of a journal written before a shape was known."""

from __future__ import annotations

import base64
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from cockpit.builds.matrix import BuildMatrix
from cockpit.builds.plan import assign
from cockpit.cli.main import main
from cockpit.config import BuilderConfig, Config, load_config
from cockpit.journal.store import Journal

TOKEN = "ghp_" + "Zx81Lq" * 6


async def test_a_build_that_stops_on_a_secret_keeps_it_out_of_its_log(config: Config, journal: Journal,
                                                                      tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    cargo = bin_dir / "cargo"  # a cargo that fails saying a token, as a real push or fetch can
    cargo.write_text(f"#!/bin/sh\necho 'error: bad credentials {TOKEN}'\nexit 101\n")
    cargo.chmod(cargo.stat().st_mode | stat.S_IXUSR)
    builder = BuilderConfig(name="local", env={"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"})
    config = config.model_copy(update={"builders": [builder]})
    matrix = BuildMatrix(config, journal)
    run_id = await matrix.run(assign(config)[:1])
    logs = list((journal.path.parent / "logs" / run_id).glob("*.log"))
    assert logs
    for log in logs:
        text = log.read_text()
        assert "stopped: cargo build failed: error: bad credentials [redacted]" in text
        assert TOKEN not in text
    raw = journal.path.read_bytes() + journal.path.with_name(journal.path.name + "-wal").read_bytes()
    assert TOKEN.encode() not in raw


def test_an_export_is_redacted_even_of_a_journal_written_before_a_shape_was_known(
        workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    header = "AUTHORIZATION: basic " + base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    config = load_config(workspace)
    journal = Journal.controller(config.journal_path)
    journal.append("output", run_id="r1", step="s1", text="fetching")
    journal.append("note", run_id="r1", step="s1", text="noted")
    journal.close()
    with sqlite3.connect(config.journal_path) as db:  # as an older cockpit wrote them
        db.execute("UPDATE events SET text = ? WHERE kind = 'output' AND run_id = 'r1'",
                   (f"git config --list\nhttp.https://github.com/.extraheader={header}",))
        db.execute("UPDATE events SET text = ? WHERE kind = 'note'",
                   (f"token was %3A{TOKEN}",))
    exported = {}
    for form in ("jsonl", "md"):
        assert main(["journal", "export", "--format", form, "--config", str(workspace)]) == 0
        exported[form] = capsys.readouterr().out
        assert TOKEN not in exported[form] and header not in exported[form]
    assert "extraheader=AUTHORIZATION: basic [redacted]" in exported["jsonl"]
    assert "token was %3A[redacted]" in exported["jsonl"]


def test_an_error_message_is_redacted_on_the_terminal(config: Config,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    # a value that is a token by mistake, in the message that quotes it back
    code = main(["run", "hotfix", "--headless", "--param", f"version={TOKEN}",
                 "--config", str(config.source)])
    err = capsys.readouterr().err
    assert code == 2 and "error:" in err
    assert TOKEN not in err and "[redacted]" in err


async def test_a_toast_and_the_notifications_log_are_redacted(config: Config,
                                                              journal: Journal) -> None:
    from cockpit.app.app import CockpitApp
    from cockpit.runbook.loader import load_runbook

    app = CockpitApp(config, load_runbook(), journal)
    async with app.run_test() as pilot:
        app.notify(f"the forge said: bad credentials {TOKEN}")
        await pilot.pause()
        assert TOKEN not in app.notices[-1].message and "[redacted]" in app.notices[-1].message

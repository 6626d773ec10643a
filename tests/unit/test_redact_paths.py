"""Every way out of the cockpit is redacted (issue 12): a secret a build prints reaches neither
the journal nor the build log on disk, even in the line that says why the build stopped."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cockpit.builds.matrix import BuildMatrix
from cockpit.builds.plan import assign
from cockpit.config import BuilderConfig, Config
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

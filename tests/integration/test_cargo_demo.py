"""A real cargo build of the demo crate through the beta-build playbook and its gate."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from cockpit.config import Config, load_config
from cockpit.engine.engine import Engine
from cockpit.journal.store import Journal
from cockpit.runbook.loader import load_runbook
from cockpit.steps.checks import Check, CheckRunner, hyperfine_p95_ms
from cockpit.steps.questions import GateAnswer
from tests.conftest import needs_cargo
from tests.helpers import ScriptedOperator


@needs_cargo
@pytest.mark.usefixtures("gates_go")
async def test_beta_build_gate_on_a_real_build(config: Config, journal: Journal) -> None:
    engine = Engine(config, load_runbook(), journal)
    operator = ScriptedOperator(gate_answers=[GateAnswer("GO", "builds, right size", [])])
    outcome = await engine.run("beta-build", {}, operator)
    assert outcome.status == "ok", engine.state().runs[outcome.run_id].steps
    results = operator.gate_results[0]
    size, version = results[0], results[1]
    assert size.ok and "within the 50 MB budget" in size.summary
    assert version.ok
    lines = [ln for e in journal.events(kinds=["output"]) for ln in e.lines()]
    assert "caro 1.1.0-beta" in lines
    assert any("Finished" in ln and "release" in ln for ln in lines)
    assert not any("\x1b[" in ln for ln in lines)  # no colour escapes in the journal


@needs_cargo
async def test_size_budget_and_version_mismatch_fail(config: Config, journal: Journal) -> None:
    subprocess.run(["cargo", "build", "--release", "-q"], cwd=config.repo, check=True)
    runner = CheckRunner(config.repo, {**config.context(), "version": "9.9.9"}, max_size_mb=0.01)
    size = await runner.run(Check(kind="binary-size", title="size", path="target/release/caro"))
    assert size.ok is False and "OVER the 0.01 MB budget" in size.summary
    version = await runner.run(Check(kind="command", title="v", run="target/release/caro --version",
                                     expect_output="{version}"))
    assert version.ok is False and "does not match /9\\.9\\.9/" in version.summary


@needs_cargo
@pytest.mark.skipif(shutil.which("hyperfine") is None, reason="hyperfine is not installed "
                    "(apt-get install hyperfine; CI installs it)")
async def test_p95_from_a_real_hyperfine_export(config: Config, tmp_path: Path) -> None:
    subprocess.run(["cargo", "build", "--release", "-q"], cwd=config.repo, check=True)
    export = tmp_path / "hyperfine.json"
    subprocess.run(["hyperfine", "--warmup", "1", "--runs", "10", "-N", "--export-json", str(export),
                    "target/release/caro 'list files'"], cwd=config.repo, check=True,
                   capture_output=True)
    p95 = hyperfine_p95_ms(export)
    assert 0 < p95 < 1000
    runner = CheckRunner(config.repo, config.context(), max_size_mb=50)
    result = await runner.run(Check(kind="p95-latency", title="p95", path=str(export), max_ms=1000))
    assert result.ok and result.summary.startswith("p95 ")
    tight = await runner.run(Check(kind="p95-latency", title="p95", path=str(export), max_ms=0.001))
    assert tight.ok is False


@needs_cargo
async def test_launch_readiness_pii_scan_of_the_binarys_own_export(config: Config,
                                                                    journal: Journal) -> None:
    subprocess.run(["cargo", "build", "--release", "-q"], cwd=config.repo, check=True)
    subprocess.run(["target/release/caro", "telemetry", "export", "-o", "audit.json"],
                   cwd=config.repo, check=True)
    runner = CheckRunner(config.repo, config.context(), max_size_mb=50)
    clean = await runner.run(Check(kind="pii-scan", title="pii", path="audit.json"))
    assert clean.ok and clean.findings and not any(clean.findings.values())
    leaky = (config.repo / "audit.json").read_text().replace('"static"', '"/home/alice/x"')
    (config.repo / "audit.json").write_text(leaky)
    found = await runner.run(Check(kind="pii-scan", title="pii", path="audit.json"))
    assert found.ok is False and found.findings["File paths"]
    assert "PII detected: YES = BLOCKER" in found.detail


@needs_cargo
@pytest.mark.usefixtures("gates_go")
async def test_build_and_upload_runs_the_matrix_and_keeps_full_logs(config: Config,
                                                                    journal: Journal) -> None:
    from cockpit.steps.questions import ManualAnswer

    dist = config.resolve(config.build.dist_dir) / "1.1.0-beta"
    dist.mkdir(parents=True)  # an earlier build under another name: not part of this release
    (dist / "caro-old-name.tar.gz").write_text("old")
    (dist / "caro-old-name.tar.gz.sha256").write_text("0" * 64 + "  caro-old-name.tar.gz\n")
    engine = Engine(config, load_runbook(), journal)
    outcome = await engine.run("build-and-upload", {}, ScriptedOperator(
        manual_answers=[ManualAnswer(False, "forge integration not yet")]))
    build = engine.state().runs[outcome.run_id].steps["build"]
    assert build.status == "ok", build.message
    assert "x86_64-unknown-linux-gnu: ok" in build.message
    started = journal.events(kinds=["build_started"])[-1]
    log = journal.path.parent / "logs" / str(started.run_id) / "x86_64-unknown-linux-gnu.log"
    assert f"building commit {started.data['commit']}" in log.read_text()
    sums = (dist / "SHA256SUMS").read_text()
    assert sums.count("\n") == 1 and "old-name" not in sums


@needs_cargo
def test_the_demo_ships_its_previous_version_for_real_so_a_rollback_installs(
        workspace: Path, tmp_path: Path) -> None:
    from cockpit.demo.workspace import ship_previous

    said: list[str] = []
    config = load_config(workspace)
    assert ship_previous(config, say=said.append)
    shipped = workspace.parent / "forge" / "v1.0.0"
    asset = "caro-v1.0.0-x86_64-unknown-linux-gnu.tar.gz"
    sums = (shipped / "SHA256SUMS").read_text()
    assert "caro-v1.0.0-source.tar.gz" in sums and asset in sums
    installed = subprocess.run(
        ["sh", "install.sh"], cwd=workspace.parent / "caro", capture_output=True, text=True,
        env={**os.environ, "CARO_FORGE": str(workspace.parent / "forge"),
             "INSTALL_DIR": str(tmp_path / "bin")})
    assert installed.returncode == 0, installed.stderr
    assert "installed caro 1.0.0" in installed.stdout
    said.clear()
    assert ship_previous(config, say=said.append) and said == []  # once per workspace

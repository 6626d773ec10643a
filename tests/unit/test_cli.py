"""The CLI as a user meets it: real processes, exit codes, messages, no tracebacks."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from cockpit.config import load_config
from cockpit.executors.toolchain import host_triple
from tests.conftest import needs_cargo
from tests.helpers import decide_gates, forge_holds, install_script_serves


def cockpit(*args: str, cwd: Path | None = None, stdin: str | None = None
            ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cockpit", *args], cwd=cwd, capture_output=True,
                          text=True, input=stdin, timeout=120,
                          env={"PATH": "/usr/bin:/bin:/usr/local/bin:" + str(Path.home() /
                               ".cargo/bin"), "COCKPIT_OPERATOR": "rm@test", "HOME": str(cwd or "/tmp"),
                               "COLUMNS": "200", "PYTHONPATH": str(Path(__file__).parents[2])})


def test_help_lists_every_command() -> None:
    out = cockpit("--help")
    assert out.returncode == 0
    for command in ["demo", "init", "check", "run", "playbooks", "journal"]:
        assert command in out.stdout


def test_bad_config_exits_2_naming_file_line_and_field(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    (tmp_path / "cockpit.toml").write_text(
        '[release]\nname = "caro"\nversion = "one"\nrepo = "repo"\nlaunch = 2026-01-15T08:00:00\n'
        '[build]\npackage = "caro"\nbinary = "caro"\ncolour = "red"\n')
    out = cockpit("check", "--config", "cockpit.toml", cwd=tmp_path)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr + out.stdout
    assert "cockpit.toml:3" in out.stdout and "release.version" in out.stdout
    assert "cockpit.toml:9" in out.stdout and "build.colour" in out.stdout and "unknown key" in out.stdout


def test_config_option_is_accepted_after_the_command_too(workspace: Path, tmp_path: Path) -> None:
    before = cockpit("--config", str(workspace), "playbooks")
    after = cockpit("playbooks", "--config", str(workspace))
    assert before.returncode == after.returncode == 0
    assert "tag-release" in after.stdout and "param version: semver" in after.stdout


def test_missing_config_says_how_to_get_one(tmp_path: Path) -> None:
    out = cockpit("playbooks", cwd=tmp_path)
    assert out.returncode == 2
    assert "no cockpit.toml here" in out.stderr and "cockpit demo" in out.stderr


def test_check_passes_on_the_demo_and_catches_a_missing_install_script(workspace: Path) -> None:
    assert cockpit("check", "--config", str(workspace)).returncode == 0
    text = workspace.read_text().replace('script = "install.sh"', 'script = "scripts/install.sh"')
    workspace.write_text(text)
    out = cockpit("check", cwd=workspace.parent)
    assert out.returncode == 1
    assert "does not exist" in out.stdout and "[install] script" in out.stdout


def test_init_writes_a_valid_config(tmp_path: Path) -> None:
    (tmp_path / "caro").mkdir()
    target = tmp_path / "cockpit.toml"
    out = cockpit("init", "--config", str(target), "--name", "caro", "--release-version",
                  "v1.1.0-beta", "--previous-version", "1.0.0", "--repo", "caro", "--launch",
                  "2026-01-15T08:00", "--timezone", "America/New_York", "--target",
                  "x86_64-unknown-linux-gnu", "--artifact", "bare")
    assert out.returncode == 0, out.stderr
    config = load_config(target)
    assert config.release.version == "1.1.0-beta"
    assert config.build.targets == ["x86_64-unknown-linux-gnu"] and config.build.artifact == "bare"
    again = cockpit("init", "--config", str(target), "--name", "caro", "--release-version", "1.0.0",
                    "--launch", "2026-01-15T08:00")
    assert again.returncode == 2 and "--force" in again.stderr


def test_init_refuses_bad_values_without_writing(tmp_path: Path) -> None:
    target = tmp_path / "cockpit.toml"
    out = cockpit("init", "--config", str(target), "--name", "caro", "--release-version", "1.1",
                  "--launch", "2026-01-15T08:00", "--repo", str(tmp_path))
    assert out.returncode == 2 and "semantic version" in out.stderr
    assert not target.exists()


@pytest.mark.parametrize("param", ["version=1.2", "nope=1", "version"])
def test_run_refuses_bad_parameters_with_exit_2(workspace: Path, param: str) -> None:
    out = cockpit("run", "tag-release", "--headless", "--param", param, "--config", str(workspace))
    assert out.returncode == 2, out.stdout + out.stderr
    assert "Traceback" not in out.stderr


def gates_decided(workspace: Path) -> None:
    """The launch's gates decided GO, as the operator would have by launch day."""
    from cockpit.journal.store import Journal
    from cockpit.runbook.loader import load_runbook

    journal = Journal.controller(load_config(workspace).journal_path)
    try:
        decide_gates(journal, load_runbook())
    finally:
        journal.close()


def test_headless_run_dry_run_then_real_then_export(workspace: Path) -> None:
    gates_decided(workspace)
    dry = cockpit("run", "tag-release", "--headless", "--dry-run", "--config", str(workspace))
    assert dry.returncode == 0 and "$ git push origin v1.1.0-beta" in dry.stdout
    real = cockpit("run", "tag-release", "--headless", "--yes", "--config", str(workspace))
    assert real.returncode == 0, real.stdout
    assert "[new tag]" in real.stdout
    failing = cockpit("run", "beta-testers", "--headless", "--config", str(workspace), stdin="")
    assert failing.returncode == 2 and "an operator's answer" in failing.stderr
    jsonl = cockpit("journal", "export", "--format", "jsonl", "--config", str(workspace))
    events = [json.loads(line) for line in jsonl.stdout.splitlines()]
    assert {"run_started", "step_started", "output", "step_finished", "run_finished",
            "step_confirmed"} <= {e["event"] for e in events}
    md = cockpit("journal", "export", "--format", "md", "--config", str(workspace))
    assert "### tag-release: ok" in md.stdout and "- `push` Push the tag to origin: **ok**" in md.stdout
    # who said yes to the push, and when, in the release's timezone
    tz = load_config(workspace).release.tz
    confirmed = next(e for e in events if e["event"] == "step_confirmed" and e["step"] == "push")
    local = datetime.fromisoformat(confirmed["ts"]).astimezone(tz)
    assert f"(confirmed by rm@test at {local:%Y-%m-%d %H:%M:%S %Z})" in md.stdout


def test_second_controller_gets_a_clear_refusal(workspace: Path) -> None:
    from cockpit.journal.store import Journal

    holder = Journal.controller(load_config(workspace).journal_path)
    try:
        out = cockpit("run", "tag-release", "--headless", "--config", str(workspace))
    finally:
        holder.close()
    assert out.returncode == 2
    assert "another cockpit controls this release" in out.stderr and "--spectate" in out.stderr


def test_journal_that_is_not_sqlite_exits_2_and_is_left_alone(workspace: Path) -> None:
    journal = load_config(workspace).journal_path
    journal.parent.mkdir(parents=True, exist_ok=True)
    journal.write_text("not a database\n" * 200)
    out = cockpit("run", "tag-release", "--headless", "--config", str(workspace))
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "is not an SQLite journal" in out.stderr and "mv " in out.stderr
    assert journal.read_text().startswith("not a database")


def test_yes_without_headless_is_refused(workspace: Path) -> None:
    out = cockpit("run", "tag-release", "--yes", "--config", str(workspace))
    assert out.returncode == 2 and "--yes only applies with --headless" in out.stderr


def test_dry_run_needs_no_lock_while_a_controller_runs(workspace: Path) -> None:
    from cockpit.journal.store import Journal

    holder = Journal.controller(load_config(workspace).journal_path)
    try:
        out = cockpit("run", "tag-release", "--headless", "--dry-run", "--config", str(workspace))
    finally:
        holder.close()
    assert out.returncode == 0, out.stderr
    assert "not journaled" in out.stdout and "$ git push origin v1.1.0-beta" in out.stdout


def test_export_to_an_unwritable_path_is_a_clear_error(workspace: Path, tmp_path: Path) -> None:
    from cockpit.journal.store import Journal

    Journal.controller(load_config(workspace).journal_path).close()
    out = cockpit("journal", "export", "-o", str(tmp_path / "no" / "such" / "dir" / "x.md"),
                  "--config", str(workspace))
    assert out.returncode == 2 and "cannot write it" in out.stderr and "Traceback" not in out.stderr


def test_init_errors_name_the_flag(tmp_path: Path) -> None:
    out = cockpit("init", "--config", str(tmp_path / "cockpit.toml"), "--name", "caro",
                  "--release-version", "1.1", "--launch", "2026-01-15T08:00", "--repo",
                  str(tmp_path))
    assert out.returncode == 2
    assert "error: --release-version: '1.1' is not a semantic version" in out.stderr


def _break_playbooks(workspace: Path) -> None:
    folder = workspace.parent / "broken-playbooks"
    folder.mkdir()
    (folder / "oops.toml").write_text("this is [not toml\n")
    workspace.write_text(f'playbooks = "{folder}"\n' + workspace.read_text())


@needs_cargo
def test_headless_build_prints_each_stage_in_order_then_the_outcome(workspace: Path) -> None:
    _break_playbooks(workspace)  # a build reads no playbooks: a broken one does not stop it
    out = cockpit("build", "--headless", "--config", str(workspace))
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    triple = host_triple()
    config = load_config(workspace)
    assert lines[0] == f"building commit {config_commit(config.repo)}"
    finished = [ln.split()[1] for ln in lines if ln.startswith(f"{triple} ") and " ok (" in ln]
    assert finished == ["sync", "build", "size", "smoke", "package", "checksum", "fetch"]
    dist = config.resolve(config.build.dist_dir) / config.release.version
    assert lines[-2:] == [f"{triple}: ok", f"artifacts and SHA256SUMS in {dist}"]
    assert (dist / "SHA256SUMS").read_text().count("\n") == 1
    export = cockpit("journal", "export", "--format", "md", "--config", str(workspace))
    assert export.returncode == 0, export.stderr  # an export reads no playbooks either
    record = export.stdout.split("## Builds\n", 1)[1].splitlines()
    assert record[1].startswith("### build b-") and record[1].endswith(": ok")
    assert record[2].startswith(f"commit {config_commit(config.repo)}, started ")
    assert record[4].startswith(f"- `{triple}` on local: **ok**, size ")
    assert ", sha256 " in record[4]


@needs_cargo
def test_headless_build_that_fails_says_why_and_exits_1(workspace: Path) -> None:
    repo = load_config(workspace).repo
    (repo / "src" / "main.rs").write_text("fn main() { let x: u32 = \"not a number\"; }\n")
    subprocess.run(["git", "commit", "-qam", "broken"], cwd=repo, check=True)  # builds commits
    out = cockpit("build", "--headless", "--config", str(workspace))
    assert out.returncode == 1
    lines = out.stdout.splitlines()
    triple = host_triple()
    failed = next(ln for ln in lines if ln.startswith(f"{triple} build failed"))
    assert "cargo build failed: error[E0308]: mismatched types" in failed
    skipped = [ln.split()[1] for ln in lines if ln.startswith(f"{triple} ") and "skipped" in ln]
    assert skipped == ["size", "smoke", "package", "checksum", "fetch"]
    assert lines[-1] == f"{triple}: failed"
    export = cockpit("journal", "export", "--format", "md", "--config", str(workspace))
    assert (f"- `{triple}` on local: **failed** at build: cargo build failed: error[E0308]"
            in export.stdout)


def config_commit(repo: Path) -> str:
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True,
                          check=True).stdout.strip()


def test_the_host_triple_is_rustcs_or_a_named_fallback() -> None:
    from cockpit.executors import toolchain

    probe = "from cockpit.executors.toolchain import host_triple; print(host_triple())"
    env = {"PATH": "/nonexistent", "PYTHONPATH": str(Path(__file__).parents[2])}
    alone = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert alone.stdout.strip() == toolchain.FALLBACK_HOST  # no rustc: no crash, the fallback
    if shutil.which("rustc"):
        rustc = subprocess.run(["rustc", "-vV"], capture_output=True, text=True).stdout
        assert f"host: {host_triple()}" in rustc.splitlines()


def _probe(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PYTHONPATH": str(Path(__file__).parents[2])}).stdout.strip()


def test_start_up_runs_without_the_collector_and_exits_frozen() -> None:
    entry = ("import gc, sys, cockpit.cli.main\n"
             "sys.argv = ['cockpit', '--config', '/nonexistent', 'build', '--headless']\n"
             "try:\n    cockpit.cli.main.entry()\n"
             "except SystemExit as exit:\n"
             "    print(exit.code, gc.isenabled(), gc.get_freeze_count() > 0)")
    assert _probe(entry) == "2 False True"
    started = ("import gc, cockpit; gc.disable(); cockpit.started(); "
               "print(gc.isenabled(), gc.get_freeze_count() > 0)")
    assert _probe(started) == "True True"
    # with the collector never turned off (tests, embedding), started() changes nothing
    assert _probe("import gc, cockpit; cockpit.started(); print(gc.get_freeze_count())") == "0"


def test_run_rollback_defaults_to_what_users_get_as_the_cockpit_does(workspace: Path) -> None:
    """The repro: the config says 1.1.0-beta, users get 1.1.0-beta.2 (the install script),
    1.1.0-beta.1 was pulled (a draft again): the command line pre-fills what R does."""
    import asyncio

    config = load_config(workspace)
    asyncio.run(forge_holds(config, published=["1.0.0", "1.1.0-beta", "1.1.0-beta.2"],
                            drafts=["1.1.0-beta.1"]))
    install_script_serves(config, "1.1.0-beta.2")
    for tag in ["v1.1.0-beta", "v1.1.0-beta.2"]:
        subprocess.run(["git", "-c", "user.name=rm", "-c", "user.email=rm@test", "tag", "-a",
                        tag, "-m", tag], cwd=config.repo, check=True)
    out = cockpit("run", "rollback", "--headless", "--dry-run", "--param", "reason=crash",
                  "--config", str(workspace))
    assert out.returncode == 0, out.stderr
    assert "version = 1.1.0-beta.2  (from the facts" in out.stdout
    assert "previous_version = 1.1.0-beta  (from the facts" in out.stdout
    assert "v1.1.0-beta.1" not in out.stdout  # the pulled release is never where it goes
    given = cockpit("run", "rollback", "--headless", "--dry-run", "--param", "reason=crash",
                    "--param", "previous_version=1.0.0", "--config", str(workspace))
    assert "previous_version = " not in given.stdout and "1.0.0" in given.stdout  # given wins


def test_headless_without_a_terminal_refuses_before_the_first_step(workspace: Path) -> None:
    """The repro: `cockpit run hotfix --headless --param reason=x </dev/null` switched to a
    hotfix branch, then stopped at a confirmation, journaled as the operator declining."""
    repo = load_config(workspace).repo
    branch = ["git", "-C", str(repo), "branch", "--show-current"]
    before = subprocess.run(branch, capture_output=True, text=True).stdout
    out = cockpit("run", "hotfix", "--headless", "--param", "reason=x", "--config",
                  str(workspace), stdin="")
    assert out.returncode == 2, out.stdout + out.stderr
    for step in ["tag (Tag v", "push (", "publish (Publish v"]:  # every step that asks
        assert f"\n  {step}" in out.stderr, step
    assert "a confirmation (--yes gives it)" in out.stderr
    assert "nothing was changed" in out.stderr
    assert subprocess.run(branch, capture_output=True, text=True).stdout == before
    jsonl = cockpit("journal", "export", "--format", "jsonl", "--config", str(workspace))
    assert "run_started" not in jsonl.stdout  # nothing ran, nothing journaled as run
    # monitoring-check has manual steps: --yes cannot stand in for a person
    p0 = cockpit("run", "monitoring-check", "--headless", "--yes",
                 "--config", str(workspace), stdin="")
    assert p0.returncode == 2 and "an operator's answer (--yes cannot give it)" in p0.stderr
    assert "run it in the cockpit" in p0.stderr and "a confirmation" not in p0.stderr
    tag = cockpit("run", "tag-release", "--headless", "--config", str(workspace), stdin="")
    assert tag.returncode == 2 and "pass --yes to confirm them" in tag.stderr

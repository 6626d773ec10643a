"""SIGKILL the cockpit mid-playbook, start it again: nothing journaled is lost."""

from __future__ import annotations

import contextlib
import os
import pty
import signal
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from cockpit.builds.matrix import release_files
from cockpit.clock import FrozenClock
from cockpit.config import Config, load_config
from cockpit.engine.engine import Engine
from cockpit.errors import CockpitError
from cockpit.journal.store import Journal
from cockpit.runbook.loader import load_runbook
from tests.conftest import needs_cargo
from tests.forgeserver import TOKEN, ForgeServer
from tests.helpers import ScriptedOperator, commit_fix, decide_gates

SLOW = '''
title = "slow"
[[steps]]
id = "first"
kind = "shell"
title = "first"
run = "echo first done"

[[steps]]
id = "work"
kind = "shell"
title = "long work"
shell = true
run = "for i in 1 2 3 4 5 6 7 8 9 10; do echo tick $i; sleep 0.3; done; touch work.done"
skip_if = "test -f work.done"

[[steps]]
id = "last"
kind = "shell"
title = "last"
run = "touch last.done"
'''


def test_sigkill_mid_step_then_resume(config: Config, clock: FrozenClock, tmp_path: Path) -> None:
    folder = tmp_path / "pb"
    folder.mkdir()
    (folder / "slow.toml").write_text(SLOW)
    config_path = config.source
    config_path.write_text(f'playbooks = "{folder}"\n' + config_path.read_text())
    proc = subprocess.Popen(
        [sys.executable, "-m", "cockpit", "run", "slow", "--headless", "--yes", "--config",
         str(config_path)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True)
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if "tick 3" in line:
            break
    assert "tick 3" in seen[-1], "".join(seen)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    time.sleep(0.2)

    journal = Journal.controller(config.journal_path, clock=clock)
    engine = Engine(config, load_runbook(folder), journal)
    run = next(iter(engine.state().runs.values()))
    assert run.status == "interrupted"
    assert run.steps["first"].status == "ok"
    assert run.interrupted_step is not None and run.interrupted_step.id == "work"
    lines = [ln for e in journal.events(kinds=["output"], run_id=run.run_id)
             for ln in e.lines()]
    assert lines[:4] == ["first done", "tick 1", "tick 2", "tick 3"]  # output up to the kill

    import asyncio

    outcome = asyncio.run(engine.resume(run.run_id, "rerun", "", ScriptedOperator()))
    assert outcome.status == "ok"
    steps = {k: s.status for k, s in engine.state().runs[run.run_id].steps.items()}
    assert steps == {"first": "ok", "work": "ok", "last": "ok"}
    assert (config.repo / "work.done").exists() and (config.repo / "last.done").exists()
    # and once more: the probe now finds the work done and skips it
    again = asyncio.run(engine.run("slow", {}, ScriptedOperator()))
    assert {k: s.status for k, s in engine.state().runs[again.run_id].steps.items()}["work"] == \
        "skipped"
    journal.close()


SHIP = '''
title = "ship"
[params.version]
type = "semver"
default = "{release.version}"

[[steps]]
id = "release"
kind = "forge"
action = "release"
title = "draft"

[[steps]]
id = "upload"
kind = "forge"
action = "upload"
title = "upload"

[[steps]]
id = "publish"
kind = "forge"
action = "publish"
title = "publish"
confirm = true
'''


def test_sigkill_mid_upload_then_resume_uploads_each_asset_once_and_publishes_once(
        config: Config, clock: FrozenClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    server = ForgeServer()
    try:
        folder = tmp_path / "pb"
        folder.mkdir()
        (folder / "ship.toml").write_text(SHIP)
        dist = config.base / "dist" / "1.1.0-beta"
        dist.mkdir(parents=True)
        names = release_files(config)  # the asset, its .sha256 and SHA256SUMS
        for name in [*names, "caro-stray-from-an-older-build.tar.gz"]:
            (dist / name).write_bytes(name.encode() * 5000)
        text = config.source.read_text().replace(
            '[forge]\nkind = "local"\npath = "forge"',
            f'[forge]\nkind = "github"\nrepository = "acme/caro"\napi_url = "{server.url}"')
        assert 'kind = "github"' in text
        config.source.write_text(f'playbooks = "{folder}"\n' + text)
        server.state.fail("upload", "hang")
        proc = subprocess.Popen(
            [sys.executable, "-m", "cockpit", "run", "ship", "--headless", "--yes", "--config",
             str(config.source)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, env={**os.environ, "GITHUB_TOKEN": TOKEN})
        deadline = time.monotonic() + 30
        while not any(a["state"] == "starter" for r in server.state.releases
                      for a in r["assets"]):
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)  # mid-upload
        proc.wait()

        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        reloaded = load_config(config.source)
        journal = Journal.controller(reloaded.journal_path, clock=clock)
        engine = Engine(reloaded, load_runbook(folder), journal)
        run = next(iter(engine.state().runs.values()))
        assert run.status == "interrupted" and run.interrupted_step is not None
        assert run.interrupted_step.id == "upload"
        import asyncio

        outcome = asyncio.run(engine.resume(run.run_id, "rerun", "", ScriptedOperator()))
        assert outcome.status == "ok"
        assert sorted(server.state.uploads) == sorted(names)  # each once, the stray never
        assets = server.state.releases[0]["assets"]
        assert sorted((a["name"], a["state"]) for a in assets) == [
            (name, "uploaded") for name in sorted(names)]
        assert server.state.publishes == 1 and not server.state.releases[0]["draft"]
        text = "\n".join(str(e.data) for e in journal.events())
        assert TOKEN not in text  # never in the journal
        journal.close()
    finally:
        server.close()


def started_steps(path: Path) -> list[str]:
    try:
        spectator = Journal.readonly(path)
    except CockpitError:
        return []
    try:
        return [e.step or "" for e in spectator.events(kinds=["step_started"])]
    finally:
        spectator.close()


def resume_after_kill(config: Config, clock: FrozenClock, *,
                      interrupted: str) -> tuple[Journal, Engine, str]:
    """Start again after the SIGKILL: the run shows the interrupted step; re-run it."""
    import asyncio

    journal = Journal.controller(config.journal_path, clock=clock)
    engine = Engine(config, load_runbook(), journal)
    run = next(iter(engine.state().runs.values()))
    assert run.status == "interrupted" and run.interrupted_step is not None
    assert run.interrupted_step.id == interrupted
    outcome = asyncio.run(engine.resume(run.run_id, "rerun", "", ScriptedOperator()))
    assert outcome.status == "ok"
    return journal, engine, run.run_id


@needs_cargo
def test_sigkill_mid_hotfix_build_then_resume_does_nothing_twice(
        config: Config, clock: FrozenClock) -> None:
    # an operator at a terminal (the hotfix has manual steps: without one it is refused before
    # its first step), --yes for its confirmations; the fix is already committed on its branch,
    # and the operator's "done" for the fix step (and an empty note) is typed ahead
    git = ["git", "-C", str(config.repo)]
    subprocess.run([*git, "branch", "hotfix/v1.1.0-beta.1", config.release.branch], check=True)
    subprocess.run([*git, "switch", "-q", "hotfix/v1.1.0-beta.1"], check=True)
    commit_fix(config.repo)
    subprocess.run([*git, "switch", "-q", config.release.branch], check=True)
    controller, terminal = pty.openpty()
    os.write(controller, b"y\n\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "cockpit", "run", "hotfix", "--param", "reason=crash on start",
         "--headless", "--yes", "--config", str(config.source)],
        stdin=terminal, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    os.close(terminal)
    deadline = time.monotonic() + 120
    while "build" not in started_steps(config.journal_path):
        assert time.monotonic() < deadline and proc.poll() is None, "the hotfix did not get far"
        time.sleep(0.1)
    time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGKILL)  # mid-build: tag pushed, nothing released yet
    proc.wait()
    os.close(controller)

    journal, _, _ = resume_after_kill(config, clock, interrupted="build")
    log = subprocess.run([*git, "log", "--format=%s", "hotfix/v1.1.0-beta.1"],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert log.count("chore: Hotfix v1.1.0-beta.1") == 1
    remote_tags = subprocess.run([*git, "ls-remote", "--tags", "origin"], capture_output=True,
                                 text=True, check=True).stdout
    assert remote_tags.count("refs/tags/v1.1.0-beta.1\n") == 1
    release = (config.base / "forge" / "v1.1.0-beta.1" / "release.json").read_text()
    assert '"draft": false' in release
    journal.close()


def test_sigkill_mid_push_then_resume_pushes_the_tag_once(
        config: Config, clock: FrozenClock) -> None:
    origin = config.base / "origin.git"
    gate = origin / "slow-once"
    gate.write_text("")
    hook = origin / "hooks" / "pre-receive"  # the first push hangs: the cockpit dies mid-push
    hook.write_text(f"#!/bin/sh\ncat >/dev/null\nif [ -e {gate} ]; then rm {gate}; sleep 60; fi\n")
    hook.chmod(0o755)
    with closing(Journal.controller(config.journal_path, clock=clock)) as journal:
        decide_gates(journal, load_runbook())  # launch day: the gates went GO
    proc = subprocess.Popen(
        [sys.executable, "-m", "cockpit", "run", "tag-release", "--headless", "--yes",
         "--config", str(config.source)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while gate.exists():  # the hook has started: the push is under way
        assert time.monotonic() < deadline and proc.poll() is None, "the push never started"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    git = ["git", "-C", str(config.repo)]
    remote = subprocess.run([*git, "ls-remote", "--tags", "origin"], capture_output=True,
                            text=True, check=True).stdout
    assert "v1.1.0-beta" not in remote  # killed before origin took it

    journal, engine, run_id = resume_after_kill(config, clock, interrupted="push")
    steps = engine.state().runs[run_id].steps
    assert steps["tag"].status == "ok" and steps["push"].status == "ok"
    remote = subprocess.run([*git, "ls-remote", "--tags", "origin"], capture_output=True,
                            text=True, check=True).stdout
    assert remote.count("refs/tags/v1.1.0-beta\n") == 1
    tags = subprocess.run([*git, "tag", "-l", "v1.1.0-beta"], capture_output=True, text=True,
                          check=True).stdout.split()
    assert tags == ["v1.1.0-beta"]  # made once, before the crash
    journal.close()


LOCKED = '''
title = "locked"
[[steps]]
id = "commit"
kind = "shell"
title = "a commit whose editor is slow: git holds the index lock meanwhile"
shell = true
run = """echo '# more' >> Cargo.toml && GIT_EDITOR='sleep 60;:' \\
    git -c user.name=rm -c user.email=rm@test commit -q -a"""

[[steps]]
id = "branch"
kind = "shell"
title = "a branch switched to: git writes the index"
run = "git switch -q -c after-the-crash"
'''


def locked_playbook(config: Config, tmp_path: Path) -> Path:
    """The playbooks folder with LOCKED, named in the config."""
    folder = tmp_path / "pb"
    folder.mkdir()
    (folder / "locked.toml").write_text(LOCKED)
    config.source.write_text(f'playbooks = "{folder}"\n' + config.source.read_text())
    return folder


def killed_holding_the_index_lock(config: Config, folder: Path) -> Path:
    """Run the playbook headless and SIGKILL it and everything at work in the repository (its
    git too, as a power cut would: a git that is told to stop removes its lock) while git
    holds the lock."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "cockpit", "run", "locked", "--headless", "--yes", "--config",
         str(config.source)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    lock = config.repo / ".git" / "index.lock"
    deadline = time.monotonic() + 180  # a loaded machine starts a cockpit slowly
    while not lock.exists():
        assert time.monotonic() < deadline and proc.poll() is None, "git never took its lock"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if entry.name.isdigit() and Path(os.readlink(entry / "cwd")) == config.repo.resolve():
                os.kill(int(entry.name), signal.SIGKILL)
    time.sleep(0.2)
    return lock


def test_a_git_killed_holding_the_index_lock_does_not_stop_the_resumed_run(
        config: Config, clock: FrozenClock, tmp_path: Path) -> None:
    import asyncio

    folder = locked_playbook(config, tmp_path)
    lock = killed_holding_the_index_lock(config, folder)
    assert lock.exists()  # what the dead git left: git switch would refuse

    with closing(Journal.controller(config.journal_path, clock=clock)) as journal:
        engine = Engine(config, load_runbook(folder), journal)
        run = engine.state().interrupted_runs()[-1]
        outcome = asyncio.run(engine.resume(run.run_id, "skip", "", ScriptedOperator()))
        assert outcome.status == "ok"
        said = [ln for e in journal.events(kinds=["output"], run_id=run.run_id)
                for ln in e.lines()]
    assert not lock.exists()
    assert any(f"removed {lock}" in line for line in said), said
    branch = subprocess.run(["git", "-C", str(config.repo), "branch", "--show-current"],
                            capture_output=True, text=True, check=True).stdout.strip()
    assert branch == "after-the-crash"


def test_a_lock_a_live_git_holds_is_not_taken_from_it(
        config: Config, clock: FrozenClock, tmp_path: Path) -> None:
    import asyncio

    folder = locked_playbook(config, tmp_path)
    lock = killed_holding_the_index_lock(config, folder)
    lock.unlink()
    (config.repo / "Cargo.toml").write_text((config.repo / "Cargo.toml").read_text() + "# edit\n")
    teammate = subprocess.Popen(  # a person's git, at work in the repository, holding the lock
        ["git", "-c", "user.name=tm", "-c", "user.email=tm@test", "commit", "-q", "-a"],
        cwd=config.repo, env={**os.environ, "GIT_EDITOR": "sleep 60;:"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not lock.exists():
            assert time.monotonic() < deadline, "the teammate's git never took its lock"
            time.sleep(0.05)
        with closing(Journal.controller(config.journal_path, clock=clock)) as journal:
            engine = Engine(config, load_runbook(folder), journal)
            run = engine.state().interrupted_runs()[-1]
            with pytest.raises(CockpitError) as refused:
                asyncio.run(engine.resume(run.run_id, "skip", "", ScriptedOperator()))
            assert engine.state().runs[run.run_id].status == "interrupted"
        assert lock.exists() and teammate.poll() is None
        message = str(refused.value)
        assert str(lock) in message and "rm " in message, message
    finally:
        os.killpg(teammate.pid, signal.SIGKILL)
        teammate.wait()

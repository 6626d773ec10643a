"""Exactly once across a crash: an effect outside the journal is journaled as an intent before
it is made; after a kill, an intent without an outcome is verified or asked about, never
repeated blindly; a playbook with an interrupted run is resumed or discarded, not run beside it."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from cockpit.clock import FrozenClock
from cockpit.config import Config, load_config
from cockpit.engine.engine import Engine
from cockpit.errors import CockpitError
from cockpit.forge.local import LocalForge
from cockpit.journal.store import Journal
from cockpit.runbook.loader import load_runbook
from cockpit.steps.questions import ManualAnswer
from tests.helpers import ScriptedOperator, playbook_folder
from tests.webhookserver import WebhookServer

POST = '''
title = "post"
[params.version]
type = "semver"
default = "{release.version}"

[[steps]]
id = "discord"
kind = "announce"
template = "launch"
channel = "discord"
title = "Discord announcement"
'''


def cockpit(config: Config, *args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "cockpit", *args, "--config", str(config.source)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True,
                            env={**os.environ, **env})


@pytest.fixture
def posting(config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The demo with a one-step `post` playbook, a published release to announce, and a
    webhook that takes the first post and holds its reply (the cockpit is killed meanwhile)."""
    hook = WebhookServer()
    monkeypatch.setenv("DISCORD_WEBHOOK", hook.url)
    folder = playbook_folder(tmp_path, post=POST)
    config.source.write_text(f'playbooks = "{folder}"\n' + config.source.read_text())
    asset = tmp_path / "caro-v1.1.0-beta-x86_64-unknown-linux-gnu.tar.gz"
    asset.write_bytes(b"binary")
    LocalForge(config.base / "forge").seed("v1.1.0-beta", [asset], prerelease=True)
    hook.received.hang.append(30)
    proc = cockpit(config, "run", "post", "--headless", "--yes", env={"DISCORD_WEBHOOK": hook.url})
    deadline = time.monotonic() + 30
    while not hook.received.posts:  # the post is made; its reply is held
        assert time.monotonic() < deadline and proc.poll() is None, proc.stdout and proc.stdout.read()
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    yield load_config(config.source), load_runbook(folder), hook
    hook.close()


def test_a_post_cut_off_in_flight_is_asked_about_on_resume_and_never_posted_twice(
        posting: tuple, clock: FrozenClock) -> None:  # type: ignore[type-arg]
    config, runbook, hook = posting
    with closing(Journal.controller(config.journal_path, clock=clock)) as journal:
        intents = journal.events(kinds=["intent"])
        assert [e.data["what"] for e in intents] == ["post 'launch' to discord"]  # before the post
        engine = Engine(config, runbook, journal)
        run = next(iter(engine.state().runs.values()))
        assert run.status == "interrupted"
        # the person looks at the channel: it is there
        operator = ScriptedOperator(manual_answers=[ManualAnswer(True, "seen in #announcements")])
        outcome = asyncio.run(engine.resume(run.run_id, "rerun", "", operator))
        assert outcome.status == "ok"
        assert len(hook.received.posts) == 1  # never again
        asked = operator.shown[-1]
        assert "ended without knowing whether" in asked and hook.received.posts[0] in asked
        step = engine.state().runs[run.run_id].steps["discord"]
        assert step.status == "skipped" and "earlier attempt" in step.message
        settled = journal.events(kinds=["intent_settled"])[-1].data
        assert settled["done"] and "seen in #announcements" in settled["how"]
        # and a later run knows it was posted: not asked, not posted
        again = asyncio.run(engine.run("post", {}, ScriptedOperator()))
        assert engine.state().runs[again.run_id].steps["discord"].status == "skipped"
        assert len(hook.received.posts) == 1


def test_a_post_that_did_not_go_out_is_posted_once_when_the_operator_says_so(
        posting: tuple, clock: FrozenClock) -> None:  # type: ignore[type-arg]
    config, runbook, hook = posting
    hook.received.posts.clear()  # as if the far side had dropped it
    with closing(Journal.controller(config.journal_path, clock=clock)) as journal:
        engine = Engine(config, runbook, journal)
        run = next(iter(engine.state().runs.values()))
        operator = ScriptedOperator(manual_answers=[ManualAnswer(False)])
        assert asyncio.run(engine.resume(run.run_id, "rerun", "", operator)).status == "ok"
        assert len(hook.received.posts) == 1
        assert engine.state().runs[run.run_id].steps["discord"].status == "ok"


def test_headless_rerun_beside_an_interrupted_run_is_refused_then_discard_still_never_reposts(
        posting: tuple) -> None:  # type: ignore[type-arg]
    config, _, hook = posting
    env = {"DISCORD_WEBHOOK": hook.url}
    refused = cockpit(config, "run", "post", "--headless", "--yes", env=env)
    out, _ = refused.communicate(timeout=60)
    assert refused.returncode == 2, out
    assert "was interrupted at step discord" in out and "--resume" in out and "--discard" in out
    assert len(hook.received.posts) == 1
    # discarded (with a reason), the playbook starts afresh; the post's intent is still open:
    # with nobody at a terminal to say whether it went out, the run stops unattended
    fresh = cockpit(config, "run", "post", "--headless", "--yes", "--discard", "--note",
                    "starting over", env=env)
    out, _ = fresh.communicate(timeout=60)
    assert fresh.returncode == 1, out
    assert "unattended" in out and len(hook.received.posts) == 1


def test_discard_needs_a_reason(posting: tuple, clock: FrozenClock) -> None:  # type: ignore[type-arg]
    config, runbook, _ = posting
    with closing(Journal.controller(config.journal_path, clock=clock)) as journal:
        engine = Engine(config, runbook, journal)
        run = next(iter(engine.state().runs.values()))
        with pytest.raises(CockpitError, match="reason on record"):
            asyncio.run(engine.discard(run.run_id, " "))
        with pytest.raises(CockpitError, match="was interrupted"):
            asyncio.run(engine.run("post", {}, ScriptedOperator()))
        asyncio.run(engine.discard(run.run_id, "the channel was archived"))
        assert engine.state().runs[run.run_id].status == "aborted"


EFFECT = '''
title = "effect"

[[steps]]
id = "away"
kind = "shell"
title = "away"
run = "git switch -q -c elsewhere"

[[steps]]
id = "effect"
kind = "shell"
title = "an effect nobody here can check"
shell = true
effect = true
run = "echo made >> {effects}; test -e {effects}.again || sleep 30"

[params.effects]
type = "string"
'''


def interrupted_effect(config: Config, tmp_path: Path, clock: FrozenClock
                       ) -> tuple[Journal, Engine, str, Path]:
    """A command that reaches out (no probe can say whether it happened), killed mid-way."""
    folder = playbook_folder(tmp_path, effect=EFFECT)
    config.source.write_text(f'playbooks = "{folder}"\n' + config.source.read_text())
    effects = tmp_path / "effects.log"
    proc = cockpit(config, "run", "effect", "--headless", "--yes", "--param",
                   f"effects={effects}", env={})
    deadline = time.monotonic() + 30
    while not effects.exists():
        assert time.monotonic() < deadline and proc.poll() is None, proc.stdout and proc.stdout.read()
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    journal = Journal.controller(config.journal_path, clock=clock)
    engine = Engine(load_config(config.source), load_runbook(folder), journal)
    run = next(iter(engine.state().runs.values()))
    assert run.status == "interrupted" and run.interrupted_step is not None
    return journal, engine, run.run_id, effects


def test_a_command_cut_off_is_asked_about_and_not_run_again_when_it_happened(
        config: Config, tmp_path: Path, clock: FrozenClock) -> None:
    journal, engine, run_id, effects = interrupted_effect(config, tmp_path, clock)
    with closing(journal):
        operator = ScriptedOperator(manual_answers=[ManualAnswer(True)])
        assert asyncio.run(engine.resume(run_id, "rerun", "", operator)).status == "ok"
        assert effects.read_text() == "made\n"  # once
        assert f"$ echo made >> {effects};" in operator.shown[-1]
        assert engine.state().runs[run_id].steps["effect"].status == "skipped"


def test_a_step_run_again_starts_on_its_branch_or_the_resume_says_what_differs(
        config: Config, tmp_path: Path, clock: FrozenClock) -> None:
    journal, engine, run_id, effects = interrupted_effect(config, tmp_path, clock)
    git = ["git", "-C", str(config.repo)]
    subprocess.run([*git, "switch", "-q", "main"], check=True)  # someone moved the repository
    readme = config.repo / "Cargo.toml"
    readme.write_text(readme.read_text() + "an edit\n")
    with closing(journal):
        operator = ScriptedOperator(manual_answers=[ManualAnswer(False)])
        with pytest.raises(CockpitError, match=r"started on elsewhere.*Cargo\.toml"):
            asyncio.run(engine.resume(run_id, "rerun", "", operator))
        assert engine.state().runs[run_id].status == "interrupted"  # nothing resumed
        subprocess.run([*git, "checkout", "--", "Cargo.toml"], check=True)
        Path(f"{effects}.again").touch()  # run again, it ends at once
        outcome = asyncio.run(engine.resume(run_id, "rerun", "", operator))
        branch = subprocess.run([*git, "branch", "--show-current"], capture_output=True,
                                text=True, check=True).stdout.strip()
        assert branch == "elsewhere" and outcome.status == "ok"
        assert effects.read_text() == "made\nmade\n"  # the operator said it had not happened
        said = [e.lines() for e in journal.events(kinds=["output"], run_id=run_id)]
        assert ["the repository was on main: switched back to elsewhere, where this step "
                "started"] in said


RETRIED = '''
title = "retried"
[params.f]
type = "string"

[[steps]]
id = "effect"
kind = "shell"
title = "an effect whose output is not what was expected"
shell = true
effect = true
run = "echo made >> {f}; echo unexpected"
expect_output = "^as expected$"
retries = 2
retry_delay = 0
'''


async def test_an_effect_that_may_have_happened_is_not_retried_and_is_asked_about_next_time(
        config: Config, tmp_path: Path, journal: Journal) -> None:
    folder = playbook_folder(tmp_path, retried=RETRIED)
    engine = Engine(config, load_runbook(folder), journal)
    effects = tmp_path / "effects.log"
    first = await engine.run("retried", {"f": str(effects)}, ScriptedOperator())
    assert first.status == "failed"
    assert effects.read_text() == "made\n"  # the right exit code: it may have happened, once
    assert [e.kind for e in journal.events(kinds=["intent", "intent_settled"])] == ["intent"]
    operator = ScriptedOperator(manual_answers=[ManualAnswer(True, "it did")])
    again = await engine.run("retried", {"f": str(effects)}, operator)
    assert engine.state().runs[again.run_id].steps["effect"].status == "skipped"
    assert effects.read_text() == "made\n" and "ended without knowing" in operator.shown[0]


PUBLISH = '''
title = "publish"
[params.version]
type = "semver"
default = "{release.version}"

[[steps]]
id = "publish"
kind = "forge"
action = "publish"
title = "publish"
'''


async def test_a_forge_change_cut_off_is_verified_on_the_forge_not_asked_not_redone(
        config: Config, tmp_path: Path, journal: Journal) -> None:
    from cockpit.builds.matrix import release_files
    from cockpit.journal.events import Intent

    dist = config.base / "dist" / "1.1.0-beta"
    dist.mkdir(parents=True)
    files = [dist / name for name in release_files(config)]
    for path in files:
        path.write_bytes(path.name.encode())
    LocalForge(config.local_forge).seed("v1.1.0-beta", files, prerelease=True)  # published
    key = "forge:publish:v1.1.0-beta"
    journal.record(Intent(key=key, what="publish v1.1.0-beta"), run_id="deadrun",
                   step="publish")  # cut off
    engine = Engine(config, load_runbook(playbook_folder(tmp_path, publish=PUBLISH)), journal)
    operator = ScriptedOperator()
    assert (await engine.run("publish", {}, operator)).status == "ok"
    assert not operator.shown  # nobody asked: the forge said
    facts = [(e.kind, e.data.get("how", "")) for e in journal.events(kinds=["intent", "intent_settled"])]
    assert facts == [("intent", ""), ("intent_settled", "verified: it happened")]  # not redone


def test_headless_resume_goes_on_with_the_runs_own_parameters(
        config: Config, tmp_path: Path, clock: FrozenClock) -> None:
    journal, _, run_id, effects = interrupted_effect(config, tmp_path, clock)
    journal.close()
    dry = cockpit(config, "run", "effect", "--headless", "--dry-run", "--resume", "rerun", env={})
    assert dry.communicate(timeout=60)[0] and dry.returncode == 2
    unexplained = cockpit(config, "run", "effect", "--headless", "--resume", "done", env={})
    out, _ = unexplained.communicate(timeout=60)
    assert unexplained.returncode == 2 and "needs a reason on record" in out
    done = cockpit(config, "run", "effect", "--headless", "--yes", "--resume", "done", "--note",
                   "it is in the log", env={})  # no --param: the run's own {effects}
    out, _ = done.communicate(timeout=60)
    assert done.returncode == 0, out
    with closing(Journal.readonly(config.journal_path)) as reader:
        from cockpit.state.launch import LaunchState

        state = LaunchState()
        state.apply(reader.events())
    assert state.runs[run_id].status == "ok" and effects.read_text() == "made\n"

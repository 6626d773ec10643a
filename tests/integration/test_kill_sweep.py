"""The hotfix, killed at every one of its steps and resumed: each commit, tag, upload, publish
and post happens exactly once, counted where it lands (git, origin, the forge's audit log, the
channel), and the dead run's processes are stopped."""

from __future__ import annotations

import asyncio
import json
import os
import pty
import signal
import subprocess
import sys
import time
from collections import Counter
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest

from cockpit.clock import FrozenClock
from cockpit.config import Config, load_config
from cockpit.engine.engine import Engine
from cockpit.errors import CockpitError
from cockpit.executors.local import group_alive
from cockpit.journal.row import Event
from cockpit.journal.store import Journal
from cockpit.runbook.loader import load_runbook
from cockpit.steps import questions as q
from cockpit.steps.questions import ManualAnswer
from tests.conftest import needs_cargo
from tests.helpers import ScriptedOperator, commit_fix
from tests.webhookserver import WebhookServer

EFFECTS = {"push", "install-push", "release", "upload", "publish", "announce"}
"""Steps that change things elsewhere: killed once their intent is journaled (in flight)."""


@dataclass
class Truthful(ScriptedOperator):
    """Answers as a person who looks: "was this posted?" by looking at the channel."""

    hook: WebhookServer | None = None

    async def manual(self, question: q.Manual) -> ManualAnswer | None:
        if "ended without knowing whether" in question.instructions and self.hook is not None:
            self.shown.append(question.instructions)
            return ManualAnswer(question.clipboard in self.hook.received.posts, "looked")
        return await super().manual(question)


def events(path: Path) -> list[Event]:
    try:
        reader = Journal.readonly(path)
    except CockpitError:
        return []
    with closing(reader):
        return reader.events(kinds=["run_started", "step_started", "intent"])


def killed_at(config: Config, version: str, step: str, hook: WebhookServer) -> None:
    """Start the hotfix headless (an operator at a terminal typed "done" for the fix ahead)
    and SIGKILL it once `step` started (an effect: once its intent is journaled; a post: once
    the channel has it and its reply is held)."""
    before = {e.run_id for e in events(config.journal_path) if e.kind == "run_started"}
    controller, terminal = pty.openpty()
    os.write(controller, b"y\n\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "cockpit", "run", "hotfix", "--param", f"version={version}",
         "--param", "reason=crash on start", "--headless", "--yes", "--config", str(config.source)],
        stdin=terminal, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True, env={**os.environ, "DISCORD_WEBHOOK": hook.url})
    os.close(terminal)
    deadline = time.monotonic() + 180
    run_id = ""
    while True:
        assert time.monotonic() < deadline and proc.poll() is None, f"never reached {step}"
        seen = events(config.journal_path)
        run_id = next((e.run_id or "" for e in reversed(seen)
                       if e.kind == "run_started" and e.run_id not in before), "")
        mine = [e for e in seen if e.run_id == run_id and e.step == step]
        if step == "announce":
            if any(f"v{version}" in post for post in hook.received.posts):
                break
        elif any(e.kind == ("intent" if step in EFFECTS else "step_started") for e in mine):
            break
        time.sleep(0.02)
    time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    os.close(controller)


def counts(config: Config, version: str, hook: WebhookServer) -> dict[str, int]:
    git = ["git", "-C", str(config.repo)]

    def out(*args: str) -> str:
        return subprocess.run([*git, *args], capture_output=True, text=True, check=True).stdout

    tag = f"v{version}"
    audit = [json.loads(line) for line in
             (config.local_forge / "audit.jsonl").read_text().splitlines()]
    uploads = Counter(a["asset"] for a in audit if a["tag"] == tag and a["action"] == "upload")
    return {
        "commits": out("log", "--format=%s", f"hotfix/{tag}").splitlines().count(
            f"chore: Hotfix {tag}"),
        "install commits": out("log", "--format=%s", "main").splitlines().count(
            f"chore(install): Hotfix {tag}"),
        "tags": out("ls-remote", "--tags", "origin").count(f"refs/tags/{tag}\n"),
        "tag is the branch": int(out("rev-parse", f"{tag}^{{commit}}").strip() ==
                                 out("ls-remote", "origin", f"refs/heads/hotfix/{tag}")[:40]),
        "drafts": sum(a["tag"] == tag and a["action"] == "create" for a in audit),
        "uploads": len(uploads),
        "uploads of one asset": max(uploads.values(), default=0),
        "publishes": sum(a["tag"] == tag and a["action"] == "publish" for a in audit),
        "posts": sum(f"v{version}" in post for post in hook.received.posts),
    }


@needs_cargo
def test_a_kill_at_every_hotfix_step_then_resume_does_everything_exactly_once(
        config: Config, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch) -> None:
    hook = WebhookServer()
    monkeypatch.setenv("DISCORD_WEBHOOK", hook.url)
    config = load_config(config.source)
    steps = [s.id for s in load_runbook().playbooks["hotfix"].steps]
    git = ["git", "-C", str(config.repo)]
    summary: dict[str, dict[str, int]] = {}
    try:
        for n, step in enumerate(steps, 1):
            version = f"1.1.0-beta.{n}"
            branch = f"hotfix/v{version}"  # the fix, committed on its branch ahead
            subprocess.run([*git, "branch", branch, config.release.branch], check=True)
            subprocess.run([*git, "switch", "-q", branch], check=True)
            commit_fix(config.repo, f"fix {n}")
            subprocess.run([*git, "switch", "-q", config.release.branch], check=True)
            if step == "announce":
                hook.received.hang.append(30)
            killed_at(config, version, step, hook)
            with closing(Journal.controller(config.journal_path, clock=clock)) as journal:
                engine = Engine(config, load_runbook(), journal)
                run = engine.state().interrupted_runs()[-1]
                assert run.params["version"] == version
                operator = Truthful(hook=hook)
                outcome = asyncio.run(engine.resume(run.run_id, "rerun", "", operator))
                assert outcome.status == "ok", (step, operator.failures)
                processes = [e.data["pgid"] for e in journal.events(kinds=["step_process"],
                                                                    run_id=run.run_id)]
                assert not any(group_alive(pgid) for pgid in processes)  # none left running
            summary[step] = counts(config, version, hook)
    finally:
        hook.close()
    once = {"commits": 1, "install commits": 1, "tags": 1, "tag is the branch": 1, "drafts": 1,
            "uploads of one asset": 1, "publishes": 1, "posts": 1}
    wrong = {step: {k: v for k, v in c.items() if k in once and v != once[k]}
             for step, c in summary.items()}
    print("\nkilled at, then resumed:", json.dumps(summary))
    assert not any(wrong.values()), wrong
    assert all(c["uploads"] >= 3 for c in summary.values())  # every artifact, each once

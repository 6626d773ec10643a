"""Test helpers: a scripted operator for the engine, and playbook folders written on the fly."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from cockpit.config import Config
from cockpit.journal.store import Journal
from cockpit.runbook.loader import SHIPPED
from cockpit.runbook.model import Runbook
from cockpit.state.builds import BuildState
from cockpit.steps import questions as q
from cockpit.steps.checks import CheckResult
from cockpit.steps.questions import FailureAnswer, GateAnswer, ManualAnswer


@dataclass
class ScriptedOperator:
    """Answers the engine's questions from a script and records what it was shown."""

    confirm_answers: list[bool] = field(default_factory=list)
    manual_answers: list[ManualAnswer | None] = field(default_factory=list)
    gate_answers: list[GateAnswer | None] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)
    gate_results: list[list[CheckResult]] = field(default_factory=list)
    failure_answers: list[FailureAnswer | None] = field(default_factory=list)
    """Answers when a step fails; none left: abort, as an unattended run would."""
    failures: list[str] = field(default_factory=list)
    doing: dict[str, Path] = field(default_factory=dict)
    """Manual steps it does before it says done: step id -> the repository where it commits
    the fix (`commit_fix`)."""
    asked: dict[str, int] = field(default_factory=dict)
    """How often each manual step asked."""
    confirmed: list[str] = field(default_factory=list)
    """The steps whose confirmation it was asked, in order."""
    value_answers: list[dict[str, str] | None] = field(default_factory=list)
    """Values it gives when a step asks for some; none left: it declines."""
    asked_values: list[tuple[str, ...]] = field(default_factory=list)

    async def confirm(self, question: q.Confirm) -> bool:
        self.shown.append(question.body)
        self.confirmed.append(question.step)
        return self.confirm_answers.pop(0) if self.confirm_answers else True

    async def manual(self, question: q.Manual) -> ManualAnswer | None:
        fresh = await question.fresh() if question.fresh is not None else ""
        self.shown.append(question.instructions + fresh)
        self.asked[question.step] = self.asked.get(question.step, 0) + 1
        assert self.asked[question.step] < 5, f"{question.step} asked again and again"
        if self.manual_answers:
            return self.manual_answers.pop(0)
        if question.step in self.doing:
            commit_fix(self.doing.pop(question.step))
        return ManualAnswer(True)

    async def values(self, question: q.Values) -> dict[str, str] | None:
        self.shown.append(f"{question.title}: {question.why}")
        self.asked_values.append(question.names)
        return self.value_answers.pop(0) if self.value_answers else None

    async def gate(self, question: q.Gate) -> GateAnswer | None:
        self.gate_results.append(question.results)
        return self.gate_answers.pop(0) if self.gate_answers else GateAnswer("GO", "all good")

    async def failed(self, question: q.Failure) -> FailureAnswer | None:
        self.failures.append(f"{question.step}: {question.message}")
        return self.failure_answers.pop(0) if self.failure_answers else None


async def until_stage(journal: Journal, target: str, stage: str, state: str = "running",
                      timeout: float = 15) -> None:
    """Wait until a build target's stage reaches a state (as the journal says)."""
    import asyncio

    for _ in range(int(timeout / 0.05)):
        s = BuildState()
        s.apply(journal.events())
        t = s.targets.get(target)
        if t is not None and t.stages[stage].state == state:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{target} {stage} never reached {state}")


def playbook_folder(root: Path, **playbooks: str) -> Path:
    """A playbook override folder holding the given playbooks (name -> TOML text)."""
    folder = root / "playbooks-override"
    folder.mkdir(exist_ok=True)
    for name, text in playbooks.items():
        (folder / f"{name}.toml").write_text(text)
    return folder


assert SHIPPED.is_dir()


async def forge_holds(config: Config, published: list[str], drafts: list[str]) -> None:
    """The local forge as it is after the launch's publishes and a pulled release."""
    from cockpit.forge.local import LocalForge

    forge = LocalForge(config.local_forge)
    for version in [*published, *drafts]:
        if await forge.release(f"v{version}") is None:
            release = await forge.create_draft(f"v{version}", name=version, body="",
                                               prerelease="-" in version)
        else:
            release = await forge.release(f"v{version}")
        assert release is not None
        await forge.update(release, draft=version in drafts)


def install_script_serves(config: Config, version: str, *, push: bool = True) -> None:
    """Commit the install script pointing at `version` (and push it, as the playbook does)."""
    script = config.repo / "install.sh"
    text = re.sub(r'^VERSION=.*$', f'VERSION="v{version}"', script.read_text(), flags=re.M)
    script.write_text(text)
    git = ["git", "-c", "user.name=rm", "-c", "user.email=rm@test"]
    subprocess.run([*git, "commit", "-qam", f"install {version}"], cwd=config.repo, check=True)
    if push:
        subprocess.run(["git", "push", "-q", "origin", "main"], cwd=config.repo, check=True)


def decide_gates(journal: Journal, runbook: Runbook, *, before: str | None = None,
                 verdict: str = "GO") -> None:
    """Journal a decision for every gate of the timeline (those before item `before`, if
    given), as the operator would have made them: the launch got this far."""
    from cockpit.state.timeline import slots

    for slot in slots(runbook):
        if before is not None and slot.item.id == before:
            break
        if slot.item.gate and slot.offset is not None:
            journal.append("gate_decision", item=slot.item.id, decision=verdict,
                           rationale="decided in the test's history", operator="rm@test",
                           failed_checks=0)


def publish_stand_in(config: Config, version: str) -> None:
    """Publish v`version` on the local forge as build-and-upload would (a real tarball and
    checksum in the install script's layout), its `caro` a script that says its version: so
    the install script really installs it."""
    import hashlib
    import io
    import platform
    import tarfile
    import tempfile

    from cockpit.forge.local import LocalForge

    program = f'#!/bin/sh\necho "caro {version}"\n'.encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("caro")
        info.size, info.mode = len(program), 0o755
        tar.addfile(info, io.BytesIO(program))
    staging = Path(tempfile.mkdtemp())
    asset = staging / f"caro-v{version}-{platform.machine()}-unknown-linux-gnu.tar.gz"
    asset.write_bytes(buffer.getvalue())
    digest = hashlib.sha256(asset.read_bytes()).hexdigest()
    checksum = asset.with_name(asset.name + ".sha256")
    checksum.write_text(f"{digest}  {asset.name}\n")
    LocalForge(config.local_forge).seed(f"v{version}", [asset, checksum],
                                        prerelease="-" in version)


def commit_fix(repo: Path, what: str = "crash on start") -> None:
    """What the operator does in a hotfix's "fix" step: commit a change on the branch."""
    (repo / "FIXES.md").write_text(f"- {what}\n")
    git = ["git", "-C", str(repo), "-c", "user.name=rm", "-c", "user.email=rm@test"]
    for argv in (["add", "FIXES.md"], ["commit", "-q", "-m", f"fix: {what}"]):
        subprocess.run([*git, *argv], check=True, capture_output=True)


def journal_a_build(journal: Journal) -> None:
    """A matrix of three targets part way: one built and packaged, one compiling, one whose
    smoke test failed (the pictures at each terminal size show all three kinds of row)."""
    from cockpit.journal.events import BuildProgress, BuildStage, BuildStarted, BuildTarget, StageState

    targets = {"x86_64-unknown-linux-gnu": "local", "aarch64-unknown-linux-gnu": "arm-box",
               "x86_64-pc-windows-gnu": "local"}
    journal.record(BuildStarted(targets=[{"target": t, "builder": b} for t, b in targets.items()],
                                commit="abc1234"), run_id="b-1")
    for target, builder in targets.items():
        journal.record(BuildTarget(builder=builder, state="running"), run_id="b-1", step=target)
    done = {"x86_64-unknown-linux-gnu": ("sync", "build", "size", "smoke", "package"),
            "aarch64-unknown-linux-gnu": ("sync",), "x86_64-pc-windows-gnu": ("sync", "build",
                                                                              "size")}
    for target, stages in done.items():
        for stage in stages:
            journal.record(BuildStage(stage=stage, state=StageState.OK, duration=12.5),
                           run_id="b-1", step=target)
    journal.record(BuildStage(stage="build", state=StageState.RUNNING), run_id="b-1",
                   step="aarch64-unknown-linux-gnu")
    journal.record(BuildProgress(compiled=41, total=97, crate="serde"), run_id="b-1",
                   step="aarch64-unknown-linux-gnu")
    journal.record(BuildStage(stage="smoke", state=StageState.FAILED, duration=0.4,
                              detail="--version exited 127"), run_id="b-1",
                   step="x86_64-pc-windows-gnu")


AUTOGROUPS = Path("/proc/sys/kernel/sched_autogroup_enabled")


def gives_way(pid: int) -> bool:
    """A viewer a server started takes only the CPU nothing else wants: the idle class, and
    where the kernel groups by session, a session of its own whose group is at nice 19."""
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    if int(stat[38]) != os.SCHED_IDLE:
        return False
    if not AUTOGROUPS.exists() or AUTOGROUPS.read_text().strip() != "1":
        return True
    return int(stat[3]) == pid and Path(f"/proc/{pid}/autogroup").read_text().split()[-1] == "19"

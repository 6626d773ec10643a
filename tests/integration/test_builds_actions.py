"""GitHub Actions as a builder (issue 16), against a loopback double of GitHub's Actions API:
macOS and Windows built by the workflow, beside a real cargo build here, into one dist."""

from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cockpit.builds.matrix import BuildMatrix
from cockpit.builds.plan import assign
from cockpit.config import BuilderConfig, Config, load_config
from cockpit.executors.toolchain import host_triple
from cockpit.journal.store import Journal
from cockpit.state.builds import BuildState
from tests.actionsserver import ActionsServer
from tests.conftest import needs_cargo
from tests.forgeserver import TOKEN
from tests.opensshd import needs_root_sshd

ON_ACTIONS = {"x86_64-apple-darwin": "caro-{version}-macos-intel",
              "aarch64-apple-darwin": "caro-{version}-macos-silicon",
              "x86_64-pc-windows-msvc": "caro-{version}-windows-amd64.exe"}


def on_actions(config: Config, server: ActionsServer, *, local: bool) -> Config:
    """The demo release with the macOS and Windows targets on Actions (and the host's built
    here when `local`), its forge the double's."""
    targets = [f'"{t}"' for t in ON_ACTIONS]
    assets = ", ".join(f'"{t}" = "{n}"' for t, n in ON_ACTIONS.items())
    text = config.source.read_text()
    text = text.replace('builders = [\n    { name = "local", kind = "local" },\n]\n', "")
    text = text.replace("targets = []", "targets = [" + ", ".join(
        ([f'"{host_triple()}"'] if local else []) + targets) + "]")
    text = text.replace('[forge]\nkind = "local"\npath = "forge"',
                        f'[forge]\nkind = "github"\nrepository = "acme/caro"\n'
                        f'api_url = "{server.url}"')
    text += (f'\n[[builders]]\nname = "local"\nkind = "local"\ntargets = ["{host_triple()}"]\n'
             if local else "") + (
        '\n[[builders]]\nname = "actions"\nkind = "github-actions"\nworkflow = "release.yml"\n'
        f'targets = [{", ".join(targets)}]\ninputs = {{ tag = "v{{version}}" }}\n'
        f'assets = {{ {assets} }}\npoll = 0.05\n')
    config.source.write_text(text)
    version = config.release.version
    for target, name in ON_ACTIONS.items():  # what "the workflow" builds for each
        server.state.binaries[target] = (name.format(version=version),
                                         f"{target} binary of caro {version}".encode() * 100)
    return load_config(config.source)


@pytest.fixture
def actions(monkeypatch: pytest.MonkeyPatch) -> Iterator[ActionsServer]:
    server = ActionsServer()
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    try:
        yield server
    finally:
        server.close()


def built(journal: Journal) -> BuildState:
    state = BuildState()
    state.apply(journal.events())
    return state


@needs_cargo
def test_one_build_local_and_on_actions_into_one_verified_dist(
        config: Config, actions: ActionsServer) -> None:
    config = on_actions(config, actions, local=True)
    out = subprocess.run([sys.executable, "-m", "cockpit", "build", "--headless", "--config",
                          str(config.source)], capture_output=True, text=True,
                         env={**os.environ, "GITHUB_TOKEN": TOKEN}, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    dist = config.release_dist
    sums = (dist / "SHA256SUMS").read_text().splitlines()
    assert len(sums) == 4  # the host's build here and the three on Actions
    for target, name in ON_ACTIONS.items():
        asset = name.format(version=config.release.version)
        data = (dist / asset).read_bytes()
        assert data == actions.state.binaries[target][1]
        assert f"{hashlib.sha256(data).hexdigest()}  {asset}" in sums
    assert "not runnable here (x86_64-apple-darwin)" in out.stdout
    assert len(actions.state.dispatches) == 1  # one run for the builder's three targets
    assert actions.state.dispatches[0] == {"ref": "main", "inputs": {
        "tag": f"v{config.release.version}"}}
    assert "✓ Build" in out.stdout  # the job's steps, as they completed


async def test_the_run_followed_is_ours_not_a_rivals_dispatched_at_the_same_moment(
        config: Config, journal: Journal, actions: ActionsServer) -> None:
    config = on_actions(config, actions, local=False)
    actions.state.rival = True
    await BuildMatrix(config, journal).run(assign(config))
    state = built(journal)
    ours = next(r for r in actions.state.runs if r["actor"]["login"] == "rm")
    rival = next(r for r in actions.state.runs if r["actor"]["login"] != "rm")
    for target in ON_ACTIONS:
        sync = state.targets[target].stages["sync"].detail
        assert f"run {ours['id']} of release.yml" in sync and str(rival["id"]) not in sync
    assert all(t.status == "ok" for t in state.targets.values())
    mac = state.targets["x86_64-apple-darwin"]  # the grid counts the job's steps
    assert (mac.compiled, mac.total, mac.unit) == (5, 5, "steps")


async def test_a_failed_job_fails_only_its_target_with_its_log(
        config: Config, journal: Journal, actions: ActionsServer) -> None:
    config = on_actions(config, actions, local=False)
    actions.state.fail_step["x86_64-pc-windows-msvc"] = "Build"
    await BuildMatrix(config, journal).run(assign(config))
    state = built(journal)
    windows = state.targets["x86_64-pc-windows-msvc"]
    assert windows.status == "failed"
    assert windows.stages["build"].detail == (
        "job 'Build x86_64-pc-windows-msvc' failure at step 'Build'")
    lines = [ln for e in journal.events(kinds=["output"])
             if e.step == "x86_64-pc-windows-msvc" for ln in e.lines()]
    assert any("linking with `cc` failed" in ln for ln in lines)  # the job's log, fetched
    assert state.targets["x86_64-apple-darwin"].status == "ok"


async def test_server_errors_and_secondary_limits_are_waited_out(
        config: Config, journal: Journal, actions: ActionsServer) -> None:
    config = on_actions(config, actions, local=False)
    actions.state.faults = ["502", "secondary", "503"]
    await BuildMatrix(config, journal).run(assign(config))
    assert all(t.status == "ok" for t in built(journal).targets.values())
    assert not actions.state.faults


async def test_a_version_the_workflow_released_is_fetched_not_dispatched_again(
        config: Config, journal: Journal, actions: ActionsServer) -> None:
    config = on_actions(config, actions, local=False)
    await BuildMatrix(config, journal).run(assign(config))
    (config.release_dist / "SHA256SUMS").unlink()
    await BuildMatrix(config, journal).run(assign(config))
    assert len(actions.state.dispatches) == 1
    state = built(journal)
    assert all(t.status == "ok" for t in state.targets.values())
    assert "fetched, not dispatched again" in state.targets["x86_64-apple-darwin"].stages[
        "sync"].detail
    assert (config.release_dist / "SHA256SUMS").exists()


async def test_cancel_cancels_the_workflows_run(
        config: Config, journal: Journal, actions: ActionsServer) -> None:
    config = on_actions(config, actions, local=False)
    actions.state.step_seconds = 2.0
    matrix = BuildMatrix(config, journal)
    build = asyncio.ensure_future(matrix.run(assign(config)))
    while not actions.state.runs:
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)
    for target in ON_ACTIONS:
        matrix.cancel_target(target)
    await build
    assert actions.state.cancelled == [actions.state.runs[0]["id"]]
    assert {t: s.status for t, s in built(journal).targets.items()} == dict.fromkeys(
        ON_ACTIONS, "cancelled")


def test_an_actions_builder_needs_the_github_forge(config: Config, tmp_path: Path) -> None:
    text = config.source.read_text().replace(
        'builders = [\n    { name = "local", kind = "local" },\n]\n', "")
    config.source.write_text(text + (
        '\n[[builders]]\nname = "local"\n'
        '\n[[builders]]\nname = "actions"\nkind = "github-actions"\nworkflow = "release.yml"\n'
        'targets = ["x86_64-apple-darwin"]\n'))
    out = subprocess.run([sys.executable, "-m", "cockpit", "check", "--config",
                          str(config.source)], capture_output=True, text=True)
    assert out.returncode == 2
    said = " ".join((out.stdout + out.stderr).split())
    assert "cockpit.toml:45: builders.1.kind" in said  # file, line and field
    assert "runs GitHub Actions, and [forge]" in said and 'kind = "github"' in said


def check(config: Config) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cockpit", "check", "--config",
                           str(config.source)], capture_output=True, text=True,
                          env={**os.environ, "GITHUB_TOKEN": TOKEN})


def builder_lines(out: str) -> list[str]:
    return [" ".join(ln.split()) for ln in out.splitlines() if "│ actions" in ln]


def builder_rows(out: str) -> dict[str, tuple[str, str]]:
    """The builders table as check -> (result, fix), each cell's wrapped lines joined."""
    rows: list[list[str]] = []
    for line in out.splitlines():
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if len(cells) != 4:
            continue
        if cells[0]:
            rows.append(cells)
        elif rows:
            rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], cells, strict=True)]
    return {r[1]: (" ".join(r[2].split()), r[3].replace(" ", "")) for r in rows}


def test_check_probes_the_actions_builder_without_dispatching(
        config: Config, actions: ActionsServer) -> None:
    config = on_actions(config, actions, local=False)
    good = builder_lines(check(config).stdout)
    assert any("workflow │ ok .github/workflows/release.yml (active)" in ln for ln in good), good
    assert any("workflow_dispatch │ ok inputs tag" in ln for ln in good), good
    assert any("ref │ ok main" in ln for ln in good), good
    assert not actions.state.dispatches

    config.source.write_text(config.source.read_text().replace(
        'inputs = { tag = "v{version}" }', 'inputs = { tag = "v{version}", draft = "no" }'))
    out = check(config).stdout
    said = builder_lines(out)
    assert any("not declared: draft" in ln for ln in said), said
    fix = builder_rows(out)["workflow_dispatch"][1]  # where: file, line, field
    line = config.source.read_text().splitlines().index(
        'inputs = { tag = "v{version}", draft = "no" }') + 1
    assert fix.startswith(f"{config.source}:{line}:builders.0.inputs.draft:addworkflow_dispatch")
    config.source.write_text(config.source.read_text().replace(
        'workflow = "release.yml"', 'workflow = "release.yml"\nref = "release"'))
    said = builder_lines(check(config).stdout)
    assert any(ln.startswith("│ actions │ ref │ FAIL") for ln in said), said


async def test_a_retry_runs_the_failed_jobs_again_in_the_same_run(
        config: Config, journal: Journal, actions: ActionsServer) -> None:
    config = on_actions(config, actions, local=False)
    actions.state.fail_step["aarch64-apple-darwin"] = "Build"
    matrix = BuildMatrix(config, journal)
    first = await matrix.run(assign(config))
    assert built(journal).targets["aarch64-apple-darwin"].status == "failed"
    actions.state.fail_step.clear()  # the flaky runner behaves this time
    again = [a for a in assign(config) if a.target == "aarch64-apple-darwin"]
    await BuildMatrix(config, journal).run(again, retry_of=first)
    run = actions.state.runs[0]
    assert actions.state.reruns == [run["id"]] and run["run_attempt"] == 2
    assert len(actions.state.dispatches) == 1  # not dispatched again
    state = built(journal)
    assert state.targets["aarch64-apple-darwin"].status == "ok"
    assert "its failed jobs run again" in state.targets["aarch64-apple-darwin"].stages[
        "sync"].detail
    assert (config.release_dist / "caro-1.1.0-beta-macos-silicon").exists()


async def test_an_api_that_keeps_failing_loses_the_builder_only(
        config: Config, journal: Journal, actions: ActionsServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from cockpit.forge import actions as api

    monkeypatch.setattr(api, "TRIES", 3)
    config = on_actions(config, actions, local=False)
    actions.state.faults = ["502"] * 3  # the dispatch's three tries
    await BuildMatrix(config, journal).run(assign(config))
    state = built(journal)
    for target in ON_ACTIONS:
        assert state.targets[target].status == "builder lost", state.targets[target]
        assert "502" in state.targets[target].stages["sync"].detail
    assert not actions.state.dispatches


async def test_following_a_run_asks_conditionally(
        config: Config, journal: Journal, actions: ActionsServer) -> None:
    config = on_actions(config, actions, local=False)
    actions.state.step_seconds = 0.4  # several looks per step: most find nothing new
    await BuildMatrix(config, journal).run(assign(config))
    asked = sum(r.endswith("/jobs") for r in actions.state.requests)
    assert actions.state.not_modified >= asked // 2, (actions.state.not_modified, asked)


@needs_root_sshd
@needs_cargo
async def test_linux_on_an_openssh_builder_and_macos_windows_on_actions_in_one_build(
        config: Config, journal: Journal, actions: ActionsServer, tmp_path: Path) -> None:
    """The issue's "done": one build, the Linux target on a real OpenSSH builder on loopback,
    macOS and Windows on Actions, all green, the dist verified."""
    from tests.integration.test_builds_openssh import RUSTUP_PATH
    from tests.opensshd import opensshd

    config = on_actions(config, actions, local=False)
    with opensshd(tmp_path / "sshd") as sshd:
        linux = BuilderConfig(**sshd.builder(  # type: ignore[arg-type]
            "openssh", targets=[host_triple()], env={"PATH": RUSTUP_PATH}))
        both = config.model_copy(update={
            "builders": [linux, *config.builders],
            "build": config.build.model_copy(update={
                "targets": [host_triple(), *ON_ACTIONS]})})
        await BuildMatrix(both, journal).run(assign(both))
    state = built(journal)
    assert {t: s.status for t, s in state.targets.items()} == dict.fromkeys(
        [host_triple(), *ON_ACTIONS], "ok")
    assert state.targets[host_triple()].builder == "openssh"
    dist = both.release_dist
    for line in (dist / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split()
        assert hashlib.sha256((dist / name).read_bytes()).hexdigest() == digest
    assert len((dist / "SHA256SUMS").read_text().splitlines()) == 4


async def test_binaries_from_the_runs_artifacts(
        config: Config, journal: Journal, actions: ActionsServer) -> None:
    config = on_actions(config, actions, local=False)
    config.source.write_text(config.source.read_text().replace(
        "poll = 0.05", 'poll = 0.05\nbinaries = "artifacts"'))
    config = load_config(config.source)
    actions.state.artifacts = True
    await BuildMatrix(config, journal).run(assign(config))
    state = built(journal)
    assert {t: s.status for t, s in state.targets.items()} == dict.fromkeys(ON_ACTIONS, "ok")
    assert not actions.state.releases  # nothing on the release: the artifacts were the source
    for target, (name, data) in actions.state.binaries.items():
        assert (config.release_dist / name).read_bytes() == data
        assert state.targets[target].stages["checksum"].state == "ok"


def test_check_names_a_target_no_job_of_the_workflow_builds(
        config: Config, actions: ActionsServer) -> None:
    """Before any run, the workflow's text (its matrix) is read; after one, its jobs' names."""
    config = on_actions(config, actions, local=False)
    windows = "x86_64-pc-windows-msvc"
    actions.state.workflow_text = actions.state.workflow_text.replace(f", {windows}", "")
    out = check(config)
    assert out.returncode == 1
    result, fix = builder_rows(out.stdout)["a job per target"]
    assert result == f"FAIL no job for {windows} in the text of release.yml (no job of a run to read yet)"
    lines = config.source.read_text().splitlines()
    targets = next(n for n, ln in enumerate(lines, 1) if ln.startswith("targets = [")
                   and n > lines.index('name = "actions"'))
    assert fix.startswith(f"{config.source}:{targets}:builders.0.targets:add{windows}torelease")
    actions.start_run("main", "rm", {"tag": "v1"})  # a run whose jobs GitHub names
    config.source.write_text(config.source.read_text().replace(
        "poll = 0.05", f'poll = 0.05\njobs = {{ "{windows}" = "Windows build" }}'))
    result, fix = builder_rows(check(config).stdout)["a job per target"]
    assert result.startswith(f"FAIL no job for {windows} in the jobs of run 1001: Build "
                             "x86_64-apple-darwin, "), result
    assert f":builders.0.jobs.{windows}:add" in fix, fix
    config.source.write_text(config.source.read_text().replace('"Windows build"',
                                                               f'"Build {windows}"'))
    result, _ = builder_rows(check(config).stdout)["a job per target"]
    assert result.startswith("ok each has one (the jobs of run 1001: "), result

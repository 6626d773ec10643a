"""A GitHub Actions target's job log fetched on request (`l`), while its job runs and after the
build; and the token's rate budget shared by every client of the forge (issue 16)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import cockpit.builds.actions as actions_builder
from cockpit.app.app import CockpitApp
from cockpit.builds.actions_log import Followed, fetch_job_log
from cockpit.builds.matrix import BuildMatrix
from cockpit.builds.plan import assign
from cockpit.clock import FrozenClock
from cockpit.config import Config
from cockpit.forge.github import GitHubForge
from cockpit.journal.store import Journal
from cockpit.metrics.sources import Sources
from cockpit.runbook.model import Runbook
from cockpit.state.builds import BuildState
from screens.builds import BuildsScreen
from tests.actionsserver import ActionsServer
from tests.forgeserver import TOKEN
from tests.integration.test_builds_actions import (  # noqa: F401
    ON_ACTIONS,
    actions,
    built,
    on_actions,
)
from tests.ui.test_timeline_ui import SIZE, until
from widgets.build_grid import BuildGrid
from widgets.log_pane import LogPane

MAC = "x86_64-apple-darwin"


def followed(state: BuildState, target: str) -> Followed:
    t = state.targets[target]
    return Followed(t.target, t.builder, t.run_id, t.workflow_run, t.job)


async def test_a_job_log_asked_while_it_runs_is_said_not_written_yet_then_fetched(
        config: Config, journal: Journal, actions: ActionsServer) -> None:  # noqa: F811
    config = on_actions(config, actions, local=False)
    actions.state.step_seconds = 0.5
    build = asyncio.ensure_future(BuildMatrix(config, journal).run(assign(config)))
    for _ in range(200):  # until the job is found and running
        state = built(journal)
        if MAC in state.targets and state.targets[MAC].job and state.targets[MAC].compiled:
            break
        await asyncio.sleep(0.05)
    mid = state.targets[MAC]
    assert mid.workflow_run == actions.state.runs[0]["id"]
    said = await fetch_job_log(config, journal, followed(state, MAC))
    assert said == (f"job 'Build {MAC}' is in progress: GitHub writes a job's log when the job "
                    "ends (it is fetched then, into this pane)")
    await build
    state = built(journal)
    assert state.targets[MAC].status == "ok"
    before = len(journal.events(kinds=["output"], run_id=mid.run_id))
    said = await fetch_job_log(config, journal, followed(state, MAC))
    assert said.startswith(f"fetched the log of job 'Build {MAC}': ") and "lines" in said
    out = journal.events(kinds=["output"], run_id=mid.run_id)
    assert len(out) == before + 1 and out[-1].step == MAC
    text = out[-1].data["text"]
    assert text.startswith(f"── the job's log (Build {MAC}), fetched on request ──")
    assert "Upload to the release: success" in text
    log = Path(journal.path.parent / "logs" / mid.run_id / f"{MAC}.log").read_text()
    assert log.rstrip().endswith(text.splitlines()[-1])  # the file has it too


async def test_a_job_log_for_a_target_not_built_by_actions_says_so(
        config: Config, journal: Journal) -> None:
    said = await fetch_job_log(config, journal, Followed("x", "local", "b-1", 0, 0))
    assert said == "x was built on local, not by GitHub Actions: its whole log is in its pane already"


async def test_the_rate_budget_is_the_tokens_shared_by_the_builder_and_the_metrics(
        config: Config, journal: Journal, actions: ActionsServer,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    config = on_actions(config, actions, local=False)
    monkeypatch.setattr(actions_builder, "LOW_BUDGET_POLL", 0.2)
    actions.state.remaining = 30
    await BuildMatrix(config, journal).run(assign(config))
    state = built(journal)
    assert state.targets[MAC].status == "ok"
    text = "\n".join(e.data["text"] for e in journal.events(kinds=["output"]) if e.step == MAC)
    assert text.count("the forge's rate budget is down to 30 requests") == 1
    # another client of the same API and token (the metrics' forge) knows without asking
    metrics = Sources(config, GitHubForge(actions.url, "acme/caro", TOKEN))
    assert metrics.forge_budget()[0] == 30
    assert GitHubForge(actions.url, "acme/caro", "another-token").rate_remaining is None


async def test_l_in_builds_mode_fetches_the_selected_targets_job_log(
        config: Config, journal: Journal, actions: ActionsServer,  # noqa: F811
        runbook: Runbook, clock: FrozenClock) -> None:
    config = on_actions(config, actions, local=False)
    await BuildMatrix(config, journal).run(assign(config))
    app = CockpitApp(config, runbook, journal, clock=clock, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        screen = app.screen
        assert isinstance(screen, BuildsScreen)
        grid = screen.query_one(BuildGrid)
        await until(pilot, lambda: grid.row_count == len(ON_ACTIONS))
        grid.move_cursor(row=list(app.builds.targets).index(MAC))
        await until(pilot, lambda: grid.selected_target == MAC)
        assert screen.check_action("job_log", ()) is True  # a workflow run built it
        await pilot.press("l")
        await until(pilot, lambda: any(n.message.startswith("fetched the log of job")
                                       for n in app._notifications), timeout=20)
        pane = screen.query_one(LogPane)
        await until(pilot, lambda: any("fetched on request" in ln for ln in pane.lines))

"""H and R from any screen: parameters pre-filled, the whole plan, an explicit yes."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Input, Static
from textual.widgets._footer import FooterKey

from cockpit.app.app import CockpitApp
from cockpit.clock import FrozenClock
from cockpit.config import Config
from cockpit.journal.store import Journal
from cockpit.runbook.model import Runbook
from screens.modals import ConfirmModal, ParamsModal
from tests.helpers import forge_holds, install_script_serves
from tests.ui.test_timeline_ui import SIZE, asked, until
from widgets.header import CockpitHeader


async def test_hotfix_key_asks_parameters_then_shows_the_whole_plan(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    app = CockpitApp(config, runbook, journal, clock=clock, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")  # from another screen
        await pilot.press("H")
        await until(pilot, lambda: asked(app, ParamsModal))
        assert app.current_mode == "timeline"
        assert app.screen.query_one("#param-version", Input).value == "1.1.0-beta.1"
        app.screen.query_one("#param-reason", Input).value = "crash on start; rm -rf /"
        await pilot.press("enter")
        await until(pilot, lambda: asked(app, ConfirmModal))
        plan = str(app.screen.query_one("#confirm-body", Static).render())
        for expected in ["1. Branch hotfix/v1.1.0-beta.1", "cargo test --color=never",
                         "The fix goes in on hotfix/v1.1.0-beta.1 [waits for you]",
                         "'Hotfix v1.1.0-beta.1: crash on start; rm -rf /'",
                         "Publish v1.1.0-beta.1 [asks again]", "(a prerelease: not made the latest)",
                         "git switch main", "git push origin main", "VERSION="]:
            assert expected in plan, expected
        # the yes covers the plan: what stays on this machine (the tag, the commits) is not
        # asked again; what pushes, publishes or posts is
        assert "[asks again]" in plan.split("Push ")[1].splitlines()[0]
        for covered in ["Tag v1.1.0-beta.1", "Commit "]:
            line = next(ln for ln in plan.splitlines() if covered in ln)
            assert "[asks" not in line, line
        await pilot.press("n")
        await pilot.pause(0.2)
        assert not app.running() and not app.state.runs  # nothing without the explicit yes


async def test_rollback_key_prefills_from_the_facts_and_refuses_an_unknown_version(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    # the repro: a rollback drafted 1.1.0-beta.1 again (pulled); users get 1.1.0-beta.2
    await forge_holds(config, published=["1.0.0", "1.1.0-beta", "1.1.0-beta.2"],
                      drafts=["1.1.0-beta.1"])
    install_script_serves(config, "1.1.0-beta.2")
    app = CockpitApp(config, runbook, journal, clock=clock, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("R")
        await until(pilot, lambda: asked(app, ParamsModal))
        modal = app.screen
        assert modal.query_one("#param-version", Input).value == "1.1.0-beta.2"
        assert modal.query_one("#param-previous_version", Input).value == "1.1.0-beta"
        modal.query_one("#param-previous_version", Input).value = "0.9.0"
        modal.query_one("#param-reason", Input).value = "bad build"
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert app.screen is modal  # refused, with the reason on the form
        error = str(modal.query_one("#params-error", Static).render())
        assert "v0.9.0 does not exist" in error and "1.0.0" in error
        modal.query_one("#param-previous_version", Input).value = "1.0.0"
        await pilot.pause()
        assert str(modal.query_one("#params-error", Static).render()) == ""  # edited: cleared
        await pilot.press("enter")
        await until(pilot, lambda: asked(app, ConfirmModal))
        await pilot.press("y")  # the explicit yes to the whole plan, recorded with the run
        await until(pilot, lambda: bool(journal.events(kinds=["run_started"])))
        started = journal.events(kinds=["run_started"])[-1].data
        assert started["playbook"] == "rollback" and started["plan_confirmed"] is True
        assert started["operator"] == app.engine.operator  # type: ignore[union-attr]


async def test_spectators_cannot_start_a_hotfix(config: Config, runbook: Runbook,
                                                journal: Journal, clock: FrozenClock) -> None:
    spectator = Journal.readonly(config.journal_path, clock=clock)
    app = CockpitApp(config, runbook, spectator, clock=clock, poll_seconds=0.05,
                     spectator_reason="--spectate")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        offered = {key.description for key in app.screen.query(FooterKey)}
        assert "Timeline" in offered and not {"Hotfix", "Rollback"} & offered
        await pilot.press("H")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, ParamsModal)
    spectator.close()


async def test_a_running_hotfix_shows_its_clock_against_the_p0_windows(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    journal.append("run_started", run_id="hf1", playbook="hotfix", operator="rm@test",
                   params={"version": "1.1.0-beta.1", "reason": "crash"}, steps=["branch"])
    clock.advance(timedelta(minutes=83))
    app = CockpitApp(config, runbook, journal, clock=clock, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        header = app.screen.query_one(CockpitHeader)
        await until(pilot, lambda: "running:" in str(header.render()))
        assert "Hotfix Deployment 1h23m (P0 limit 2h; PII 4h)" in str(header.render())


async def test_rollback_with_nothing_older_published_asks_instead_of_guessing(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    """The demo's repro: users get 1.0.0 and nothing older was published; R offered 1.0.0 as
    the version to go back to (the config's previous_version), the bad version itself."""
    await forge_holds(config, published=["1.0.0"], drafts=[])  # the install script: 1.0.0
    app = CockpitApp(config, runbook, journal, clock=clock, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("R")
        await until(pilot, lambda: asked(app, ParamsModal))
        assert app.screen.query_one("#param-version", Input).value == "1.0.0"
        assert app.screen.query_one("#param-previous_version", Input).value == ""

"""Issue 13: the update due counts down on every mode; `u` posts it with live numbers (the
latest samples), asked at once; the posts are listed in metrics mode. A loopback webhook
receives the post, as Discord or Slack would."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from cockpit.app.app import CockpitApp
from cockpit.clock import FrozenClock
from cockpit.config import Config, load_config
from cockpit.journal.events import MetricSample, RunFinished, RunStarted, RunStatus
from cockpit.journal.store import Journal
from cockpit.runbook.model import Runbook
from screens.metrics import MetricsScreen
from screens.modals import ParamsModal, StepConfirmModal
from tests.integration.test_announce import published
from tests.ui.test_metrics_ui import journal_samples
from tests.ui.test_timeline_ui import SIZE, asked, until
from tests.webhookserver import WebhookServer
from widgets.header import CockpitHeader


def launch_done(journal: Journal, clock: FrozenClock, config: Config) -> None:
    """The 12:00 launch announcement went out: the next update is the hourly one."""
    launch = config.release.launch_at
    clock.set(launch + timedelta(hours=4, minutes=2))
    journal.record(RunStarted(playbook="announce", steps=["post"]), run_id="r-announce")
    journal.record(RunFinished(status=RunStatus.OK), run_id="r-announce")


def header_of(app: CockpitApp) -> str:
    return str(app.screen.query_one(CockpitHeader).render())


@pytest.mark.usefixtures("gates_go")
async def test_u_posts_the_hourly_update_with_live_numbers_and_lists_it(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock,
        release_hook: WebhookServer, tmp_path: Path) -> None:
    published(config, tmp_path)
    issues = [{"number": n, "state": "open", "labels": [{"name": label}]}
              for n, label in enumerate(["P1", "P2"], 1)]
    (config.base / "forge" / "issues.json").write_text(json.dumps(issues))
    journal_samples(journal, clock, p0=0)  # downloads 0..60, p0 0, p1 1
    launch_done(journal, clock, config)
    launch = config.release.launch_at
    clock.set(launch + timedelta(hours=5, minutes=50))  # 13:50: the 14:00 update in 10 minutes
    app = CockpitApp(load_config(config.source), runbook, journal, clock=clock,
                     poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "✉" in header_of(app))
        assert "✉ Hourly Status Update (14:00) in 10m" in header_of(app) or (
            "✉ Hourly Status Update in 10m" in header_of(app))  # the compact form
        await pilot.press("u")  # not due yet: said, nothing starts
        await pilot.pause(0.2)
        assert not asked(app, ParamsModal)
        clock.set(launch + timedelta(hours=6, minutes=5))  # 14:05: due, 55 minutes left
        journal.record(MetricSample(metric="active_users", value=42, source="telemetry"))
        journal.record(MetricSample(metric="downloads", value=60, source="forge"))  # read now
        for mode in ("b", "m"):  # on every mode
            await pilot.press(mode)
            await until(pilot, lambda: "Hourly Status Update" in header_of(app)
                        and "due" in header_of(app) and "(u)" in header_of(app))
        await pilot.press("u")
        await until(pilot, lambda: asked(app, ParamsModal))
        assert app.current_mode == "timeline"
        fields = {name: app.screen.query_one(f"#param-{name}", Input).value
                  for name in ("hours", "active_users", "health")}
        # numbers from their sources; health is the operator's judgement: asked, not made up
        assert fields == {"hours": "6", "active_users": "42", "health": ""}
        app.screen.query_one("#param-health", Input).value = "All green"
        await pilot.press("enter")
        # the message opens at once (the operator is on it): no w needed
        await until(pilot, lambda: asked(app, StepConfirmModal))
        body = str(app.screen.query_one("#confirm-body").render())
        assert "- Downloads: 60" in body and "- Active users: 42" in body
        await pilot.press("c")  # copying is one key too: the message, and still asked
        await until(pilot, lambda: app.clipboard.startswith("T+6 hours update:\n"))
        assert app.clipboard.endswith("- System health: All green")
        assert asked(app, StepConfirmModal) and release_hook.received.posts == []
        await pilot.press("y")
        await until(pilot, lambda: len(release_hook.received.posts) == 1)
        assert release_hook.received.posts == ["T+6 hours update:\n- Downloads: 60\n- Active users: "
                                       "42\n- Issues reported: 2 (P0: 0, P1: 1)\n- System "
                                       "health: All green"]
        # posted: the countdown moves on to the next hour; the post is listed
        await until(pilot, lambda: "(u)" not in header_of(app))
        after = app.feeder.update()
        assert after is not None and after.view.slot.key == "t0-status-update@15:00"
        assert not after.due and after.left == timedelta(minutes=55)
        await pilot.press("m")
        screen = app.screen
        assert isinstance(screen, MetricsScreen)
        posts = screen.query_one("#posts", Static)
        await until(pilot, lambda: "Updates posted (1)" in str(posts.render()))
        assert "#release  status_update  (webhook)" in str(posts.render())


async def test_a_spectator_sees_the_countdown_without_the_key(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    launch_done(journal, clock, config)
    clock.set(config.release.launch_at + timedelta(hours=6, minutes=5))
    spectator = Journal.readonly(config.journal_path, clock=clock)
    app = CockpitApp(config, runbook, spectator, clock=clock, poll_seconds=0.05,
                     spectator_reason="--spectate")
    try:
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: "due" in header_of(app))
            assert "(u)" not in header_of(app)
            await pilot.press("u")
            await pilot.pause(0.2)
            assert not asked(app, ParamsModal)
    finally:
        spectator.close()


@pytest.mark.usefixtures("gates_go")
async def test_at_80x24_the_update_due_and_its_key_stay_in_the_header(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    launch_done(journal, clock, config)
    clock.set(config.release.launch_at + timedelta(hours=6, minutes=5))
    app = CockpitApp(config, runbook, journal, clock=clock, poll_seconds=0.05)
    async with app.run_test(size=(80, 24)) as pilot:
        for mode in ("t", "b", "m"):
            await pilot.press(mode)
            await until(pilot, lambda: "✉" in header_of(app))
            assert "due (u)" in header_of(app), header_of(app)


@pytest.mark.usefixtures("gates_go")
async def test_a_number_no_source_has_is_asked_before_the_post_never_made_up(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock,
        release_hook: WebhookServer) -> None:
    """The release is not on the forge yet and no metric has downloads: the update asks."""
    launch_done(journal, clock, config)
    clock.set(config.release.launch_at + timedelta(hours=6, minutes=5))
    journal.record(MetricSample(metric="active_users", value=42, source="telemetry"))
    app = CockpitApp(load_config(config.source), runbook, journal, clock=clock,
                     poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "(u)" in header_of(app))
        await pilot.press("u")
        await until(pilot, lambda: asked(app, ParamsModal))
        app.screen.query_one("#param-health", Input).value = "Yellow: no release yet"
        await pilot.press("enter")
        await until(pilot, lambda: asked(app, ParamsModal)
                    and "no source for downloads" in str(app.screen.query_one(".modal-title")
                                                         .render()))
        wanted = [w.id for w in app.screen.query(Input)]
        assert "param-downloads" in wanted  # what the forge and the samples lack, only
        for name in wanted:
            app.screen.query_one(f"#{name}", Input).value = "17"
        await pilot.press("enter")
        await until(pilot, lambda: asked(app, StepConfirmModal))
        assert "- Downloads: 17" in str(app.screen.query_one("#confirm-body").render())
        await pilot.press("y")
        await until(pilot, lambda: len(release_hook.received.posts) == 1)
        assert "- Downloads: 17\n" in release_hook.received.posts[0]

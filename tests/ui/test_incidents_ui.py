"""Issue 14: incident command in the cockpit, driven with Pilot: I declares one from any
screen, the header's badge counts its phase down on every mode, the incident screen moves it
on, takes notes and resolves it; a spectator sees it all and can change nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from textual.widgets import Input, Static

from cockpit.app.app import CockpitApp
from cockpit.clock import FrozenClock
from cockpit.config import Config
from cockpit.journal.store import Journal
from cockpit.runbook.model import Runbook
from screens.incidents import IncidentsScreen
from screens.modals import ConfirmModal, ParamsModal
from tests.ui.test_timeline_ui import SIZE, asked, until
from tests.webhookserver import WebhookServer
from widgets.header import CockpitHeader


def header_of(app: CockpitApp) -> str:
    return str(app.screen.query_one(CockpitHeader).render())


def shown(app: CockpitApp, part: str) -> str:
    return str(app.screen.query_one(f"#{part}", Static).render())


async def test_declare_move_note_and_resolve_an_incident(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    app = CockpitApp(config, runbook, journal, clock=clock, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")  # from any screen
        await pilot.press("I")
        await until(pilot, lambda: asked(app, ParamsModal))
        modal = app.screen
        modal.query_one("#param-title", Input).value = "Crash on start with an empty config"
        modal.query_one("#param-scenario", Input).value = "meteor"
        modal.query_one("#param-reporter", Input).value = "@sam on Discord"
        reported = clock.now() - timedelta(minutes=2)
        modal.query_one("#param-reported_at", Input).value = reported.astimezone(
            config.release.tz).strftime("%H:%M")
        await pilot.press("enter")  # a bad scenario: said in the dialog, nothing journaled
        await until(pilot, lambda: "unknown scenario 'meteor'" in str(
            modal.query_one("#params-error", Static).render()))
        assert app.state.incidents.by_id == {}
        modal.query_one("#param-scenario", Input).value = "crash-on-start"
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, IncidentsScreen))
        await until(pilot, lambda: "Crash on startup" in shown(app, "summary"))
        assert "🔥 #1 P0 identify" in header_of(app)
        for mode in ("t", "b", "m", "exclamation_mark"):  # the badge on every mode
            await pilot.press(mode)
            await until(pilot, lambda: "🔥 #1 P0 identify" in header_of(app))
        await pilot.press("full_stop")
        await until(pilot, lambda: asked(app, ConfirmModal))
        await pilot.press("y")
        await until(pilot, lambda: app.state.incidents.by_id["1"].phase == "alert")
        await pilot.press("a")
        await pilot.press(*"reproduced on Linux")
        await pilot.press("enter")
        await until(pilot, lambda: "reproduced on Linux" in shown(app, "notes"))
        await pilot.press("escape")
        await pilot.press("z")
        await until(pilot, lambda: asked(app, ParamsModal))
        await pilot.press("enter")  # no decision: refused in the dialog
        await until(pilot, lambda: "a resolution needs a decision" in str(
            app.screen.query_one("#params-error", Static).render()))
        app.screen.query_one("#param-decision", Input).value = "hotfix"
        app.screen.query_one("#param-root_cause", Input).value = "unwrap on a missing file"
        await pilot.press("enter")
        await until(pilot, lambda: asked(app, ParamsModal)  # then its post is offered
                    and app.screen.query_one("#param-cause", Input).value != "")
        await pilot.press("escape")  # not posted now
        await until(pilot, lambda: isinstance(app.screen, IncidentsScreen))
        await until(pilot, lambda: "resolved" in shown(app, "people"))
        assert "post-mortem due" in shown(app, "people")
        assert "🔥" not in header_of(app)
    incident = app.state.incidents.by_id["1"]
    assert incident.reported_at == reported.replace(second=0, microsecond=0)
    assert [m.phase for m in incident.marks] == ["identify", "alert"]
    assert incident.resolution is not None and incident.resolution.decision == "hotfix"


async def test_a_spectator_sees_the_incident_and_cannot_change_it(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    from cockpit.engine import incidents as cmd
    from cockpit.state.launch import LaunchState

    state = LaunchState()
    state.apply(journal.events())
    cmd.declare(journal, runbook.timeline.incidents, state.incidents, title="PII in telemetry",
                severity="P0", scenario="pii-in-telemetry", operator="alice")
    clock.advance(timedelta(minutes=6))  # identify is past its 5 minutes: red
    spectator = Journal.readonly(config.journal_path, clock=clock)
    app = CockpitApp(config, runbook, spectator, clock=clock, poll_seconds=0.05,
                     spectator_reason="--spectate")
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: "🔥 #1 P0 identify" in header_of(app))
            await pilot.press("exclamation_mark")
            await until(pilot, lambda: "Disable telemetry" in shown(app, "summary"))
            await pilot.press("p")  # the report: shown, written nowhere
            await until(pilot, lambda: asked(app, ConfirmModal))
            assert "-o FILE` writes it" in str(app.screen.query_one("#confirm-body").render())
            assert not (config.journal_path.parent / "incident-1.md").exists()
            await pilot.press("escape")
            before = spectator.last_id()
            for key in ("I", "full_stop", "a", "z"):
                await pilot.press(key)
            await pilot.pause(0.3)
            assert not asked(app, ParamsModal) and not asked(app, ConfirmModal)
            assert spectator.last_id() == before
            state.apply(journal.events(after=state.last_id))
            cmd.move(journal, runbook.timeline.incidents, state.incidents, "1", "alert",
                     operator="alice")  # the controller moves it on: seen live
            await until(pilot, lambda: "🔥 #1 P0 alert" in header_of(app))
            assert app.state.incidents.by_id["1"].phase == "alert"
    finally:
        spectator.close()


@pytest.mark.usefixtures("gates_go")
async def test_a_hotfix_started_from_the_incident_is_linked_and_in_its_report(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    from cockpit.engine import incidents as cmd
    from cockpit.state.launch import LaunchState

    state = LaunchState()
    state.apply(journal.events())
    cmd.declare(journal, runbook.timeline.incidents, state.incidents,
                title="Crash on start with an empty config", severity="P0",
                scenario="crash-on-start", operator="alice")
    app = CockpitApp(config, runbook, journal, clock=clock, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("exclamation_mark")
        await until(pilot, lambda: "Crash on startup" in shown(app, "summary"))
        await pilot.press("H")
        await until(pilot, lambda: asked(app, ParamsModal))
        assert isinstance(app.screen_stack[-2], IncidentsScreen)  # the dialog over it
        assert app.screen.query_one("#param-reason", Input).value == (
            "Crash on start with an empty config")
        await pilot.press("enter")
        await until(pilot, lambda: asked(app, ConfirmModal))  # the whole plan, then yes
        await pilot.press("y")
        await until(pilot, lambda: app.state.incidents.by_id["1"].runs != [])
        run = app.state.runs[app.state.incidents.by_id["1"].runs[0]]
        assert run.playbook == "hotfix"
        # the incident's screen stays while the hotfix runs, the run in its list
        await until(pilot, lambda: "runs from it: hotfix running" in shown(app, "runs"))
        assert isinstance(app.screen, IncidentsScreen)
        app.flows.cancel_run("hotfix")  # type: ignore[union-attr]
        await until(pilot, lambda: not app.running())
        await until(pilot, lambda: "runs from it: hotfix" in shown(app, "runs"))
        assert isinstance(app.screen, IncidentsScreen)
        await pilot.press("p")
        await until(pilot, lambda: asked(app, ConfirmModal))
        body = str(app.screen.query_one("#confirm-body").render())
        assert "hotfix" in body and "Crash on start with an empty config" in body
    report = config.journal_path.parent / "incident-1.md"
    assert report.read_text().startswith("# ")


async def test_u_posts_the_alert_then_an_update_every_30_minutes_then_the_resolution(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock,
        release_hook: WebhookServer) -> None:
    from cockpit.config import load_config
    from cockpit.engine import incidents as cmd
    from cockpit.state.launch import LaunchState
    from screens.modals import StepConfirmModal

    hook = release_hook
    state = LaunchState()
    state.apply(journal.events())
    cmd.declare(journal, runbook.timeline.incidents, state.incidents,
                title="Crash on start with an empty config", severity="P0",
                scenario="crash-on-start", operator="alice")
    state.apply(journal.events(after=state.last_id))  # the incident, folded
    cmd.assign(journal, state.incidents, "1", "commander", "Alice Doe", operator="alice")
    app = CockpitApp(load_config(config.source), runbook, journal, clock=clock,
                     poll_seconds=0.05)

    async def post(values: dict[str, str]) -> None:
        await pilot.press("u")
        await until(pilot, lambda: asked(app, ParamsModal))
        for name, value in values.items():
            app.screen.query_one(f"#param-{name}", Input).value = value
        await pilot.press("enter")
        await until(pilot, lambda: asked(app, StepConfirmModal))  # at once: no w
        await pilot.press("y")

    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "🔥 #1" in header_of(app))
        await post({})  # the alert first: its title and commander filled in
        await until(pilot, lambda: len(hook.received.posts) == 1)
        assert hook.received.posts[0] == (
            "🚨 P0 INCIDENT #1: Crash on start with an empty config\nStatus: INVESTIGATING\n"
            "Owner: Alice Doe\nETA: 1 hour")
        await until(pilot, lambda: len(app.state.incidents.by_id["1"].updates) == 1)
        clock.advance(timedelta(minutes=31))  # 30 minutes on: an update is due
        await until(pilot, lambda: "update due" in header_of(app))
        await pilot.press("u")  # pre-filled from the journal, editable
        await until(pilot, lambda: asked(app, ParamsModal))
        due = (clock.now() - timedelta(minutes=26)).astimezone(config.release.tz)
        assert app.screen.query_one("#param-eta", Input).value.startswith(
            f"identify due by {due:%H:%M} (")  # its clock: 5 minutes from the report
        assert app.screen.query_one("#param-changed", Input).value == (
            "nothing journaled since the last update")
        await pilot.press("escape")
        await until(pilot, lambda: not asked(app, ParamsModal))
        await post({"eta": "16:30", "changed": "reproduced; root cause found"})
        await until(pilot, lambda: len(hook.received.posts) == 2)
        assert hook.received.posts[1].startswith(
            "🚨 P0 UPDATE 1 on #1: Crash on start with an empty config\nStatus: "
            "INVESTIGATING\nOwner: Alice Doe\nETA: 16:30\nSince the last update: reproduced")
        clock.advance(timedelta(minutes=31))  # the same words again: still a new post
        await until(pilot, lambda: "update due" in header_of(app))
        await post({"eta": "16:30", "changed": "reproduced; root cause found"})
        await until(pilot, lambda: len(hook.received.posts) == 3)
        assert hook.received.posts[2].startswith("🚨 P0 UPDATE 2 on #1: Crash")
        await until(pilot, lambda: "update due" not in header_of(app))
        await pilot.press("exclamation_mark")
        await pilot.press("z")
        await until(pilot, lambda: asked(app, ParamsModal))
        for name, value in {"decision": "hotfix", "root_cause": "unwrap on a missing file",
                            "fix": "v1.1.0-beta.1", "impact": "Linux users",
                            "prevention": "a test"}.items():
            app.screen.query_one(f"#param-{name}", Input).value = value
        await pilot.press("enter")
        await until(pilot, lambda: asked(app, ParamsModal))  # the resolved post's values
        assert app.screen.query_one("#param-cause", Input).value == (
            "unwrap on a missing file")
        await pilot.press("enter")
        await until(pilot, lambda: asked(app, StepConfirmModal))
        await pilot.press("y")
        await until(pilot, lambda: len(hook.received.posts) == 4)
        assert hook.received.posts[3].startswith("✅ P0 RESOLVED #1: Crash on start")



async def test_with_an_incident_declared_the_alert_no_longer_offers_to_declare_one(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    from cockpit.engine import incidents as cmd
    from cockpit.state.launch import LaunchState
    from tests.ui.test_metrics_ui import journal_samples

    journal_samples(journal, clock, p0=1)
    app = CockpitApp(config, runbook, journal, clock=clock, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "🚨 p0: 1" in header_of(app))
        assert "(I" in header_of(app) or "I declares" in header_of(app)
        state = LaunchState()
        state.apply(journal.events())
        cmd.declare(journal, runbook.timeline.incidents, state.incidents, title="Crash",
                    severity="P0", operator="alice")
        await until(pilot, lambda: "🔥 #1" in header_of(app))
        assert "🚨 p0: 1" in header_of(app) and "(I" not in header_of(app)
        assert "I declares" not in header_of(app)


async def test_an_update_falling_due_is_said_once(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    from cockpit.engine import incidents as cmd
    from cockpit.state.launch import LaunchState

    state = LaunchState()
    state.apply(journal.events())
    cmd.declare(journal, runbook.timeline.incidents, state.incidents, title="Crash",
                severity="P0", operator="alice")
    app = CockpitApp(config, runbook, journal, clock=clock, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "🔥 #1" in header_of(app))
        clock.advance(timedelta(minutes=31))

        def said() -> int:
            return sum("incident #1: update due" in n.title for n in app.notices)

        await until(pilot, lambda: said() == 1)
        app._remind()  # the next rounds: not said again
        app._remind()
        await pilot.pause()
        assert said() == 1 and "update due" in header_of(app)


async def test_a_report_time_later_than_now_is_yesterdays(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    tz = config.release.tz
    clock.set(clock.now().astimezone(tz).replace(hour=0, minute=3))  # just after midnight
    app = CockpitApp(config, runbook, journal, clock=clock, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("I")
        await until(pilot, lambda: asked(app, ParamsModal))
        app.screen.query_one("#param-title", Input).value = "Crash"
        app.screen.query_one("#param-reported_at", Input).value = "23:58"
        await pilot.press("enter")
        await until(pilot, lambda: "1" in app.state.incidents.by_id)
    reported = app.state.incidents.by_id["1"].reported_at.astimezone(tz)
    assert (reported.hour, reported.minute) == (23, 58)
    assert clock.now() - reported == timedelta(minutes=5)


async def test_at_80_columns_several_incidents_take_one_badge_the_worst_clock(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    from cockpit.engine import incidents as cmd
    from cockpit.state.launch import LaunchState

    rules = runbook.timeline.incidents
    for title, back in (("Crash", 1), ("PII in telemetry", 6), ("Typo", 2)):
        state = LaunchState()
        state.apply(journal.events())
        cmd.declare(journal, rules, state.incidents, title=title, severity="P0",
                    reported_at=clock.now() - timedelta(minutes=back), operator="alice")
    app = CockpitApp(config, runbook, journal, clock=clock, poll_seconds=0.05)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: "🔥" in header_of(app))
        shown = header_of(app)
        # #2 was reported 6 minutes ago: its identify is past its 5 minutes, the worst
        assert "🔥 3 open: #2 P0 identify 1m!" in shown and shown.count("🔥") == 1


async def test_the_incident_screen_lists_its_runs_builds_and_forge_changes(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    from cockpit.engine import incidents as cmd
    from cockpit.journal import events as ev
    from cockpit.state.launch import LaunchState

    state = LaunchState()
    state.apply(journal.events())
    cmd.declare(journal, runbook.timeline.incidents, state.incidents, title="Crash",
                severity="P0", scenario="crash-on-start", operator="alice")
    journal.record(ev.RunStarted(playbook="hotfix", incident="1"), run_id="h1")
    journal.record(ev.Intent(key="forge:release:v2", what="release v2 on acme/tool"),
                   run_id="h1")
    journal.record(ev.IntentSettled(key="forge:release:v2", done=True), run_id="h1")
    journal.record(ev.BuildStarted(targets=[{"target": t, "builder": "local"} for t in "ab"],
                                  run="h1"),
                   run_id="b-7")
    app = CockpitApp(config, runbook, journal, clock=clock, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("exclamation_mark")
        await until(pilot, lambda: "runs from it: hotfix" in shown(app, "runs"))
        assert "builds: b-7 started (2 targets)" in shown(app, "runs")
        assert "changes: release v2 on acme/tool: done" in shown(app, "runs")
        journal.record(ev.BuildFinished(status=ev.BuildStatus.OK,
                                        results={"a": "ok", "b": "ok"}), run_id="b-7")
        await until(pilot, lambda: "builds: b-7 finished: ok (2 targets)" in shown(app, "runs"))


async def test_the_next_update_turns_amber_near_due_and_red_past_it_on_the_incident_screen(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    from cockpit.engine import incidents as cmd
    from cockpit.state.launch import LaunchState

    state = LaunchState()
    state.apply(journal.events())
    cmd.declare(journal, runbook.timeline.incidents, state.incidents, title="Crash",
                severity="P0", operator="alice")

    def update_style() -> str:
        people: Any = app.screen.query_one("#people", Static).render()  # its Content
        line = people.plain.index("status update")
        return " ".join(str(s.style) for s in people.spans if s.start <= line < s.end)

    app = CockpitApp(config, runbook, journal, clock=clock, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("exclamation_mark")
        await until(pilot, lambda: "next status update in 30m" in shown(app, "people"))
        assert update_style() == ""
        clock.advance(timedelta(minutes=25))  # 5 of its 30 minutes left: amber
        await until(pilot, lambda: "next status update in 5m" in shown(app, "people"))
        assert "on rgb(255,135,0)" in update_style()  # dark_orange
        clock.advance(timedelta(minutes=6))
        await until(pilot, lambda: "status update OVERDUE" in shown(app, "people"))
        assert "on ansi_red" in update_style()


async def test_a_new_incident_is_the_one_shown_once_declared(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    from cockpit.engine import incidents as cmd
    from cockpit.state.launch import LaunchState

    rules = runbook.timeline.incidents
    state = LaunchState()
    state.apply(journal.events())
    cmd.declare(journal, rules, state.incidents, title="An old one", severity="P1",
                operator="alice")
    state.apply(journal.events(after=state.last_id))
    cmd.resolve(journal, rules, state.incidents, "1", decision="hotfix", operator="alice")
    app = CockpitApp(config, runbook, journal, clock=clock, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("exclamation_mark")
        await until(pilot, lambda: "#1 P1 An old one" in shown(app, "summary"))
        await pilot.press("I")
        await until(pilot, lambda: asked(app, ParamsModal))
        app.screen.query_one("#param-title", Input).value = "Crash on start"
        await pilot.press("enter")
        await until(pilot, lambda: "2" in app.state.incidents.by_id)
        await until(pilot, lambda: "#2 P0 Crash on start" in shown(app, "summary"))
        await pilot.pause(0.3)  # and it stays selected as the screen redraws
        assert "#2 P0 Crash on start" in shown(app, "summary")


async def test_i_from_the_p0_alert_fills_in_the_issue_behind_it(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    from tests.ui.test_metrics_ui import journal_samples

    journal_samples(journal, clock, p0=1)  # issue #41, labelled P0, listed after the count
    app = CockpitApp(config, runbook, journal, clock=clock, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "🚨 p0: 1" in header_of(app))
        await pilot.press("I")
        await until(pilot, lambda: asked(app, ParamsModal))
        assert app.screen.query_one("#param-title", Input).value == (
            "Crash on start with an empty config")  # editable, like every value there
        assert app.screen.query_one("#param-reporter", Input).value == (
            "issue #41 on the forge")


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_the_declare_dialog_shows_every_severity_definition_whole(
        size: tuple[int, int], config: Config, runbook: Runbook, journal: Journal,
        clock: FrozenClock) -> None:
    from textual.geometry import Region
    from textual.widgets import Label

    app = CockpitApp(config, runbook, journal, clock=clock, poll_seconds=0.05)
    async with app.run_test(size=size) as pilot:
        await pilot.press("I")
        await until(pilot, lambda: asked(app, ParamsModal))
        await pilot.pause()
        label = next(w for w in app.screen.query(Label) if "P0:" in str(w.render()))
        body = label.parent
        assert body is not None and label.region.width <= body.region.width  # not cut off
        lines = label.render_lines(Region(0, 0, label.size.width, label.size.height))
        shown = " ".join(" ".join("".join(s.text for s in line).split()) for line in lines)
        for severity in runbook.timeline.incidents.severities:
            assert " ".join(f"{severity.name}: {severity.definition}".split()) in shown


async def test_a_p2_shows_its_fix_deadline_and_no_p0_pace(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    """An hour after its report a P2 is not red for going unidentified, and no status update
    is due every 30 minutes: the header's badge has no countdown but the fix's."""
    from cockpit.engine import incidents as cmd
    from cockpit.state.launch import LaunchState

    rules = runbook.timeline.incidents
    state = LaunchState()
    state.apply(journal.events())
    cmd.declare(journal, rules, state.incidents, title="Typo in --help", severity="P2",
                reported_at=clock.now() - timedelta(hours=1), operator="alice")
    app = CockpitApp(config, runbook, journal, clock=clock, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("exclamation_mark")
        await until(pilot, lambda: "#1 P2 Typo in --help" in shown(app, "summary"))
        people = shown(app, "people")
        assert "no update cadence for a P2" in people and "OVERDUE" not in people
        assert "🔥 #1 P2 identify" in header_of(app) and "OVER" not in header_of(app)
        assert "left" not in header_of(app).split("🔥")[1]
        await pilot.press("t")
        await until(pilot, lambda: app.current_mode == "timeline")
        await pilot.press("u")  # no P0 alert is due for it: u stays the launch's update key
        await pilot.pause(0.3)
        assert app.current_mode == "timeline" and not any(
            r.playbook == "incident-alert" for r in app.state.runs.values())

"""Issue 13: metrics mode (m) driven with Pilot, fed by samples journaled as the sources
journal them; the alert banner a P0 raises on every mode."""

from __future__ import annotations

from datetime import timedelta

from rich.text import Text
from textual.widgets import DataTable, Input, Sparkline, Static

from cockpit.app.app import CockpitApp
from cockpit.clock import FrozenClock
from cockpit.config import Config
from cockpit.journal.events import Announcement, MetricFailed, MetricSample, RunStarted
from cockpit.journal.store import Journal
from cockpit.runbook.model import Runbook
from screens.metrics import MetricsScreen
from screens.modals import ParamsModal
from tests.ui.test_timeline_ui import SIZE, asked, until
from widgets.header import CockpitHeader

ISSUES = [{"number": 41, "title": "Crash on start with an empty config", "labels": ["P0"]},
          {"number": 40, "title": "Typo in --help", "labels": ["P1"]}]


def journal_samples(journal: Journal, clock: FrozenClock, *, p0: int = 0) -> None:
    """Downloads every 30 minutes since T-0, and the issues by label, as the sources would."""
    launch = clock.now()
    start = launch - timedelta(hours=3)
    for i in range(7):
        clock.set(start + timedelta(minutes=30 * i))
        journal.record(MetricSample(
            metric="downloads", value=10 * i,
            detail={"assets": {"caro-x86_64-linux.tar.gz": 7 * i, "caro-aarch64-macos.tar.gz":
                               3 * i}, "release": "v1.1.0-beta"}, source="forge"))
    journal.record(MetricSample(metric="p0", value=p0, detail={
        "labels": {"P0": p0, "P1": 1}, "issues": ISSUES[:p0] + ISSUES[1:]}, source="forge"))
    journal.record(MetricSample(metric="p1", value=1, source="forge"))
    journal.record(MetricFailed(metric="p1", error="HTTP 502 from api.github.com",
                                fix="the forge is failing: it is asked again in 60 s",
                                retry_in=60))
    clock.set(launch)


def text_of(screen: MetricsScreen) -> str:
    table = screen.query_one("#metrics", DataTable)
    rows = [" | ".join(c.plain if isinstance(c, Text) else str(c) for c in table.get_row(k))
            for k in table.rows]
    return "\n".join(rows)


def detail_of(screen: MetricsScreen) -> str:
    return "\n".join(str(screen.query_one(f"#{i}", Static).render())
                     for i in ("summary", "axis", "detail"))


async def test_metrics_mode_shows_values_changes_tiers_projection_and_detail(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    journal_samples(journal, clock)
    app = CockpitApp(config, runbook, journal, clock=clock, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m")
        screen = app.screen
        assert isinstance(screen, MetricsScreen)
        await until(pilot, lambda: "downloads" in text_of(screen))
        table = text_of(screen).splitlines()
        downloads = next(r for r in table if r.startswith("downloads"))
        cells = [c.strip() for c in downloads.split(" | ")]
        # no update posted yet: no change since one (the title says what the column is); T-0
        # is 08:00 local, 2h20 before now: the last value read by then was 10
        assert cells[1:4] == ["60", "—", "+50"], cells
        assert "Δ update: no update posted yet" in str(
            screen.query_one("#metrics", DataTable).border_title)
        assert "▁" in cells[4] and "█" in cells[4]  # the history, plotted
        assert cells[5] == "target"  # Day 1: >= 50
        assert cells[6].startswith("on track")
        # a metric with no samples says so, not a zero
        awu = next(r for r in table if r.startswith("active_users"))
        assert "no samples" in awu and " 0 " not in awu
        # a failing source: stale, with the error
        p1 = next(r for r in table if r.startswith("p1"))
        assert "⚠" in p1
        # the detail of the selected row (downloads: the first by name after active_users)
        await pilot.press("down")
        await until(pilot, lambda: "downloads per asset" in detail_of(screen))
        said = detail_of(screen)
        assert "42  caro-x86_64-linux.tar.gz" in said and "(v1.1.0-beta)" in said
        assert "Day 1 (Day 1 downloads): target >= 50; reached: target; on track" in said
        assert "Week 1 (Week 1 downloads): minimum >= 100, target >= 200, outstanding >= 250" \
            in said
        assert screen.query_one("#plot", Sparkline).data == [0, 10, 20, 30, 40, 50, 60]
        # its time labels: the first and last samples' and, at this width, three between
        axis = str(screen.query_one("#axis").render()).split()
        assert len(axis) == 5 and axis[0] == "07:20" and axis[-1] == "10:20", axis
        await pilot.press("up")
        await until(pilot, lambda: "no samples yet" in detail_of(screen))
        assert "[[metrics]]" in detail_of(screen)  # how to configure it
        # sorting: by value, the biggest first
        await pilot.press("s")
        await pilot.pause()
        assert text_of(screen).splitlines()[0].startswith("downloads")
        assert "by value" in str(screen.query_one("#metrics", DataTable).border_title)
        # enter: the selected metric alone
        await pilot.press("enter")
        await pilot.pause()
        assert not screen.query_one("#metrics", DataTable).display
        await pilot.press("enter")  # and back
        await pilot.pause()
        assert screen.query_one("#metrics", DataTable).display
        await pilot.press("enter")  # escape goes back too, and leaves the table shown
        await pilot.pause()
        assert not screen.query_one("#metrics", DataTable).display
        await pilot.press("escape")
        await pilot.pause()
        assert screen.query_one("#metrics", DataTable).display
        assert screen.focused is screen.query_one("#metrics", DataTable)
        await pilot.press("escape")
        await pilot.pause()
        assert screen.query_one("#metrics", DataTable).display
        # the selection stayed on its metric (active_users, last by value); above it p0: the
        # issues by label, with their titles; above that p1: a stale source's error and fix
        await pilot.press("up")
        await until(pilot, lambda: "#40 Typo in --help [P1]" in detail_of(screen))
        assert "open issues by label: P0 0, P1 1" in detail_of(screen)
        await pilot.press("up")
        await until(pilot, lambda: "HTTP 502 from api.github.com" in detail_of(screen))
        assert "fix: the forge is failing: it is asked again in 60 s" in detail_of(screen)


async def test_an_open_p0_raises_a_banner_on_every_mode_offering_to_declare_an_incident(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    journal_samples(journal, clock, p0=1)
    app = CockpitApp(config, runbook, journal, clock=clock, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        for mode in ("t", "b", "m"):
            await pilot.press(mode)
            header = app.screen.query_one(CockpitHeader)
            await until(pilot, lambda h=header: "🚨 p0: 1" in str(h.render()))
            said = str(header.render())  # the full form, or the compact one that fits
            assert "I declares an incident" in said or "(I: incident)" in said
        await pilot.press("m")
        screen = app.screen
        assert isinstance(screen, MetricsScreen)
        await until(pilot, lambda: "p0" in text_of(screen))
        await pilot.press("I")
        await until(pilot, lambda: asked(app, ParamsModal))
        # the incident's title: the P0 issue's (what is broken), its severity: P0 to begin with
        assert app.screen.query_one("#param-title", Input).value == ISSUES[0]["title"]
        assert app.screen.query_one("#param-severity", Input).value == "P0"


async def test_no_banner_while_p0_is_zero_and_80x24_keeps_the_emergency_keys(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    journal_samples(journal, clock, p0=0)
    app = CockpitApp(config, runbook, journal, clock=clock, poll_seconds=0.05)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("m")
        screen = app.screen
        assert isinstance(screen, MetricsScreen)
        await until(pilot, lambda: "downloads" in text_of(screen))
        header = screen.query_one(CockpitHeader)
        await until(pilot, lambda: "T+" in str(header.render()))
        assert "🚨" not in str(header.render())
        from textual.widgets._footer import FooterKey
        keys = {k.key for k in screen.query(FooterKey)}
        assert {"H", "R", "q"} <= keys


async def test_a_spectator_sees_the_banner_without_the_key_it_cannot_use(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    journal_samples(journal, clock, p0=1)
    spectator = Journal.readonly(config.journal_path, clock=clock)
    app = CockpitApp(config, runbook, spectator, clock=clock, poll_seconds=0.05,
                     spectator_reason="--spectate")
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("m")
            header = app.screen.query_one(CockpitHeader)
            await until(pilot, lambda: "🚨 p0: 1" in str(header.render()))
            assert "(I" not in str(header.render()) and "I declares" not in str(header.render())
            await pilot.press("I")  # not bound for a spectator: nothing starts
            await pilot.pause(0.2)
            assert not asked(app, ParamsModal)
    finally:
        spectator.close()


async def test_a_threshold_configured_on_a_metric_raises_the_banner_too(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    from cockpit.metricsconfig import ForgeDownloads

    journal_samples(journal, clock, p0=0)
    watched = config.model_copy(update={"metrics": [ForgeDownloads(
        name="downloads", kind="forge-downloads", every=86400, alert_above=50)]})
    app = CockpitApp(watched, runbook, journal, clock=clock, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        header = app.screen.query_one(CockpitHeader)
        await until(pilot, lambda: "downloads: 60 (above 50)" in str(header.render()))
        assert "p0:" not in str(header.render())  # zero P0s: that target is met


def post(journal: Journal, run_id: str, playbook: str) -> None:
    """A run of `playbook` posting its message, as the announce step journals it."""
    journal.record(RunStarted(playbook=playbook, steps=["post"]), run_id=run_id)
    journal.record(Announcement(channel="release", template=playbook, posted=True,
                                digest=run_id), run_id=run_id, step="post")


async def test_the_change_is_since_the_value_read_when_the_last_update_was_posted(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    journal_samples(journal, clock)  # downloads 0, 10, ... 60 every 30 minutes to now
    now = clock.now()
    app = CockpitApp(config, runbook, journal, clock=clock, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m")
        screen = app.screen
        assert isinstance(screen, MetricsScreen)
        await until(pilot, lambda: "downloads" in text_of(screen))

        def downloads() -> list[str]:
            row = next(r for r in text_of(screen).splitlines() if r.startswith("downloads"))
            return [c.strip() for c in row.split(" | ")]

        assert downloads()[1:3] == ["60", "—"]
        # the hourly update posted 50 minutes ago: 40 was the latest read by then
        clock.set(now - timedelta(minutes=50))
        post(journal, "r-hourly", "status-update")
        # an incident's post is no launch update: it changes nothing
        clock.set(now - timedelta(minutes=10))
        post(journal, "r-incident", "incident-update")
        clock.set(now)
        await until(pilot, lambda: downloads()[1:3] == ["60", "+20"])
        title = str(screen.query_one("#metrics", DataTable).border_title)
        assert "Δ update: since the update posted" in title
        await pilot.press("down")  # downloads' detail says the same
        await until(pilot, lambda: "Δ since the update posted" in detail_of(screen))
        assert "+20, Δ launch +50" in detail_of(screen)
        # a later update: from the value read then (60)
        post(journal, "r-hourly-2", "status-update")
        await until(pilot, lambda: downloads()[1:3] == ["60", "+0"])


async def test_a_configured_metric_never_read_says_why_not_how_to_configure_it(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    from cockpit.metricsconfig import ForgeDownloads

    journal.record(MetricFailed(metric="downloads", error="no release tagged v1.1.0-beta on "
                                "the forge yet", fix="nothing to do until it is published"))
    watched = config.model_copy(update={"metrics": [
        ForgeDownloads(name=name, kind="forge-downloads", every=86400)
        for name in ("downloads", "downloads_all")]})
    spectator = Journal.readonly(config.journal_path, clock=clock)  # polls nothing
    app = CockpitApp(watched, runbook, spectator, clock=clock, poll_seconds=0.05,
                     spectator_reason="--spectate")
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("m")
            screen = app.screen
            assert isinstance(screen, MetricsScreen)
            await until(pilot, lambda: "downloads_all" in text_of(screen))
            await pilot.press("down")  # active_users (targeted, no source), then downloads
            await until(pilot, lambda: detail_of(screen).startswith("downloads "))
            said = detail_of(screen)
            assert "no sample yet" in said
            assert "stale: no release tagged v1.1.0-beta on the forge yet" in said
            assert "fix: nothing to do until it is published" in said
            assert "add a source" not in said and "[[metrics]]" not in said
            await pilot.press("down")  # configured, no sample, no failure: its poll to come
            await until(pilot, lambda: detail_of(screen).startswith("downloads_all"))
            said = detail_of(screen)
            assert "no sample yet: its source is configured, its first poll is pending" in said
            assert "add a source" not in said
            await pilot.press("up", "up")  # targeted with no source: how to add one
            await until(pilot, lambda: detail_of(screen).startswith("active_users"))
            assert "add a source for it to cockpit.toml" in detail_of(screen)
    finally:
        spectator.close()


async def test_the_columns_show_names_whole_and_a_stale_reason_readable_at_160_and_80(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    from textwrap import wrap

    reason = "no release tagged v1.1.0-beta on the local forge /tmp/met13demo/forge yet"
    journal_samples(journal, clock)
    journal.record(MetricFailed(metric="downloads_all", error=reason, fix="publish it"))
    for size, lines in (((160, 48), 1), ((80, 24), 3)):
        app = CockpitApp(config, runbook, journal, clock=clock, poll_seconds=0.05)
        async with app.run_test(size=size) as pilot:
            await pilot.press("m")
            screen = app.screen
            assert isinstance(screen, MetricsScreen)
            await until(pilot, lambda s=screen: "downloads_all" in text_of(s))
            table = screen.query_one("#metrics", DataTable)
            width = {str(c.key.value): c.width for c in table.columns.values()}
            assert width["metric"] >= len("downloads_all ⚠") and width["value"] >= 2
            # the reason whole: on one line at 160, wrapped on its row's lines at 80
            row = next(r for k, r in table.rows.items() if k.value == "downloads_all")
            assert row.height == lines
            assert len(wrap(f"stale: {reason}", width["outlook"])) <= lines, width
            # and the table still fits the screen, beside the emergency keys
            assert sum(width.values()) + 2 * len(width) <= size[0] - 2
            from textual.widgets._footer import FooterKey
            assert {"H", "R"} <= {k.key for k in screen.query(FooterKey)}

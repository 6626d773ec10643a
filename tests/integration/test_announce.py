"""Announcements: templates with live values, posted to a Discord-compatible webhook on
loopback (429 honoured, 2,000-character parts), journaled, never posted twice."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cockpit.config import Config, load_config
from cockpit.engine.engine import Engine
from cockpit.forge.announce import split
from cockpit.forge.local import LocalForge
from cockpit.journal.store import Journal
from cockpit.runbook.loader import load_runbook
from cockpit.runbook.model import Runbook
from tests.helpers import ScriptedOperator, playbook_folder
from tests.webhookserver import WebhookServer


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> Iterator[WebhookServer]:
    server = WebhookServer()
    monkeypatch.setenv("DISCORD_WEBHOOK", server.url)
    yield server
    server.close()


@pytest.fixture
def live_config(config: Config, hook: WebhookServer, tmp_path: Path) -> Config:
    published(config, tmp_path)
    return load_config(config.source)  # registers the webhook URL as a secret


def published(config: Config, tmp_path: Path) -> None:
    """v1.1.0-beta on the demo's forge, as build-and-upload leaves it."""
    asset = tmp_path / "caro-v1.1.0-beta-x86_64-unknown-linux-gnu.tar.gz"
    asset.write_bytes(b"binary")
    LocalForge(config.base / "forge").seed("v1.1.0-beta", [asset], prerelease=True)


@pytest.mark.usefixtures("gates_go")
async def test_launch_announcement_waits_out_a_429_posts_once_and_is_journaled(
        live_config: Config, runbook: Runbook, journal: Journal, hook: WebhookServer) -> None:
    hook.received.throttle.append(0.4)
    engine = Engine(live_config, runbook, journal)
    operator = ScriptedOperator()
    started = time.monotonic()
    outcome = await engine.run("announce", {}, operator)
    assert outcome.status == "ok"
    assert hook.received.refused == 1 and len(hook.received.posts) == 1
    assert hook.received.times[0] - started >= 0.4  # waited as asked
    post = hook.received.posts[0]
    assert post.startswith("🚀 caro v1.1.0-beta is out!") and "install.sh | sh" in post
    assert any(post in shown for shown in operator.shown)  # previewed before posting
    event = journal.events(kinds=["announcement"])[-1].data
    assert event["posted"] and event["message_ids"] == ["1000001"] and event["channel"] == "discord"
    record = "\n".join(json.dumps(e.data) for e in journal.events())
    assert hook.url.rsplit("/", 1)[1] not in record  # the webhook's token never journaled
    from cockpit.state.record import to_markdown

    md = to_markdown(journal.events(), title="caro", tz=live_config.release.tz)
    assert "## Announcements" in md and "| discord | webhook, 1 part(s) |" in md

    again = await engine.run("announce", {}, ScriptedOperator())
    discord = engine.state().runs[again.run_id].steps["discord"]
    assert discord.status == "skipped" and "already posted to discord" in discord.message
    assert len(hook.received.posts) == 1


async def test_a_long_message_goes_out_in_parts_under_the_limit(
        live_config: Config, runbook: Runbook, journal: Journal, hook: WebhookServer,
        tmp_path: Path) -> None:
    folder = playbook_folder(tmp_path, shout="""
title = "shout"
[params.version]
type = "semver"
default = "{release.version}"
[params.reason]
type = "text"
[[steps]]
id = "post"
kind = "announce"
template = "hotfix"
channel = "discord"
title = "post"
""")
    engine = Engine(live_config, load_runbook(folder), journal)
    reason = "\n".join(f"line {i}: " + "x" * 90 for i in range(40))
    outcome = await engine.run("shout", {"reason": reason}, ScriptedOperator())
    assert outcome.status == "ok"
    assert len(hook.received.posts) == 3 and all(len(p) <= 2000 for p in hook.received.posts)
    assert "\n".join(hook.received.posts).count("line ") == 40


async def test_values_without_a_source_are_asked_not_invented(
        live_config: Config, runbook: Runbook, journal: Journal, hook: WebhookServer,
        tmp_path: Path) -> None:
    folder = playbook_folder(tmp_path, status="""
title = "status"
[params.version]
type = "semver"
default = "{release.version}"
[[steps]]
id = "post"
kind = "announce"
template = "status_update"
channel = "discord"
title = "post"
""")
    engine = Engine(live_config, load_runbook(folder), journal)
    operator = ScriptedOperator()  # asked what no source has (issues: from the forge); declines
    outcome = await engine.run("status", {}, operator)
    assert outcome.status == "aborted" and hook.received.posts == []
    assert operator.asked_values == [("active_users", "health", "hours")]
    assert "the cockpit has no source for active_users, health, hours" in operator.shown[0]
    given = {"active_users": "7", "health": "Yellow: slow installs", "hours": "3"}
    outcome = await engine.run("status", {}, ScriptedOperator(value_answers=[given]))
    assert outcome.status == "ok" and len(hook.received.posts) == 1
    assert "- Active users: 7" in hook.received.posts[0]
    assert "- System health: Yellow: slow installs" in hook.received.posts[0]


@pytest.mark.usefixtures("gates_go")
async def test_the_hourly_status_update_counts_open_issues_on_the_forge(
        config: Config, runbook: Runbook, journal: Journal, hook: WebhookServer, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELEASE_WEBHOOK", hook.url)
    published(config, tmp_path)
    issues = [{"number": n, "state": "open", "labels": [{"name": label}]}
              for n, label in enumerate(["P0", "P1", "P1", "P3"], 1)]
    (config.base / "forge" / "issues.json").write_text(json.dumps(issues))
    engine = Engine(load_config(config.source), runbook, journal)
    outcome = await engine.run("status-update", {"hours": "6", "active_users": "412",
                                                 "health": "All green"}, ScriptedOperator())
    assert outcome.status == "ok"
    assert hook.received.posts == ["T+6 hours update:\n- Downloads: 0\n- Active users: 412\n"
                                   "- Issues reported: 4 (P0: 1, P1: 2)\n"
                                   "- System health: All green"]


@pytest.mark.usefixtures("gates_go")
async def test_without_priority_labels_issue_counts_are_refused_with_the_setting_to_add(
        config: Config, runbook: Runbook, journal: Journal, hook: WebhookServer, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELEASE_WEBHOOK", hook.url)
    published(config, tmp_path)
    text = config.source.read_text()
    config.source.write_text(text.replace('priority_labels = [\n    "P0",\n    "P1",\n    "P2",'
                                          '\n    "P3",\n]\n', ""))
    engine = Engine(load_config(config.source), runbook, journal)
    assert engine.config.forge.priority_labels == []
    operator = ScriptedOperator(value_answers=[{"issues": "5", "p0": "0", "p1": "2"}])
    outcome = await engine.run("status-update", {"hours": "6", "active_users": "412",
                                                 "health": "All green"}, operator)
    assert operator.asked_values == [("issues", "p0", "p1")]  # no source: asked, not made up
    assert outcome.status == "ok"
    assert "- Issues reported: 5 (P0: 0, P1: 2)" in hook.received.posts[0]


@pytest.mark.usefixtures("gates_go")
async def test_announcing_a_release_that_is_not_on_the_forge_says_so(
        config: Config, runbook: Runbook, journal: Journal, hook: WebhookServer) -> None:
    engine = Engine(load_config(config.source), runbook, journal)
    outcome = await engine.run("announce", {}, ScriptedOperator())
    message = engine.state().runs[outcome.run_id].steps["discord"].message
    assert "discord" in outcome.missed and hook.received.posts == []  # the others went on
    assert "v1.1.0-beta is not on the forge" in message


@pytest.mark.usefixtures("gates_go")
async def test_without_a_webhook_the_message_is_handed_over_to_post_by_hand(
        config: Config, runbook: Runbook, journal: Journal, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISCORD_WEBHOOK", raising=False)
    published(config, tmp_path)
    operator = ScriptedOperator()
    outcome = await Engine(config, runbook, journal).run("announce", {}, operator)
    assert outcome.status == "ok"
    assert "post this to discord by hand ($DISCORD_WEBHOOK is not set)" in operator.shown[0]
    assert journal.events(kinds=["announcement"])[-1].data["by_hand"] is True


def test_split_keeps_lines_whole_and_cuts_giant_lines() -> None:
    assert split("a\nb", limit=10) == ["a\nb"]
    parts = split("\n".join(["y" * 6] * 4), limit=14)
    assert parts == ["yyyyyy\nyyyyyy", "yyyyyy\nyyyyyy"]
    assert split("z" * 25, limit=10) == ["z" * 10, "z" * 10, "z" * 5]


@pytest.mark.usefixtures("gates_go")
async def test_a_draft_release_is_not_announced(
        config: Config, runbook: Runbook, journal: Journal, hook: WebhookServer,
        tmp_path: Path) -> None:
    published(config, tmp_path)
    forge = LocalForge(config.base / "forge")
    release = await forge.release("v1.1.0-beta")
    assert release is not None
    await forge.update(release, draft=True)  # rolled back
    engine = Engine(load_config(config.source), runbook, journal)
    outcome = await engine.run("announce", {}, ScriptedOperator())
    message = engine.state().runs[outcome.run_id].steps["discord"].message
    assert "discord" in outcome.missed and hook.received.posts == []
    assert "v1.1.0-beta is a draft on the forge" in message


@pytest.mark.usefixtures("gates_go")
async def test_an_hourly_update_rerun_in_its_hour_is_not_posted_again(
        config: Config, runbook: Runbook, journal: Journal, hook: WebhookServer, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELEASE_WEBHOOK", hook.url)
    published(config, tmp_path)
    engine = Engine(load_config(config.source), runbook, journal)
    params = {"hours": "6", "active_users": "412", "health": "All green"}
    assert (await engine.run("status-update", params, ScriptedOperator())).status == "ok"
    issues = [{"number": 1, "state": "open", "labels": [{"name": "P0"}]}]
    (config.base / "forge" / "issues.json").write_text(json.dumps(issues))  # a count moved
    again = await engine.run("status-update", params, ScriptedOperator())
    post = engine.state().runs[again.run_id].steps["post"]
    assert post.status == "skipped" and len(hook.received.posts) == 1
    later = await engine.run("status-update", {**params, "hours": "7"}, ScriptedOperator())
    assert later.status == "ok" and len(hook.received.posts) == 2  # the next hour's is new


@pytest.mark.usefixtures("gates_go")
async def test_a_long_post_cut_off_mid_way_posts_only_the_parts_that_did_not_go_out(
        config: Config, runbook: Runbook, journal: Journal, hook: WebhookServer, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from cockpit.steps.questions import ManualAnswer

    monkeypatch.setenv("RELEASE_WEBHOOK", hook.url)
    published(config, tmp_path)
    engine = Engine(load_config(config.source), runbook, journal)
    health = "ok " * 1700  # one long line: with the header, four parts
    params = {"hours": "6", "active_users": "412", "health": health}
    hook.received.hang.extend([0, 30])  # part 2 is taken, its reply never comes
    first = asyncio.create_task(engine.run("status-update", params, ScriptedOperator()))
    for _ in range(400):
        if len(hook.received.posts) == 2:
            break
        await asyncio.sleep(0.05)
    first.cancel()  # the cockpit goes away with part 2 in flight
    with pytest.raises(asyncio.CancelledError):
        await first
    assert len(hook.received.posts) == 2
    # part 1 is known posted; part 2 is asked about (the channel has it); parts 3, 4 go out
    operator = ScriptedOperator(manual_answers=[ManualAnswer(True, "part 2 is there")])
    again = await engine.run("status-update", params, operator)
    assert again.status == "ok"
    assert len(hook.received.posts) == 4 and len(set(hook.received.posts)) == 4
    asked = [shown for shown in operator.shown if "ended without knowing" in shown]
    assert len(asked) == 1 and hook.received.posts[1] in asked[0]
    assert "parts 1, 2 went out before" in operator.shown[-1]  # the confirmation says so
    third = await engine.run("status-update", params, ScriptedOperator())
    assert engine.state().runs[third.run_id].steps["post"].status == "skipped"
    assert len(hook.received.posts) == 4


async def test_a_webhook_that_fails_after_taking_a_post_is_not_posted_again_blindly(
        live_config: Config, runbook: Runbook, journal: Journal, hook: WebhookServer) -> None:
    from cockpit.forge import announce

    hook.received.fail.append(502)
    async with announce.client() as client:
        with pytest.raises(announce.AnnounceError, match="may have been posted") as failed:
            await announce.post_part(client, hook.url, "hello", 1, 1, lambda _: None)
    assert failed.value.maybe_posted and len(hook.received.posts) == 1  # taken, not retried

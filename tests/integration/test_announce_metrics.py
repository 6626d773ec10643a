"""Issue 13: status updates fill from the latest journaled samples (a metric named like the
placeholder) before the forge; what has no source is still refused, never invented."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from cockpit.clock import FrozenClock
from cockpit.config import Config, load_config
from cockpit.engine.engine import Engine
from cockpit.journal.events import MetricSample
from cockpit.journal.store import Journal
from cockpit.runbook.loader import load_runbook
from cockpit.runbook.model import Runbook
from tests.helpers import ScriptedOperator, playbook_folder
from tests.integration.test_announce import published
from tests.webhookserver import WebhookServer


def sample(journal: Journal, clock: FrozenClock, metric: str, value: float) -> None:
    clock.advance(timedelta(minutes=1))
    journal.record(MetricSample(metric=metric, value=value, source="test"))


@pytest.mark.usefixtures("gates_go")
async def test_the_status_update_takes_the_latest_samples_before_the_forge(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock,
        release_hook: WebhookServer, tmp_path: Path) -> None:
    published(config, tmp_path)  # the forge says 0 downloads
    issues = [{"number": n, "state": "open", "labels": [{"name": label}]}
              for n, label in enumerate(["P0", "P1", "P1", "P3"], 1)]
    (config.base / "forge" / "issues.json").write_text(json.dumps(issues))
    sample(journal, clock, "downloads", 1200)
    sample(journal, clock, "downloads", 1234)  # the latest wins
    sample(journal, clock, "p0", 0)  # the forge's issues say 1: the sample is preferred
    engine = Engine(load_config(config.source), runbook, journal)
    outcome = await engine.run("status-update", {"hours": "6", "active_users": "412",
                                                 "health": "All green"}, ScriptedOperator())
    assert outcome.status == "ok"
    assert release_hook.received.posts == ["T+6 hours update:\n- Downloads: 1,234\n"
                                   "- Active users: 412\n- Issues reported: 4 (P0: 0, P1: 2)\n"
                                   "- System health: All green"]


@pytest.mark.usefixtures("gates_go")
async def test_a_sample_read_hours_ago_gives_way_to_the_forge(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock,
        release_hook: WebhookServer, tmp_path: Path) -> None:
    """The downloads metric's source stopped answering two hours ago: the post says what the
    forge says now, not the last number read."""
    published(config, tmp_path)  # the forge says 0 downloads
    sample(journal, clock, "downloads", 1234)
    clock.advance(timedelta(hours=2))
    engine = Engine(load_config(config.source), runbook, journal)
    outcome = await engine.run("status-update", {"hours": "6", "active_users": "412",
                                                 "health": "All green"}, ScriptedOperator())
    assert outcome.status == "ok"
    assert "- Downloads: 0\n" in release_hook.received.posts[0]


async def test_a_value_with_no_sample_and_no_source_is_asked(
        config: Config, journal: Journal, clock: FrozenClock, release_hook: WebhookServer,
        tmp_path: Path) -> None:
    published(config, tmp_path)
    sample(journal, clock, "active_users", 87)
    folder = playbook_folder(tmp_path, status="""
title = "status"
[params.version]
type = "semver"
default = "{release.version}"
[[steps]]
id = "post"
kind = "announce"
template = "status_update"
channel = "release"
title = "post"
""")
    engine = Engine(load_config(config.source), load_runbook(folder), journal)
    operator = ScriptedOperator()
    outcome = await engine.run("status", {}, operator)
    assert outcome.status == "aborted" and release_hook.received.posts == []
    # active_users came from its sample; health and hours have no source: asked
    assert operator.asked_values == [("health", "hours")]

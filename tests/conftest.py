"""Shared fixtures: a real demo release (git repo + bare origin) with a frozen clock."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cockpit.clock import FrozenClock
from cockpit.config import Config, load_config
from cockpit.demo.workspace import create_workspace
from cockpit.journal.store import Journal
from cockpit.runbook.loader import load_runbook
from cockpit.runbook.model import Runbook
from tests.helpers import decide_gates
from tests.webhookserver import WebhookServer

# 10:20 in the demo's chosen zone: launch day, after the 10:00 build-and-upload slot began.
FROZEN = datetime(2026, 1, 15, 1, 20, tzinfo=UTC)

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
needs_cargo = pytest.mark.skipif(shutil.which("cargo") is None, reason="cargo is not installed")


@pytest.fixture(autouse=True)
def _operator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COCKPIT_OPERATOR", "rm@test")
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("GH_TOKEN", raising=False)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(FROZEN)


@pytest.fixture
def workspace(tmp_path: Path, clock: FrozenClock) -> Path:
    """A real demo release: returns the path of its cockpit.toml."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    return create_workspace(tmp_path / "ws", clock=clock)


@pytest.fixture
def config(workspace: Path) -> Config:
    return load_config(workspace)


@pytest.fixture(scope="session")
def runbook() -> Runbook:
    return load_runbook()


@pytest.fixture
def journal(config: Config, clock: FrozenClock) -> Iterator[Journal]:
    j = Journal.controller(config.journal_path, clock=clock)
    yield j
    j.close()


@pytest.fixture
def gates_go(journal: Journal, runbook: Runbook) -> None:
    """Every gate of the timeline decided GO: the launch got this far, and the playbooks after
    the gates run (by default an undecided gate blocks them)."""
    decide_gates(journal, runbook)


@pytest.fixture
def release_hook(monkeypatch: pytest.MonkeyPatch) -> Iterator[WebhookServer]:
    """A loopback webhook as #release ($RELEASE_WEBHOOK, the demo config's name for it)."""
    server = WebhookServer()
    monkeypatch.setenv("RELEASE_WEBHOOK", server.url)
    yield server
    server.close()

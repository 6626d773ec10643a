from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cockpit.clock import FrozenClock
from cockpit.demo.workspace import create_workspace

FIXED = Path("/tmp/cockpit-snapshot-workspace")
"""Paths show up in planned commands: a fixed place keeps the pictures stable."""


@pytest.fixture
def workspace(clock: FrozenClock) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    shutil.rmtree(FIXED, ignore_errors=True)
    return create_workspace(FIXED, clock=clock)

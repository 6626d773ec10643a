"""A step on the detail pane: what it would do until it has run, then what it did."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Console

from cockpit.state.launch import RunState, StepState
from cockpit.steps.base import StepPlan
from widgets.item_detail import _render_step


def shown(planned: StepPlan, run: RunState | None) -> str:
    console = Console(width=200, record=True)
    for part in _render_step(1, planned, run):
        console.print(part)
    return console.export_text()


def test_a_step_that_ran_shows_its_result_not_todays_preview() -> None:
    planned = StepPlan("edit", "Install script back to v1.0.0",
                       "edit install.sh: already says that now", "users get v1.0.0",
                       ("Download fails: publish v1.0.0 first",), ("edit",))
    before = shown(planned, None)
    assert "already says that now" in before and "expected: users get v1.0.0" in before
    run = RunState("r1", "rollback", {}, "rm", "s1", datetime.now(UTC))
    run.steps["edit"] = StepState("edit", status="ok", message="edited install.sh")
    after = shown(planned, run)
    assert "already says that" not in after and "→ edited install.sh" in after
    assert "? Download fails: publish v1.0.0 first" in after and "{" not in after

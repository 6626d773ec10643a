"""The build cell's progress: units compiled against Cargo.lock's count, never past it."""

from __future__ import annotations

from datetime import UTC, datetime

from cockpit.state.builds import TargetState
from widgets.build_grid import stage_cell


def running(compiled: int, total: int | None) -> TargetState:
    target = TargetState("x86_64-unknown-linux-gnu", "local", "b-1", datetime.now(UTC),
                         compiled=compiled, total=total, crate="serde")
    target.stages["build"].state = "running"
    return target


def test_progress_shows_the_total_until_build_scripts_take_the_count_past_it() -> None:
    t = running(1, 2)
    assert stage_cell(t.stages["build"], t, "build").plain == "⟳ 1/2 compiled"
    t = running(3, 2)  # two packages, one with a build script: three units
    assert stage_cell(t.stages["build"], t, "build").plain == "⟳ 3 compiled"
    t = running(0, None)
    assert stage_cell(t.stages["build"], t, "build").plain == "⟳ 0 compiled"

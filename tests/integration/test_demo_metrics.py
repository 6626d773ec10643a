"""The demo's metrics (issue 13): its cockpit.toml configures them on its forge, its users
make the downloads move and, a while in, file a P0 that the p0 metric then counts."""

from __future__ import annotations

from pathlib import Path

from cockpit.clock import FrozenClock
from cockpit.config import load_config
from cockpit.demo.users import DemoUsers
from cockpit.demo.workspace import create_workspace
from cockpit.metrics.poller import Poller
from cockpit.metrics.sources import Sources
from tests.conftest import needs_git


@needs_git
async def test_demo_downloads_move_and_a_p0_appears(tmp_path: Path, clock: FrozenClock) -> None:
    config = load_config(create_workspace(tmp_path / "ws", clock=clock, metrics=True))
    assert {m.name for m in config.metrics} >= {"downloads", "downloads_all", "p0", "p1"}
    poller = Poller(config.metrics, Sources(config))

    async def values() -> dict[str, float | None]:
        return {r.name: r.value for r in await poller.once()}

    users = DemoUsers(config.local_forge, p0_after=4, seed=7)
    before = await values()
    assert before["downloads_all"] == 0 and before["p0"] == 0
    for _ in range(3):
        users.tick()
    middle = await values()
    assert middle["downloads_all"] is not None and middle["downloads_all"] > 0
    assert middle["p0"] == 0 and middle["issues"] == 2
    users.tick()
    after = await values()
    assert after["p0"] == 1 and after["issues"] == 3
    results = {r.name: r for r in await poller.once()}
    assert results["downloads"].stale  # v1.1.0-beta is not published yet: said, not zero
    assert "no release tagged v1.1.0-beta on the local forge" in (results["downloads"].error or "")


@needs_git
def test_the_plain_workspace_has_no_metrics(tmp_path: Path, clock: FrozenClock) -> None:
    assert load_config(create_workspace(tmp_path / "ws", clock=clock)).metrics == []

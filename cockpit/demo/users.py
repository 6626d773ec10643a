"""The demo's users: while `cockpit demo` is open, downloads tick up on the demo forge's
published releases (its release.json `download_count`s, as GitHub's would), and a while in,
someone files a P0. The metrics read them like any forge (`[[metrics]]` in the demo's
cockpit.toml), so the numbers move and the P0 alert is raised by real data."""

from __future__ import annotations

import json
import random
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cockpit.clock import utc_stamp
from cockpit.forge.local import LocalForge
from cockpit.forge.model import ForgeError, Release

P0: dict[str, Any] = {"title": "caro panics on an empty config file", "labels": [{"name": "P0"}]}
EARLIER: list[dict[str, Any]] = [{"title": "--help lists a flag twice", "labels": [{"name": "P3"}]},
           {"title": "slow first start on macOS", "labels": [{"name": "P2"}]}]

METRICS: list[dict[str, Any]] = [
    {"name": "downloads", "kind": "forge-downloads", "release": "v{version}", "every": "10s"},
    {"name": "downloads_all", "kind": "forge-downloads", "release": "all", "every": "10s"},
    {"name": "p0", "kind": "forge-issues", "labels": ["P0"], "every": "10s"},
    {"name": "p1", "kind": "forge-issues", "labels": ["P1"], "every": "10s"},
    {"name": "issues", "kind": "forge-issues", "every": "10s"},
    {"name": "active_users", "kind": "command", "run": "cat telemetry.json",
     "field": "active_weekly_users", "every": "10s"},
]
"""The demo's [[metrics]]: the forge's downloads and issues by priority, and active users from
the demo's stand-in for a telemetry dashboard (telemetry.json in the workspace, which the
demo's users move; a real project reads its own with a command or http-json metric)."""


class DemoUsers:
    def __init__(self, forge: Path, *, p0_after: int = 60, seed: int | None = None) -> None:
        self.forge = LocalForge(forge)
        self.p0_after = p0_after
        """Ticks before the P0 is filed (at one tick every 3 s: three minutes)."""
        self.ticks = 0
        self._random = random.Random(seed)
        self._stop = threading.Event()

    def tick(self) -> None:
        """One round of downloads on every published release (more on the newest)."""
        self.ticks += 1
        releases = sorted((r for r in self._all() if not r.draft), key=lambda r: r.id)
        for rank, release in enumerate(reversed(releases)):
            for asset in release.assets:
                got = self._random.randint(0, 3 if rank == 0 else 1)
                if got and asset.state == "uploaded":
                    try:
                        self.forge.add_downloads(release.tag, asset.name, got)
                    except ForgeError:  # unpublished or deleted meanwhile: next round
                        continue
        self._count_users()
        if self.ticks == 1:
            self._file_issues(EARLIER)
        if self.ticks == self.p0_after:
            self._file_issues([P0])

    def _count_users(self) -> None:
        """The telemetry stand-in: active weekly users, a few more now and then."""
        path = self.forge.path.parent / "telemetry.json"
        try:
            users = int(json.loads(path.read_text())["active_weekly_users"])
        except (OSError, ValueError, KeyError, TypeError):
            users = 0
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"active_weekly_users": users + self._random.randint(0, 2)}))
        tmp.replace(path)

    def _all(self) -> list[Release]:
        try:
            return self.forge._all()
        except ForgeError:
            return []

    def _file_issues(self, new: list[dict[str, Any]]) -> None:
        path = self.forge.path / "issues.json"
        try:
            issues = json.loads(path.read_text())
        except (OSError, ValueError):
            issues = []
        if any(i.get("title") == n["title"] for i in issues for n in new):
            return  # a reopened demo has them already
        now = utc_stamp(datetime.now(UTC))
        for item in new:
            issues.append({"number": len(issues) + 1, "state": "open", "created_at": now, **item})
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(issues, indent=2) + "\n")
        tmp.replace(path)

    def start(self, every: float = 3.0) -> None:
        """Tick on a thread of its own until `stop`."""
        def run() -> None:
            while not self._stop.wait(every):
                self.tick()

        threading.Thread(target=run, name="demo-users", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

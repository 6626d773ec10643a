"""The cockpit's modes: each a screen made when first shown (or fed). A new mode is a name in
MODES and a `make_<name>` factory here."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from cockpit.app.host import Host
from cockpit.builds.plan import alternative
from cockpit.state.updates import update_playbooks
from screens.base import ModeScreen
from screens.timeline import TimelineScreen

if TYPE_CHECKING:
    from screens.builds import BuildsScreen
    from screens.incidents import IncidentsScreen
    from screens.metrics import MetricsScreen

MODES = ("timeline", "builds", "metrics", "incidents")


class Modes:
    def __init__(self, app: Host) -> None:
        self.app = app
        self._made: dict[str, ModeScreen] = {}

    def screen(self, name: str) -> ModeScreen:
        if name not in self._made:
            self._made[name] = getattr(self, f"make_{name}")()
        return self._made[name]

    def made(self) -> tuple[ModeScreen, ...]:
        return tuple(self._made.values())

    def make_timeline(self) -> TimelineScreen:
        app = self.app
        return TimelineScreen(app.config, app.runbook, role=app.role,
                              can_act=app.journal.writable)

    def make_builds(self) -> BuildsScreen:
        from screens.builds import BuildsScreen  # the matrix's widgets: when first shown

        app, release = self.app, self.app.config.release
        screen = BuildsScreen(can_act=app.journal.writable, role=app.role,
                              release=f"{release.name} v{release.version}",
                              timezone=release.timezone,
                              alternatives=partial(alternative, app.config))
        screen.matrix_plan = app.matrix_plan
        return screen

    def make_metrics(self) -> MetricsScreen:
        from screens.metrics import MetricsScreen  # its table and plot: when first shown

        app, release = self.app, self.app.config.release
        configured = [m.name for m in getattr(app.config, "metrics", [])]
        return MetricsScreen(app.runbook.timeline.targets, configured, role=app.role,
                             release=f"{release.name} v{release.version}",
                             timezone=release.timezone, tz=release.tz,
                             can_act=app.journal.writable,
                             updates=update_playbooks(app.runbook))

    def make_incidents(self) -> IncidentsScreen:
        from screens.incidents import IncidentsScreen

        app, release = self.app, self.app.config.release
        return IncidentsScreen(app.runbook.timeline.incidents, role=app.role,
                               release=f"{release.name} v{release.version}",
                               timezone=release.timezone, tz=release.tz,
                               can_act=app.journal.writable)

"""The command palette (ctrl+p): every playbook, to run or dry-run (controller only), and
every screen."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from cockpit.app.host import Host


class CockpitCommands(Provider):
    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        app = cast(Host, self.app)
        commands: list[tuple[str, str, Callable[[], object]]] = [
            ("Show timeline", "The runbook on its timeline", partial(app.switch_mode, "timeline")),
            ("Show builds", "The build matrix", partial(app.switch_mode, "builds")),
            ("Help: keys", "Every key, from the live bindings", app.action_help),
        ]
        if app.journal.writable:
            for name, pb in sorted(app.runbook.playbooks.items()):
                commands.append((f"Run playbook: {name}", pb.title,
                                 partial(app.start_playbook, name, False)))
                commands.append((f"Dry-run playbook: {name}", pb.title,
                                 partial(app.start_playbook, name, True)))
        return commands

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)

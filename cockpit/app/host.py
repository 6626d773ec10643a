"""What the app's parts (flows, feeding, the build thread, the palette) may use of the app:
an explicit base, so they depend on it rather than on the app that wires them together."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from textual.app import App
from textual.screen import Screen

if TYPE_CHECKING:  # names for annotations only: importing them is the app's business
    from cockpit.clock import Clock
    from cockpit.config import Config
    from cockpit.engine.engine import Engine
    from cockpit.journal.store import Journal
    from cockpit.metrics.state import MetricsState
    from cockpit.runbook.model import Runbook
    from cockpit.state.builds import BuildState
    from cockpit.state.launch import LaunchState
    from screens.base import ModeScreen
    from screens.timeline import TimelineScreen

T = TypeVar("T")


class Host(App[int]):
    config: Config
    runbook: Runbook
    journal: Journal
    clock: Clock

    @property
    def engine(self) -> Engine | None:
        """None for a spectator: nothing it presses changes anything."""
        raise NotImplementedError

    matrix_plan: str
    replaying = False
    """A replay: its clock is the moment shown, and it leaves nothing beside the journal."""
    role: str
    """CONTROLLER user@host, or SPECTATOR."""

    @property
    def state(self) -> LaunchState:
        raise NotImplementedError

    @property
    def builds(self) -> BuildState:
        raise NotImplementedError

    @property
    def metrics(self) -> MetricsState:
        raise NotImplementedError

    @property
    def timeline(self) -> TimelineScreen:
        raise NotImplementedError

    def mode_screen(self) -> ModeScreen:
        """The mode on show: the only one fed."""
        raise NotImplementedError

    def mode_screens(self) -> tuple[ModeScreen, ...]:
        raise NotImplementedError

    def waiting_questions(self) -> int:
        """Questions waiting their turn behind an open dialog."""
        raise NotImplementedError

    def queued_runs(self) -> tuple[str, ...]:
        """Runs waiting their turn for what another run holds ("rollback (behind hotfix)")."""
        raise NotImplementedError

    def running(self) -> bool:
        """A playbook runs."""
        raise NotImplementedError

    def building(self) -> bool:
        """A build runs."""
        raise NotImplementedError

    def poll_journal(self) -> None:
        """Read the journal now (after the app wrote to it)."""
        raise NotImplementedError

    def start_playbook(self, name: str, dry_run: bool = False,
                       given: dict[str, str] | None = None, *, show_plan: bool = False,
                       incident: str = "", at_once: bool = False) -> None:
        """`incident`: started from it (the run is linked to it); `at_once`: its questions
        open as they come (the operator is on it)."""
        raise NotImplementedError

    def action_help(self) -> None:
        raise NotImplementedError

    async def ask(self, dialog: Screen[T]) -> T | None:
        """Show a dialog once no other is open, and wait for its answer."""
        raise NotImplementedError

"""One question on screen at a time.

Every dialog (a flow's, a running step's, the quit question) is asked through `Asking.ask`:
a question raised while another is open (or help, or the palette) waits its turn, and the
header says how many wait. A dialog takes no key for a moment after it appears
(`screens.modals.SETTLE`), so a key meant for the one before never answers it. The quit
question lives here too (`confirm_quit`).
"""

from __future__ import annotations

import asyncio
from typing import TypeVar

from textual.screen import ModalScreen, Screen

from cockpit.app.host import Host
from screens.modals import ConfirmModal

T = TypeVar("T")


class Asking:
    def __init__(self, app: Host) -> None:
        self.app = app
        self._turn = asyncio.Lock()
        self.waiting = 0
        """Questions raised and not on screen yet."""

    async def ask(self, dialog: Screen[T]) -> T | None:
        """Show `dialog` once nothing else is asking, and wait for its answer."""
        self.waiting += 1
        self.app.poll_journal()  # the header says one waits
        shown = False
        try:
            async with self._turn:
                while isinstance(self.app.screen, ModalScreen):  # help, the palette
                    await asyncio.sleep(0.05)
                self.waiting -= 1
                shown = True
                return await self.app.push_screen_wait(dialog)
        finally:
            if not shown:  # cancelled while it waited
                self.waiting -= 1


async def confirm_quit(app: Host) -> None:
    """Quit at once when nothing runs; else say what quitting stops, and ask."""
    def still_running() -> bool:  # once it has ended, the question is moot: it closes
        return app.running() or app.building()

    answer = await app.ask(ConfirmModal(
        "A playbook or build is running. Quit anyway?",
        "Quitting cancels it: the running step's processes are stopped (on every builder)"
        " and the run is journaled as aborted; run it again later from its item.",
        confirm_label="Quit (y)", cancel_label="Stay (n)", still_needed=still_running))
    if answer:
        app.exit(0)
    elif answer is None:
        app.notify("nothing runs any more: q quits at once", title="quit")

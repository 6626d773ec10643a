"""One question on screen at a time.

Every dialog (a flow's, a running step's, the quit question) is asked through `Asking.ask`:
a question raised while another is open (or help, or the palette) waits its turn, and the
header says how many wait. A dialog takes no key for a moment after it appears
(`screens.modals.SETTLE`), so a key meant for the one before never answers it.
"""

from __future__ import annotations

import asyncio
from typing import TypeVar

from textual.screen import ModalScreen, Screen

from cockpit.app.host import Host

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

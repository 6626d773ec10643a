"""Child process for startup.py: start an app headless, exit as soon as it is ready.

Usage: first_frame.py minimal | first_frame.py cockpit CONFIG
Prints the seconds from interpreter start to the app being ready (first frame composed).
"""

from __future__ import annotations

import sys
import time

START = time.perf_counter()


def main() -> None:
    ready: list[float] = []

    async def auto(pilot: object) -> None:
        ready.append(time.perf_counter())
        pilot.app.exit()  # type: ignore[attr-defined]

    if sys.argv[1] == "minimal":
        from textual.app import App, ComposeResult
        from textual.widgets import Footer, Static

        class Minimal(App[None]):
            def compose(self) -> ComposeResult:
                yield Static("hello")
                yield Footer()

        Minimal().run(headless=True, size=(160, 48), auto_pilot=auto)
    else:
        import gc

        gc.disable()  # as `cockpit` starts (cli.entry); the app turns it on after its first frame
        from pathlib import Path

        from cockpit.app.app import CockpitApp
        from cockpit.app.launch import open_journal
        from cockpit.config import load_config
        from cockpit.runbook.loader import load_runbook

        config = load_config(Path(sys.argv[2]))
        journal, reason = open_journal(config, spectate=False)
        app = CockpitApp(config, load_runbook(), journal, spectator_reason=reason)
        app.run(headless=True, size=(160, 48), auto_pilot=auto)
        journal.close()
    print(f"{ready[0] - START:.4f}")


if __name__ == "__main__":
    main()

"""Child process for startup.py: start an app headless, exit as soon as it is ready.

Usage: first_frame.py minimal | first_frame.py widgets | first_frame.py cockpit CONFIG
minimal: a Static and a Footer. widgets: the timeline's widgets (a header, a table of about
as many rows, a detail pane, a log pane, a footer of as many keys) with nothing behind them.
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
    elif sys.argv[1] == "widgets":
        from textual.app import App, ComposeResult
        from textual.binding import Binding
        from textual.containers import Horizontal, Vertical
        from textual.widgets import DataTable, Footer, Log, RichLog, Static

        class Widgets(App[None]):
            BINDINGS = [Binding(k, "bell", k) for k in "abcdefghijklm"]

            def compose(self) -> ComposeResult:
                yield Static("header")
                with Horizontal():
                    yield DataTable()
                    with Vertical():
                        yield RichLog()
                        yield Log()
                yield Footer()

            def on_mount(self) -> None:
                table = self.query_one(DataTable)
                table.add_columns("status", "when", "T", "item")
                for i in range(70):
                    table.add_row("· pending", f"Fri 15 Jan {i % 24:02d}:00", f"T+{i}h",
                                  f"Item number {i} of the launch")
                self.query_one(RichLog).write("\n".join(f"step {n}" for n in range(30)))

        Widgets().run(headless=True, size=(160, 48), auto_pilot=auto)
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

"""A closed terminal ends the cockpit as a hangup does: the running step is cancelled (left
for the resume), the build's commands stopped, the controller's lock given back.

The kernel sends SIGHUP only to the terminal's session leader. Under `make demo` that leader
is make, which waits for its child: the cockpit would never hear of it, and would hold the
lock for good (the next `make demo` opens as a spectator). So the terminal is also looked at
every few seconds: one ioctl (`isatty`), which fails on a hung-up terminal."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable

from textual.app import App

TERMINAL_CHECK_SECONDS = 2.0


def terminal_fd() -> int | None:
    """The terminal the cockpit draws on (its stdin or stdout), None without one."""
    for stream in (sys.__stdin__, sys.__stdout__):
        try:
            fd = stream.fileno() if stream is not None else -1
        except (OSError, ValueError):
            continue
        if fd >= 0 and os.isatty(fd):
            return fd
    return None


def on_hangup(app: App[int], hang_up: Callable[[], None]) -> None:
    """Call `hang_up` once: on SIGHUP or SIGTERM, or when the terminal is gone."""
    done = False

    def once() -> None:
        nonlocal done
        if not done:
            done = True
            hang_up()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGHUP, signal.SIGTERM):  # a closed terminal must not orphan steps
        loop.add_signal_handler(sig, once)
    fd = None if app.is_headless else terminal_fd()
    if fd is not None:
        app.set_interval(TERMINAL_CHECK_SECONDS, lambda: None if os.isatty(fd) else once())

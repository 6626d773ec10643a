"""Opening the full-screen cockpit: as the controller when the journal's lock is free, else
as a spectator that says why."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from cockpit.app.crash import CRASHED
from cockpit.builds.plan import Assignment
from cockpit.clock import Clock
from cockpit.config import Config
from cockpit.journal import viewers
from cockpit.journal.store import Journal, JournalLocked, operator_id
from cockpit.priority import give_way
from cockpit.runbook.model import Runbook

if TYPE_CHECKING:
    from cockpit.app.app import CockpitApp

SERVED = {"ssh", "web"}
"""Who started a viewer, when a server did (`serve/sessions.py: spectator_env`)."""


def open_journal(config: Config, *, spectate: bool, clock: Clock | None = None
                 ) -> tuple[Journal, str | None]:
    """The controller's journal, or a read-only one (and why) for a spectator."""
    if spectate:
        return Journal.readonly(config.journal_path, clock=clock), "--spectate"
    try:
        return Journal.controller(config.journal_path, clock=clock), None
    except JournalLocked as exc:
        reason = exc.problems[0].message
        return Journal.readonly(config.journal_path, clock=clock), reason


def open_cockpit(config: Config, runbook: Runbook, *, spectate: bool,
                 autorun: tuple[str, dict[str, str], bool] | None = None,
                 build: list[Assignment] | None = None) -> int:
    """The cockpit until it exits: its exit code (`CRASHED` when it died of a bug of its
    own, said on stderr once the terminal is back, with where the traceback is)."""
    from cockpit.app.app import CockpitApp

    if spectate and os.environ.get("COCKPIT_VIA") in SERVED:
        give_way()  # a viewer a server started: the controller's CPU comes first
    journal, reason = open_journal(config, spectate=spectate)
    here = None if journal.writable else viewers.arrive(  # a spectator says it watches
        config.journal_path, os.environ.get("COCKPIT_SPECTATOR") or operator_id(),
        os.environ.get("COCKPIT_VIA", "terminal"))
    try:
        return run_app(CockpitApp(config, runbook, journal, spectator_reason=reason,
                                  autorun=autorun, build=build))
    finally:
        viewers.leave(here)
        journal.close()


def run_app(app: CockpitApp) -> int:
    """Run the app until it exits: its exit code (`CRASHED` when it died of a bug of its
    own, said on stderr once the terminal is back, with where the traceback is)."""
    result = app.run()
    if app.faults.said:
        print("\n".join(app.faults.said), file=sys.stderr)
        return CRASHED
    return int(result or 0)

"""What a cockpit killed mid-step leaves running: found in the journal, stopped before the
interrupted run goes on."""

from __future__ import annotations

import asyncio
import socket

from cockpit.executors.local import group_alive, kill_group
from cockpit.journal.events import LeftoverStopped, StepProcess
from cockpit.journal.recorder import Recorder
from cockpit.journal.store import Journal


async def stop_leftovers(journal: Journal, record: Recorder, run_id: str) -> None:
    """Stop the process groups the run's steps started on this host that are still alive
    (on a thread: stopping a group waits for it to go, up to seconds), each journaled."""
    processes = [(e.step, e.payload) for e in journal.events(kinds=[StepProcess.KIND],
                                                             run_id=run_id)
                 if isinstance(e.payload, StepProcess)]

    def stop() -> list[tuple[str | None, int]]:
        stopped = []
        for step, process in processes:
            if process.host == socket.gethostname() and group_alive(process.pgid):
                kill_group(process.pgid)
                stopped.append((step, process.pgid))
        return stopped

    for step, pgid in await asyncio.to_thread(stop):
        said = f"stopped process group {pgid} left by the interrupted run"
        record(LeftoverStopped(pgid=pgid, message=said), run_id, step)

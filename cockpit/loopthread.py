"""An asyncio loop on a thread of its own, for the build matrix under the full-screen UI.

Four SSH streams at full speed keep a loop busy decrypting, splitting and journaling. On the
UI's loop that work delays every key press by up to a frame's worth of callbacks; on its own
thread it only shares the GIL, which the interpreter hands over every few milliseconds, so
keys stay quick (the log pipeline benchmark shows p95 ~20 ms instead of ~60 ms). The work
itself talks to the UI only through the journal, which is safe to share between threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class LoopThread:
    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self._thread.start()

    async def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run `coro` on the thread's loop and await its result from the caller's loop.

        Cancelling the caller cancels the coroutine and waits for it to finish its cleanup
        (a cancelled build stops its remote processes before this returns)."""
        caller = asyncio.get_running_loop()
        outcome: asyncio.Future[T] = caller.create_future()
        task: asyncio.Task[T] | None = None

        def settle(done: asyncio.Task[T]) -> None:
            caller.call_soon_threadsafe(_copy_outcome, done, outcome)

        def start() -> None:
            nonlocal task
            task = self.loop.create_task(coro)
            task.add_done_callback(settle)

        self.loop.call_soon_threadsafe(start)  # callbacks run in order: start before cancel
        try:
            return await asyncio.shield(outcome)
        except asyncio.CancelledError:
            if not outcome.done():
                self.loop.call_soon_threadsafe(lambda: task is not None and task.cancel())
                with contextlib.suppress(BaseException):
                    await outcome
            raise

    def close(self, timeout: float = 20.0) -> None:
        """Cancel what still runs, give it `timeout` seconds to clean up, stop the thread."""
        if not self._thread.is_alive():
            return

        async def wind_down() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.wait(tasks, timeout=timeout)

        future = asyncio.run_coroutine_threadsafe(wind_down(), self.loop)
        with contextlib.suppress(Exception):
            future.result(timeout + 1)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            self.loop.close()


def _copy_outcome(done: asyncio.Task[T], outcome: asyncio.Future[T]) -> None:
    if outcome.done():
        return
    if done.cancelled():
        outcome.cancel()
    elif (exc := done.exception()) is not None:
        outcome.set_exception(exc)
    else:
        outcome.set_result(done.result())

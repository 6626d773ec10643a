"""Build work on a loop of its own: results, errors and cancellation cross the threads."""

from __future__ import annotations

import asyncio
import threading

import pytest

from cockpit.loopthread import LoopThread


async def test_runs_on_its_own_thread_and_returns_the_result() -> None:
    loop_thread = LoopThread("test-builds")

    async def where() -> str:
        await asyncio.sleep(0.01)
        return threading.current_thread().name

    assert await loop_thread.run(where()) == "test-builds"
    loop_thread.close()


async def test_errors_reach_the_caller() -> None:
    loop_thread = LoopThread("test-builds")

    async def fail() -> None:
        raise ValueError("builder on fire")

    with pytest.raises(ValueError, match="builder on fire"):
        await loop_thread.run(fail())
    loop_thread.close()


async def test_cancelling_the_caller_waits_for_the_work_to_clean_up() -> None:
    loop_thread = LoopThread("test-builds")
    started, cleaned = threading.Event(), threading.Event()

    async def build() -> None:
        started.set()
        try:
            await asyncio.sleep(60)
        finally:
            await asyncio.sleep(0.2)  # stopping remote processes takes a moment
            cleaned.set()

    caller = asyncio.ensure_future(loop_thread.run(build()))
    await asyncio.to_thread(started.wait, 5)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    assert cleaned.is_set()
    loop_thread.close()


def test_close_cancels_what_still_runs_and_lets_it_finish() -> None:
    loop_thread = LoopThread("test-builds")
    cleaned = threading.Event()

    async def build() -> None:
        try:
            await asyncio.sleep(60)
        finally:
            cleaned.set()

    asyncio.run_coroutine_threadsafe(build(), loop_thread.loop)
    loop_thread.close(timeout=5)
    assert cleaned.is_set()

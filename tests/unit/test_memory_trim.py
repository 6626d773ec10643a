"""A spectator gives back the memory a burst freed (cockpit.app.audience.trim): glibc keeps
it for the process otherwise, and twenty-five spectators each held 110-150 MB (issue 15)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BURST = """
import sys, threading
from cockpit.app.audience import trim

def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) // 1024

def burst():  # a poll's worth of a busy machine, on a worker thread as the polls are
    junk = [bytes(1000) + bytes([i % 256]) for i in range(150_000)]
    del junk

worker = threading.Thread(target=burst)
worker.start()
worker.join()
before = rss()
trim()
print(before, rss())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_trim_gives_back_what_a_burst_on_a_worker_thread_freed() -> None:
    out = subprocess.run([sys.executable, "-c", BURST], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout.split()
    before, after = int(out[0]), int(out[1])
    # 80-170 MB held (as much as the machine's malloc keeps), then most of it given back
    assert before - after > 30 and after < before / 2, (before, after)

"""This machine's Rust toolchain, asked once per process.

`rustc -vV` takes ~20 ms; `cockpit build` starts it before loading the config, so it runs
while Python imports, off the build's critical path.
"""

from __future__ import annotations

import contextlib
import subprocess
import threading

FALLBACK_HOST = "x86_64-unknown-linux-gnu"

_lock = threading.Lock()
_rustc: subprocess.Popen[str] | None = None
_host: str | None = None


def ask_host_triple() -> None:
    """Start `rustc -vV` now, if nothing has asked yet; `host_triple()` collects the answer."""
    global _rustc
    with _lock:
        if _rustc is None and _host is None:
            with contextlib.suppress(OSError):  # no rustc: host_triple() answers the fallback
                _rustc = subprocess.Popen(["rustc", "-vV"], stdout=subprocess.PIPE,
                                          stderr=subprocess.DEVNULL, text=True)


def host_triple() -> str:
    """The triple rustc builds for by default here (its `host:` line)."""
    global _host, _rustc
    ask_host_triple()
    with _lock:
        if _host is None:
            out = _rustc.communicate()[0] if _rustc is not None else ""
            _rustc = None
            _host = next((line.removeprefix("host: ") for line in out.splitlines()
                          if line.startswith("host: ")), FALLBACK_HOST)
        return _host

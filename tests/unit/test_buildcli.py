"""The headless build's printer: everything printed, in order, whatever goes wrong."""

from __future__ import annotations

import io
import sys
from datetime import UTC, datetime

import pytest

from cockpit.cli.build import BuildPrinter
from cockpit.journal.row import Event


def event(kind: str, **data: object) -> Event:
    return Event(1, datetime.now(UTC), "s", kind, "b-1", "x86_64", dict(data))


def test_an_event_that_cannot_be_printed_does_not_silence_the_rest(
        capsys: pytest.CaptureFixture[str]) -> None:
    printer = BuildPrinter()
    printer([event("build_stage", stage="size", state="ok", duration="n/a")])  # not a number
    printer([event("output", text="still here", count=1)])
    printer.say("x86_64: ok")
    printer.close()
    out, err = capsys.readouterr()
    assert out.splitlines() == ["  x86_64 │ still here", "x86_64: ok"]
    assert "could not print a build event" in err


class ClosedPipe(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_closed_pipe_stops_the_printing_not_the_build(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    printer = BuildPrinter()
    for i in range(2000):  # more than the queue holds: nothing may block
        printer([event("output", text=f"line {i}", count=1)])
    printer.say("x86_64: ok")
    printer.close()  # returns: the printer drained the queue


class HiccupOnce(io.StringIO):
    """A stdout that fails one write with something other than a closed pipe."""

    failed = False

    def write(self, text: str) -> int:
        if not self.failed:
            self.failed = True
            raise BlockingIOError(11, "Resource temporarily unavailable")
        return super().write(text)


def test_a_passing_write_error_stops_nothing(monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    out = HiccupOnce()
    monkeypatch.setattr(sys, "stdout", out)
    printer = BuildPrinter()
    printer([event("output", text="lost to the hiccup", count=1)])
    printer.say("x86_64: ok")
    printer.close()
    assert out.getvalue().splitlines() == ["  x86_64 │ lost to the hiccup", "x86_64: ok"]
    assert "could not print a build event" in capsys.readouterr().err

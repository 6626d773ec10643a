"""Streaming output in batches: lines kept as they arrived, split only when looked at."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from cockpit.executors.lines import TAIL, Lines, Tail, pump_lines, split_chunk, text_of


def test_a_chunk_gives_its_complete_lines_cleaned_and_keeps_the_rest() -> None:
    lines, rest = split_chunk(b"half", b" a line\r\n\x1b[32mgreen\x1b[0m\npart")
    assert lines is not None and rest == b"part"
    assert lines.text == "half a line\ngreen"
    assert len(lines) == 2 and list(lines) == ["half a line", "green"] and lines[-1] == "green"
    assert split_chunk(b"", b"no newline yet") == (None, b"no newline yet")
    blank, _ = split_chunk(b"", b"\n")  # one empty line is a line
    assert blank is not None and list(blank) == [""] and len(blank) == 1


def test_text_of_does_not_rejoin_what_arrived_as_one() -> None:
    lines = Lines("a\nb")
    assert text_of(lines) is lines.text
    assert text_of(["a", "b"]) == "a\nb"


def test_the_tail_holds_the_last_lines_across_batches() -> None:
    tail = Tail()
    for start in range(0, 5000, 700):
        tail.add(Lines("\n".join(str(i) for i in range(start, min(start + 700, 5000)))))
    tail.add(["last"])
    assert tail.lines() == [str(i) for i in range(5000 - TAIL + 1, 5000)] + ["last"]


def test_pump_delivers_batches_and_a_final_unterminated_line() -> None:
    chunks = [b"marker\ntw", b"o\nthree\n", b"four"]
    got: list[Sequence[str]] = []

    async def read(_: int) -> bytes:
        return chunks.pop(0) if chunks else b""

    def take_marker(lines: Lines) -> Lines | None:  # as the SSH builder takes its pgid line
        if not lines.text.startswith("marker"):
            return lines
        _, newline, rest = lines.text.partition("\n")
        return Lines(rest) if newline else None

    tail = Tail()
    asyncio.run(pump_lines(read, tail, got.append, intercept=take_marker))
    assert [list(batch) for batch in got] == [["two", "three"], ["four"]]
    assert tail.lines() == ["two", "three", "four"]


def test_lines_equal_the_same_lines_however_held_and_a_string_is_not_a_batch() -> None:
    assert Lines("a\nb") == ["a", "b"] and Lines("a\nb") == Lines("a\nb")
    assert Lines("a\nb") != ["a\nb"] and Lines("a") != "a"
    with pytest.raises(AssertionError, match="a batch of lines"):
        text_of("one string")  # type: ignore[arg-type]  # what a typo'd sink call would pass


def test_the_group_mark_is_taken_after_a_banner_and_only_when_well_formed() -> None:
    from cockpit.executors.groups import PGID_MARK, ProcessGroup, take_group_mark

    group, rest = take_group_mark(Lines(f"Welcome\n\n{PGID_MARK} 4242 b00t 987\nbuilt"))
    assert group == ProcessGroup(4242, "b00t", "987") and rest == ["Welcome", "", "built"]
    # a builder without /proc says the group alone: still known, checked by its tag later
    assert take_group_mark(Lines(f"{PGID_MARK} 7")) == (ProcessGroup(7), None)
    odd = Lines(f"{PGID_MARK} soon")
    assert take_group_mark(odd) == (None, ["__cockpit_pgid__ soon"])  # output, not a crash
    plain = Lines("just output")
    assert take_group_mark(plain) == (None, plain)

"""The log pane under a flood: bounded work per refresh, and it says what it skipped."""

from __future__ import annotations

from rich.style import Style
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.strip import Strip

from widgets.log_pane import REST_AFTER_FLOOD, LogPane


class PaneApp(App[None]):
    def compose(self) -> ComposeResult:
        yield LogPane(max_lines=3000, flush_interval=60, max_per_flush=1000, id="pane")


def flood(pane: LogPane) -> None:
    """5,000 lines at once: more than one flush draws (1,000)."""
    pane.push([f"line {i}" for i in range(5000)])
    pane.flush()


async def test_flood_draws_the_newest_lines_and_says_how_many_it_skipped() -> None:
    app = PaneApp()
    async with app.run_test() as pilot:
        pane = app.query_one(LogPane)
        flood(pane)
        await pilot.pause()
        assert pane.lines[0] == "… 4,000 lines not drawn (streaming fast; the full log is in the journal)"
        assert pane.lines[1:] == [f"line {i}" for i in range(4000, 5000)]
        pane.push(["calm again"])
        for _ in range(REST_AFTER_FLOOD):
            pane.flush()  # resting after a flood: a few refreshes are skipped
        assert pane.lines[-1] == "line 4999"
        pane.flush()
        assert pane.lines[-1] == "calm again"


async def test_show_source_replaces_the_content_and_keeps_the_end() -> None:
    app = PaneApp()
    async with app.run_test() as pilot:
        pane = app.query_one(LogPane)
        pane.show_source("run-1", [f"l{i}" for i in range(5000)], "log: run-1")
        await pilot.pause()
        assert pane.source == "run-1" and pane.border_title == "log: run-1"
        assert len(pane.lines) == 3000 and pane.lines[-1] == "l4999"


async def test_scroll_width_covers_the_widest_line_and_grows_in_steps() -> None:
    app = PaneApp()
    async with app.run_test() as pilot:
        pane = app.query_one(LogPane)
        widths = []
        for n in range(50, 130):  # a stream of ever so slightly longer lines
            pane.push(["x" * n])
            pane.flush()
            await pilot.pause()
            widths.append(pane.virtual_size.width)
            assert pane.virtual_size.width >= n  # every column can be scrolled to
        assert len(set(widths)) <= 3  # not a re-layout for every extra column
        pane.push(["界" * 100])  # wide characters: two cells each
        pane.flush()
        await pilot.pause()
        assert pane.virtual_size.width >= 200
        pane.push(["\t" * 40 + "end"])  # tabs: eight columns each
        pane.flush()
        await pilot.pause()
        assert pane.virtual_size.width >= 40 * 8 + 3


async def test_a_growing_log_moves_its_scrollbar_without_laying_out_the_screen() -> None:
    app = PaneApp()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.query_one(LogPane)
        pane.push([f"l{i}" for i in range(100)])
        pane.flush()
        await pilot.pause()
        assert pane.show_vertical_scrollbar  # appearing still lays out, once
        layouts: list[bool] = []
        refresh = pane.refresh

        def spy(*regions: Region, **flags: bool) -> LogPane:
            layouts.append(flags.get("layout", False))
            return refresh(*regions, **flags)

        pane.refresh = spy  # type: ignore[method-assign]
        for n in range(5):
            pane.push([f"m{n}.{i}" for i in range(50)])
            pane.flush()
            await pilot.pause()
        assert layouts and not any(layouts)
        assert pane.virtual_size.height == pane.vertical_scrollbar.window_virtual_size == 350
        assert pane.scroll_y == pane.max_scroll_y  # still following the end
        assert pane.lines[-1] == "m4.49"


async def test_a_pane_opened_on_a_long_log_follows_its_end() -> None:
    app = PaneApp()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = LogPane(max_lines=3000, flush_interval=None)
        mounted = app.mount(pane)  # as the builds screen does: filled before it is laid out
        pane.show_source("run-2", [f"l{i}" for i in range(500)], "log: run-2")
        await mounted
        await pilot.pause()
        assert pane.max_scroll_y > 0 and pane.scroll_y == pane.max_scroll_y
        pane.push(["next"])
        pane.flush()
        await pilot.pause()
        assert pane.scroll_y == pane.max_scroll_y  # and keeps following it


async def test_after_a_flood_a_calm_log_is_prompt_again() -> None:
    app = PaneApp()
    async with app.run_test() as pilot:
        pane = app.query_one(LogPane)
        flood(pane)
        for _ in range(REST_AFTER_FLOOD):
            pane.flush()  # the rest runs out even with nothing to draw
        pane.push(["calm"])
        pane.flush()
        await pilot.pause()
        assert pane.lines[-1] == "calm"


async def test_a_full_pane_shows_new_lines_as_it_drops_old_ones() -> None:
    app = PaneApp()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.query_one(LogPane)
        for start in range(0, 3000, 1000):  # max_lines: full from here on (and no flood)
            pane.push([f"first-{i}" for i in range(start, start + 1000)])
            pane.flush()
        await pilot.pause()
        for batch in range(3):
            pane.push([f"batch{batch}-{i}" for i in range(50)])
            pane.flush()
            await pilot.pause()
            shown = app.export_screenshot()
            assert f"batch{batch}-49" in shown and "first-2999" not in shown


async def test_blank_lines_are_kept() -> None:
    app = PaneApp()
    async with app.run_test() as pilot:
        pane = app.query_one(LogPane)
        pane.push(["one", "", "two"])
        pane.flush()
        await pilot.pause()
        assert [line.strip() for line in pane.lines] == ["one", "", "two"]


async def test_a_loading_pane_takes_only_its_latest_answer_and_never_a_line_twice() -> None:
    app = PaneApp()
    async with app.run_test() as pilot:
        pane = app.query_one(LogPane)
        first = pane.wait_for("r1", "log: r1")
        pane.push(["four"], event=4)  # a poll's line before the answer: held, not lost
        pane.push(["six"], event=6)
        second = pane.wait_for("r1", "log: r1")  # asked again (a filter, a quick return)
        pane.push(["seven"], event=7)
        pane.loaded(["one", "two"], through=3, request=first)  # the older answer: ignored
        assert pane.loading
        # the answer holds every line up to the journal's newest event when it was read (6)
        pane.loaded(["one", "two", "four", "five", "six"], through=6, request=second)
        pane.push(["six"], event=6)  # came with the answer already: not twice
        pane.push(["eight"], event=8)
        pane.flush()
        await pilot.pause()
        assert list(pane.lines) == ["one", "two", "four", "five", "six", "seven", "eight"]


async def test_plain_lines_drawn_directly_look_as_textuals_log_draws_them() -> None:
    """The pane's own drawing of printable ASCII lines gives the cells, styles and mouse
    offsets Textual's Log gives; other lines (a tab, an escape, wide or accented characters)
    are left to the Log."""
    from textual.widgets import Log

    lines = ["plain ascii line with [brackets] and 100% of it", "x" * 200, "", "a\tb",
             "esc \x1b[31mred\x1b[0m", "wide 界界", "café", " "]
    app = PaneApp()
    async with app.run_test(size=(60, 20)) as pilot:
        pane = app.query_one(LogPane)
        pane.push(lines)
        pane.flush()
        await pilot.pause()
        style = pane.rich_style
        for scroll_x in (0, 7, 150):
            for y in range(len(lines) + 2):  # and past the end: blank
                ours = pane._render_line(y, scroll_x, 40)
                theirs = Log._render_line(pane, y, scroll_x, 40)
                assert ours.text == theirs.text and ours.cell_length == theirs.cell_length == 40
                assert _cells(ours) == _cells(theirs), (y, scroll_x)
        assert pane._render_line(0, 0, 40).text.startswith("plain ascii")
        assert style == pane.rich_style


def _cells(strip: Strip) -> list[tuple[str, Style | None, tuple[int, int] | None]]:
    """Each cell: its character, its style, and where a mouse there points in the log (a
    segment's offset plus the cell's place in it, as Textual's compositor reads it)."""
    cells = []
    for segment in strip:
        style = segment.style
        offset = style.meta.get("offset") if style is not None else None
        for i, char in enumerate(segment.text):
            cells.append((char, style.clear_meta_and_links() if style else None,
                          (offset[0] + i, offset[1]) if offset else None))
    return cells

"""Issue 13: the metrics plot's time labels: the first and last moments and a few between,
each under the column that plots it (Sparkline spreads points by their order)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from widgets.time_axis import ticks

START = datetime(2026, 1, 15, 7, 20, tzinfo=UTC)


def history(count: int, every: timedelta) -> list[tuple[float, float]]:
    return [((START + every * i).timestamp(), float(i)) for i in range(count)]


def test_labels_spread_evenly_under_the_columns_that_plot_them() -> None:
    line = ticks(history(7, timedelta(minutes=30)), 78, UTC)
    # five labels fit 78 cells: columns 0, 19, 38, 58 and the last; column c plots the
    # points from index c * 7 // 78 on (0, 1, 3, 5), the last one the newest point
    assert line.split() == ["07:20", "07:50", "08:50", "09:50", "10:20"]
    assert len(line) == 78 and line.index("08:50") == 38 - 2  # centred on its column


def test_a_longer_history_says_the_day_and_a_narrow_plot_fewer_labels() -> None:
    week = history(7 * 24, timedelta(hours=1))
    line = ticks(week, 156, UTC)
    assert line.startswith("Thu 07:20") and line.endswith("Thu 06:20")
    assert len(line.split()) == 2 * 5  # five labels of day and time
    assert ticks(week, 24, UTC).split() == ["Thu", "07:20", "Thu", "06:20"]  # two
    assert ticks(week, 12, UTC) == "Thu 07:20"  # no room for two: where it starts
    assert ticks(history(1, timedelta(minutes=1)), 78, UTC) == "07:20"
    assert ticks([], 78, UTC) == ""

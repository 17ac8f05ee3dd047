"""lambent.sources._windows: a tumbling window's fields."""

from __future__ import annotations

from datetime import timedelta

from lambent.sources._windows import TimeWindow, WindowedStreamEvent


def test_a_tumbling_window_and_its_times() -> None:
    window = TimeWindow("2026-12-01T15:00:00Z", "2026-12-01T15:05:00Z")
    assert window.end_at - window.start_at == timedelta(minutes=5)
    assert WindowedStreamEvent(window=window).is_tumbling_window
    assert not WindowedStreamEvent().is_tumbling_window

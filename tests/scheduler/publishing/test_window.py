"""The publishing window on its own: office hours, holidays, quiet periods, the next opening."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from config import Settings, load_settings
from scheduler.publishing.rules.window import PublishingWindow, QuietSpan, WindowNeverOpens


def settings(tmp_path: Path, **values: object) -> Settings:
    return load_settings(
        {},
        overrides={"instance_path": str(tmp_path), "secret_key": "x" * 32, **values},
    )


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def test_open_inside_office_hours_only(tmp_path: Path) -> None:
    window = PublishingWindow(settings(tmp_path))
    assert window.is_open(utc(2026, 3, 12, 9, 0))
    assert window.is_open(utc(2026, 3, 12, 16, 59, 59))
    assert not window.is_open(utc(2026, 3, 12, 17, 0))
    assert not window.is_open(utc(2026, 3, 12, 8, 59, 59))


def test_next_open_steps_over_weekends_holidays_and_quiet_periods(tmp_path: Path) -> None:
    quiet = QuietSpan("Purdah", utc(2026, 4, 7, 0, 0), utc(2026, 4, 8, 12, 0))
    window = PublishingWindow(settings(tmp_path), [quiet])
    # Thursday evening before Easter: Good Friday, the weekend, Easter Monday, then quiet
    # until Wednesday noon (13:00 BST).
    assert window.next_open(utc(2026, 4, 2, 18, 0)) == utc(2026, 4, 8, 12, 0)


def test_a_quiet_period_on_one_channel_leaves_others_open(tmp_path: Path) -> None:
    quiet = QuietSpan("Local", utc(2026, 3, 12, 0, 0), utc(2026, 3, 13, 0, 0), channel_id=7)
    window = PublishingWindow(settings(tmp_path), [quiet])
    assert not window.is_open(utc(2026, 3, 12, 10, 0), 7)
    assert window.is_open(utc(2026, 3, 12, 10, 0), 8)


def test_custom_office_hours_and_days(tmp_path: Path) -> None:
    window = PublishingWindow(
        settings(tmp_path, office_hours={"start": "07:30", "end": "19:00", "days": ["sat"]})
    )
    assert window.describe_hours() == "Sat 07:30-19:00"
    assert window.next_open(utc(2026, 3, 12, 10, 0)) == utc(2026, 3, 14, 7, 30)


def test_a_window_that_never_opens_says_so(tmp_path: Path) -> None:
    forever = QuietSpan("Forever", utc(2026, 1, 1), utc(2026, 1, 1) + timedelta(days=3650))
    window = PublishingWindow(settings(tmp_path), [forever] * 3)
    # One long span is stepped over in one jump; the horizon is in steps, not time.
    assert window.next_open(utc(2026, 3, 12, 10, 0)) > utc(2035, 1, 1)
    spans = [
        QuietSpan(f"day {n}", utc(2026, 3, 12) + timedelta(hours=12 * n),
                  utc(2026, 3, 12) + timedelta(hours=12 * n + 12))
        for n in range(5000)
    ]  # fmt: skip
    with pytest.raises(WindowNeverOpens, match="does not open within"):
        PublishingWindow(settings(tmp_path), spans).next_open(utc(2026, 3, 12, 1, 0))

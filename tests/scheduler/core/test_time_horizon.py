"""The horizon: a year back to five years ahead, whole days, checked without overflowing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from scheduler.core.time_horizon import (
    Horizon,
    OutOfHorizon,
    require_day_within,
    require_local_within,
    require_within,
    shiftable,
)

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


def test_the_span_runs_from_a_year_back_to_five_years_ahead_in_whole_days() -> None:
    horizon = Horizon.around(NOW)
    assert horizon.earliest == datetime(2025, 12, 2, tzinfo=UTC)
    assert horizon.latest == datetime(2031, 12, 3, tzinfo=UTC) - timedelta(microseconds=1)
    assert horizon.describe() == "Tue 2 Dec 2025 and Tue 2 Dec 2031"


def test_a_leap_day_moves_to_the_28th() -> None:
    horizon = Horizon.around(datetime(2028, 2, 29, tzinfo=UTC))
    assert horizon.earliest.date() == date(2027, 2, 28)
    assert horizon.latest.date() == date(2033, 2, 28)


@pytest.mark.parametrize(
    "instant",
    [
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))),
        datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-14))),
        datetime(2025, 12, 1, 23, 59, tzinfo=UTC),
        datetime(2031, 12, 3, 0, 0, tzinfo=UTC),
    ],
)
def test_instants_outside_are_refused_with_the_span(instant: datetime) -> None:
    with pytest.raises(OutOfHorizon) as refused:
        require_within(instant, now=NOW, what="Send time", field="send_at")
    assert refused.value.message == "Send time must be between Tue 2 Dec 2025 and Tue 2 Dec 2031"
    assert refused.value.field == "send_at"


def test_the_edges_are_inside() -> None:
    for instant in (datetime(2025, 12, 2, tzinfo=UTC), datetime(2031, 12, 2, 23, 59, tzinfo=UTC)):
        assert require_within(instant, now=NOW, what="Send time") == instant


def test_a_naive_local_time_is_checked_by_its_day_before_any_conversion() -> None:
    with pytest.raises(OutOfHorizon):
        require_local_within(datetime.fromisoformat("9999-12-31T23:59"), now=NOW, what="Embargo")
    assert require_local_within(datetime.fromisoformat("2027-03-01T09:30"), now=NOW, what="Embargo")
    with pytest.raises(OutOfHorizon):
        require_day_within(date(1, 1, 1), now=NOW, what="The date")


def test_shiftable_marks_what_day_arithmetic_can_handle() -> None:
    assert shiftable(NOW)
    assert shiftable(None)
    assert not shiftable(datetime(9999, 12, 31, 23, 59, tzinfo=UTC))
    assert not shiftable(datetime(1, 1, 2, tzinfo=UTC))

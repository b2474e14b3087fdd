"""Local times at the edges: skipped times refused, repeated ones resolved only when told how."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from scheduler.errors import ValidationFailed
from scheduler.local_time import (
    AmbiguousLocalTime,
    Fold,
    NonexistentLocalTime,
    format_local,
    parse_local,
)

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-03-12 09:30", datetime(2027, 3, 12, 9, 30, tzinfo=UTC)),  # GMT
        ("2027-07-12 09:30", datetime(2027, 7, 12, 8, 30, tzinfo=UTC)),  # BST
        ("2027-07-12T09:30", datetime(2027, 7, 12, 8, 30, tzinfo=UTC)),
        ("2027-07-12T09:30+02:00", datetime(2027, 7, 12, 7, 30, tzinfo=UTC)),
    ],
)
def test_local_times_become_utc(text: str, expected: datetime) -> None:
    assert parse_local(text, LONDON) == expected


def test_a_time_skipped_when_clocks_go_forward_is_refused() -> None:
    with pytest.raises(NonexistentLocalTime) as refused:
        parse_local("2027-03-28 01:30", LONDON)
    assert refused.value.message == (
        "2027-03-28 01:30 does not exist in Europe/London: the clocks go forward one hour that "
        "night; choose a time before or after the change"
    )


def test_a_time_repeated_when_clocks_go_back_must_be_resolved() -> None:
    with pytest.raises(AmbiguousLocalTime, match="happens twice"):
        parse_local("2027-10-31 01:30", LONDON)
    earlier = parse_local("2027-10-31 01:30", LONDON, fold=Fold.EARLIER)
    later = parse_local("2027-10-31 01:30", LONDON, fold=Fold.LATER)
    assert (earlier, later) == (
        datetime(2027, 10, 31, 0, 30, tzinfo=UTC),
        datetime(2027, 10, 31, 1, 30, tzinfo=UTC),
    )


def test_nonsense_says_how_to_write_a_time() -> None:
    with pytest.raises(ValidationFailed, match="write it as YYYY-MM-DD HH:MM in Europe/London"):
        parse_local("next Tuesday", LONDON)


def test_instants_show_in_local_time() -> None:
    assert format_local(datetime(2027, 7, 12, 8, 30, tzinfo=UTC), LONDON) == (
        "Mon 12 Jul 2027 09:30 BST"
    )

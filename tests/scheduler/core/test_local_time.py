"""Local times to instants: nonexistent times refused, ambiguous ones resolved only when told."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from scheduler.core.errors import ValidationFailed
from scheduler.core.local_time import (
    AmbiguousLocalTime,
    Fold,
    NonexistentLocalTime,
    describe,
    first_instant_at_or_after,
    parse_local,
    to_utc,
)

LONDON = ZoneInfo("Europe/London")


def wall(*parts: int) -> datetime:
    """Return a naive local wall-clock time (what a person types)."""
    return datetime(*parts)  # type: ignore[misc]  # noqa: DTZ001 - naive on purpose


def test_ordinary_local_times_on_both_sides_of_the_change() -> None:
    assert parse_local("2026-03-28 09:30", LONDON) == datetime(2026, 3, 28, 9, 30, tzinfo=UTC)
    assert parse_local("2026-03-29 09:30", LONDON) == datetime(2026, 3, 29, 8, 30, tzinfo=UTC)
    assert parse_local("2026-10-25 09:30", LONDON) == datetime(2026, 10, 25, 9, 30, tzinfo=UTC)


def test_a_time_the_clocks_skip_is_refused_with_what_to_do() -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_local("2026-03-29 01:30", LONDON, field="send_at")
    assert refused.value.message == (
        "Sun 29 Mar 2026 01:30 does not exist in Europe/London: the clocks go forward from "
        "01:00 to "
        "02:00 that night. Choose a time before 01:00 or from 02:00"
    )
    assert refused.value.field == "send_at"
    # Saying which one is meant does not make it exist.
    with pytest.raises(ValidationFailed, match="does not exist"):
        to_utc(wall(2026, 3, 29, 1, 30), LONDON, fold="earlier")


def test_a_time_that_happens_twice_must_be_resolved_explicitly() -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_local("2026-10-25 01:30", LONDON)
    assert refused.value.message == (
        "Sun 25 Oct 2026 01:30 happens twice in Europe/London: first in BST (UTC+01:00), then an "
        "hour later in GMT (UTC+00:00) after the clocks go back. Say which one you mean: "
        "earlier or later"
    )
    earlier = parse_local("2026-10-25 01:30", LONDON, fold="earlier")
    later = parse_local("2026-10-25 01:30", LONDON, fold="later")
    assert (earlier, later) == (
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
    )


def test_an_instant_with_an_offset_is_taken_as_it_is() -> None:
    assert parse_local("2026-10-25T01:30:00+01:00", LONDON) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )


def test_nonsense_is_refused_with_an_example() -> None:
    with pytest.raises(ValidationFailed, match="write it like 2026-03-12 09:30"):
        parse_local("next tuesday", LONDON)
    with pytest.raises(ValidationFailed, match="Say 'earlier' or 'later'"):
        to_utc(wall(2026, 10, 25, 1, 30), LONDON, fold="first")  # type: ignore[arg-type]


def test_the_first_instant_at_or_after_a_skipped_time_is_the_jump() -> None:
    assert first_instant_at_or_after(wall(2026, 3, 29, 1, 30), LONDON) == datetime(
        2026, 3, 29, 1, 0, tzinfo=UTC
    )
    assert first_instant_at_or_after(wall(2026, 10, 25, 1, 30), LONDON) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )


def test_describe_shows_local_time_and_zone() -> None:
    assert describe(datetime(2026, 3, 29, 8, 30, tzinfo=UTC), LONDON) == "Sun 29 Mar 2026 09:30 BST"
    assert describe(datetime(2026, 3, 12, 9, 30, 5, tzinfo=UTC), LONDON) == (
        "Thu 12 Mar 2026 09:30:05 GMT"
    )


def test_refusals_name_their_kind_so_forms_can_offer_a_choice() -> None:
    zone = ZoneInfo("Europe/London")
    with pytest.raises(NonexistentLocalTime):
        parse_local("2027-03-28 01:30", zone)
    with pytest.raises(AmbiguousLocalTime):
        parse_local("2027-10-31 01:30", zone)
    assert parse_local("2027-10-31 01:30", zone, fold=Fold.LATER) == datetime(
        2027, 10, 31, 1, 30, tzinfo=UTC
    )

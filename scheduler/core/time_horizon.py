"""The span of instants Gatepost accepts: from a year before now to five years after.

Every way a time comes in (API bodies and query strings, web forms, the command line, imported
files, the settings file) asks `require_within` or `require_day_within` here, so a send time in
9999 or an embargo in year 1 is refused with the range, before anything is saved or any date
arithmetic can overflow. Pages and feeds reading rows stored before this rule use `contains` to
skip, rather than fail on, instants outside what Python's dates can shift.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from scheduler.core.errors import ValidationFailed
from scheduler.core.local_time import describe_date

YEARS_BACK = 1
YEARS_AHEAD = 5
#: Far enough inside Python's date range (years 1 to 9999) for any day or week arithmetic.
_SAFE_MARGIN = timedelta(days=400)
SAFE_EARLIEST = datetime.min.replace(tzinfo=UTC) + _SAFE_MARGIN
SAFE_LATEST = datetime.max.replace(tzinfo=UTC) - _SAFE_MARGIN


def _years_from(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


class OutOfHorizon(ValidationFailed):
    """A time outside the accepted span; the message gives the span."""


@dataclass(frozen=True)
class Horizon:
    """The accepted span around one instant: [earliest, latest], whole UTC days."""

    earliest: datetime
    latest: datetime

    @classmethod
    def around(cls, now: datetime) -> Horizon:
        """Return the span from a year before `now` to five years after it."""
        today = now.astimezone(UTC).date()
        return cls(
            earliest=datetime.combine(_years_from(today, -YEARS_BACK), time(0), UTC),
            latest=datetime.combine(_years_from(today, YEARS_AHEAD), time(0), UTC)
            + timedelta(days=1)
            - timedelta(microseconds=1),
        )

    def contains(self, instant: datetime) -> bool:
        """Return whether the aware instant is inside the span (compared without converting)."""
        return self.earliest <= instant <= self.latest

    def contains_day(self, day: date) -> bool:
        """Return whether the calendar day is inside the span."""
        return self.earliest.date() <= day <= self.latest.date()

    def describe(self) -> str:
        """Return the span as people read it, e.g. "2 Dec 2025 and 2 Dec 2031"."""
        return f"{describe_date(self.earliest.date())} and {describe_date(self.latest.date())}"

    def refusal(self, what: str) -> str:
        """Return the message refusing a time outside the span, naming what it was."""
        return f"{what} must be between {self.describe()}"


def require_within(
    instant: datetime, *, now: datetime, what: str, field: str | None = None
) -> datetime:
    """Return the aware instant if it lies within the horizon around `now`, or refuse it."""
    horizon = Horizon.around(now)
    if not horizon.contains(instant):
        raise OutOfHorizon(horizon.refusal(what), field=field)
    return instant


def require_day_within(day: date, *, now: datetime, what: str, field: str | None = None) -> date:
    """Return the calendar day if it lies within the horizon around `now`, or refuse it."""
    horizon = Horizon.around(now)
    if not horizon.contains_day(day):
        raise OutOfHorizon(horizon.refusal(what), field=field)
    return day


def shiftable(instant: datetime | None) -> bool:
    """Return whether a stored instant is far enough from year 1 and 9999 to shift by days."""
    return instant is None or SAFE_EARLIEST <= instant <= SAFE_LATEST


def require_local_within(
    value: datetime, *, now: datetime, what: str, field: str | None = None
) -> datetime:
    """Return a typed time if it lies within the horizon, checked before it is converted.

    A naive local time is checked by its date (converting year 1 or 9999 could overflow); an
    instant with an offset is compared as it is.
    """
    if value.tzinfo is None:
        require_day_within(value.date(), now=now, what=what, field=field)
        return value
    return require_within(value, now=now, what=what, field=field)

"""Show UTC instants in the configured local time zone, in the one date format."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from scheduler.core.local_time import describe, describe_clock, describe_date
from web.current import settings


def format_local(instant: datetime | None) -> str:
    """Return the instant in the configured zone, e.g. "Thu 12 Mar 2026 09:30 GMT"."""
    if instant is None:
        return ""
    return describe(instant, settings().timezone)


def format_local_date(moment: datetime | date | None) -> str:
    """Return the local day of an instant (or a day itself), e.g. "Thu 12 Mar 2026"."""
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        moment = moment.astimezone(settings().timezone).date()
    return describe_date(moment)


def format_local_time(instant: datetime | None) -> str:
    """Return the local wall-clock time of an instant, e.g. "09:30 GMT"."""
    if instant is None:
        return ""
    return describe_clock(instant, settings().timezone)


def time_ago(instant: datetime, now: datetime) -> str:
    """Return how long ago the instant was, roughly: "just now", "2 minutes ago", "3 days ago"."""
    gone = now - instant
    if gone < timedelta(minutes=1):
        return "just now"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        count = int(gone.total_seconds() // size)
        if count >= 1:
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"

"""Show UTC instants in the configured local time zone."""

from __future__ import annotations

from datetime import datetime, timedelta

from web.current import settings


def format_local(instant: datetime | None, pattern: str = "%a %d %b %Y %H:%M %Z") -> str:
    """Return the instant in the configured zone, e.g. "Thu 12 Mar 2026 09:30 GMT"."""
    if instant is None:
        return ""
    zone = settings().timezone
    return instant.astimezone(zone).strftime(pattern)


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

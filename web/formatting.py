"""Show UTC instants in the configured local time zone."""

from __future__ import annotations

from datetime import datetime

from flask import current_app


def format_local(instant: datetime | None, pattern: str = "%a %d %b %Y %H:%M %Z") -> str:
    """Return the instant in the configured zone, e.g. "Thu 12 Mar 2026 09:30 GMT"."""
    if instant is None:
        return ""
    zone = current_app.config["GATEPOST_SETTINGS"].timezone
    return instant.astimezone(zone).strftime(pattern)

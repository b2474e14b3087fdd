"""Local wall-clock times at the edges: parse them into UTC instants and show instants locally."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from scheduler.errors import ValidationFailed


class Fold(StrEnum):
    """Which of the two instants an ambiguous local time (clocks going back) means."""

    EARLIER = "earlier"
    LATER = "later"


class NonexistentLocalTime(ValidationFailed):
    """The local time is skipped when the clocks go forward."""


class AmbiguousLocalTime(ValidationFailed):
    """The local time happens twice when the clocks go back; the caller must say which."""


def format_local(instant: datetime, zone: ZoneInfo) -> str:
    """Return the instant as people read it in the zone, e.g. "Fri 12 Mar 2027 09:30 GMT"."""
    return instant.astimezone(zone).strftime("%a %d %b %Y %H:%M %Z")


def localise(naive: datetime, zone: ZoneInfo, *, fold: Fold | None = None) -> datetime:
    """Return the UTC instant of a local wall-clock time, refusing skipped or unresolved ones."""
    if naive.tzinfo is not None:
        return naive.astimezone(UTC)
    earlier = naive.replace(tzinfo=zone, fold=0)
    later = naive.replace(tzinfo=zone, fold=1)
    shown = naive.strftime("%Y-%m-%d %H:%M")
    # A skipped time does not survive the round trip through UTC.
    if earlier.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        before = (earlier - timedelta(hours=3)).astimezone(zone).utcoffset()
        after = (earlier + timedelta(hours=3)).astimezone(zone).utcoffset()
        jump = (after - before) if after and before else timedelta(hours=1)
        raise NonexistentLocalTime(
            f"{shown} does not exist in {zone.key}: the clocks go forward "
            f"{_duration(jump)} that night; choose a time before or after the change",
            field="time",
        )
    if earlier.utcoffset() != later.utcoffset():
        if fold is None:
            raise AmbiguousLocalTime(
                f"{shown} happens twice in {zone.key} because the clocks go back that night: "
                f"say whether you mean the earlier ({earlier.strftime('%Z, UTC%z')}) "
                f"or the later ({later.strftime('%Z, UTC%z')})",
                field="time",
            )
        chosen = earlier if fold is Fold.EARLIER else later
        return chosen.astimezone(UTC)
    return earlier.astimezone(UTC)


def parse_local(text: str, zone: ZoneInfo, *, fold: Fold | None = None) -> datetime:
    """Parse "YYYY-MM-DD HH:MM" in the zone (or an ISO 8601 time with an offset) into UTC."""
    value = text.strip()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(
            f"{value!r} is not a date and time; write it as YYYY-MM-DD HH:MM in {zone.key} "
            "time, such as 2027-03-12 09:30",
            field="time",
        ) from None
    return localise(parsed, zone, fold=fold)


def _duration(delta: timedelta) -> str:
    minutes = int(abs(delta.total_seconds()) // 60)
    hours, rest = divmod(minutes, 60)
    if rest == 0:
        return "one hour" if hours == 1 else f"{hours} hours"
    return f"{minutes} minutes"

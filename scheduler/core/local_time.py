"""Local wall-clock times to UTC instants and back, refusing what the clocks make impossible.

Every place that accepts a local time (web forms, API, command line, settings) goes through
`to_utc` or `parse_local`, so a time that does not exist (clocks going forward) is refused with a
message, and one that happens twice (clocks going back) is resolved only when the caller says which.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from scheduler.core.errors import ValidationFailed


class Fold(StrEnum):
    """Which of the two instants an ambiguous local time (clocks going back) means."""

    EARLIER = "earlier"
    LATER = "later"


FOLDS: tuple[str, ...] = tuple(fold.value for fold in Fold)


class NonexistentLocalTime(ValidationFailed):
    """The local time is skipped when the clocks go forward."""


class AmbiguousLocalTime(ValidationFailed):
    """The local time happens twice when the clocks go back; the caller must say which."""


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def _offset_text(offset: timedelta | None) -> str:
    minutes = int((offset or timedelta()).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def exists(local: datetime, zone: ZoneInfo) -> bool:
    """Return whether the naive local time happens at all in the zone."""
    candidate = local.replace(tzinfo=zone, fold=0)
    return _wall(candidate.astimezone(UTC), zone) == local.replace(tzinfo=None)


def is_ambiguous(local: datetime, zone: ZoneInfo) -> bool:
    """Return whether the naive local time happens twice in the zone."""
    earlier = local.replace(tzinfo=zone, fold=0)
    later = local.replace(tzinfo=zone, fold=1)
    return exists(local, zone) and earlier.utcoffset() != later.utcoffset()


def _gap_around(local: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Return the local wall times where the skipped span around `local` starts and ends."""
    # zoneinfo maps a skipped time to two instants, one on each side of the transition.
    first = local.replace(tzinfo=zone, fold=1).astimezone(UTC)
    second = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
    low, high = int(min(first, second).timestamp()), int(max(first, second).timestamp())
    before = datetime.fromtimestamp(low, UTC).astimezone(zone).utcoffset()
    # Invariant: the offset at `low` is the old one, at `high` the new one.
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, UTC).astimezone(zone).utcoffset() == before:
            low = middle
        else:
            high = middle
    transition = datetime.fromtimestamp(high, UTC)
    after = transition.astimezone(zone).utcoffset()
    gap_end = _wall(transition, zone)
    gap_start = gap_end - (after or timedelta()) + (before or timedelta())
    return gap_start, gap_end


def describe_date(day: date) -> str:
    """Return a day as people read it, e.g. "Thu 12 Mar 2026" (the one date format)."""
    return f"{day:%a} {day.day} {day:%b %Y}"


def to_utc(
    local: datetime, zone: ZoneInfo, *, fold: Fold | str | None = None, field: str | None = None
) -> datetime:
    """Return the UTC instant of a local time, refusing nonexistent and unresolved ambiguous ones.

    An aware datetime is already an instant and is converted as it is; `fold` only matters for a
    naive local time that happens twice ("earlier" is the first occurrence, "later" the second).
    """
    if local.tzinfo is not None:
        return local.astimezone(UTC)
    if fold is not None and fold not in FOLDS:
        raise ValidationFailed(f"Say 'earlier' or 'later', not {fold!r}", field=field)
    if not exists(local, zone):
        gap_start, gap_end = _gap_around(local, zone)
        raise NonexistentLocalTime(
            f"{describe_date(local.date())} {local:%H:%M} does not exist in {zone.key}: the clocks "
            f"go forward from {gap_start:%H:%M} to {gap_end:%H:%M} that night. Choose a time "
            f"before {gap_start:%H:%M} or from {gap_end:%H:%M}",
            field=field,
        )
    if is_ambiguous(local, zone):
        earlier = local.replace(tzinfo=zone, fold=0)
        later = local.replace(tzinfo=zone, fold=1)
        if fold is None:
            raise AmbiguousLocalTime(
                f"{describe_date(local.date())} {local:%H:%M} happens twice in {zone.key}: first "
                f"in {earlier.tzname()} ({_offset_text(earlier.utcoffset())}), then an hour later "
                f"in {later.tzname()} ({_offset_text(later.utcoffset())}) after the clocks go "
                "back. Say which one you mean: earlier or later",
                field=field,
            )
        return (earlier if fold == "earlier" else later).astimezone(UTC)
    return local.replace(tzinfo=zone).astimezone(UTC)


def read_local(text: str, *, field: str | None = None) -> datetime:
    """Read "2026-03-29 09:30" (naive, local) or an ISO 8601 instant with offset, unconverted."""
    cleaned = text.strip()
    try:
        return datetime.fromisoformat(cleaned)
    except ValueError:
        raise ValidationFailed(
            f"{cleaned!r} is not a date and time; write it like 2026-03-12 09:30 "
            "(local time) or 2026-03-12T09:30:00+00:00",
            field=field,
        ) from None


def parse_local(
    text: str, zone: ZoneInfo, *, fold: Fold | str | None = None, field: str | None = None
) -> datetime:
    """Parse "2026-03-29 09:30" as local time (or an ISO 8601 instant with offset) into UTC."""
    return to_utc(read_local(text, field=field), zone, fold=fold, field=field)


def first_instant_at_or_after(local: datetime, zone: ZoneInfo) -> datetime:
    """Return the first UTC instant whose local wall time is `local` or later.

    A skipped time gives the instant the clocks jump over it; a repeated one its first occurrence.
    """
    naive = local.replace(tzinfo=None)
    if exists(naive, zone):
        return naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    _gap_start, gap_end = _gap_around(naive, zone)
    return gap_end.replace(tzinfo=zone, fold=0).astimezone(UTC)


def at_local(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """Return the first UTC instant at or after the wall time on the local day."""
    return first_instant_at_or_after(datetime.combine(day, wall), zone)


def describe(instant: datetime, zone: ZoneInfo) -> str:
    """Return an instant as people read it, e.g. "Thu 12 Mar 2026 09:30 GMT"."""
    local = instant.astimezone(zone)
    return f"{describe_date(local.date())} {describe_clock(instant, zone)}"


def describe_clock(instant: datetime, zone: ZoneInfo) -> str:
    """Return the local wall-clock time of an instant, e.g. "09:30 GMT" (seconds only if any)."""
    local = instant.astimezone(zone)
    seconds = f":{local:%S}" if local.second or local.microsecond else ""
    return f"{local:%H:%M}{seconds} {local.tzname()}"

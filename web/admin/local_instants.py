"""Form fields for a local date and time, and turning them into a UTC instant."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from wtforms import RadioField

from scheduler.core.local_time import AmbiguousLocalTime, Fold, to_utc
from web.forms.date_fields import DateInputField, TimeInputField
from web.forms.select_choice import SelectChoice

FOLD_CHOICES = [
    SelectChoice(Fold.EARLIER.value, "The first time (before the clocks go back)"),
    SelectChoice(Fold.LATER.value, "The second time (after the clocks go back)"),
]


def fold_field(label: str) -> RadioField:
    """Return the question asked only when a local time happens twice."""
    # Not asked until the time turns out to be ambiguous, so nothing chosen is not an error.
    return RadioField(label, choices=FOLD_CHOICES, validate_choice=False)


def local_instant(
    day: DateInputField, wall: TimeInputField, fold: RadioField, zone: ZoneInfo
) -> datetime:
    """Return the UTC instant of the local date and time; clock-change errors name `fold`.

    A time the clocks skip is refused beside the date; a time that happens twice is refused
    beside the fold question until the person says which one they mean.
    """
    assert day.data is not None
    assert wall.data is not None
    try:
        return to_utc(
            datetime.combine(day.data, wall.data), zone, fold=fold.data or None, field=wall.name
        )
    except AmbiguousLocalTime as twice:
        raise AmbiguousLocalTime(twice.message, field=fold.name) from None

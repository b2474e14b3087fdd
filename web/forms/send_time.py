"""Send date and time boxes in local time, turned into a UTC instant with clock changes handled."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from wtforms import RadioField

from scheduler.core.errors import ValidationFailed
from scheduler.core.local_time import AmbiguousLocalTime, Fold, to_utc
from web.forms.date_fields import DateInputField, TimeInputField
from web.forms.select_choice import SelectChoice

FOLD_CHOICES = [
    SelectChoice(Fold.EARLIER.value, "The first time (before the clocks go back)"),
    SelectChoice(Fold.LATER.value, "The second time (after the clocks go back)"),
]


class SendTimeForm(Protocol):
    """A form with the send date and time boxes, and the choice a clock change may need."""

    send_date: DateInputField
    send_time: TimeInputField
    send_fold: RadioField
    ambiguous_time: bool


def send_date_field() -> DateInputField:
    """Return the send date boxes."""
    return DateInputField("Send date")


def send_time_field() -> TimeInputField:
    """Return the send time boxes."""
    return TimeInputField("Send time")


def send_fold_field() -> RadioField:
    """Return the choice between the two occurrences of a time the clocks go back over."""
    return RadioField(
        "Which 1 o'clock hour do you mean?", choices=FOLD_CHOICES, validate_choice=False
    )


def fill_send_at(form: SendTimeForm, send_at: datetime | None, zone: ZoneInfo) -> None:
    """Put a UTC send time into the form's local date and time boxes."""
    if send_at is None:
        return
    local = send_at.astimezone(zone)
    form.send_date.process(None, local.date())
    form.send_time.process(None, local.time().replace(second=0, microsecond=0))
    if local.fold:
        form.send_fold.data = Fold.LATER.value


def send_at_from(form: SendTimeForm, zone: ZoneInfo) -> datetime | None:
    """Return the UTC instant the boxes say, None if left empty; refuse impossible local times.

    A time the clocks go back over is refused until the person picks earlier or later; the form
    then shows that choice (`form.ambiguous_time` is set).
    """
    day = form.send_date.data
    wall = form.send_time.data
    if day is None and wall is None:
        return None
    if day is None:
        raise ValidationFailed("Enter the send date as well as the time", field="send_date")
    if wall is None:
        raise ValidationFailed("Enter the send time as well as the date", field="send_time")
    local = datetime.combine(day, wall)
    fold = form.send_fold.data or None
    try:
        return to_utc(local, zone, fold=fold, field="send_time")
    except AmbiguousLocalTime:
        form.ambiguous_time = True
        raise


__all__ = [
    "SendTimeForm",
    "fill_send_at",
    "send_at_from",
    "send_date_field",
    "send_fold_field",
    "send_time_field",
]

"""Form fields for the GOV.UK date input (day, month, year) and a matching time input.

Each box is posted as NAME-day, NAME-month, NAME-year (or NAME-hour, NAME-minute); what was typed
is kept on error so nothing has to be typed twice. The fields give local, naive values: turning a
local date and time into a UTC instant (refusing or resolving clock changes) is the caller's job.
Every date typed into any form is refused outside the accepted horizon
(scheduler.core.time_horizon).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, time
from typing import Any

from wtforms import Field
from wtforms.utils import unset_value
from wtforms.validators import StopValidation

from scheduler.core.time_horizon import OutOfHorizon, require_day_within
from scheduler.models import utcnow

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}


class _PartsField(Field):
    """A field typed into several boxes, each posted under NAME-PART."""

    parts: Sequence[str] = ()
    part_labels: Mapping[str, str] = {}

    def __init__(self, label: str | None = None, validators: Any = None, **kwargs: Any) -> None:
        super().__init__(label, validators, **kwargs)
        self.values: dict[str, str] = dict.fromkeys(self.parts, "")
        #: The boxes to outline in red: the ones the error is about.
        self.error_parts: set[str] = set()

    @property
    def first_input_id(self) -> str:
        """Return the id of the first box, where the error summary link should land."""
        return f"{self.id}-{self.parts[0]}"

    def part_id(self, part: str) -> str:
        """Return the id of one box."""
        return f"{self.id}-{part}"

    def part_name(self, part: str) -> str:
        """Return the form name of one box."""
        return f"{self.name}-{part}"

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        self.process_errors = []
        if data is unset_value:
            data = self.default() if callable(self.default) else self.default
        self.object_data = data
        self.data = data
        self.values = self._values_of(data)
        if formdata is None:
            return
        posted = {part: formdata.get(self.part_name(part), "").strip() for part in self.parts}
        if not any(name in formdata for name in map(self.part_name, self.parts)):
            return
        self.values = posted
        self.data = None
        if not any(posted.values()):
            return
        try:
            self.data = self._parse(posted)
        except ValueError as error:
            self.process_errors.append(str(error))

    def pre_validate(self, form: Any) -> None:
        # A half-typed or impossible value has its own message; "enter a value" would mislead.
        if self.process_errors:
            raise StopValidation()

    def _values_of(self, data: Any) -> dict[str, str]:
        raise NotImplementedError

    def _parse(self, posted: dict[str, str]) -> Any:
        raise NotImplementedError

    def _missing(self, posted: dict[str, str]) -> None:
        missing = [part for part in self.parts if not posted[part]]
        if missing:
            self.error_parts = set(missing)
            words = " and ".join(self.part_labels[part] for part in missing)
            raise ValueError(f"{self.label.text} must include {words}")

    def _number(self, posted: dict[str, str], part: str) -> int:
        text = posted[part]
        if not text.isdigit():
            self.error_parts = {part}
            raise ValueError(self._not_real_message())
        return int(text)

    def _not_real_message(self) -> str:
        raise NotImplementedError


class DateInputField(_PartsField):
    """A date typed as day, month and year (month may also be a name, like "Mar")."""

    parts = ("day", "month", "year")
    part_labels = {"day": "a day", "month": "a month", "year": "a year"}

    def __init__(self, *args: Any, within_horizon: bool = True, **kwargs: Any) -> None:
        # Dates that plan something (send, embargo, quiet period) must lie within the horizon;
        # a date that searches history (the audit trail's range) may be any real date.
        super().__init__(*args, **kwargs)
        self.within_horizon = within_horizon

    def _values_of(self, data: Any) -> dict[str, str]:
        if isinstance(data, date):
            return {"day": str(data.day), "month": str(data.month), "year": str(data.year)}
        return dict.fromkeys(self.parts, "")

    def _parse(self, posted: dict[str, str]) -> date:
        self._missing(posted)
        month_text = posted["month"].lower()
        month = _MONTHS[month_text] if month_text in _MONTHS else self._number(posted, "month")
        day = self._number(posted, "day")
        year = self._number(posted, "year")
        if len(posted["year"]) != 4:
            self.error_parts = {"year"}
            raise ValueError("Year must include 4 numbers")
        try:
            typed = date(year, month, day)
        except ValueError:
            self.error_parts = set(self.parts)
            raise ValueError(self._not_real_message()) from None
        if not self.within_horizon:
            return typed
        try:
            return require_day_within(typed, now=utcnow(), what=self.label.text)
        except OutOfHorizon as outside:
            self.error_parts = {"year"}
            raise ValueError(outside.message) from None

    def _not_real_message(self) -> str:
        return f"{self.label.text} must be a real date"


class TimeInputField(_PartsField):
    """A time of day typed as hour (24-hour clock) and minute."""

    parts = ("hour", "minute")
    part_labels = {"hour": "an hour", "minute": "a minute"}

    def _values_of(self, data: Any) -> dict[str, str]:
        if isinstance(data, time):
            return {"hour": f"{data.hour:02d}", "minute": f"{data.minute:02d}"}
        return dict.fromkeys(self.parts, "")

    def _parse(self, posted: dict[str, str]) -> time:
        self._missing(posted)
        hour = self._number(posted, "hour")
        minute = self._number(posted, "minute")
        if hour > 23 or minute > 59:
            self.error_parts = {"hour"} if hour > 23 else {"minute"}
            raise ValueError(self._not_real_message())
        return time(hour, minute)

    def _not_real_message(self) -> str:
        return f"{self.label.text} must be a real time on the 24-hour clock, like 09:30 or 14:05"

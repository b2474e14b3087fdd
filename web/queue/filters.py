"""Read the queue's filters from the query string, saying which one is wrong."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict
from wtforms import Form
from wtforms.validators import Optional

from scheduler.models import PostState
from scheduler.reports.queue import QueueFilter
from web.forms.date_fields import DateInputField

#: A day as the calendar links to the queue with it (machine-made, not typed): 2027-03-31.
_ISO_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DATE_PARTS = ("day", "month", "year")


class QueueDates(Form):
    """The send-date range, typed into GOV.UK date inputs (from-day, from-month, ...)."""

    send_from = DateInputField("Send date from", name="from", validators=[Optional()])
    send_to = DateInputField("Send date to", name="to", validators=[Optional()])


@dataclass
class ParsedFilters:
    """The filters as understood, the words to put back in the form, and any errors."""

    filters: QueueFilter
    values: dict[str, str]
    dates: QueueDates
    #: Input id to message, for the error summary (and, for the selects, beside them).
    errors: dict[str, str] = field(default_factory=dict)
    before_id: int | None = None

    def query_args(self) -> dict[str, str]:
        """Return the filters as given, as query-string arguments (for the page links)."""
        args = {key: value for key, value in self.values.items() if value}
        for date_field in (self.dates.send_from, self.dates.send_to):
            for part in date_field.parts:
                if date_field.values[part]:
                    args[date_field.part_name(part)] = date_field.values[part]
        return args


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) < 12 else None


def _date_boxes(args: Mapping[str, str]) -> tuple[MultiDict[str, str], dict[str, str]]:
    """Return the date boxes as posted, with a calendar link's ISO day split into its boxes.

    The second value maps a box's id to an error for a day given some other way, unreadable.
    """
    boxes: MultiDict[str, str] = MultiDict()
    unreadable: dict[str, str] = {}
    for name, label in (("from", "Send date from"), ("to", "Send date to")):
        for part in _DATE_PARTS:
            key = f"{name}-{part}"
            if key in args:
                boxes[key] = args[key]
        whole = args.get(name, "").strip()
        if whole and not any(f"{name}-{part}" in args for part in _DATE_PARTS):
            match = _ISO_DAY.fullmatch(whole)
            if match:
                year, month, day = match.groups()
                boxes.update({f"{name}-day": day, f"{name}-month": month, f"{name}-year": year})
            else:
                unreadable[f"{name}-day"] = f"{label} must be a real date"
    return boxes, unreadable


def parse_filters(args: Mapping[str, str]) -> ParsedFilters:
    """Return the filters from the query string; unknown values are reported, not ignored."""
    values = {key: args.get(key, "").strip() for key in ("state", "channel", "release", "mine")}
    errors: dict[str, str] = {}
    state = None
    if values["state"]:
        try:
            state = PostState(values["state"])
        except ValueError:
            errors["state"] = "Choose a state from the list"
    channel_id = _number(values["channel"]) if values["channel"] else None
    if values["channel"] and channel_id is None:
        errors["channel"] = "Choose a channel from the list"
    release_id = _number(values["release"]) if values["release"] else None
    if values["release"] and release_id is None:
        errors["release"] = "Choose a release from the list"
    boxes, unreadable = _date_boxes(args)
    dates = QueueDates(formdata=boxes)
    dates.validate()
    for date_field in (dates.send_from, dates.send_to):
        message = unreadable.get(date_field.first_input_id)
        if message:
            date_field.errors = [message]
        if date_field.errors:
            errors[_error_anchor(date_field)] = date_field.errors[0]
    send_from, send_to = dates.send_from.data, dates.send_to.data
    if send_from and send_to and send_to < send_from:
        message = "Send date to must be the same as or after send date from"
        dates.send_to.errors = [message]
        errors[dates.send_to.first_input_id] = message
    before = args.get("before", "")
    return ParsedFilters(
        filters=QueueFilter(
            state=state,
            channel_id=channel_id,
            release_id=release_id,
            send_from=send_from,
            send_to=send_to,
            mine=values["mine"] == "1",
        ),
        values=values,
        dates=dates,
        errors=errors,
        before_id=_number(before) if before else None,
    )


def _error_anchor(date_field: DateInputField) -> str:
    # The error summary links to the first box the error is about (GOV.UK's date pattern).
    wrong = [part for part in date_field.parts if part in date_field.error_parts]
    return date_field.part_id(wrong[0]) if wrong else date_field.first_input_id

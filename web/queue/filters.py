"""Read the queue's filters from the query string, saying which one is wrong."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from scheduler.core.time_horizon import OutOfHorizon, require_day_within
from scheduler.models import PostState, utcnow
from scheduler.reports.queue import QueueFilter


@dataclass
class ParsedFilters:
    """The filters as understood, the words to put back in the form, and any errors."""

    filters: QueueFilter
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    before_id: int | None = None


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) < 12 else None


def _day(text: str, label: str, errors: dict[str, str], key: str) -> date | None:
    if not text:
        return None
    try:
        return require_day_within(date.fromisoformat(text), now=utcnow(), what=label)
    except ValueError:
        errors[key] = f"{label} must be a real date, like 2027-03-31"
    except OutOfHorizon as outside:
        errors[key] = outside.message
    return None


def parse_filters(args: Mapping[str, str]) -> ParsedFilters:
    """Return the filters from the query string; unknown values are reported, not ignored."""
    values = {
        key: args.get(key, "").strip()
        for key in ("state", "channel", "release", "from", "to", "mine")
    }
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
    send_from = _day(values["from"], "Send date from", errors, "from")
    send_to = _day(values["to"], "Send date to", errors, "to")
    if send_from and send_to and send_to < send_from:
        errors["to"] = "Send date to must be the same as or after send date from"
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
        errors=errors,
        before_id=_number(before) if before else None,
    )

"""How a form reads the slot a calendar link names: a local date, perhaps a time and which of two.

The links are written from `scheduler.reports.calendar.slot_fields`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time

from scheduler.core.local_time import FOLDS, Fold
from web.forms.send_time import SendTimeForm


@dataclass(frozen=True)
class Slot:
    """A local date, and the wall-clock time (and which of two, when the clocks go back)."""

    day: date
    wall: time | None = None
    fold: str | None = None


def read_slot(args: Mapping[str, str]) -> Slot | None:
    """Return the slot a link names (`date`, optional `time` and `fold`), None if it names none."""
    try:
        day = date.fromisoformat(args.get("date", ""))
    except ValueError:
        return None
    wall = None
    if args.get("time"):
        try:
            wall = time.fromisoformat(args["time"]).replace(second=0, microsecond=0, tzinfo=None)
        except ValueError:
            return Slot(day)
    fold = args.get("fold")
    return Slot(day, wall, fold if wall is not None and fold in FOLDS else None)


def fill_from_slot(form: SendTimeForm, args: Mapping[str, str]) -> bool:
    """Put the slot a link names into the form's send date and time boxes; return whether any."""
    slot = read_slot(args)
    if slot is None:
        return False
    form.send_date.process(None, slot.day)
    if slot.wall is not None:
        form.send_time.process(None, slot.wall)
    if slot.fold is not None:
        # The slot says which of the two times it is; show the choice, already made.
        form.send_fold.data = Fold(slot.fold).value
        form.ambiguous_time = True
    return True

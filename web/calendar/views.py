"""Calendar pages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import render_template, request
from flask_login import current_user

from scheduler.core.time_horizon import OutOfHorizon, require_day_within
from scheduler.reports.calendar import calendar_days, month_grid, week_start
from scheduler.reports.queue import excerpt
from web import current
from web.calendar import blueprint
from web.current import login_required
from web.extensions import db

VIEWS = ("week", "month")
#: Posts listed on a day before the rest are counted and linked to the queue: a busy day holds
#: hundreds, more than a page can show (or render quickly).
POSTS_PER_DAY = {"week": 25, "month": 5}


def _shift_month(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@blueprint.route("")
@login_required
def index() -> str:
    """Show a week (by default) or a month of the calendar around the given local date."""
    settings = current.settings()
    now = datetime.now(UTC)
    today = now.astimezone(settings.timezone).date()
    errors: dict[str, str] = {}
    view = request.args.get("view", "week")
    if view not in VIEWS:
        errors["view"] = "Choose the week or the month view"
        view = "week"
    shown = today
    if request.args.get("date"):
        try:
            asked = date.fromisoformat(request.args["date"])
        except ValueError:
            errors["date"] = "The date must be a real date, like 2027-03-31"
        else:
            try:
                shown = require_day_within(asked, now=now, what="The date")
            except OutOfHorizon as outside:
                errors["date"] = outside.message
    if view == "week":
        first = week_start(shown)
        last = first + timedelta(days=6)
        previous, following = first - timedelta(days=7), first + timedelta(days=7)
    else:
        first, last = month_grid(shown)
        previous, following = _shift_month(shown, -1), _shift_month(shown, 1)
    days = calendar_days(
        db.session,
        reader=current_user,
        settings=settings,
        first=first,
        last=last,
        now=now,
        per_day=POSTS_PER_DAY[view],
    )
    return render_template(
        "calendar/index.html",
        view=view,
        shown=shown,
        today=today,
        days=days,
        weeks=[days[index : index + 7] for index in range(0, len(days), 7)],
        previous=previous,
        following=following,
        errors=errors,
        page_has_errors=bool(errors),
        excerpt=excerpt,
    )

"""Calendar pages: a day, a week or a month of posts, with slots to write and move posts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import render_template, request, url_for
from flask_login import current_user

from scheduler.access.rules import may_write_posts
from scheduler.core.time_horizon import OutOfHorizon, require_day_within
from scheduler.reports.calendar import calendar_days, month_grid, slot_fields, week_start
from scheduler.reports.queue import excerpt
from web import current
from web.calendar import blueprint
from web.current import login_required
from web.extensions import db

VIEWS = ("day", "week", "month")
#: Posts listed on a day before the rest are counted and linked to the queue: a busy day holds
#: hundreds, more than a page can show (or render quickly).
POSTS_PER_DAY = {"day": 50, "week": 25, "month": 5}


def _shift_month(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _span(view: str, shown: date) -> tuple[date, date, date, date]:
    """Return the first and last days the view shows, and the dates of the pages either side."""
    if view == "day":
        return shown, shown, shown - timedelta(days=1), shown + timedelta(days=1)
    if view == "week":
        first, week = week_start(shown), timedelta(days=7)
        return first, first + timedelta(days=6), first - week, first + week
    first, last = month_grid(shown)
    return first, last, _shift_month(shown, -1), _shift_month(shown, 1)


@blueprint.route("")
@login_required
def index() -> str:
    """Show a day, a week (by default) or a month of the calendar around the given local date."""
    settings = current.settings()
    now = datetime.now(UTC)
    today = now.astimezone(settings.timezone).date()
    errors: dict[str, str] = {}
    view = request.args.get("view", "week")
    if view not in VIEWS:
        errors["view"] = "Choose the day, week or month view"
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
    first, last, previous, following = _span(view, shown)
    days = calendar_days(
        db.session,
        reader=current_user,
        settings=settings,
        first=first,
        last=last,
        now=now,
        per_day=POSTS_PER_DAY[view],
        hourly=view != "month",
    )
    return render_template(
        "calendar/index.html",
        view=view,
        shown=shown,
        today=today,
        shows_today=first <= today <= last,
        days=days,
        weeks=[days[index : index + 7] for index in range(0, len(days), 7)],
        previous=previous,
        following=following,
        may_compose=may_write_posts(db.session, current_user),
        compose_url=url_for("compose.index"),
        slot_query=lambda instant: slot_fields(instant, settings.timezone),
        errors=errors,
        page_has_errors=bool(errors),
        excerpt=excerpt,
    )

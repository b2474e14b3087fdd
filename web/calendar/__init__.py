"""The calendar: day, week and month views of posts, office hours, holidays, quiet periods and
embargoes; writing a post from a slot, moving one to another; the iCalendar feed."""

from flask import Blueprint

blueprint = Blueprint("calendar", __name__, url_prefix="/calendar")

from web.calendar import feed, move, views  # noqa: E402,F401  (views attach routes to the blueprint)

"""The calendar: week and month views of posts, office hours, holidays, quiet periods, embargoes."""

from flask import Blueprint

blueprint = Blueprint("calendar", __name__, url_prefix="/calendar")

from web.calendar import feed, views  # noqa: E402,F401  (views attach routes to the blueprint)

"""Notifications: what waits for the person, what was sent back, what went out or failed."""

from flask import Blueprint

blueprint = Blueprint("notifications", __name__, url_prefix="/notifications")

from web.notifications import views  # noqa: E402,F401  (views attach routes to the blueprint)

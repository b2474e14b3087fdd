"""The mock platform's public timeline: what it has "published"."""

from flask import Blueprint

blueprint = Blueprint("timeline", __name__, url_prefix="/platforms")

from web.timeline import views  # noqa: E402,F401  (views attach routes to the blueprint)

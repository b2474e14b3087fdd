"""Import pages: a release-day thread (and its Welsh twin) from a CSV or JSON file."""

from flask import Blueprint

blueprint = Blueprint("imports", __name__, url_prefix="/imports")

from web.imports import views  # noqa: E402,F401  (views attach routes to the blueprint)

"""The release readiness board: every release's posts, who must act, and the time left."""

from flask import Blueprint

blueprint = Blueprint("releases", __name__, url_prefix="/releases")

from web.releases import views  # noqa: E402,F401  (views attach routes to the blueprint)

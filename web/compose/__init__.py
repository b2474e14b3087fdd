"""Write a post (with its twin) or a release-day thread; save it as a draft or submit it."""

from flask import Blueprint

blueprint = Blueprint("compose", __name__, url_prefix="/compose")

from web.compose import threads, views  # noqa: E402,F401  (views attach routes to the blueprint)

"""The queue: every post the person may see, filtered and paged."""

from flask import Blueprint

blueprint = Blueprint("queue", __name__, url_prefix="/queue")

from web.queue import views  # noqa: E402,F401  (views attach routes to the blueprint)

"""The clearance inbox: what waits for a comms officer to approve or send back."""

from flask import Blueprint

blueprint = Blueprint("inbox", __name__, url_prefix="/inbox")

from web.inbox import views  # noqa: E402,F401  (views attach routes to the blueprint)

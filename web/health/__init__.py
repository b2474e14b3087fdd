"""The health endpoint: is the database reachable, is a worker alive, how does the queue stand."""

from flask import Blueprint

blueprint = Blueprint("health", __name__)

from web.health import views  # noqa: E402,F401  (views attach routes to the blueprint)

"""The signed-in home page."""

from flask import Blueprint

blueprint = Blueprint("main", __name__)

from web.main import views  # noqa: E402,F401  (views attach routes to the blueprint)

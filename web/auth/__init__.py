"""Signing in and out."""

from flask import Blueprint

blueprint = Blueprint("auth", __name__)

from web.auth import views  # noqa: E402,F401  (views attach routes to the blueprint)

"""A post's page: its text, state, times, approvals, audit timeline and the actions open now."""

from flask import Blueprint

blueprint = Blueprint("posts", __name__, url_prefix="/posts")

from web.posts import views  # noqa: E402,F401  (views attach routes to the blueprint)

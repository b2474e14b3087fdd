"""The audit trail: what happened, filtered and paged on screen, and downloaded."""

from flask import Blueprint

blueprint = Blueprint("audit", __name__, url_prefix="/audit")

from web.audit import views  # noqa: E402,F401  (views attach routes to the blueprint)

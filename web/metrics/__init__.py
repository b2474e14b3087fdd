"""GET /metrics: Prometheus numbers for the publishing queue, from this machine only."""

from flask import Blueprint

blueprint = Blueprint("metrics", __name__)

from web.metrics import views  # noqa: E402,F401

"""GET /metrics: Prometheus numbers for the publishing queue, for the configured scraper only."""

from flask import Blueprint

blueprint = Blueprint("metrics", __name__)

from web.metrics import views  # noqa: E402,F401

"""Serve the publishing metrics to a scraper on the same machine."""

from __future__ import annotations

from ipaddress import ip_address

from flask import Response, abort, request

from scheduler.clock import SystemClock
from scheduler.publishing.metrics import collect, prometheus_text
from web.extensions import db
from web.metrics import blueprint

PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"
#: A proxy adds one of these: the request then came from outside, whatever the socket says.
PROXY_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")


def from_this_machine() -> bool:
    """Return whether the request came straight from loopback, not through a proxy."""
    if any(header in request.headers for header in PROXY_HEADERS):
        return False
    try:
        return ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


@blueprint.route("/metrics")
def metrics() -> Response:
    """Report queue depth, held posts, publish lag, errors and heartbeat ages (no post text)."""
    if not from_this_machine():
        abort(404)
    with db.database.read_session_factory() as session:
        snapshot = collect(session, now=SystemClock().now())
    return Response(prometheus_text(snapshot), mimetype=None, content_type=PROMETHEUS_TEXT)

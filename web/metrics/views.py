"""Serve the publishing metrics to the scraper the settings name, and to nobody else.

Who is asking is never guessed from the socket or from proxy headers: waitress drops
`X-Forwarded-For` and `Forwarded` before the app sees them, so behind a proxy on the same
machine every visitor looks like loopback. Only the bearer token and the allow-list count.
"""

from __future__ import annotations

import hashlib
import hmac
from ipaddress import ip_address

from flask import Response, request

from config.settings import MetricsAccess
from scheduler.core.clock import SystemClock
from scheduler.publishing.metrics import collect, prometheus_text
from web import current
from web.extensions import db
from web.metrics import blueprint

PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"
PLAIN_TEXT = "text/plain; charset=utf-8"
METRICS_REALM = "gatepost-metrics"
TURNED_OFF = (
    "Metrics are turned off. To turn them on, set GATEPOST_METRICS_TOKEN (or token in the "
    "[metrics] table of the config file) to at least 32 random characters and have the "
    "scraper send Authorization: Bearer TOKEN; or, with no proxy in front of Gatepost, list "
    "the scraper's addresses in allow in the [metrics] table. See docs/operations.md.\n"
)


def refusal(access: MetricsAccess) -> Response | None:
    """Return why this request may not read the metrics, or None when it may."""
    if not access.enabled:
        return Response(TURNED_OFF, status=404, content_type=PLAIN_TEXT)
    if access.allow and not _address_listed(access, request.remote_addr or ""):
        return Response(
            f"{request.remote_addr} is not in the [metrics] allow list of this server.\n",
            status=403,
            content_type=PLAIN_TEXT,
        )
    if access.token and not _bearer_matches(access.token):
        return Response(
            "Send the metrics token configured as GATEPOST_METRICS_TOKEN (or [metrics] token) "
            "as Authorization: Bearer TOKEN.\n",
            status=401,
            content_type=PLAIN_TEXT,
            headers={"WWW-Authenticate": f'Bearer realm="{METRICS_REALM}"'},
        )
    return None


def _address_listed(access: MetricsAccess, address: str) -> bool:
    try:
        client = ip_address(address)
    except ValueError:
        return False
    return any(client in network for network in access.allow)


def _bearer_matches(token: str) -> bool:
    scheme, _, presented = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return False
    # Digests of equal length, compared in constant time: neither the token's characters nor
    # its length can be found by timing.
    return hmac.compare_digest(
        hashlib.sha256(presented.strip().encode()).digest(),
        hashlib.sha256(token.encode()).digest(),
    )


@blueprint.route("/metrics")
def metrics() -> Response:
    """Report queue depth, held posts, publish lag, errors and heartbeat ages (no post text)."""
    settings = current.settings()
    refused = refusal(settings.metrics)
    if refused is not None:
        return refused
    with db.database.read_session_factory() as session:
        snapshot = collect(session, now=SystemClock().now())
    return Response(prometheus_text(snapshot), mimetype=None, content_type=PROMETHEUS_TEXT)

"""GET /health for load balancers and monitoring: no sign-in, and never any post text."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError

from scheduler.channels.connections import connection_warnings
from scheduler.core.clock import SystemClock
from scheduler.publishing.status import queue_counts, worker_statuses
from web import current
from web.extensions import csrf, db
from web.health import blueprint


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


@blueprint.route("/health")
@csrf.exempt
def health() -> ResponseReturnValue:
    """Report health as JSON: 200 when the database answers and a worker is alive, else 503."""
    settings = current.settings()
    now = SystemClock().now()
    try:
        with db.database.read_session_factory() as session:
            workers = worker_statuses(session, now=now, settings=settings)
            counts = queue_counts(session, now=now)
            connections = connection_warnings(session)
    except SQLAlchemyError:
        current_app.logger.exception("health check: database unreachable")
        return jsonify(status="unhealthy", database="unreachable", workers=[], queue=None), 503
    alive = any(worker.alive for worker in workers)
    body = {
        "status": "ok" if alive else "unhealthy",
        "database": "reachable",
        "checked_at": now.isoformat(),
        "workers": [
            {
                "id": worker.worker_id,
                "state": worker.state,
                "last_seen_at": _iso(worker.last_seen_at),
                "last_pass_at": _iso(worker.last_pass_at),
                "last_pass_published": worker.last_pass_published,
                "last_pass_held": worker.last_pass_held,
            }
            for worker in workers
        ],
        "queue": {
            "due": counts.due,
            "scheduled": counts.scheduled,
            "held": counts.held,
            "publishing": counts.publishing,
            "failed": counts.failed,
            "missed": counts.missed,
            "unknown": counts.unknown,
        },
        # Channels that cannot publish until an admin connects them (again); not a reason to
        # take the service out of a load balancer, so the status stays as the workers say.
        "connections": [
            {"channel": f"@{item.handle}", "platform": item.platform, "problem": item.problem}
            for item in connections
        ],
    }
    if not alive:
        body["problem"] = (
            "No publishing worker is alive; start 'gatepost worker' or 'gatepost serve'"
        )
    return jsonify(body), 200 if alive else 503

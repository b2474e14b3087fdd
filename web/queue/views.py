"""Queue page."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import render_template, request
from flask_login import current_user

from scheduler.channels.operations import list_channels
from scheduler.models import PostState
from scheduler.releases.operations import list_releases
from scheduler.reports.queue import QueueFilter, embargo_of, excerpt, list_queue
from web import current
from web.current import login_required
from web.extensions import db
from web.queue import blueprint
from web.queue.filters import parse_filters


@blueprint.route("")
@login_required
def index() -> str:
    """Show a page of the posts the person may see, with filters."""
    settings = current.settings()
    parsed = parse_filters(request.args)
    filters = QueueFilter() if parsed.errors else parsed.filters
    page = list_queue(
        db.session,
        reader=current_user,
        zone=settings.timezone,
        filters=filters,
        before_id=None if parsed.errors else parsed.before_id,
    )
    first_args = parsed.query_args()
    next_args = None
    if page.next_before is not None:
        next_args = {**first_args, "before": str(page.next_before)}
    return render_template(
        "queue/index.html",
        page=page,
        parsed=parsed,
        states=list(PostState),
        channels=list_channels(db.session),
        releases=list_releases(db.session),
        now=datetime.now(UTC),
        excerpt=excerpt,
        embargo_of=embargo_of,
        next_args=next_args,
        first_args=first_args,
        page_has_errors=bool(parsed.errors),
    )

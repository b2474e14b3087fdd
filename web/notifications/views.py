"""Notification pages, and the unread count in every page's header."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from scheduler.core.errors import ValidationFailed
from scheduler.notifications.reading import list_notifications, mark_read, unread_count
from web.current import login_required
from web.extensions import db
from web.forms.storable import storable_form_value
from web.notifications import blueprint
from web.ui.messages import flash_domain_error, flash_saved

PAGE_SIZE = 50
#: How each kind of notification is labelled (the words, not a colour, carry the meaning).
KIND_LABELS = {
    "submitted": "Waiting for you",
    "sent_back": "Sent back",
    "approved": "Approved",
    "scheduled": "Scheduled",
    "failed": "Failed",
    "unknown": "Check needed",
    "missed": "Missed",
    "left_behind": "Twin left behind",
    "held_at_embargo": "Held at embargo",
    "edited": "Edited by someone else",
    "connection_failed": "Connection lost",
}


@blueprint.app_context_processor
def unread_notifications() -> dict[str, Any]:
    """Give the header the signed-in person's unread count (one small indexed query)."""
    if not current_user.is_authenticated:
        return {}
    return {"unread_notifications": unread_count(db.session, current_user)}


@blueprint.route("")
@login_required
def index() -> str:
    """Show the person's notifications, newest first, unread ones only if asked."""
    unread_only = request.args.get("show") == "unread"
    before = request.args.get("before", "")
    before_id = int(before) if before.isdigit() and len(before) < 12 else None
    rows = list_notifications(
        db.session,
        current_user,
        unread_only=unread_only,
        before_id=before_id,
        limit=PAGE_SIZE + 1,
    )
    next_before = rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None
    return render_template(
        "notifications/index.html",
        notifications=rows[:PAGE_SIZE],
        unread_only=unread_only,
        next_before=next_before,
        paged=before_id is not None,
        labels=KIND_LABELS,
    )


@blueprint.route("/<int:notification_id>/read", methods=["POST"])
@login_required
def read(notification_id: int) -> Response:
    """Mark one of the person's notifications as read."""
    try:
        show = storable_form_value("show", "Which notifications to show")
    except ValidationFailed as error:
        flash_domain_error(error)
        return redirect(url_for("notifications.index"))
    mark_read(db.session, current_user, notification_id=notification_id)
    return redirect(url_for("notifications.index", show=show or None))


@blueprint.route("/read-all", methods=["POST"])
@login_required
def read_all() -> Response:
    """Mark every one of the person's notifications as read."""
    count = mark_read(db.session, current_user)
    flash_saved(f"Marked {count} notification{'s' if count != 1 else ''} as read")
    return redirect(url_for("notifications.index"))

"""Notification pages, and the unread count in every page's header."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from scheduler.core.errors import ValidationFailed
from scheduler.models import Notification, User
from scheduler.notifications.reading import list_notifications, mark_read, unread_count
from web.current import login_required, signed_in_user
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
    "mentioned": "Mentioned",
    # Release readiness (scheduler/releases/reminders.py).
    "release_reminder": "Release reminder",
    "release_unreadable": "Nobody can clear",
}
#: Each kind's next step, linked from its notification ("Clear it in your inbox").
NEXT_STEPS = {
    "submitted": "Clear it in your inbox",
    "sent_back": "Change it and submit it again",
    "approved": "Give it a send time",
    "scheduled": "See when it goes",
    "failed": "See why it failed and retry",
    "unknown": "Check whether it went out",
    "missed": "Give it a new send time",
    "left_behind": "See what went out and retry",
    "held_at_embargo": "See why it is held",
    "edited": "See what changed",
    "connection_failed": "Connect the channel again",
    "mentioned": "Read the comment",
    "release_reminder": "See the release's readiness board",
    "release_unreadable": "See who is on the access list",
}
#: The next step of a kind not named above (a post's notification).
SEE_THE_POST = "See the post"


@dataclass(frozen=True)
class NextStep:
    """Where a notification leads: its next step's words and page, or none."""

    words: str
    href: str


def next_step(note: Notification, reader: User) -> NextStep | None:
    """Return the notification's next step: the inbox, its (first) post, its release or channel."""
    words = NEXT_STEPS.get(note.kind, SEE_THE_POST)
    if note.kind == "submitted":
        return NextStep(words, url_for("inbox.index"))
    if note.post_id is not None:
        return NextStep(words, url_for("posts.show", post_id=note.post_id))
    event = note.audit_event
    if event is not None and event.release_id is not None and event.post_id is None:
        return NextStep(words, url_for("releases.show", release_id=event.release_id))
    channel_id = event.channel_id if event is not None else None
    if channel_id is not None and reader.is_admin:
        return NextStep(words, url_for("admin.channel", channel_id=channel_id))
    return None


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
    reader = signed_in_user()
    rows = list_notifications(
        db.session,
        reader,
        unread_only=unread_only,
        before_id=before_id,
        limit=PAGE_SIZE + 1,
    )
    next_before = rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None
    shown = rows[:PAGE_SIZE]
    return render_template(
        "notifications/index.html",
        notifications=shown,
        steps={note.id: next_step(note, reader) for note in shown},
        unread_only=unread_only,
        next_before=next_before,
        paged=before_id is not None,
        labels=KIND_LABELS,
    )


@blueprint.route("/<int:notification_id>/read", methods=["POST"])
@login_required
def read(notification_id: int) -> Response:
    """Mark one of the person's notifications as read, and the rest of its unit's."""
    try:
        show = storable_form_value("show", "Which notifications to show")
    except ValidationFailed as error:
        flash_domain_error(error)
        return redirect(url_for("notifications.index"))
    mark_read(db.session, signed_in_user(), notification_id=notification_id)
    return redirect(url_for("notifications.index", show=show or None))


@blueprint.route("/read-all", methods=["POST"])
@login_required
def read_all() -> Response:
    """Mark every one of the person's notifications as read."""
    count = mark_read(db.session, signed_in_user())
    flash_saved("Marked all your notifications as read" if count else "Nothing was unread")
    return redirect(url_for("notifications.index"))

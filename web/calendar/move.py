"""Move a post to another send time from the calendar: a form that says what the move voids.

Dragging a post to a slot, or picking one from the keyboard (web/static/js/calendar.js), opens
this same confirmation with the slot filled in. The move is an edit of the send time
(`clearance.edit_post`), so it sends the post back to draft and voids its approvals as any edit.
"""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from scheduler import clearance
from scheduler.access.post_actions import available_actions, may_view_post, unreadable_because
from scheduler.access.rules import is_embargoed
from scheduler.clearance import get_post
from scheduler.clearance.transitions import Action
from scheduler.core.errors import (
    Conflict,
    DomainError,
    PermissionDenied,
    ValidationFailed,
)
from scheduler.core.local_time import describe
from scheduler.models import Post, User, utcnow
from scheduler.reports.calendar import MOVABLE_STATES, move_effect
from scheduler.reports.queue import excerpt
from web.calendar import blueprint
from web.calendar.forms import MoveForm
from web.calendar.slot_links import fill_from_slot
from web.current import login_required, settings, signed_in_user
from web.extensions import db
from web.forms.errors import add_domain_error
from web.forms.send_time import fill_send_at, send_at_from
from web.ui.messages import flash_saved

Page = str | Response | tuple[str, int]
VIEWS = ("day", "week", "month")


def _movable_post(post_id: int, user: User) -> Post:
    """Return the post if the person may move it now; refuse saying why not."""
    post = get_post(db.session, post_id)
    if not may_view_post(db.session, post, user):
        raise PermissionDenied("You do not have access to this post's channel")
    config = settings()
    if Action.EDIT in available_actions(db.session, post, by=user, settings=config):
        return post
    if post.state not in MOVABLE_STATES:
        # A conflict with the post's state, as the API answers a wrong state (409).
        abort(409, f"This post is {post.state.words}, so it can no longer be moved")
    unreadable = unreadable_because(db.session, post, by=user, settings=config)
    if unreadable is not None:
        raise PermissionDenied(unreadable)
    raise PermissionDenied(
        f"You need author access to @{post.channel.handle} to move its posts; ask an admin or "
        "the channel owner"
    )


def _status_for(error: DomainError) -> int:
    if isinstance(error, Conflict):
        return 409
    if isinstance(error, PermissionDenied):
        return 403
    return 400


def _back_view(form: MoveForm) -> str:
    asked = form.back_view.data or request.args.get("view", "")
    return asked if asked in VIEWS else "week"


def _render(post: Post, form: MoveForm, *, version: int, status: int = 200) -> tuple[str, int]:
    shown_text = None if is_embargoed(post, now=utcnow()) else excerpt(post.text, 120)
    zone = settings().timezone
    back_date = post.send_at.astimezone(zone).date().isoformat() if post.send_at else None
    page = render_template(
        "calendar/move.html",
        post=post,
        form=form,
        version=version,
        effect=move_effect(post),
        shown_text=shown_text,
        back_view=_back_view(form),
        back_date=back_date,
        page_has_errors=bool(form.errors or form.form_errors),
    )
    return page, status


@blueprint.route("/posts/<int:post_id>/move", methods=["GET"])
@login_required
def move(post_id: int) -> Page:
    """Ask to confirm moving the post, to the slot the link names or else from its own time."""
    post = _movable_post(post_id, signed_in_user())
    form = MoveForm(formdata=None)
    if not fill_from_slot(form, request.args):
        fill_send_at(form, post.send_at, settings().timezone)
    form.back_view.data = _back_view(form)
    return _render(post, form, version=post.version)


@blueprint.route("/posts/<int:post_id>/move", methods=["POST"])
@login_required
def confirm_move(post_id: int) -> Page:
    """Move the post to the new send time, through the same operation as any edit of it."""
    user = signed_in_user()
    post = _movable_post(post_id, user)
    config = settings()
    form = MoveForm()
    version = form.expected_version.data
    if not form.validate():
        return _render(post, form, version=version or post.version, status=400)
    try:
        send_at = send_at_from(form, config.timezone)
        if send_at is None:
            raise ValidationFailed("Enter the new send date and time", field="send_date")
        result = clearance.edit_post(
            db.session,
            post,
            by=user,
            settings=config,
            send_at=send_at,
            expected_version=version,
        )
    except DomainError as error:
        field = "send_date" if error.field in ("send_at", "send_date") else error.field
        add_domain_error(form, error, field=field)
        post = get_post(db.session, post_id)
        # After a conflict the page shows the post as it now is; confirming again acts on that.
        shown_version = post.version if isinstance(error, Conflict) else version or post.version
        return _render(post, form, version=shown_version, status=_status_for(error))
    when = describe(send_at, config.timezone)
    flash_saved(f"Moved to {when}. {result.message}")
    local_day = send_at.astimezone(config.timezone).date()
    return redirect(
        url_for("calendar.index", view=_back_view(form), date=local_day.isoformat())
        + f"#post-{post.id}"
    )

"""Show one post and carry out the actions on it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypedDict

from flask import redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from config import Settings
from scheduler import clearance
from scheduler.access.post_actions import available_actions, may_view_post
from scheduler.access.rules import ViewingLog, read_text, redacted_text
from scheduler.clearance import ClearanceResult, clearance_unit, get_post, post_history
from scheduler.clearance.approval_warning import held_after_approval
from scheduler.clearance.changes import check_expected_version
from scheduler.clearance.removal import may_remove, remove_published
from scheduler.clearance.review_changes import review_changes_of
from scheduler.clearance.transitions import Action
from scheduler.clearance.units import live_approvals
from scheduler.comments import (
    add_comment,
    comment_refusal,
    conversation,
    may_read_comments,
    standing_send_back,
)
from scheduler.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from scheduler.models import Post, User, utcnow
from scheduler.publishing.overrides import OVERRIDABLE, grant_override
from web.current import login_required, settings, signed_in_user
from web.extensions import db
from web.forms.errors import add_domain_error
from web.forms.send_time import fill_send_at, send_at_from
from web.posts import blueprint
from web.posts.forms import PostActionForm
from web.ui.messages import flash_saved

Page = str | Response | tuple[str, int]

#: What each action's button says.
BUTTONS = {
    Action.SUBMIT: "Submit for clearance",
    Action.APPROVE: "Approve",
    Action.REQUEST_CHANGES: "Request changes",
    Action.SCHEDULE: "Schedule",
    Action.UNSCHEDULE: "Unschedule",
    Action.PUBLISH_NOW: "Publish now",
    Action.WITHDRAW: "Withdraw",
    Action.RETRY: "Retry",
    Action.CONFIRM_PUBLISHED: "It is on the platform",
    Action.CONFIRM_NOT_PUBLISHED: "It is not on the platform",
}
REMOVE = "remove"
OVERRIDE = "override"
COMMENT = "comment"


def viewable_post(post_id: int, user: User) -> Post:
    """Return the post if the person may open it; 404 if there is none, 403 if not theirs."""
    post = get_post(db.session, post_id)
    if not may_view_post(db.session, post, user):
        raise PermissionDenied("You do not have access to this post's channel")
    return post


def _status_for(error: DomainError) -> int:
    if isinstance(error, Conflict):
        return 409
    if isinstance(error, PermissionDenied):
        return 403
    return 400


def _render(post: Post, form: PostActionForm, status: int = 200) -> tuple[str, int]:
    user = signed_in_user()
    config = settings()
    now = utcnow()
    viewings = ViewingLog()
    text = read_text(db.session, post, reader=user, now=now, log=viewings)
    unit = [member for member in clearance_unit(post) if member.id != post.id]
    if not form.is_submitted():
        fill_send_at(form, post.send_at, config.timezone)
    history = post_history(db.session, post)
    people = {
        person.id: person.display_name
        for person in db.session.scalars(
            select(User).where(User.id.in_({event.actor_id for event in history} - {None}))
        )
    }
    actions = available_actions(db.session, post, by=user, settings=config, now=now)
    # Comments and the review diff discuss the text, so they are as secret as the text.
    talks = may_read_comments(db.session, post, user, now=now)
    twin = post.twin
    changes = review_changes_of(db.session, post) if text is not None else None
    twin_readable = False
    if twin is not None and changes is not None and changes.twin_changed:
        # Showing the twin's diff is reading its text: noted like any read under embargo.
        twin_readable = read_text(db.session, twin, reader=user, now=now, log=viewings) is not None
    page = render_template(
        "posts/show.html",
        post=post,
        text=text,
        embargo_notice=None if text is not None else redacted_text(post, config),
        unit=unit,
        approvals=live_approvals(post),
        history=history,
        people=people,
        changes=changes if changes is not None and changes.any else None,
        twin_readable=twin_readable,
        remarks=conversation(db.session, post) if talks else [],
        sent_back=standing_send_back(db.session, post) if talks else None,
        comments_hidden=not talks,
        comment_refused=comment_refusal(db.session, post, user, settings=config, now=now),
        approval_warning=held_after_approval(db.session, post, settings=config, now=now)
        if Action.APPROVE in actions
        else None,
        actions=actions,
        buttons=BUTTONS,
        may_edit=Action.EDIT in actions,
        may_remove=may_remove(db.session, post, user, settings=config),
        may_override=user.is_admin and post.state in OVERRIDABLE,
        form=form,
        page_has_errors=bool(form.errors or form.form_errors),
    )
    # Reading an embargoed text is recorded, after the read and apart from it: a GET's session
    # only reads, and a record that cannot be written must not fail the page.
    db.after_transaction(lambda: viewings.record_apart(db.database.session_factory))
    return page, status


@blueprint.route("/<int:post_id>")
@login_required
def show(post_id: int) -> Page:
    """Show the post, its history and what the person may do with it now."""
    post = viewable_post(post_id, signed_in_user())
    return _render(post, PostActionForm(formdata=None))


class _Acting(TypedDict):
    """The arguments every action on a post takes: who acts, and on which version."""

    by: User
    settings: Settings
    expected_version: int | None


def _perform(action: str, post: Post, form: PostActionForm, user: User) -> str:
    config = settings()
    version = form.expected_version.data
    common = _Acting(by=user, settings=config, expected_version=version)
    simple: dict[str, Callable[..., ClearanceResult]] = {
        Action.SUBMIT: clearance.submit,
        Action.APPROVE: clearance.approve,
        Action.UNSCHEDULE: clearance.unschedule,
        Action.PUBLISH_NOW: clearance.publish_now,
        Action.RETRY: clearance.retry,
    }
    if action in simple:
        return simple[action](db.session, post, **common).message
    comment = (form.comment.data or "").strip()
    if action == Action.REQUEST_CHANGES:
        return clearance.request_changes(db.session, post, comment=comment, **common).message
    if action == Action.WITHDRAW:
        return clearance.withdraw(db.session, post, comment=comment, **common).message
    if action == Action.SCHEDULE:
        send_at = send_at_from(form, config.timezone)
        return clearance.schedule(db.session, post, send_at=send_at, **common).message
    if action in (Action.CONFIRM_PUBLISHED, Action.CONFIRM_NOT_PUBLISHED):
        published = action == Action.CONFIRM_PUBLISHED
        return clearance.resolve_unknown(
            db.session, post, published=published, comment=comment, **common
        ).message
    if action == REMOVE:
        remove_published(db.session, post, reason=form.reason.data or "", **common)
        return "Removed from the platform."
    if action == COMMENT:
        return add_comment(
            db.session, post, form.remark.data or "", by=user, settings=config
        ).message
    if action == OVERRIDE:
        check_expected_version(post, version)
        grant_override(db.session, post, by=user, reason=form.reason.data or "")
        return "Override granted: this version may publish outside the publishing window."
    raise NotFound(f"There is no action called {action!r}")


@blueprint.post("/<int:post_id>/<action>")
@login_required
def act(post_id: int, action: str) -> Page:
    """Carry out one action on the post, or show why not with nothing typed lost."""
    user = signed_in_user()
    post = viewable_post(post_id, user)
    form = PostActionForm()
    # Each action reads only the fields it needs, so only unstorable text stops them all here.
    if not form.validate() and not form.holds_only_storable_text():
        return _render(post, form, 400)
    try:
        message = _perform(action, post, form, user)
    except NotFound:
        raise
    except DomainError as error:
        # A comment's refusal belongs beside the comment box, whatever the domain calls it.
        add_domain_error(form, error, "remark" if action == COMMENT and error.field else None)
        post = get_post(db.session, post_id)
        return _render(post, form, _status_for(error))
    flash_saved(message)
    if request.form.get("back") == "inbox":
        return redirect(url_for("inbox.index"))
    anchor = "conversation" if action == COMMENT else None
    return redirect(url_for("posts.show", post_id=post.id, _anchor=anchor))

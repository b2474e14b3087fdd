"""Write a new post or change one: preview it, save it as a draft, or submit it for clearance."""

from __future__ import annotations

from datetime import datetime

from flask import jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from scheduler import clearance
from scheduler.access.post_actions import require_readable
from scheduler.access.rules import has_channel_access, may_write_posts
from scheduler.clearance import get_post
from scheduler.clearance.compose_choices import authorable_channels, visible_releases
from scheduler.clearance.drafting import twin_channel_of
from scheduler.clearance.media import attach_image
from scheduler.clearance.text_rules import check_saved_text
from scheduler.core.errors import DomainError, PermissionDenied
from scheduler.models import AccessRole, Channel, Post, Release, User, utcnow
from web.calendar.slot_links import fill_from_slot
from web.compose import blueprint
from web.compose.forms import ComposeForm
from web.compose.preview import Preview, build_preview
from web.current import login_required, settings, signed_in_user
from web.extensions import db
from web.forms.errors import add_domain_error
from web.forms.post_choices import NO_RELEASE, fill_choices, picked
from web.forms.send_time import fill_send_at, send_at_from
from web.ui.messages import flash_saved

Page = str | Response | tuple[str, int]


def _twin_text(form: ComposeForm) -> str | None:
    text = (form.twin_text.data or "").strip()
    return text or None


def _render(
    form: ComposeForm, channels: list[Channel], *, post: Post | None, preview: Preview | None
) -> tuple[str, int]:
    has_errors = bool(form.errors or form.form_errors)
    page = render_template(
        "compose/index.html",
        form=form,
        post=post,
        preview=preview,
        twins={str(channel.id): channel.twin for channel in channels if channel.twin},
        zone_name=settings().timezone.key,
        page_has_errors=has_errors,
    )
    return page, 400 if has_errors else 200


def _save(
    form: ComposeForm,
    user: User,
    channels: list[Channel],
    releases: list[Release],
    post: Post | None,
) -> tuple[Post | None, Preview | None, str]:
    """Do what the pressed button asks; return the saved post, or the preview to show."""
    config = settings()
    now = utcnow()
    channel, release = picked(form, channels, releases)
    send_at = send_at_from(form, config.timezone)
    text = form.text.data or ""
    twin_text = _twin_text(form)
    if form.intent.data == "preview":
        preview = build_preview(
            db.session,
            channel=channel,
            text=text,
            twin_text=twin_text,
            send_at=send_at,
            release=release,
            settings=config,
            now=now,
        )
        return None, preview, ""
    if post is None:
        post = clearance.create_post(
            db.session,
            channel=channel,
            text=text,
            by=user,
            settings=config,
            send_at=send_at,
            release=release,
            twin_text=twin_text,
            now=now,
        )
        message = "Draft saved."
    else:
        message = _apply_edit(
            post, user, text, twin_text, send_at, release, form.expected_version.data
        )
    _attach(form, post, user)
    if form.intent.data == "submit":
        message = clearance.submit(db.session, post, by=user, settings=config, now=now).message
    return post, None, message


def _attach(form: ComposeForm, post: Post, user: User) -> None:
    """Attach the uploaded image, if any, with its alt text and the people's consent."""
    upload = form.image.data
    if upload is None or not getattr(upload, "filename", ""):
        return
    attach_image(
        db.session,
        post,
        data=upload.read(),
        filename=upload.filename,
        alt_text=form.alt_text.data or "",
        by=user,
        settings=settings(),
        shows_people=bool(form.shows_people.data),
        consent_confirmed=bool(form.consent.data),
        consent_note=form.consent_note.data or "",
    )


def _apply_edit(
    post: Post,
    user: User,
    text: str,
    twin_text: str | None,
    send_at: datetime | None,
    release: Release | None,
    version: int | None,
) -> str:
    config = settings()
    result = clearance.edit_post(
        db.session,
        post,
        by=user,
        settings=config,
        text=text,
        send_at=send_at,
        release=release,
        expected_version=version,
    )
    message = result.message
    if post.twin is not None and twin_text is not None and twin_text != post.twin.text:
        message = clearance.edit_post(
            db.session, post.twin, by=user, settings=config, text=twin_text
        ).message
    elif post.twin is None and twin_text is not None:
        message = clearance.add_twin(
            db.session, post, text=twin_text, by=user, settings=config
        ).message
    return message


def require_composer(user: User) -> None:
    """Refuse people without author access to any channel (the navigation asks the same)."""
    if not may_write_posts(db.session, user):
        raise PermissionDenied(
            "You do not have author access to any channel; ask an admin or the channel owner"
        )


def _compose(post: Post | None) -> Page:
    user = signed_in_user()
    require_composer(user)
    channels = authorable_channels(db.session, user)
    releases = visible_releases(db.session, user, now=utcnow())
    if post is not None and post.release is not None and post.release not in releases:
        releases.append(post.release)
    # Posted: FlaskForm reads the fields and the uploaded file; otherwise start empty.
    form = ComposeForm() if request.method == "POST" else ComposeForm(formdata=None)
    fill_choices(form, channels, releases, settings())
    if request.method == "GET":
        if post is not None:
            form.channel.data = str(post.channel_id)
            form.text.data = post.text
            form.twin_text.data = post.twin.text if post.twin else ""
            form.release.data = str(post.release_id) if post.release_id else NO_RELEASE
            form.expected_version.data = post.version
            fill_send_at(form, post.send_at, settings().timezone)
        else:
            # From a calendar slot: its local date (and hour) as the send time to start from.
            fill_from_slot(form, request.args)
        return _render(form, channels, post=post, preview=None)
    if post is not None:
        # The channel of a saved post stays; move it by withdrawing and writing it again.
        form.channel.data = str(post.channel_id)
    preview = None
    if form.validate():
        try:
            saved, preview, message = _save(form, user, channels, releases, post)
        except DomainError as error:
            add_domain_error(form, error)
            if post is not None:
                post = get_post(db.session, post.id)
            return _render(form, channels, post=post, preview=None)
        if saved is not None:
            flash_saved(message)
            return redirect(url_for("posts.show", post_id=saved.id))
    return _render(form, channels, post=post, preview=preview)


@blueprint.route("", methods=["GET", "POST"])
@login_required
def index() -> Page:
    """Write a new post (and its twin)."""
    return _compose(None)


@blueprint.route("/<int:post_id>", methods=["GET", "POST"])
@login_required
def edit(post_id: int) -> Page:
    """Change a post's text, twin, send time or release; it goes back to draft."""
    post = get_post(db.session, post_id)
    user = signed_in_user()
    if not has_channel_access(db.session, user, post.channel, AccessRole.AUTHOR):
        raise PermissionDenied(
            f"You need author access to @{post.channel.handle} to edit its posts"
        )
    # The form holds the texts: before the embargo, only for those who may read them.
    require_readable(db.session, post, by=user, settings=settings())
    return _compose(post)


@blueprint.post("/length")
@login_required
def length() -> Response | tuple[Response, int]:
    """Measure a text by the chosen channel's platform rules (for the live counter)."""
    user = signed_in_user()
    payload = request.get_json(silent=True) or {}
    channel_id = str(payload.get("channel", ""))
    text = str(payload.get("text", ""))
    channel = next(
        (item for item in authorable_channels(db.session, user) if str(item.id) == channel_id),
        None,
    )
    if channel is None:
        return jsonify(message="You may not post on that channel; choose another"), 403
    if payload.get("twin"):
        try:
            channel = twin_channel_of(channel)
        except DomainError as error:
            # Typed before choosing a channel with a twin: nothing to count, but nothing wrong
            # with asking either; the answer says so, to be shown where the count would be.
            return jsonify(
                length=None, limit=None, remaining=None, valid=False,
                problems=[error.message], message=error.message,
            )  # fmt: skip
    check = check_saved_text(channel, text, settings())
    return jsonify(
        length=check.length,
        limit=check.limit,
        remaining=check.limit - check.length,
        valid=check.valid,
        problems=list(check.problems),
    )

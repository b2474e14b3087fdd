"""Posts through the API: create, read, list (filtered, by cursor), edit, and their audit trail."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.clearance import KEEP, create_post, edit_post, get_post, list_posts, post_history
from scheduler.clearance.queries import get_thread
from scheduler.core.errors import NotFound, ValidationFailed
from scheduler.identity.api_tokens import Scope
from scheduler.models import AuditEvent, PostState, User
from scheduler.models.base import MAX_ID
from web.api import routes
from web.api.endpoints import ApiCall, Reply
from web.api.post_views import API_VIA, PostOut, PostReads, show_post
from web.api.references import named_channel, named_release
from web.api.schemas import Instant, QueryParameters, RequestBody, ResponseBody

MAX_PAGE = 100
DEFAULT_PAGE = 50
_CURSOR_PREFIX = "before:"


class NewPost(RequestBody):
    """A draft post for a channel (and its twin, on the twin channel, when twin_text is given)."""

    channel: str = Field(min_length=1, max_length=101, description="The channel's handle")
    text: str = Field(description="Checked against the platform's own length rules")
    send_at: Instant | None = None
    release_id: int | None = Field(default=None, description="The release it belongs to")
    twin_text: str | None = Field(
        default=None, description="The same message for the twin channel, e.g. in Welsh"
    )


class PostEdit(RequestBody):
    """The version you read, and the fields to change; the post goes back to draft."""

    version: int = Field(description="The post's `version` as you read it; a stale one is 409")
    text: str | None = None
    send_at: Instant | None = Field(default=None, description="null clears the send time")
    channel: str | None = Field(default=None, min_length=1, max_length=101)
    release_id: int | None = Field(default=None, description="null takes it out of its release")


class PostFilters(QueryParameters):
    """Which posts to list, and which page."""

    state: PostState | None = None
    channel: str | None = Field(default=None, min_length=1, max_length=101)
    release: int | None = Field(default=None, ge=1, le=MAX_ID, description="A release id")
    thread: int | None = Field(default=None, ge=1, le=MAX_ID, description="A thread id")
    limit: int = Field(default=DEFAULT_PAGE, ge=1, le=MAX_PAGE)
    cursor: str | None = Field(
        default=None,
        max_length=100,
        description="Opaque: the `next_cursor` of the page before (or follow `next`)",
    )


class PostPage(ResponseBody):
    """One page of posts, newest first."""

    items: list[PostOut]
    next: str | None = Field(description="The next page's address, or null on the last page")
    next_cursor: str | None = Field(description="The cursor in `next`, for building it yourself")


class AuditEventOut(ResponseBody):
    """One audit event: who did what, when, and the state it moved the post between."""

    id: int
    occurred_at: datetime
    action: str
    actor: str | None = Field(description="The person's e-mail address, if a person acted")
    actor_label: str = Field(description="How they acted (api, cli, web) or which worker")
    from_state: str | None
    to_state: str | None
    comment: str
    details: dict[str, Any]


@routes.post(
    "/posts",
    scope=Scope.WRITE,
    body=NewPost,
    response=PostOut,
    status=201,
    idempotent=True,
    errors={403},
    tag="posts",
)
def post_post(call: ApiCall, body: NewPost) -> Reply:
    """Write a draft post (and its twin); retry safely with an Idempotency-Key."""
    post = create_post(
        call.session,
        channel=named_channel(call.session, body.channel),
        text=body.text,
        by=call.user,
        settings=call.settings,
        send_at=body.send_at,
        release=named_release(call.session, body.release_id),
        twin_text=body.twin_text,
        now=call.now,
        actor_label=API_VIA,
    )
    return Reply(show_post(call, post), headers={"Location": f"{routes.prefix}/posts/{post.id}"})


@routes.get("/posts/{post_id}", scope=Scope.READ, response=PostOut, tag="posts")
def get_one_post(call: ApiCall, post_id: int) -> PostOut:
    """Show a post; embargoed text only to the release's access list (and the read is logged)."""
    return show_post(call, get_post(call.session, post_id, reader=call.user))


@routes.get("/posts", scope=Scope.READ, query=PostFilters, response=PostPage, tag="posts")
def get_posts(call: ApiCall, query: PostFilters) -> Reply:
    """List posts newest first, filtered, a page at a time (follow `next`)."""
    before = _read_cursor(query.cursor)
    found = list(
        list_posts(
            call.session,
            channel=named_channel(call.session, query.channel) if query.channel else None,
            state=query.state,
            release=named_release(call.session, query.release, field="release"),
            thread=_named_thread(call.session, query.thread),
            before_id=before,
            limit=query.limit + 1,
            reader=call.user,
        )
    )
    page = found[: query.limit]
    next_cursor = _make_cursor(page[-1].id) if len(found) > query.limit else None
    next_link = None
    headers = {}
    if next_cursor is not None:
        parameters = query.model_dump(exclude_none=True, exclude={"cursor"}, mode="json")
        next_link = f"{routes.prefix}/posts?{urlencode({**parameters, 'cursor': next_cursor})}"
        headers["Link"] = f'<{next_link}>; rel="next"'
    return Reply(
        PostPage(items=PostReads(call).show(page), next=next_link, next_cursor=next_cursor),
        headers=headers,
    )


@routes.patch(
    "/posts/{post_id}",
    scope=Scope.WRITE,
    body=PostEdit,
    response=PostOut,
    errors={403, 409},
    tag="posts",
)
def patch_post(call: ApiCall, post_id: int, body: PostEdit) -> PostOut:
    """Change a post's text, send time, channel or release; it goes back to draft."""
    given = body.model_fields_set
    for name in ("text", "channel"):
        if name in given and getattr(body, name) is None:
            raise ValidationFailed(f"{name} cannot be null; leave it out to keep it", field=name)
    post = get_post(call.session, post_id, reader=call.user)
    result = edit_post(
        call.session,
        post,
        by=call.user,
        settings=call.settings,
        text=body.text if body.text is not None else KEEP,
        send_at=body.send_at if "send_at" in given else KEEP,
        channel=named_channel(call.session, body.channel) if body.channel is not None else KEEP,
        release=named_release(call.session, body.release_id) if "release_id" in given else KEEP,
        now=call.now,
        expected_version=body.version,
        actor_label=API_VIA,
    )
    return show_post(call, result.post)


@routes.get("/posts/{post_id}/audit", scope=Scope.READ, response=list[AuditEventOut], tag="posts")
def get_post_audit(call: ApiCall, post_id: int) -> list[AuditEventOut]:
    """List a post's audit events, oldest first (audit never holds post text)."""
    events = post_history(call.session, get_post(call.session, post_id, reader=call.user))
    return _describe_events(call.session, events)


def _describe_events(session: Session, events: Any) -> list[AuditEventOut]:
    listed: list[AuditEvent] = list(events)
    actor_ids = {event.actor_id for event in listed if event.actor_id is not None}
    emails = (
        {
            row[0]: row[1]
            for row in session.execute(select(User.id, User.email).where(User.id.in_(actor_ids)))
        }
        if actor_ids
        else {}
    )
    return [
        AuditEventOut(
            id=event.id,
            occurred_at=event.occurred_at,
            action=event.action,
            actor=emails.get(event.actor_id) if event.actor_id is not None else None,
            actor_label=event.actor_label,
            from_state=event.from_state,
            to_state=event.to_state,
            comment=event.comment,
            details=event.details or {},
        )
        for event in listed
    ]


def _named_thread(session: Session, thread_id: int | None) -> Any:
    if thread_id is None:
        return None
    try:
        return get_thread(session, thread_id)
    except NotFound as error:
        raise ValidationFailed(error.message, field="thread") from None


def _make_cursor(last_id: int) -> str:
    raw = f"{_CURSOR_PREFIX}{last_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _read_cursor(cursor: str | None) -> int | None:
    """Return the id the cursor continues below, or refuse one this API did not give."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    number = raw.removeprefix(_CURSOR_PREFIX)
    if not raw.startswith(_CURSOR_PREFIX) or not number.isdigit() or not 1 <= int(number) <= MAX_ID:
        raise ValidationFailed(
            "This cursor was not given by the API; use the next_cursor of the page before, "
            "or leave it out for the first page",
            field="cursor",
        )
    return int(number)

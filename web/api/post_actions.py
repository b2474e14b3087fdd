"""Clearance actions on a post through the API: the same domain operations as the web and CLI."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pydantic import Field

from scheduler.api_tokens import Scope
from scheduler.clearance import (
    ClearanceResult,
    add_twin,
    approve,
    get_post,
    publish_now,
    request_changes,
    resolve_unknown,
    retry,
    schedule,
    submit,
    unschedule,
    withdraw,
)
from scheduler.models import Post
from web.api import routes
from web.api.endpoints import ApiCall, Reply
from web.api.post_views import API_VIA, PostOut, show_post
from web.api.schemas import Instant, RequestBody

_VERSION_DESCRIPTION = (
    "Optional: the post's `version` as you read it; if it changed since, the action is refused "
    "with 409"
)
_ACTION_ERRORS = {403, 409, 422}
_UNIT_NOTE = (
    "Acts on the post and everything cleared with it (its twin and the rest of its thread); "
    "the response shows this post."
)


class ActionBody(RequestBody):
    """Optionally, the version you acted on."""

    version: int | None = Field(default=None, description=_VERSION_DESCRIPTION)


class WithdrawBody(ActionBody):
    """Why it is withdrawn (optional)."""

    comment: str = Field(default="", max_length=2000)


class ChangesBody(ActionBody):
    """What needs to change."""

    comment: str = Field(max_length=2000, description="What the author should change")


class ScheduleBody(ActionBody):
    """When to send it (by default, its own send time)."""

    send_at: Instant | None = None


class TwinBody(ActionBody):
    """The twin's text, in the twin channel's language."""

    text: str


class ResolveBody(ActionBody):
    """What you found on the platform for a post whose outcome is unknown."""

    published: bool = Field(description="true if the post is on the platform, false if not")
    external_id: str | None = Field(default=None, max_length=200)
    published_at: Instant | None = None
    comment: str = Field(default="", max_length=2000)


Operation = Callable[[ApiCall, Post, int | None], ClearanceResult]


def _act(call: ApiCall, post_id: int, operation: Operation, version: int | None) -> PostOut:
    post = get_post(call.session, post_id, reader=call.user)
    return show_post(call, operation(call, post, version).post)


def _simple_action(
    path: str, scope: Scope, name: str, summary: str, run: Callable[..., ClearanceResult]
) -> None:
    def handler(call: ApiCall, post_id: int, body: ActionBody) -> PostOut:
        return _act(
            call,
            post_id,
            lambda call, post, version: run(
                call.session,
                post,
                by=call.user,
                settings=call.settings,
                now=call.now,
                expected_version=version,
                actor_label=API_VIA,
            ),
            body.version,
        )

    handler.__name__ = name
    handler.__doc__ = f"{summary}\n\n{_UNIT_NOTE}"
    routes.post(
        f"/posts/{{post_id}}/{path}",
        scope=scope,
        body=ActionBody,
        body_optional=True,
        response=PostOut,
        errors=_ACTION_ERRORS,
        tag="clearance",
    )(handler)


_simple_action("submit", Scope.WRITE, "submit_post", "Send a draft for clearance.", submit)
_simple_action("approve", Scope.APPROVE, "approve_post", "Clear a post; never your own.", approve)
_simple_action(
    "retry", Scope.WRITE, "retry_post", "Queue a failed post to be published again.", retry
)
_simple_action(
    "unschedule",
    Scope.WRITE,
    "unschedule_post",
    "Take a scheduled post off the queue; it stays approved.",
    unschedule,
)
_simple_action(
    "publish-now",
    Scope.APPROVE,
    "publish_post_now",
    "Queue a post that missed its time to go out now (never before its embargo).",
    publish_now,
)


@routes.post(
    "/posts/{post_id}/withdraw",
    scope=Scope.WRITE,
    body=WithdrawBody,
    body_optional=True,
    response=PostOut,
    errors=_ACTION_ERRORS,
    tag="clearance",
)
def withdraw_post(call: ApiCall, post_id: int, body: WithdrawBody) -> PostOut:
    """Withdraw a post that has not gone out."""
    return _act(
        call,
        post_id,
        lambda call, post, version: withdraw(
            call.session,
            post,
            comment=body.comment,
            by=call.user,
            settings=call.settings,
            now=call.now,
            expected_version=version,
            actor_label=API_VIA,
        ),
        body.version,
    )


@routes.post(
    "/posts/{post_id}/request-changes",
    scope=Scope.APPROVE,
    body=ChangesBody,
    response=PostOut,
    errors=_ACTION_ERRORS,
    tag="clearance",
)
def request_post_changes(call: ApiCall, post_id: int, body: ChangesBody) -> PostOut:
    """Send a post back to its author with a comment."""
    return _act(
        call,
        post_id,
        lambda call, post, version: request_changes(
            call.session,
            post,
            comment=body.comment,
            by=call.user,
            settings=call.settings,
            now=call.now,
            expected_version=version,
            actor_label=API_VIA,
        ),
        body.version,
    )


@routes.post(
    "/posts/{post_id}/schedule",
    scope=Scope.APPROVE,
    body=ScheduleBody,
    body_optional=True,
    response=PostOut,
    errors=_ACTION_ERRORS,
    tag="clearance",
)
def schedule_post(call: ApiCall, post_id: int, body: ScheduleBody) -> PostOut:
    """Schedule an approved (or missed) post; an approver picks the time, never its author."""
    return _act(
        call,
        post_id,
        lambda call, post, version: schedule(
            call.session,
            post,
            send_at=body.send_at,
            by=call.user,
            settings=call.settings,
            now=call.now,
            expected_version=version,
            actor_label=API_VIA,
        ),
        body.version,
    )


@routes.post(
    "/posts/{post_id}/twin",
    scope=Scope.WRITE,
    body=TwinBody,
    response=PostOut,
    status=201,
    errors=_ACTION_ERRORS,
    tag="posts",
)
def post_twin(call: ApiCall, post_id: int, body: TwinBody) -> Reply:
    """Write the twin of a post on the twin channel; the pair goes back to draft."""
    post = get_post(call.session, post_id, reader=call.user)
    add_twin(
        call.session,
        post,
        text=body.text,
        by=call.user,
        settings=call.settings,
        now=call.now,
        expected_version=body.version,
        actor_label=API_VIA,
    )
    twin = post.twin
    assert twin is not None
    return Reply(show_post(call, twin), headers={"Location": f"{routes.prefix}/posts/{twin.id}"})


@routes.post(
    "/posts/{post_id}/resolve",
    scope=Scope.APPROVE,
    body=ResolveBody,
    response=PostOut,
    errors=_ACTION_ERRORS,
    tag="clearance",
)
def resolve_post(call: ApiCall, post_id: int, body: ResolveBody) -> PostOut:
    """Settle a post in doubt: it is on the platform, or it is not (and goes out again)."""
    published_at: datetime | None = body.published_at
    return _act(
        call,
        post_id,
        lambda call, post, version: resolve_unknown(
            call.session,
            post,
            published=body.published,
            external_id=body.external_id,
            published_at=published_at,
            comment=body.comment,
            by=call.user,
            settings=call.settings,
            now=call.now,
            expected_version=version,
            actor_label=API_VIA,
        ),
        body.version,
    )

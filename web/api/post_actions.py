"""Clearance actions on a post through the API: the same domain operations as the web and CLI."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import Field

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
from scheduler.identity.api_tokens import Scope
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

    def arguments(self) -> dict[str, Any]:
        """Return the body's fields other than the version, as the operation's keywords."""
        return {name: getattr(self, name) for name in type(self).model_fields if name != "version"}


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


@dataclass(frozen=True)
class PostAction:
    """One action on a post: its endpoint and the domain operation that does it."""

    path: str
    name: str
    scope: Scope
    operation: Callable[..., ClearanceResult]
    summary: str
    body: type[ActionBody] = ActionBody
    # An action that creates a post answers 201 with that post and its Location.
    created: Callable[[Post], Post | None] | None = None
    description: str = _UNIT_NOTE
    tag: str = "clearance"


ACTIONS = (
    PostAction("submit", "submit_post", Scope.WRITE, submit, "Send a draft for clearance."),
    PostAction("approve", "approve_post", Scope.APPROVE, approve, "Clear a post; never your own."),
    PostAction(
        "retry", "retry_post", Scope.WRITE, retry, "Queue a failed post to be published again."
    ),
    PostAction(
        "unschedule",
        "unschedule_post",
        Scope.WRITE,
        unschedule,
        "Take a scheduled post off the queue; it stays approved.",
    ),
    PostAction(
        "publish-now",
        "publish_post_now",
        Scope.APPROVE,
        publish_now,
        "Queue a post that missed its time to go out now (never before its embargo).",
    ),
    PostAction(
        "withdraw",
        "withdraw_post",
        Scope.WRITE,
        withdraw,
        "Withdraw a post that has not gone out.",
        WithdrawBody,
        description="",
    ),
    PostAction(
        "request-changes",
        "request_post_changes",
        Scope.APPROVE,
        request_changes,
        "Send a post back to its author with a comment.",
        ChangesBody,
        description="",
    ),
    PostAction(
        "schedule",
        "schedule_post",
        Scope.APPROVE,
        schedule,
        "Schedule an approved (or missed) post; an approver picks the time, never its author.",
        ScheduleBody,
        description="",
    ),
    PostAction(
        "twin",
        "post_twin",
        Scope.WRITE,
        add_twin,
        "Write the twin of a post on the twin channel; the pair goes back to draft.",
        TwinBody,
        created=lambda post: post.twin,
        description="",
        tag="posts",
    ),
    PostAction(
        "resolve",
        "resolve_post",
        Scope.APPROVE,
        resolve_unknown,
        "Settle a post in doubt: it is on the platform, or it is not (and goes out again).",
        ResolveBody,
        description="",
    ),
)


def _declare(action: PostAction) -> None:
    def handler(call: ApiCall, post_id: int, body: ActionBody) -> PostOut | Reply:
        post = get_post(call.session, post_id, reader=call.user)
        result = action.operation(
            call.session,
            post,
            **body.arguments(),
            by=call.user,
            settings=call.settings,
            now=call.now,
            expected_version=body.version,
            actor_label=API_VIA,
        )
        if action.created is None:
            return show_post(call, result.post)
        created = action.created(post)
        assert created is not None
        return Reply(
            show_post(call, created), headers={"Location": f"{routes.prefix}/posts/{created.id}"}
        )

    handler.__name__ = action.name
    handler.__doc__ = action.summary
    routes.post(
        f"/posts/{{post_id}}/{action.path}",
        scope=action.scope,
        body=action.body,
        # An empty body is fine when every field has a default.
        body_optional=not any(field.is_required() for field in action.body.model_fields.values()),
        response=PostOut,
        status=201 if action.created is not None else 200,
        errors=_ACTION_ERRORS,
        tag=action.tag,
        description=action.description,
    )(handler)


for _action in ACTIONS:
    _declare(_action)

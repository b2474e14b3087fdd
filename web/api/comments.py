"""A post's comments through the API: read the conversation, add to it (with @mentions)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from scheduler.clearance import get_post
from scheduler.comments import MAX_LENGTH, add_comment, comments_on, may_read_comments
from scheduler.comments.conversation import mentions_by_comment
from scheduler.identity.api_tokens import Scope
from scheduler.models import Comment, Post
from web.api import routes
from web.api.endpoints import ApiCall, Reply
from web.api.post_views import API_VIA, PostReads
from web.api.schemas import RequestBody, ResponseBody


class NewComment(RequestBody):
    """What to say; `@` and someone's e-mail address (or the part before its @) mentions them."""

    text: str = Field(min_length=1, max_length=MAX_LENGTH)


class CommentOut(ResponseBody):
    """One comment: who wrote it and when, and its words unless the post is embargoed from you."""

    id: int
    post_id: int
    author: str = Field(description="The author's e-mail address")
    text: str | None = Field(
        description="The words; null while the post is embargoed and you are not on its "
        "release's pre-release access list"
    )
    embargoed_until: datetime | None = Field(
        description="Set (the release's embargo) when the words are hidden from you"
    )
    mentioned: list[str] = Field(description="The e-mail addresses of the people it mentions")
    created_at: datetime


def _describe(comment: Comment, *, hidden: bool, post: Post, mentions: list[str]) -> CommentOut:
    release = post.release
    return CommentOut(
        id=comment.id,
        post_id=comment.post_id,
        author=comment.author.email,
        text=None if hidden else comment.text,
        embargoed_until=release.embargo_at if hidden and release is not None else None,
        mentioned=mentions,
        created_at=comment.created_at,
    )


@routes.get(
    "/posts/{post_id}/comments", scope=Scope.READ, response=list[CommentOut], tag="comments"
)
def get_post_comments(call: ApiCall, post_id: int) -> list[CommentOut]:
    """List a post's comments, oldest first; embargoed words only to the release's access list."""
    post = get_post(call.session, post_id, reader=call.user)
    hidden = not may_read_comments(call.session, post, call.user, now=call.now)
    if not hidden:
        # Comments may quote the text: reading them under embargo is logged as reading it.
        PostReads(call).record([post])
    mentions = mentions_by_comment(call.session, post)
    return [
        _describe(comment, hidden=hidden, post=post, mentions=mentions.get(comment.id, []))
        for comment in comments_on(call.session, post)
    ]


@routes.post(
    "/posts/{post_id}/comments",
    scope=Scope.WRITE,
    body=NewComment,
    response=CommentOut,
    status=201,
    idempotent=True,
    errors={403},
    tag="comments",
    description="Everyone it @mentions is notified (without its words). A mention of someone who "
    "cannot read the post (no access to its channel, or off its release's access list while it "
    "is embargoed) is refused with 422, naming them and why.",
)
def post_post_comment(call: ApiCall, post_id: int, body: NewComment) -> Reply:
    """Add a comment to a post; only its channel's authors and approvers (and admins) may."""
    post = get_post(call.session, post_id, reader=call.user)
    added = add_comment(
        call.session,
        post,
        body.text,
        by=call.user,
        settings=call.settings,
        now=call.now,
        actor_label=API_VIA,
    )
    out = _describe(
        added.comment,
        hidden=False,
        post=post,
        mentions=[user.email for user in added.mentioned],
    )
    return Reply(out, headers={"Location": f"{routes.prefix}/posts/{post.id}/comments"})

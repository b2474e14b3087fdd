"""Release-day threads through the API: write one (with its Welsh twin) and read it back."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from scheduler.clearance import create_thread, get_thread
from scheduler.clearance.threads import MAX_THREAD_POSTS
from scheduler.identity.api_tokens import Scope
from scheduler.models import Thread
from web.api import routes
from web.api.endpoints import ApiCall, Reply
from web.api.post_views import API_VIA, PostOut, PostReads
from web.api.references import named_channel, named_release
from web.api.schemas import Instant, RequestBody, ResponseBody


class NewThread(RequestBody):
    """An ordered series of posts on one channel, and their twins post for post."""

    channel: str = Field(min_length=1, max_length=101, description="The channel's handle")
    texts: list[str] = Field(min_length=1, max_length=MAX_THREAD_POSTS, description="In order")
    twin_texts: list[str] | None = Field(
        default=None,
        max_length=MAX_THREAD_POSTS,
        description="One per post, for the twin channel",
    )
    release_id: int | None = None
    send_at: Instant | None = None
    title: str = Field(default="", max_length=300)


class ThreadOut(ResponseBody):
    """A thread, its posts in order, and its twin thread's posts."""

    id: int
    channel: str
    title: str | None = Field(
        description="Null when the release is embargoed and you are not on its access list"
    )
    release_id: int | None
    twin_thread_id: int | None
    created_at: datetime
    posts: list[PostOut] = Field(description="In thread order")
    twin_posts: list[PostOut] = Field(description="The twin thread's posts, in order (or none)")


def describe_thread(call: ApiCall, thread: Thread) -> ThreadOut:
    """Return the thread and its twin's posts as the caller may see them."""
    reads = PostReads(call)
    twin = thread.twin_thread
    return ThreadOut(
        id=thread.id,
        channel=thread.channel.handle,
        title=reads.title_of(thread),
        release_id=thread.release_id,
        twin_thread_id=thread.twin_thread_id,
        created_at=thread.created_at,
        posts=reads.show(thread.posts),
        twin_posts=reads.show(twin.posts) if twin is not None else [],
    )


def created_thread_reply(call: ApiCall, thread: Thread) -> Reply:
    """Return the 201 answer for a thread just made."""
    return Reply(
        describe_thread(call, thread),
        headers={"Location": f"{routes.prefix}/threads/{thread.id}"},
    )


@routes.post(
    "/threads",
    scope=Scope.WRITE,
    body=NewThread,
    response=ThreadOut,
    status=201,
    idempotent=True,
    errors={403},
    tag="threads",
)
def post_thread(call: ApiCall, body: NewThread) -> Reply:
    """Write a thread of drafts (and its twin thread); retry safely with an Idempotency-Key."""
    thread = create_thread(
        call.session,
        channel=named_channel(call.session, body.channel),
        texts=body.texts,
        twin_texts=body.twin_texts,
        by=call.user,
        settings=call.settings,
        send_at=body.send_at,
        release=named_release(call.session, body.release_id),
        title=body.title,
        now=call.now,
        actor_label=API_VIA,
    )
    return created_thread_reply(call, thread)


@routes.get("/threads/{thread_id}", scope=Scope.READ, response=ThreadOut, tag="threads")
def get_one_thread(call: ApiCall, thread_id: int) -> ThreadOut:
    """Show a thread and its twin, post by post."""
    return describe_thread(call, get_thread(call.session, thread_id, reader=call.user))

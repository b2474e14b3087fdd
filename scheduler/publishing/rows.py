"""Plain snapshots of the rows a worker pass reads, so the hot path needs no ORM objects."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ARRAY,
    Integer,
    String,
    Table,
    any_,
    bindparam,
    func,
    select,
)
from sqlalchemy.orm import Session

from scheduler.models import Channel, MediaAttachment, Post, PostState, Release
from scheduler.models.post import state_literal

posts = cast(Table, Post.__table__)
channels = cast(Table, Channel.__table__)
releases = cast(Table, Release.__table__)
media_attachments = cast(Table, MediaAttachment.__table__)

# Literals, for the partial indexes `ix_posts_scheduled_due` and `ix_posts_publishing_lease`.
SCHEDULED = state_literal(PostState.SCHEDULED)
PUBLISHING = state_literal(PostState.PUBLISHING)

POST_COLUMNS = (
    posts.c.id,
    posts.c.channel_id,
    posts.c.author_id,
    posts.c.text,
    posts.c.content_version,
    posts.c.send_at,
    posts.c.due_at,
    posts.c.release_id,
    posts.c.thread_id,
    posts.c.thread_position,
    posts.c.twin_id,
    posts.c.state,
    posts.c.attempts,
    posts.c.first_allowed_at,
    posts.c.hold_reason,
    posts.c.external_id,
    posts.c.published_at,
    posts.c.lease_owner,
)


def ids_in(session: Session, column: Any, ids: Sequence[int]) -> Any:
    """Return `column IN ids` as one parameter, not one per id (batches hold hundreds).

    SQLAlchemy renders a bound parameter per element of an IN list on every execution; one
    array (PostgreSQL) or one JSON text read by json_each (SQLite) costs the same for any size.
    """
    postgres = session.get_bind().dialect.name == "postgresql"
    return in_id_list(column, None, postgres=postgres, ids=ids)


def in_id_list(
    column: Any, name: str | None, *, postgres: bool, ids: Sequence[int] | None = None
) -> Any:
    """Return `column IN` one list-of-ids parameter, given now or named and given at execution."""
    # A statement compiled once names its parameter and is given `id_list_value(ids)` each run.
    kind = ARRAY(Integer) if postgres else String
    if ids is None:
        parameter = bindparam(name, type_=kind)
    else:
        parameter = bindparam(name, id_list_value(ids, postgres=postgres), type_=kind)
    if postgres:
        return column == any_(parameter)
    values = func.json_each(parameter).table_valued("value")
    return column.in_(select(values.c.value))


def id_list_value(ids: Sequence[int], *, postgres: bool) -> object:
    """Return the value of an `in_id_list` parameter: an array, or JSON text for SQLite."""
    return list(ids) if postgres else json.dumps(list(ids))


def idempotency_key(post_id: int, content_version: int) -> str:
    """Return the key the platform sees for one post and content version (as Post does)."""
    return f"gatepost-{post_id}-v{content_version}"


@dataclass(slots=True)
class PostRow:
    """The columns of one post that publishing rules and adapters need."""

    id: int
    channel_id: int
    author_id: int
    text: str
    content_version: int
    send_at: datetime | None
    due_at: datetime | None
    release_id: int | None
    thread_id: int | None
    thread_position: int | None
    twin_id: int | None
    state: PostState
    attempts: int
    first_allowed_at: datetime | None
    hold_reason: str | None
    external_id: str | None
    published_at: datetime | None
    lease_owner: str | None

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> PostRow:
        """Build a snapshot from a row selected or returned with POST_COLUMNS."""
        return cls(*row)

    @property
    def idempotency_key(self) -> str:
        """Return the key the platform sees."""
        return idempotency_key(self.id, self.content_version)


@dataclass(frozen=True, slots=True)
class ChannelFacts:
    """What publishing needs to know about a channel."""

    id: int
    handle: str
    platform: str
    language: str
    twin_id: int | None
    requires_twin: bool
    approvals_required: int
    active: bool
    options: dict[str, Any] = field(default_factory=dict)
    #: The server's base URL, or None for the platform's public service.
    instance_url: str | None = None
    #: The channel's credentials as stored, encrypted; None if it was never connected.
    credentials: str | None = field(default=None, repr=False)

    @property
    def connected(self) -> bool:
        """Return whether credentials are stored for the channel."""
        return self.credentials is not None

    @property
    def lane(self) -> int:
        """Return the key shared by a channel and its twin: their posts go out one by one."""
        return min(self.id, self.twin_id) if self.twin_id is not None else self.id


@dataclass(frozen=True, slots=True)
class ReleaseFacts:
    """A release's title and embargo instant."""

    id: int
    title: str
    embargo_at: datetime


@dataclass(frozen=True, slots=True)
class MediaFacts:
    """One image to attach to a post."""

    stored_name: str
    content_type: str
    alt_text: str

"""Posts, their approvals, revisions and overrides, and threads."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    literal_column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnClause

from scheduler.models.base import Base, utcnow
from scheduler.models.channel import Channel
from scheduler.models.media import MediaAttachment
from scheduler.models.release import Release
from scheduler.models.user import User


class PostState(StrEnum):
    """Where a post stands in clearance and publishing (names are a stable contract)."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    FAILED = "failed"
    WITHDRAWN = "withdrawn"
    # The platform may or may not have the post and cannot be asked: a person must check.
    UNKNOWN = "unknown"
    # It could not go out within the grace period: a person publishes it now or reschedules.
    MISSED = "missed"
    # Published, then taken down from the platform.
    REMOVED = "removed"

    @property
    def words(self) -> str:
        """Return the state as people write it, e.g. "in review"."""
        return self.value.replace("_", " ")


def state_literal(state: PostState) -> ColumnClause[str]:
    """Return the state as an SQL literal, as the partial indexes' WHERE clauses write it.

    The planners use a partial index (`WHERE state = 'scheduled'`) only for a query whose
    condition visibly says the same; a bound parameter does not.
    """
    # The value is one of the enum's own, never outside input.
    return literal_column(f"'{state.value}'")


POST_STATE_ENUM = Enum(
    PostState,
    name="post_state",
    native_enum=False,
    create_constraint=True,
    length=20,
    values_callable=lambda states: [state.value for state in states],
)


class Thread(Base):
    """An ordered series of posts on one channel, each replying to the one before."""

    __tablename__ = "threads"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"), index=True)
    release_id: Mapped[int | None] = mapped_column(ForeignKey("releases.id"), index=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    twin_thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id"), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    channel: Mapped[Channel] = relationship()
    release: Mapped[Release | None] = relationship()
    twin_thread: Mapped[Thread | None] = relationship(
        remote_side=[id], foreign_keys=[twin_thread_id], post_update=True
    )
    posts: Mapped[list[Post]] = relationship(
        back_populates="thread", order_by="Post.thread_position"
    )


class Post(Base):
    """One message for one channel, moving through clearance and publishing."""

    __tablename__ = "posts"
    __table_args__ = (
        UniqueConstraint("thread_id", "thread_position"),
        CheckConstraint(
            "(thread_id IS NULL) = (thread_position IS NULL)", name="thread_has_position"
        ),
        CheckConstraint("twin_id IS NULL OR twin_id <> id", name="not_own_twin"),
        CheckConstraint("content_version >= 1", name="content_version_positive"),
        CheckConstraint(
            "state NOT IN ('published', 'removed') OR published_at IS NOT NULL",
            name="published_has_instant",
        ),
        CheckConstraint(
            "state <> 'publishing' OR lease_owner IS NOT NULL", name="publishing_has_lease"
        ),
        # The worker's claim query: due scheduled posts, oldest first. `state` leads although
        # it is the same in every entry: without statistics SQLite prefers any index that
        # matches `state = ?` to one that matches only `due_at <= ?`, and read every scheduled
        # post through (state, send_at) and sorted them, once per claim.
        Index(
            "ix_posts_scheduled_due",
            "state",
            "due_at",
            "id",
            sqlite_where=text("state = 'scheduled'"),
            postgresql_where=text("state = 'scheduled'"),
        ),
        # The lease reaper: expired leases, oldest first (`state` leads for the same reason).
        Index(
            "ix_posts_publishing_lease",
            "state",
            "lease_expires_at",
            sqlite_where=text("state = 'publishing'"),
            postgresql_where=text("state = 'publishing'"),
        ),
        Index("ix_posts_state_send_at", "state", "send_at", "id"),
        Index("ix_posts_channel_send_at", "channel_id", "send_at", "id"),
        # The queue's pages newest first filtered by state or channel: without these, a state
        # with no posts walked the whole primary key (32 ms at 100,000 posts on PostgreSQL).
        Index("ix_posts_state_id", "state", "id"),
        Index("ix_posts_channel_id_id", "channel_id", "id"),
        # The calendar's days: published posts by when they went out, the rest by send time,
        # with the columns it filters on, so a month is read from the index alone.
        Index(
            "ix_posts_calendar_slot",
            "published_at",
            "send_at",
            "state",
            "channel_id",
            "author_id",
            "id",
        ),
        # The clearance inbox: posts in review, oldest submission first, a page at a time.
        # Partial, so the worker's state changes never touch it (a claim moved every scheduled
        # post's entry, about 4 us a post in a burst).
        Index(
            "ix_posts_in_review_submitted",
            "state",
            "submitted_at",
            "id",
            sqlite_where=text("state = 'in_review'"),
            postgresql_where=text("state = 'in_review'"),
        ),
        # /health and /metrics count held posts: few, among many scheduled ones (`state` leads
        # so that SQLite chooses it, as above).
        Index(
            "ix_posts_held",
            "state",
            "due_at",
            sqlite_where=text("state = 'scheduled' AND hold_reason IS NOT NULL"),
            postgresql_where=text("state = 'scheduled' AND hold_reason IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    send_at: Mapped[datetime | None]
    release_id: Mapped[int | None] = mapped_column(ForeignKey("releases.id"), index=True)
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id"))
    thread_position: Mapped[int | None]
    twin_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"), unique=True)
    state: Mapped[PostState] = mapped_column(POST_STATE_ENUM, default=PostState.DRAFT)
    # Row version for optimistic concurrency: a stale write raises instead of overwriting.
    version: Mapped[int] = mapped_column(default=1)
    # Bumped on any change of text, time, channel or twin; approvals are for one content version.
    content_version: Mapped[int] = mapped_column(default=1)

    # Publishing bookkeeping, written by the worker.
    due_at: Mapped[datetime | None]
    hold_reason: Mapped[str | None] = mapped_column(Text)
    hold_until: Mapped[datetime | None]
    first_allowed_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None]
    external_id: Mapped[str | None] = mapped_column(String(200))
    published_at: Mapped[datetime | None]
    twin_gap_ms: Mapped[float | None]

    removed_at: Mapped[datetime | None]
    removal_reason: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    channel: Mapped[Channel] = relationship()
    author: Mapped[User] = relationship()
    release: Mapped[Release | None] = relationship()
    thread: Mapped[Thread | None] = relationship(back_populates="posts")
    # Twins point at each other; post_update writes the link after both rows exist, so saving
    # the pair is not a circular dependency.
    twin: Mapped[Post | None] = relationship(
        remote_side=[id], foreign_keys=[twin_id], post_update=True
    )
    approvals: Mapped[list[Approval]] = relationship(
        back_populates="post", cascade="all, delete-orphan", order_by="Approval.id"
    )
    # Everyone besides `author` who counts as an author of a content version (all versions).
    co_authors: Mapped[list[PostAuthor]] = relationship(
        foreign_keys="PostAuthor.post_id",
        cascade="all, delete-orphan",
        order_by="(PostAuthor.content_version, PostAuthor.user_id)",
    )
    media: Mapped[list[MediaAttachment]] = relationship(
        cascade="all, delete-orphan",
        order_by="(MediaAttachment.position, MediaAttachment.id)",
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def idempotency_key(self) -> str:
        """Return the key the platform sees: one per post and content version."""
        return f"gatepost-{self.id}-v{self.content_version}"

    def __repr__(self) -> str:
        return f"<Post {self.id} {self.state.value} v{self.content_version}>"


class Approval(Base):
    """One approver's clearance of one content version of a post."""

    __tablename__ = "approvals"
    __table_args__ = (
        # One live approval per approver and version; voided ones stay as history, so the same
        # approver may clear the same text again after it was sent back and resubmitted.
        Index(
            "uq_approvals_live",
            "post_id",
            "approver_id",
            "content_version",
            unique=True,
            sqlite_where=text("voided_at IS NULL"),
            postgresql_where=text("voided_at IS NULL"),
        ),
        CheckConstraint("(voided_at IS NULL) = (void_reason IS NULL)", name="voided_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    approver_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    content_version: Mapped[int]
    approved_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when an edit, a request for changes or a withdrawal means this approval no longer counts.
    voided_at: Mapped[datetime | None]
    void_reason: Mapped[str | None] = mapped_column(String(200))

    post: Mapped[Post] = relationship(back_populates="approvals")
    approver: Mapped[User] = relationship()


class PostAuthor(Base):
    """Someone besides the post's author who wrote part of one of its content versions.

    They changed its text, time, channel, images or twin, or a post clearing with it, since it
    was last cleared (or carried that into this version), so their approval of the version never
    counts. Written only by scheduler/clearance/authorship.py.
    """

    __tablename__ = "post_authors"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    content_version: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    #: The audit action of what they did ("edit", "twin_added", "image_attached", ...).
    action: Mapped[str] = mapped_column(String(40))
    #: For an edit, the fields changed, comma-separated ("text,send_at").
    changed: Mapped[str] = mapped_column(String(100), default="")
    #: The post they changed: this one, or another post that clears with it.
    source_post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class PostRevision(Base):
    """The text and time of one content version, kept to show what changed between reviews."""

    __tablename__ = "post_revisions"
    __table_args__ = (UniqueConstraint("post_id", "content_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    content_version: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    send_at: Mapped[datetime | None]
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PublishOverride(Base):
    """An admin's recorded decision to publish one content version outside the window."""

    __tablename__ = "publish_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    content_version: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    granted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    granted_by: Mapped[User] = relationship()

"""Notifications: what someone should know about a post, shown in the app and e-mailed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.models.base import Base, utcnow
from scheduler.models.post import Post
from scheduler.models.user import User


class Notification(Base):
    """One thing one person should know: a post waiting for them, sent back, sent, or failed."""

    __tablename__ = "notifications"
    __table_args__ = (
        # The same audit event never notifies the same person twice (the watermark's backstop).
        UniqueConstraint("user_id", "audit_event_id"),
        # The header's unread count and the notifications page, newest first.
        Index("ix_notifications_user_id_read_at_id", "user_id", "read_at", "id"),
        # The mail step's "not yet e-mailed" scan.
        Index("ix_notifications_emailed_at_id", "emailed_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    audit_event_id: Mapped[int | None] = mapped_column(ForeignKey("audit_events.id"))
    # Never the post's text: it may be under embargo, and e-mail leaves the access list's reach.
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    emailed_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
    post: Mapped[Post | None] = relationship()


class NotificationCursor(Base):
    """How far through the audit trail notifications have been made (one row)."""

    __tablename__ = "notification_cursor"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_audit_event_id: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

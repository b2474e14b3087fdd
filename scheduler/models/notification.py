"""Notifications: what someone should know about a clearance unit, shown in the app and e-mailed."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.models.audit import AuditEvent
from scheduler.models.base import Base, utcnow
from scheduler.models.post import Post
from scheduler.models.user import User


class EmailState(StrEnum):
    """Where a notification stands with e-mail."""

    #: To be e-mailed as it happens or in the next digest, by the person's choice then.
    WAITING = "waiting"
    #: Taken by a worker that is e-mailing it now (so no other worker sends it too).
    SENDING = "sending"
    #: E-mailed on its own.
    SENT = "sent"
    #: Listed in a daily digest.
    IN_DIGEST = "in_digest"
    #: Never to be e-mailed: the person wanted no e-mails, or read it before its digest.
    NOT_SENT = "not_sent"


class EmailChoice(StrEnum):
    """How a person wants their notifications e-mailed."""

    AS_IT_HAPPENS = "as_it_happens"
    DAILY_DIGEST = "daily_digest"
    NONE = "none"


def _values(kinds: type[StrEnum]) -> list[str]:
    return [kind.value for kind in kinds]


class Notification(Base):
    """One thing one person should know about one clearance unit (or one channel).

    Events of one kind for several posts of a unit (a thread and its twins) make one notification,
    which a later event of that kind updates while it is unread.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        # The same audit event never notifies the same person twice (the watermark's backstop):
        # it names the latest event that made or updated the notification.
        UniqueConstraint("user_id", "audit_event_id"),
        # The header's unread count.
        Index("ix_notifications_user_id_read_at_id", "user_id", "read_at", "id"),
        # The notifications page, newest (latest updated) first.
        Index("ix_notifications_user_id_updated_at_id", "user_id", "updated_at", "id"),
        # The unread notification of a unit that a later event updates, and marking a unit read.
        Index("ix_notifications_unit_post_id_user_id", "unit_post_id", "user_id"),
        # The mail step's "still to be e-mailed" scan.
        Index("ix_notifications_email_state_id", "email_state", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    #: The post the notification links to: the first of its unit's posts it is about.
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    #: The unit's first post, which names the unit; None: a unit of its own (a channel's notice,
    #: or a notification made before notifications were grouped).
    unit_post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    #: What happened, without its subject ("is waiting for your clearance"): events with other
    #: words (another reason) make a notification of their own.
    wording: Mapped[str] = mapped_column(String(300), default="")
    audit_event_id: Mapped[int | None] = mapped_column(ForeignKey("audit_events.id"))
    # Never the post's text: it may be under embargo, and e-mail leaves the access list's reach.
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When an event last made or updated it (its place in the list).
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    email_state: Mapped[EmailState] = mapped_column(
        Enum(
            EmailState,
            name="notification_email_state",
            native_enum=False,
            create_constraint=True,
            length=20,
            values_callable=_values,
        ),
        default=EmailState.WAITING,
    )
    emailed_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
    post: Mapped[Post | None] = relationship(foreign_keys=[post_id])
    #: The latest event that made or updated it (a channel's notice names its channel there).
    audit_event: Mapped[AuditEvent | None] = relationship()


class NotificationPost(Base):
    """A post a notification is about: a unit's notification counts the posts it covers."""

    __tablename__ = "notification_posts"

    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), primary_key=True
    )
    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class NotificationChoice(Base):
    """How one person wants notifications e-mailed; no row means each as it happens."""

    __tablename__ = "notification_choices"
    __table_args__ = (
        CheckConstraint(
            "email <> 'daily_digest' OR digest_time IS NOT NULL", name="digest_has_time"
        ),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    email: Mapped[EmailChoice] = mapped_column(
        Enum(
            EmailChoice,
            name="notification_email_choice",
            native_enum=False,
            create_constraint=True,
            length=20,
            values_callable=_values,
        ),
        default=EmailChoice.AS_IT_HAPPENS,
    )
    #: The local wall-clock time of the daily digest (in the configured time zone).
    digest_time: Mapped[time | None]
    #: The local day of the last digest taken by a worker: at most one a day, whoever sends it.
    last_digest_on: Mapped[date | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class NotificationCursor(Base):
    """How far through the audit trail notifications have been made (one row)."""

    __tablename__ = "notification_cursor"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_audit_event_id: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

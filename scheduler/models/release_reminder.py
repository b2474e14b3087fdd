"""What the release readiness reminders have sent: one row per release and reminder."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from scheduler.models.base import Base, utcnow


class ReleaseReminder(Base):
    """A reminder (or warning) sent about one release, so it is never sent twice.

    The unique key is the record: a second worker's insert of the same (release, kind, lead
    time) finds the row and sends nothing, whatever crashed or restarted in between.
    """

    __tablename__ = "release_reminders"
    __table_args__ = (
        UniqueConstraint("release_id", "kind", "lead_minutes"),
        CheckConstraint("lead_minutes >= 0", name="lead_minutes_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"))
    #: "lead_time": a reminder before the embargo; "unreadable_review": the warning that a post
    #: in review has no approver who may read it.
    kind: Mapped[str] = mapped_column(String(30))
    #: How long before the embargo the reminder was due, in minutes (0 for the warning).
    lead_minutes: Mapped[int] = mapped_column(default=0)
    #: The embargo it was sent for, and how many posts were not yet cleared then.
    embargo_at: Mapped[datetime]
    waiting: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Who sent it: the worker's actor label.
    sent_by: Mapped[str] = mapped_column(String(100), default="")
